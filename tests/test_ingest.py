import json
from pathlib import Path

import pytest

from rag.ingest import load_corpus, parse_document, read_text

from conftest import SEEDS


def seed(name_prefix: str) -> tuple[str, str]:
    path = next(SEEDS.glob(f"{name_prefix}_*.txt"))
    return path.name, path.read_text(encoding="utf-8")


def boilerplate_texts(doc) -> list[str]:
    return [doc.text[b.start : b.end] for b in doc.boilerplate]


def test_photo_captions_and_credits_are_boilerplate_but_quotes_are_content():
    name, text = seed("000")
    doc = parse_document(text, name)
    removed = boilerplate_texts(doc)
    assert sum("(AP Photo/John Minchillo)" in line for line in removed) == 2  # repeated caption, both times
    assert any(line.startswith("FILE –") for line in removed)
    assert any("Photo: Evgeniy Maloletka" in line for line in removed)
    kept = [doc.text[p.start : p.end] for p in doc.content_paragraphs]
    assert any("not only our compassion" in line for line in kept)
    assert not any("AP Photo" in line for line in kept)


def test_site_chrome_donations_and_link_lists_are_boilerplate():
    name, text = seed("001")
    doc = parse_document(text, name)
    kinds = {doc.text[b.start : b.end][:25]: b.kind for b in doc.boilerplate}
    assert kinds["Copyright © 2021 Euromaid"] == "copyright"
    assert kinds["Privacy and Cookie Polici"] == "policy"
    assert kinds["Read also:"] == "links"
    assert kinds["Ukraine initiates a compl"] == "links"
    assert any(b.kind == "donation" and "Become a Patron" in doc.text[b.start : b.end] for b in doc.boilerplate)
    assert any(b.kind == "repeated" for b in doc.boilerplate)  # the headline printed twice
    kept = " ".join(doc.text[p.start : p.end] for p in doc.content_paragraphs)
    assert "32 other countries" in kept and "Become a Patron" not in kept and "Ctrl + Enter" not in kept


def test_caption_with_trailing_agency_credit_line():
    name, text = seed("003")
    doc = parse_document(text, name)
    assert "United Nations in New York City" in boilerplate_texts(doc)
    assert "AFP" in boilerplate_texts(doc)


def test_metadata_from_datelines_and_copyright_lines():
    expected = {
        "000": ("UN Approves Resolution Calling for Russia To Leave Ukraine", "Associated Press", "2023-02-23"),
        "001": ("UN General Assembly calls on Russia to withdraw its forces from Ukraine", "Euromaidan Press", None),
        "002": (None, "Kyodo", "2023-02-23"),
        "004": (None, None, None),
    }
    for prefix, (title, outlet, published) in expected.items():
        doc = parse_document(seed(prefix)[1], prefix)
        assert (doc.title, doc.outlet, doc.published) == (title, outlet, published), prefix


def test_dates_in_the_body_are_never_the_article_date():
    # Formerly the first date written with its weekday won; a body date is an event's date.
    doc = parse_document("Headline\n\nKYIV (Reuters) — Text on Tuesday, March 4, 2025. A vote is set for June 1, 2025.\n", "x.txt")
    assert (doc.outlet, doc.published) == ("Reuters", None)


def test_sidecar_overrides_metadata(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Some Title\n\nBody text (AP) — here.\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"outlet": "The Guardian", "published": "2024-01-02"}', encoding="utf-8")
    docs, skipped = load_corpus(tmp_path)
    assert skipped == []
    assert (docs[0].outlet, docs[0].published, docs[0].title) == ("The Guardian", "2024-01-02", "Some Title")


@pytest.mark.parametrize(
    "payload, reason",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("caf\xe9 au lait".encode("latin-1"), "not UTF-8"),
        ("hello".encode("utf-16"), "UTF-16"),
    ],
)
def test_unreadable_files_are_skipped_with_a_reason(tmp_path: Path, payload: bytes, reason: str):
    (tmp_path / "good.txt").write_text("A real sentence about the vote.\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(payload)
    docs, skipped = load_corpus(tmp_path)
    assert [d.source for d in docs] == ["good.txt"]
    assert len(skipped) == 1 and skipped[0].name == "bad.txt" and reason in skipped[0].reason


def test_identical_articles_are_one_document_with_both_names(tmp_path: Path):
    for name in ("a.txt", "copy.md"):
        (tmp_path / name).write_text("Same words in both files.\n", encoding="utf-8")
    docs, _ = load_corpus(tmp_path)
    assert len(docs) == 1 and docs[0].source == "a.txt" and docs[0].aliases == ["copy.md"]


def test_only_boilerplate_file_is_skipped(tmp_path: Path):
    (tmp_path / "chrome.txt").write_text("Copyright © 2024 Example.com\n\nPrivacy and Cookie Policies.\n", encoding="utf-8")
    (tmp_path / "real.txt").write_text("The assembly voted on Thursday.\n", encoding="utf-8")
    docs, skipped = load_corpus(tmp_path)
    assert [d.source for d in docs] == ["real.txt"]
    assert skipped[0].name == "chrome.txt" and "boilerplate" in skipped[0].reason


def test_crlf_offsets_match_python_text_mode(tmp_path: Path):
    path = tmp_path / "dos.txt"
    path.write_bytes(b"Title\r\n\r\nFirst line here.\r\n")
    assert read_text(path) == open(path, encoding="utf-8").read()


def test_a_removed_article_is_moved_aside_with_its_sidecar_and_never_read_again(tmp_path):
    from rag.ingest import correct_metadata, remove_article

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("storm.txt", "budget.md"):
        (corpus / name).write_text(f"A headline about {name}\n\nA paragraph of the article about {name} with words.\n", encoding="utf-8")
    correct_metadata(corpus, "storm.txt", outlet="Harbour Gazette")
    kept = remove_article(corpus, "storm.txt")
    assert kept == corpus / ".removed" / "storm.txt" and kept.read_text(encoding="utf-8").startswith("A headline about storm.txt")
    assert json.loads((corpus / ".removed" / "storm.txt.meta.json").read_text(encoding="utf-8")) == {"outlet": "Harbour Gazette"}
    assert sorted(p.name for p in corpus.iterdir()) == [".removed", "budget.md"]
    documents, skipped = load_corpus(corpus)
    assert [d.source for d in documents] == ["budget.md"] and not skipped
    (corpus / "storm.txt").write_text("Another storm story\n\nNew text of a new article.\n", encoding="utf-8")
    assert remove_article(corpus, "storm.txt") == corpus / ".removed" / "storm-2.txt"  # an earlier removal is kept too
