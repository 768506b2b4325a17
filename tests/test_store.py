import os

import pytest

from rag.build import build_index, ensure_index, index_lock
from rag.errors import CorpusError, IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError
from rag.manifest import corpus_changes, current_generation
from rag.store import open_index


def test_build_writes_manifest_faiss_and_sqlite(settings, fake_embedder):
    report = build_index(settings, fake_embedder)
    assert report.documents == 5 and report.chunks > 20 and report.embedded_documents == 5
    index = open_index(settings)
    assert index.manifest["settings"]["embed_model"] == settings.embed_model
    assert index.vectors.ntotal == report.chunks == index.query("SELECT COUNT(*) FROM chunks")[0][0]
    assert set(index.manifest["files"]) == {p.name for p in settings.corpus_dir.glob("*.txt")}
    texts = {p.name: p.read_text(encoding="utf-8") for p in settings.corpus_dir.glob("*.txt")}
    docs = index.documents()
    for chunk in index.chunks(list(range(index.vectors.ntotal))).values():
        assert texts[docs[chunk.doc_id].source][chunk.start : chunk.end] == chunk.text
    assert index.keyword_search('"abstentions"', 5)


def test_rebuild_embeds_only_new_or_changed_articles(settings, fake_embedder):
    build_index(settings, fake_embedder)
    before = fake_embedder.texts_embedded
    assert build_index(settings, fake_embedder).embedded_documents == 0
    assert fake_embedder.texts_embedded == before
    (settings.corpus_dir / "new.txt").write_text("A brand new article about the vote in Geneva.\n", encoding="utf-8")
    victim = next(settings.corpus_dir.glob("004_*.txt"))
    victim.unlink()
    report = build_index(settings, fake_embedder)
    assert (report.documents, report.embedded_documents) == (5, 1)
    sources = {d.source for d in open_index(settings).documents().values()}
    assert "new.txt" in sources and victim.name not in sources


def test_stale_index_is_detected_and_updated(settings, fake_embedder):
    build_index(settings, fake_embedder)
    index = open_index(settings)
    assert not corpus_changes(index, settings.corpus_dir)
    (settings.corpus_dir / "extra.md").write_text("Extra article text.\n", encoding="utf-8")
    changes = corpus_changes(index, settings.corpus_dir)
    assert changes.added == ("extra.md",) and "1 new" in changes.describe()
    messages = []
    updated = ensure_index(settings, fake_embedder, log=messages.append)
    assert any("stale" in m for m in messages)
    assert "extra.md" in {d.source for d in updated.documents().values()}


def test_missing_index_is_built_on_demand(settings, fake_embedder):
    with pytest.raises(IndexMissingError, match="rag index"):
        open_index(settings)
    assert ensure_index(settings, fake_embedder).vectors.ntotal > 0


def test_index_built_with_other_settings_is_refused(settings, fake_embedder):
    build_index(settings, fake_embedder)
    with pytest.raises(IndexMismatchError, match="chunk_max_words.*rag index"):
        open_index(settings.with_overrides(chunk_max_words=30))


