from rag.build import build_index
from rag.retrieve import Filters, diversify, fts_query, keywords, reciprocal_rank_fusion, search
from rag.store import open_index


def test_keywords_drop_stopwords_and_keep_numbers_and_negations():
    assert keywords("How many countries abstained in 2023?") == ["countries", "abstained", "2023"]
    assert keywords("Who voted against it, and who did not?") == ["voted", "against", "not"]
    assert fts_query("What did he say?") == ""
    assert fts_query('the "vote"') == '"vote"'


def test_rrf_rewards_agreement():
    fused = reciprocal_rank_fusion([[1, 2, 3], [4, 2, 9]], k=60)
    assert max(fused, key=fused.get) == 2
    assert fused[9] < fused[1]


def test_diversify_caps_one_article_but_fills_k():
    ranked = [1, 2, 3, 4, 5]
    doc_of = {1: "a", 2: "a", 3: "a", 4: "b", 5: "a"}
    assert diversify(ranked, doc_of, k=3, per_article=2) == [1, 2, 4]
    assert diversify(ranked, doc_of, k=5, per_article=1) == [1, 4, 2, 3, 5]


def test_search_hits_have_exact_offsets_and_rank_the_matching_chunk_first(settings, fake_embedder):
    build_index(settings, fake_embedder)
    index = open_index(settings)
    hits = search("Zbigniew Rau compassion support solidarity", index, fake_embedder, settings, k=5)
    assert len(hits) == 5
    assert "Zbigniew Rau" in hits[0].text
    for hit in hits:
        text = (settings.corpus_dir / hit.source).read_text(encoding="utf-8")
        assert text[hit.start : hit.end] == hit.text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_outlet_and_date_filters(settings, fake_embedder):
    build_index(settings, fake_embedder)
    index = open_index(settings)
    kyodo = search("resolution vote", index, fake_embedder, settings, k=5, filters=Filters(outlet="kyodo"))
    assert kyodo and {h.doc.outlet for h in kyodo} == {"Kyodo"}
    dated = search("resolution vote", index, fake_embedder, settings, k=10, filters=Filters(published_from="2023-01-01", published_to="2023-12-31"))
    assert dated and all(h.doc.published and h.doc.published.startswith("2023") for h in dated)
    assert search("resolution", index, fake_embedder, settings, filters=Filters(outlet="nobody")) == []


def test_k_larger_than_corpus_and_empty_query(settings, fake_embedder):
    build_index(settings, fake_embedder)
    index = open_index(settings)
    assert len(search("vote", index, fake_embedder, settings, k=1000)) == index.vectors.ntotal
    assert search("   ", index, fake_embedder, settings) == []
