"""The sharded store reads exactly like the unsharded one: same rows, same vectors, same keyword
scores (global BM25 statistics), same search results, same answers to quote checks."""

import json
import shutil

import numpy as np
import pytest

from rag.build import build_index, plan_document
from rag.errors import IndexCorruptError
from rag.manifest import current_generation
from rag.quotes import check_quote
from rag.retrieve import Filters, fts_query, search, search_sentences
from rag.shards import ShardedIndex, shard_of, split_phrases, write_shards
from rag.store import open_index

from conftest import DEV_SET, ROOT

OTHER_EVENT = ROOT.parent / "shared" / "corpora" / "venezuela-election-2024"


@pytest.fixture
def two_events(tmp_path, seed_corpus):
    """The seeds and a second event's 13 articles: 18 articles spread over every shard."""
    for path in (OTHER_EVENT / "articles").iterdir():
        shutil.copy(path, seed_corpus / path.name)
    return seed_corpus


def questions() -> list[str]:
    items = [json.loads(line) for path in (DEV_SET, OTHER_EVENT / "dev.jsonl") for line in open(path, encoding="utf-8")]
    return [i.get("question") or i["quote"] for i in items] + ["vote", "Russia", "U.S. abstentions", "Machado"]


def built(settings, embedder, shards):
    configured = settings.with_overrides(index_dir=settings.index_dir.parent / f"index-{shards}", index_shards=shards)
    build_index(configured, embedder)
    return configured, open_index(configured)


def test_sharded_index_gives_the_unsharded_rows_scores_and_results(settings, fake_embedder, two_events):
    one_settings, one = built(settings, fake_embedder, 1)
    four_settings, four = built(settings, fake_embedder, 4)
    assert isinstance(four, ShardedIndex) and [s["chunks"] > 0 for s in four.manifest["shards"]] == [True] * 4
    assert four.vectors.ntotal == one.vectors.ntotal
    ids = list(range(one.vectors.ntotal))
    assert four.chunks(ids) == one.chunks(ids) and list(four.chunks(ids)) == list(one.chunks(ids))
    assert four.all_sentences() == one.all_sentences()
    assert four.sentences_by_id([9, 2, 40, 10**6]) == one.sentences_by_id([9, 2, 40, 10**6])
    assert four.documents() == one.documents() and list(four.documents()) == list(one.documents())
    assert four.chunk_counts() == one.chunk_counts()
    for doc_id in one.documents():
        assert four.sentences_in(doc_id, 100, 2000) == one.sentences_in(doc_id, 100, 2000)
    rows = [0, 7, len(one.sentence_vectors) - 1, 3]
    assert np.array_equal(four.sentence_vectors[rows], one.sentence_vectors[rows])
    assert np.array_equal(four.sentence_vectors[5], one.sentence_vectors[5])
    assert np.array_equal(four.vectors.reconstruct_n(0, four.vectors.ntotal), one.vectors.reconstruct_n(0, one.vectors.ntotal))
    for question in questions():
        for table in ("chunks_fts", "sentences_fts"):
            expected = one.keyword_search(fts_query(question), 1000, table)
            assert four.keyword_search(fts_query(question), 1000, table) == expected, (question, table)
        phrase = '"' + " ".join(question.replace('"', "").split()[:3]) + '"'
        assert four.keyword_search(phrase, 50, "sentences_fts") == one.keyword_search(phrase, 50, "sentences_fts")
        vector = fake_embedder.embed_batch([question])[0]
        vector = vector / np.linalg.norm(vector)
        assert four.dense_search(vector, 30) == one.dense_search(vector, 30)
        assert search_sentences(question, four, vector) == search_sentences(question, one, vector)
        # one product per shard: BLAS adds up in another order than on the whole matrix
        assert np.allclose(four.sentence_vectors @ vector, one.sentence_vectors @ vector, rtol=0, atol=1e-6)
        key = [(h.chunk_id, h.source, h.start, h.end, h.text, h.score) for h in search(question, one, fake_embedder, one_settings)]
        assert [(h.chunk_id, h.source, h.start, h.end, h.text, h.score) for h in search(question, four, fake_embedder, four_settings)] == key
    filters = Filters(published_from="2024-01-01")
    assert search("who won", four, fake_embedder, four_settings, filters=filters) == search("who won", one, fake_embedder, one_settings, filters=filters)
    for quote in ("We won, and everyone knows it", "not only our compassion"):
        a, b = check_quote(quote, one, one_settings).to_json(), check_quote(quote, four, four_settings).to_json()
        a.pop("timings_ms"), b.pop("timings_ms")
        assert a == b