def test_corrupt_faiss_file_is_reported_and_repaired(settings, fake_embedder):
    build_index(settings, fake_embedder)
    (current_generation(settings.index_dir) / "chunks.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="rag index"):
        open_index(settings)
    build_index(settings, fake_embedder)
    assert open_index(settings).vectors.ntotal > 0


def test_truncated_database_is_reported(settings, fake_embedder):
    build_index(settings, fake_embedder)
    db = current_generation(settings.index_dir) / "meta.sqlite"
    db.write_bytes(db.read_bytes()[:1000])
    with pytest.raises(IndexCorruptError):
        open_index(settings)


def test_older_format_is_refused_by_open_and_rebuilt_by_ensure(settings, fake_embedder):
    build_index(settings, fake_embedder)
    manifest = current_generation(settings.index_dir) / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"format_version": 2', '"format_version": 1'))
    with pytest.raises(IndexMismatchError, match="another version of rag"):
        open_index(settings)
    said = []
    index = ensure_index(settings, fake_embedder, log=said.append)
    assert index.manifest["format_version"] == 2 and index.vectors.ntotal > 0
    assert "rebuilding it from" in said[0] and "format 1" in said[0]


def test_other_settings_are_refused_not_rebuilt(settings, fake_embedder):
    build_index(settings, fake_embedder)
    with pytest.raises(IndexMismatchError, match="other settings.*rag index"):
        ensure_index(settings.with_overrides(chunk_max_words=settings.chunk_max_words + 20), fake_embedder)


def test_second_writer_is_refused_while_lock_held(settings, fake_embedder):
    with index_lock(settings.index_dir):
        with pytest.raises(IndexBusyError, match=str(os.getpid())):
            build_index(settings, fake_embedder)


def test_empty_corpus_is_a_clear_error(tmp_path, fake_embedder, settings):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("")
    with pytest.raises(CorpusError, match="no readable article.*blank.txt: empty"):
        build_index(settings.with_overrides(corpus_dir=empty), fake_embedder)
    with pytest.raises(CorpusError, match="not found"):
        build_index(settings.with_overrides(corpus_dir=tmp_path / "nope"), fake_embedder)


def test_duplicate_files_are_indexed_once(settings, fake_embedder):
    original = next(settings.corpus_dir.glob("002_*.txt"))
    (settings.corpus_dir / "renamed-copy.txt").write_bytes(original.read_bytes())
    report = build_index(settings, fake_embedder)
    assert report.documents == 5
    doc = next(d for d in open_index(settings).documents().values() if d.source == original.name)
    assert doc.aliases == ("renamed-copy.txt",)


def test_failed_build_leaves_previous_index_in_use(settings, fake_embedder, monkeypatch):
    build_index(settings, fake_embedder)
    before = current_generation(settings.index_dir)
    (settings.corpus_dir / "new.txt").write_text("Words.\n", encoding="utf-8")

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("rag.build._write_database", explode)
    with pytest.raises(OSError):
        build_index(settings, fake_embedder)
    assert current_generation(settings.index_dir) == before
    assert open_index(settings).vectors.ntotal > 0


def test_large_collections_get_an_approximate_index_that_still_finds_neighbours(monkeypatch):
    import numpy as np

    from rag import build

    monkeypatch.setattr(build, "FLAT_INDEX_LIMIT", 100)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = build.make_vector_index(vectors, 32)
    assert "HNSW" in type(index).__name__
    _, ids = index.search(vectors[:20], 1)
    assert (ids[:, 0] == np.arange(20)).mean() >= 0.9
    small = build.make_vector_index(vectors[:50], 32)
    assert type(small).__name__ == "IndexFlatIP"


def test_index_reports_new_or_changed_articles_and_missing_metadata(settings, fake_embedder):
    first = build_index(settings, fake_embedder)
    assert len(first.articles) == 5 and any("Associated Press · 2023-02-23" in line for line in first.articles)
    assert any(w.startswith("004_") and "no title, outlet or date" in w for w in first.warnings)
    assert all("kept" in line and "boilerplate" in line for line in first.articles)
    assert build_index(settings, fake_embedder).articles == []  # nothing new, nothing printed
    (settings.corpus_dir / "new.txt").write_text("Quake hits coast\n\nTOKYO (Kyodo) — A quake struck on Monday, officials said.\n", encoding="utf-8")
    report = build_index(settings, fake_embedder)
    assert [line.split(":")[0] for line in report.articles] == ["new.txt"]
    assert "“Quake hits coast” · Kyodo · (no date)" in report.articles[0]
    assert report.warnings == [
        "new.txt: no date found; if the article states it, set it in the Library tab or in new.meta.json"
    ]
    assert "new.txt" in report.details() and report.summary() in report.details()


def test_a_correction_in_the_sidecar_makes_the_index_stale_and_wins(settings, fake_embedder):
    from rag.ingest import correct_metadata

    build_index(settings, fake_embedder)
    target = next(settings.corpus_dir.glob("004_*.txt")).name
    sidecar = correct_metadata(settings.corpus_dir, target, outlet="The Independent", published="2025-02-24", title=None)
    assert sidecar.name == target.replace(".txt", ".meta.json")
    changes = corpus_changes(open_index(settings), settings.corpus_dir)
    assert changes.changed == (target,)
    embedded_before = fake_embedder.texts_embedded
    index = ensure_index(settings, fake_embedder)
    doc = next(d for d in index.documents().values() if d.source == target)
    assert (doc.outlet, doc.published, doc.title) == ("The Independent", "2025-02-24", None)
    assert fake_embedder.texts_embedded > embedded_before  # its chunks carry the new outlet and date
    correct_metadata(settings.corpus_dir, target, outlet="")  # emptied: the text's own value again
    doc = next(d for d in ensure_index(settings, fake_embedder).documents().values() if d.source == target)
    assert (doc.outlet, doc.published) == (None, "2025-02-24")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        correct_metadata(settings.corpus_dir, target, published="last Tuesday")


def test_an_outlet_table_change_makes_the_index_stale(settings, fake_embedder):
    build_index(settings, fake_embedder)
    (settings.corpus_dir / "outlets.json").write_text('{"example.org": "Example Daily"}', encoding="utf-8")
    assert corpus_changes(open_index(settings), settings.corpus_dir).changed == ("outlets.json",)


def test_library_and_show_commands(settings, fake_embedder, capsys, monkeypatch):
    import json

    from rag.cli import main

    monkeypatch.setattr("rag.embed.SentenceTransformerEmbedder", lambda *a, **k: fake_embedder)
    paths = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    assert main(["index", *paths]) == 0
    printed = capsys.readouterr()
    assert printed.out.count("kept ") == 5 and "warning: 004_" in printed.err
    assert main(["library", "--json", *paths]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["source"][:3] for r in rows] == ["000", "001", "002", "003", "004"]
    assert {k for k in rows[0]} >= {"source", "title", "outlet", "published", "author"}
    assert (rows[0]["outlet"], rows[0]["published"]) == ("Associated Press", "2023-02-23")
    assert main(["library", *paths]) == 0 and "5 articles; no title: 3" in capsys.readouterr().out
    seed = rows[2]["source"]
    assert main(["show", seed, *paths]) == 0
    assert capsys.readouterr().out == (settings.corpus_dir / seed).read_text(encoding="utf-8")


def test_a_skipped_file_does_not_make_the_index_stale_until_it_changes(settings, fake_embedder):
    empty = settings.corpus_dir / "empty.txt"
    empty.write_text("", encoding="utf-8")
    report = build_index(settings, fake_embedder)
    assert [s.name for s in report.skipped] == ["empty.txt"]
    assert not corpus_changes(open_index(settings), settings.corpus_dir)
    empty.write_text("Storm closes port\n\nThe port closed on Friday after the storm, officials said.\n", encoding="utf-8")
    assert corpus_changes(open_index(settings), settings.corpus_dir).added == ("empty.txt",)


def test_the_index_remembers_its_corpus_folder_for_commands_given_only_index(settings, fake_embedder):
    from rag.cli import build_parser, settings_from
    from rag.manifest import recorded_corpus

    build_index(settings, fake_embedder)
    assert recorded_corpus(settings.index_dir) == settings.corpus_dir.resolve()
    args = build_parser().parse_args(["library", "--index", str(settings.index_dir)])
    assert settings_from(args).corpus_dir == settings.corpus_dir.resolve()
    assert recorded_corpus(settings.index_dir.parent / "no-index-here") is None


def test_library_table_has_a_header_a_row_per_article_and_counts_what_is_missing(settings, fake_embedder):
    from rag.library import entries, format_table

    build_index(settings, fake_embedder)
    rows = entries(open_index(settings))
    lines = format_table(rows).splitlines()
    assert lines[0].split("\t") == ["source", "date", "outlet", "title", "author"]
    assert sorted(line.split("\t")[0] for line in lines[1:-1]) == sorted(p.name for p in settings.corpus_dir.glob("*.txt"))
    undated = sum(1 for e in rows if not e.published)
    assert lines[-1].startswith(f"{len(rows)} articles;") and f"no date: {undated}" in lines[-1]
