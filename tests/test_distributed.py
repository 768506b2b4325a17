"""The Ray path's batch functions, run here without Ray: they give the local path's rows and
vectors. The default `rag index` never imports Ray. (Ray itself: tests/test_ray.py, slow.)"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from rag.build import embedding_text, plan_document, stack_vectors
from rag.distributed import RayUnavailableError, assemble, connect, embed_batch, ingest_batch, pool_size
from rag.ingest import iter_article_files, load_corpus
from rag.embed import embed_texts

from conftest import ROOT


def run_batches(settings, embedder, reusable=frozenset(), size=2):
    """What the Ray pipeline does, batch by batch, in this process."""
    corpus = settings.corpus_dir
    files = [{"order": i, "name": p.relative_to(corpus).as_posix(), "path": str(p)} for i, p in enumerate(iter_article_files(corpus))]
    rows = []
    for at in range(0, len(files), size):
        part = files[at : at + size]
        batch = {k: np.array([f[k] for f in part]) for k in ("order", "name", "path")}
        out = embed_batch(ingest_batch(batch, settings, reusable), embedder)
        rows.extend(dict(zip(out, values)) for values in zip(*out.values()))
    return assemble(rows[::-1], embedder.dimension)  # arrival order must not matter


def test_batches_give_the_local_rows_vectors_aliases_and_skips(settings, fake_embedder):
    corpus = settings.corpus_dir
    first = sorted(corpus.glob("*.txt"))[0]
    (corpus / "zz-copy.txt").write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "empty.txt").write_text("  \n", encoding="utf-8")
    (corpus / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (corpus / "boiler.txt").write_text("Copyright 2024 Someone. All rights reserved.\n", encoding="utf-8")

    per_doc, chunk_vectors, sentence_vectors, skipped, embedded = run_batches(settings, fake_embedder)

    documents, expected_skipped = load_corpus(corpus)
    expected = [plan_document(d, settings) for d in documents]
    assert [(d.doc_id, d.source, d.aliases, c, s) for d, c, s in per_doc] == [(d.doc_id, d.source, d.aliases, c, s) for d, c, s in expected]
    assert per_doc[0][0].aliases == ["zz-copy.txt"]
    assert skipped == expected_skipped and {s.name for s in skipped} == {"empty.txt", "latin1.txt", "boiler.txt"}
    assert embedded == len(documents)
    got = stack_vectors(per_doc, chunk_vectors, sentence_vectors, fake_embedder.dimension)
    texts = [embedding_text(d, c.text) for d, cs, _ in expected for c in cs]
    assert np.allclose(got[0], embed_texts(fake_embedder, texts), atol=1e-6)
    assert np.allclose(got[1], embed_texts(fake_embedder, [s.text for _, _, ss in expected for s in ss]), atol=1e-6)


def test_articles_the_index_already_holds_are_not_embedded(settings, fake_embedder):
    documents, _ = load_corpus(settings.corpus_dir)
    reusable = frozenset(d.doc_id for d in documents[1:])
    per_doc, chunk_vectors, _, _, embedded = run_batches(settings, fake_embedder, reusable)
    assert embedded == 1 and set(chunk_vectors) == {documents[0].doc_id} and len(per_doc) == len(documents)
    assert fake_embedder.texts_embedded == sum(len(c) + len(s) for d, c, s in per_doc if d.doc_id not in reusable)


def test_actor_pool_is_sized_to_the_cluster():
    assert pool_size({"CPU": 16.0}, threads=1) == (16, 1, 0)
    assert pool_size({"CPU": 16.0}, threads=4) == (4, 4, 0)
    assert pool_size({"CPU": 1.0}, threads=4) == (1, 4, 0)
    assert pool_size({"CPU": 32.0, "GPU": 2.0}, threads=1) == (2, 1, 1)


def test_without_ray_installed_the_message_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(RayUnavailableError, match=r"pip install -e \.\[scale\]"):
        connect(None)


def test_default_rag_index_does_not_import_ray(tmp_path, seed_corpus):
    code = textwrap.dedent(
        f"""
        import sys
        sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]
        import rag.embed
        from conftest import HashEmbedder
        rag.embed.SentenceTransformerEmbedder = lambda name: HashEmbedder()
        from rag.cli import main
        code = main(["index", "--corpus", {str(seed_corpus)!r}, "--index", {str(tmp_path / 'index')!r}])
        code = code or main(["search", "vote", "--corpus", {str(seed_corpus)!r}, "--index", {str(tmp_path / 'index')!r}])
        print("exit", code, "ray imported:", any(m == "ray" or m.startswith("ray.") for m in sys.modules))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "exit 0 ray imported: False" in result.stdout, result.stderr[-2000:]


@pytest.mark.parametrize("argv, address", [(["--ray"], None), (["--ray", "10.0.0.5:6379"], "10.0.0.5:6379")])
def test_rag_index_ray_passes_the_address_and_shards(monkeypatch, tmp_path, seed_corpus, argv, address):
    import rag.distributed
    from rag.build import BuildReport
    from rag.cli import main

    calls = []

    def fake_build(settings, address, rebuild, progress):
        calls.append((address, settings.index_shards, rebuild))
        return BuildReport(5, 30, 5, [], 0.1, settings.index_dir)

    monkeypatch.setattr(rag.distributed, "build_index_ray", fake_build)
    assert main(["index", "--corpus", str(seed_corpus), "--index", str(tmp_path / "i"), "--shards", "4", *argv]) == 0
    assert calls == [(address, 4, False)]