def test_shards_hold_whole_articles_and_the_manifest_is_the_unsharded_one(settings, fake_embedder, two_events):
    _, one = built(settings, fake_embedder, 1)
    _, three = built(settings, fake_embedder, 3)
    for n, shard in enumerate(three.shards):
        assert all(shard_of(d, 3) == n for d in shard.documents())
    plain = {k: v for k, v in one.manifest.items() if k != "built_at"}
    assert {k: v for k, v in three.manifest.items() if k not in ("built_at", "shards")} == plain
    assert sum(s["chunks"] for s in three.manifest["shards"]) == one.manifest["chunks"]


def test_shards_written_by_parallel_processes_equal_those_written_inline(tmp_path, settings, fake_embedder):
    from rag.ingest import load_corpus

    documents, _ = load_corpus(settings.corpus_dir)
    per_doc = [plan_document(d, settings) for d in documents]
    rng = np.random.default_rng(0)
    chunks = rng.normal(size=(sum(len(c) for _, c, _ in per_doc), 8)).astype(np.float32)
    sentences = rng.normal(size=(sum(len(s) for _, _, s in per_doc), 8)).astype(np.float32)
    (tmp_path / "inline").mkdir(), (tmp_path / "parallel").mkdir()
    inline = write_shards(tmp_path / "inline", per_doc, chunks, sentences, 2, workers=1)
    parallel = write_shards(tmp_path / "parallel", per_doc, chunks, sentences, 2, workers=2)
    assert inline == parallel
    for record in inline:
        for name in ("chunk_ids", "sentence_ids", "chunk_tokens", "sentence_tokens", "sentences"):
            assert np.array_equal(np.load(tmp_path / "inline" / record["name"] / f"{name}.npy"),
                                  np.load(tmp_path / "parallel" / record["name"] / f"{name}.npy"))


def test_updates_keep_the_shard_count_and_reuse_vectors_across_layouts(settings, fake_embedder):
    build_index(settings.with_overrides(index_shards=3), fake_embedder)
    (settings.corpus_dir / "new.txt").write_text("A brand new article about the vote in Geneva.\n", encoding="utf-8")
    before = fake_embedder.texts_embedded
    report = build_index(settings, fake_embedder)  # index_shards=0: keep what the index has
    assert report.embedded_documents == 1 and fake_embedder.texts_embedded - before == 2
    assert len(open_index(settings).manifest["shards"]) == 3
    assert build_index(settings.with_overrides(index_shards=1), fake_embedder).embedded_documents == 0
    assert "shards" not in open_index(settings).manifest
    assert build_index(settings.with_overrides(index_shards=2), fake_embedder).embedded_documents == 0


def test_a_damaged_shard_is_reported_with_what_to_do(settings, fake_embedder):
    build_index(settings.with_overrides(index_shards=2), fake_embedder)
    (current_generation(settings.index_dir) / "shard-01" / "chunk_ids.npy").unlink()
    with pytest.raises(IndexCorruptError, match="damaged.*rag index"):
        open_index(settings)


@pytest.mark.parametrize("expression", ['"a" AND "b"', '"a" "b"', 'NEAR("a" "b")', '"a" OR', "a*", "(a OR b)"])
def test_sharded_keyword_search_refuses_expressions_it_cannot_score_globally(expression):
    with pytest.raises(ValueError, match="phrases joined by OR"):
        split_phrases(expression)


def test_split_phrases_reads_what_fts_query_builds():
    assert split_phrases('"vote" OR "favour" OR "u.s"') == ['"vote"', '"favour"', '"u.s"']
    assert split_phrases('"say ""no"" twice"') == ['"say ""no"" twice"']
    assert split_phrases("abstentions") == ["abstentions"]


def test_every_article_text_is_found_in_its_shard(settings, fake_embedder):
    from rag.errors import RagError

    shutil.copy(ROOT / "tests" / "data" / "wildfire-page.html", settings.corpus_dir / "wildfire-page.html")
    build_index(settings.with_overrides(index_shards=3), fake_embedder)
    index = open_index(settings)
    assert len(index.shards) == 3
    for doc in index.documents().values():
        text = index.document_text(doc.source)
        expected = (settings.corpus_dir / doc.source).read_text(encoding="utf-8")
        assert text == expected if doc.source.endswith(".txt") else text.startswith("Wildfire forces 3,000")
    with pytest.raises(RagError, match="rag library"):
        index.document_text("missing.txt")
