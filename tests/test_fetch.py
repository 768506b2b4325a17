"""Adding articles by web address and by feed, against a local server (tests/local_web.py):
every failure is one line and leaves the corpus folder exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_web import LocalWeb
from rag.fetch import FetchError, Known, add_feed, add_url, canonical_url, fetch, known_articles
from rag.ingest import load_corpus


@pytest.fixture(scope="module")
def web():
    with LocalWeb(articles=4, slow_seconds=2.0) as server:
        yield server


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "existing.txt").write_text("An article already here.\n\nIt has two paragraphs of its own text.\n", encoding="utf-8")
    return folder


def test_a_page_is_kept_as_saved_html_with_its_address_and_fetch_time(web, corpus):
    outcome = add_url(corpus, web.url(web.articles[0]), Known())
    assert outcome.error is None and outcome.path is not None and outcome.path.suffix == ".html"
    sidecar = json.loads(outcome.path.with_suffix(".meta.json").read_text(encoding="utf-8"))
    assert sidecar["url"] == web.url(web.articles[0]) and sidecar["fetched"].startswith("20")
    documents, skipped = load_corpus(corpus)
    page = next(d for d in documents if d.source == outcome.path.name)
    assert not skipped and page.url == web.url(web.articles[0])
    assert page.outlet in ("The Harbour Gazette", "Northern Post", "Daily Ledger") and page.published.startswith("2024-")
    assert "people had been affected" in page.text and "<p>" not in page.text
    assert outcome.line().startswith(f"added {outcome.path.name}: “")


@pytest.mark.parametrize(
    "path, fetcher_options, message",
    [
        ("/broken", {}, "the server answered HTTP 500 Internal Server Error"),
        ("/missing.html", {}, "the server answered HTTP 404 Not Found"),
        ("/loop-a", {}, "a redirect loop, or more than 5 redirects"),
        ("/slow.html", {"timeout": 0.5}, "no answer from 127.0.0.1 within 0.5 s"),
        ("/report.pdf", {}, "not a web page but application/pdf"),
        ("/menu.html", {}, "no article text found in this page"),
        ("/listing/", {}, "no article text found in this page, only short lines (a menu, a list of links)"),
        ("/paywall.html", {}, "a paywall stub"),
        ("/big.html", {"max_bytes": 1_000_000}, "the page is 7.2 MB; the limit is 1 MB"),
    ],
)
def test_each_failure_is_one_line_and_leaves_the_corpus_as_it_was(web, corpus, path, fetcher_options, message):
    before = snapshot(corpus)
    outcome = add_url(corpus, web.url(path), Known(), lambda url: fetch(url, **fetcher_options))
    assert outcome.path is None and outcome.error.startswith(message), outcome.error
    assert "\n" not in outcome.line() and outcome.line().startswith(f"failed {web.url(path)}: ")
    assert snapshot(corpus) == before


def test_an_unreachable_host_and_a_non_web_address_fail_cleanly(corpus):
    before = snapshot(corpus)
    refused = add_url(corpus, "http://127.0.0.1:1/news.html", Known())
    assert refused.error.startswith("cannot reach 127.0.0.1 (") and "check the address" in refused.error
    not_web = add_url(corpus, "file:///etc/passwd", Known())
    assert not_web.error.startswith("'file:///etc/passwd' is not a web address")
    assert snapshot(corpus) == before


def test_duplicates_by_address_redirect_or_text_are_skipped_and_said_so(web, corpus):
    known = known_articles(corpus)
    first = add_url(corpus, web.url(web.articles[0]), known)
    before = snapshot(corpus)
    for url in (web.url(web.articles[0]) + "?utm_source=feed", web.url("/redirect"), web.url("/mirror.html")):
        outcome = add_url(corpus, url, known)
        assert outcome.skipped == f"already in the corpus as {first.path.name}", url
    assert snapshot(corpus) == before
    again = known_articles(corpus)  # a later run finds the address in the sidecar
    assert add_url(corpus, web.url(web.articles[0]), again).skipped == f"already in the corpus as {first.path.name}"


def test_canonical_addresses_ignore_case_www_tracking_and_trailing_slash():
    assert canonical_url("HTTPS://WWW.Example.org/news/a/?utm_source=x&id=3#top") == "https://example.org/news/a?id=3"
    assert canonical_url("https://example.org/news/a") != canonical_url("https://example.org/news/b")


def test_a_feed_adds_each_new_article_once_and_skips_what_is_there(web, corpus):
    known = known_articles(corpus)
    add_url(corpus, web.url(web.articles[1]), known)
    lines = []
    outcomes = add_feed(corpus, web.url("/feed.xml"), known, pause=0, on_each=lambda o: lines.append(o.line()))
    assert [o.url for o in outcomes] == [web.url(p) for p in web.articles]
    assert [bool(o.path) for o in outcomes] == [True, False, True, True]
    assert outcomes[1].skipped and lines[1].startswith("skipped ")
    assert len(list(corpus.glob("*.html"))) == 4
    before = snapshot(corpus)
    second = add_feed(corpus, web.url("/feed.xml"), known_articles(corpus), pause=0)
    assert all(o.skipped for o in second) and snapshot(corpus) == before


@pytest.mark.parametrize("path", ["/empty-feed.xml", "/menu.html"])
def test_a_feed_that_lists_nothing_is_one_error_and_adds_nothing(web, corpus, path):
    before = snapshot(corpus)
    with pytest.raises(FetchError, match="^not a feed, or a feed that lists no articles"):
        add_feed(corpus, web.url(path), Known(), pause=0)
    assert snapshot(corpus) == before


def test_rag_add_reports_each_address_and_indexes_what_it_added(web, corpus, tmp_path, monkeypatch, fake_embedder, capsys):
    from rag.cli import main

    monkeypatch.setattr("rag.embed.SentenceTransformerEmbedder", lambda *a, **k: fake_embedder)
    paths = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    code = main(["add", web.url(web.articles[2]), web.url("/broken"), *paths])
    out, err = capsys.readouterr()
    assert code == 2  # one address failed
    assert "added " in out and "1 added, 0 already in the corpus, 1 failed" in out
    assert err.strip().startswith(f"error: failed {web.url('/broken')}: the server answered HTTP 500 Internal Server Error; ")
    assert len(err.strip().splitlines()) == 1
    assert main(["library", "--json", *paths]) == 0
    library = json.loads(capsys.readouterr().out)
    assert any(row["url"] == web.url(web.articles[2]) for row in library)
    assert main(["add", web.url(web.articles[2]), *paths]) == 0
    assert "0 added, 1 already in the corpus, 0 failed" in capsys.readouterr().out


def test_a_page_s_own_address_is_read_when_the_extractor_finds_none_and_a_fetched_address_is_known(corpus):
    from rag.fetch import declared_url

    page = b'<html><head><meta property="og:url" content="https://www.rollingstone.com/music/doobie"></head><body></body></html>'
    assert declared_url(page) == "https://www.rollingstone.com/music/doobie"
    assert declared_url(b'<html><head><link rel="canonical" href="/relative"></head></html>') is None
    assert declared_url(b"\x00\x01 not html") is None
    (corpus / "doobie.html").write_bytes(page)
    (corpus / "doobie.meta.json").write_text(json.dumps({"url": "https://rollingstone.com/music/doobie",
                                                          "fetched_url": "http://127.0.0.1:8765/news/doobie.html"}))
    known = known_articles(corpus)
    assert known.duplicate_of(["http://127.0.0.1:8765/news/doobie.html"]) == "doobie.html"  # a feed's link: not fetched again


def test_a_feed_pauses_between_the_pages_it_fetches_and_never_for_a_known_link(web, corpus, monkeypatch):
    pauses = []
    monkeypatch.setattr("rag.fetch.time.sleep", pauses.append)
    known = known_articles(corpus)
    add_url(corpus, web.url(web.articles[0]), known)
    outcomes = add_feed(corpus, web.url("/feed.xml"), known, pause=0.5)
    assert [bool(o.path) for o in outcomes] == [False, True, True, True] and pauses == [0.5, 0.5]
    pauses.clear()
    assert all(o.skipped for o in add_feed(corpus, web.url("/feed.xml"), known, pause=0.5)) and pauses == []
