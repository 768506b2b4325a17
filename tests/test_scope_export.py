"""Questions limited to an outlet or a date range, quote matches in publication order, and
answers exported as Markdown. Small corpora on two subjects, the fake embedder."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from rag.answer import answer_question
from rag.build import build_index
from rag.errors import InputError, SettingsError
from rag.export import answer_markdown, conversation_markdown
from rag.quotes import VERBATIM, check_quote
from rag.retrieve import Filters, search_sentences
from rag.settings import Settings
from rag.store import open_index

HARBOUR = {
    "gazette.md": ("The Harbour Gazette", "2024-03-02", "https://gazette.example/harbour-closed",
                   "Harbour closed after storm damages pier",
                   "The harbour was closed on Friday after the storm damaged the main pier, port officials said. "
                   "“We will reopen when the divers have checked every mooring,” said harbour master Tom Reyes. "
                   "Repairs to the pier are expected to cost 2 million euros."),
    "post.md": ("Northern Post", "2024-03-05", "https://post.example/pier",
                "Pier repairs to cost more than expected",
                "Repairs to the pier will cost 3 million euros, the council said on Tuesday. "
                "Harbour master Tom Reyes said: “We will reopen when the divers have checked every mooring.” "
                "Fishing boats have moved to the next bay."),
    "ledger.md": ("Daily Ledger", "2024-04-20", None,
                  "Harbour reopens seven weeks after storm",
                  "The harbour reopened on Saturday, seven weeks after the storm. "
                  "Reyes had said the port would reopen once divers checked the moorings. "
                  "The final cost of the pier repairs was 2.6 million euros."),
}
SCHOOL = {
    "times.md": ("Valley Times", "2025-09-01", "https://times.example/school", "New school opens its doors",
                 "The new school opened on Monday with 420 pupils, the head teacher said. "
                 "“It is the best day of my career,” said head teacher Amira Said. The building cost 9 million euros."),
    "herald.md": ("City Herald", "2025-09-03", None, "School opening draws crowds",
                  "Hundreds of parents came to the opening of the new school, which has 420 pupils. "
                  "Amira Said told parents: “It is the best day of my career.”"),
}


def write_corpus(folder, articles):
    folder.mkdir()
    for name, (outlet, day, url, title, body) in articles.items():
        front = f"---\ntitle: {title}\noutlet: {outlet}\npublished: {day}\n" + (f"url: {url}\n" if url else "") + "---\n"
        (folder / name).write_text(front + f"# {title}\n\n{body}\n", encoding="utf-8")
    return folder


@pytest.fixture(params=["harbour", "school"])
def subject(request, tmp_path, fake_embedder):
    articles = HARBOUR if request.param == "harbour" else SCHOOL
    settings = Settings(corpus_dir=write_corpus(tmp_path / "corpus", articles), index_dir=tmp_path / "index",
                        answer_mode="extractive", refuse_below=-1.0)
    build_index(settings, fake_embedder)
    return request.param, articles, settings, open_index(settings)


def test_an_answer_limited_to_an_outlet_cites_only_that_outlet(subject, fake_embedder):
    name, articles, settings, index = subject
    question = "How much did the repairs cost?" if name == "harbour" else "How many pupils does the school have?"
    everywhere = answer_question(question, index, fake_embedder, settings)
    assert len({c.outlet for c in everywhere.citations}) > 1
    outlet = sorted(o for o, *_ in articles.values())[1]
    limited = answer_question(question, index, fake_embedder, settings.with_overrides(outlet=outlet.split()[-1].lower()))
    assert limited.citations and {c.outlet for c in limited.citations} == {outlet}
    assert any(n.startswith("answered only from articles matching outlet") for n in limited.notes)


def test_a_date_range_limits_answers_and_quote_checks(subject, fake_embedder):
    name, articles, settings, index = subject
    days = sorted(day for _, day, *_ in articles.values())
    scoped = settings.with_overrides(published_from=days[-1])
    question = "What did the harbour master say?" if name == "harbour" else "What did the head teacher say?"
    answer = answer_question(question, index, fake_embedder, scoped)
    assert answer.citations and {c.published for c in answer.citations} == {days[-1]}
    words = "It is the best day of my career" if name == "school" else "We will reopen when the divers have checked every mooring"
    check = check_quote(words, index, settings.with_overrides(published_to=days[0]))
    assert [m.published for m in check.matches] == [days[0]]
    assert check.explanation.endswith(f"(only articles matching published to {days[0]} were searched)")


def test_filters_that_match_no_article_say_so_and_bad_dates_are_refused(subject, fake_embedder):
    _, _, settings, index = subject
    with pytest.raises(InputError, match=r"^no article matches outlet “Nobody”; the Library \(`rag library`\) lists"):
        answer_question("What happened?", index, fake_embedder, settings.with_overrides(outlet="Nobody"))
    with pytest.raises(SettingsError, match=r"^the start date '31/31/2024' is not a date; write it as YYYY-MM-DD"):
        settings.with_overrides(published_from="31/31/2024")
    assert settings.with_overrides(published_to="March 5, 2024").published_to == "2024-03-05"
    with pytest.raises(SettingsError, match="^the start date 2024-03-05 is after the end date 2024-03-01; swap them"):
        settings.with_overrides(published_from="2024-03-05", published_to="2024-03-01")


def test_sentence_search_within_filters_returns_only_their_articles(subject, fake_embedder):
    _, articles, settings, index = subject
    outlet = next(iter(articles.values()))[0]
    allowed = {d for d, doc in index.documents().items() if doc.outlet == outlet}
    vector = np.asarray(fake_embedder.embed_batch(["what did they say"])[0])
    vector /= np.linalg.norm(vector)
    ids = search_sentences("what did they say", index, vector, k=5, filters=Filters(outlet=outlet))
    assert ids and {s.doc_id for s in index.sentences_by_id(ids)} == allowed


def test_quote_matches_come_in_publication_order_and_name_the_first(subject):
    name, articles, settings, index = subject
    words = "We will reopen when the divers have checked every mooring" if name == "harbour" else "It is the best day of my career"
    check = check_quote(words, index, settings)
    published = [m.published for m in check.matches]
    assert len(published) >= 2 and published == sorted(published)
    first = next(m for m in check.matches if m.similarity >= VERBATIM)  # the earliest with the very words
    assert check.explanation.endswith(f"; these words were first published by {first.outlet} on {first.published}")


def test_outlets_that_published_the_words_on_the_same_first_day_are_all_named(tmp_path, fake_embedder):
    articles = {"a.md": ("Harbour Herald", "2024-03-04", None, "Storm", "“We will reopen soon,” said harbour master Tom Reyes."),
                "b.md": ("Coast Gazette", "2024-03-04", None, "Storm", "Harbour master Tom Reyes said: “We will reopen soon.”"),
                "c.md": ("Daily Ledger", "2024-03-09", None, "Storm", "“We will reopen soon,” Tom Reyes had said.")}
    settings = Settings(corpus_dir=write_corpus(tmp_path / "corpus", articles), index_dir=tmp_path / "index")
    build_index(settings, fake_embedder)
    check = check_quote("We will reopen soon", open_index(settings), settings)
    assert check.verdict == "verified"
    assert check.explanation.endswith("first published by Harbour Herald and Coast Gazette on 2024-03-04")


def test_markdown_export_numbers_every_source_with_title_outlet_date_address_and_passage(subject, fake_embedder):
    name, articles, settings, index = subject
    question = "How much did the repairs cost?" if name == "harbour" else "How many pupils does the school have?"
    answer = answer_question(question, index, fake_embedder, settings).to_json()
    text = answer_markdown(answer)
    assert text.startswith(f"## {question}\n")
    for c in answer["citations"]:
        outlet, day, url, title, _ = next(v for k, v in articles.items() if k == c["source"])
        line = next(l for l in text.splitlines() if l.startswith(f"{c['n']}. "))
        assert line == f"{c['n']}. *{title}*, {outlet}, {day}" + (f", <{url}>" if url else "")
        assert f"   > {c['text']}" in text.splitlines()
    assert set(re.findall(r"\[(\d+)\]", text)) == {str(c["n"]) for c in answer["citations"]}


def test_markdown_export_keeps_article_markup_inert_and_says_why_an_answer_is_missing():
    hostile = {"question": "Q?", "answer": "He said <script>x()</script> [1].", "refused": False, "notes": [],
               "citations": [{"n": 1, "source": "a.md", "title": "T", "outlet": None, "published": None,
                              "start": 0, "end": 5, "text": "*bold* <b>", "url": None}]}
    text = answer_markdown(hostile)
    assert "<script>" not in text and r"\<script\>" in text and r"\*bold\* \<b\>" in text
    refused = answer_markdown({"question": "Q?", "answer": "The articles do not say.", "refused": True,
                               "notes": ["refused: no article gives a figure"], "citations": []})
    assert refused.endswith("*no article gives a figure*\n") and "Sources" not in refused
    failed = conversation_markdown([{"question": "Q?", "error": "the question is empty"}])
    assert failed.startswith("# Questions to the articles\n") and "*Not answered: the question is empty*" in failed


def test_rag_ask_markdown_with_an_outlet(subject, monkeypatch, fake_embedder, capsys):
    from rag.cli import main

    name, articles, settings, _ = subject
    monkeypatch.setattr("rag.embed.SentenceTransformerEmbedder", lambda *a, **k: fake_embedder)
    monkeypatch.setattr("rag.cli.Settings", lambda: Settings(refuse_below=-1.0))  # the fake embedder scores low
    outlet = sorted(o for o, *_ in articles.values())[0]
    paths = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir), "--mode", "extractive"]
    question = "What did the harbour master say?" if name == "harbour" else "What did the head teacher say?"
    assert main(["ask", question, "--outlet", outlet, "--format", "markdown", *paths]) == 0
    out = capsys.readouterr().out
    sources = [l for l in out.splitlines() if re.match(r"\d+\. \*", l)]
    assert out.startswith(f"# {question}") and sources and all(f"*, {outlet}, " in l for l in sources)
    assert f"*Answered only from articles matching outlet “{outlet}”.*" in out.splitlines()  # a saved answer says it was limited
    assert main(["ask", question, "--outlet", outlet, "--json", *paths]) == 0
    assert {c["outlet"] for c in json.loads(capsys.readouterr().out)["citations"]} == {outlet}


def test_a_date_limit_says_how_many_undated_articles_it_left_out(subject, fake_embedder):
    name, articles, settings, _ = subject
    (settings.corpus_dir / "undated.md").write_text(
        "---\ntitle: Notes from the scene\noutlet: Valley Wire\n---\n\nThe repairs and the new school were talked about all week.\n",
        encoding="utf-8")
    build_index(settings, fake_embedder)
    index = open_index(settings)
    days = sorted(day for _, day, *_ in articles.values())
    scoped = settings.with_overrides(published_from=days[0])
    answer = answer_question("What did the head teacher say?", index, fake_embedder, scoped)
    assert any(n.endswith("(1 undated article left out: `rag library` lists them)") for n in answer.notes)
    check = check_quote("talked about all week", index, scoped)
    assert check.verdict == "not_found" and "1 undated article left out" in check.explanation
    outlet_only = answer_question("What did the head teacher say?", index, fake_embedder, settings.with_overrides(outlet="Valley"))
    assert not any("undated" in n for n in outlet_only.notes), "an outlet limit leaves out no article for its date"
