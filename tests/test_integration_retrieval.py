"""Real packaged embedding model, real seeds, real CLI."""

import json
import re
import subprocess
import sys

import pytest

from rag.build import build_index
from rag.embed import SentenceTransformerEmbedder
from rag.retrieve import search
from rag.settings import Settings
from rag.store import open_index

from conftest import DEV_SET, ROOT, SEEDS

pytestmark = pytest.mark.slow


def normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).lower()


@pytest.fixture(scope="module")
def real_index(tmp_path_factory):
    settings = Settings(corpus_dir=SEEDS, index_dir=tmp_path_factory.mktemp("real") / "index")
    embedder = SentenceTransformerEmbedder()
    build_index(settings, embedder)
    return settings, embedder, open_index(settings)


def test_real_vectors_are_unit_length_and_semantic(real_index):
    _, embedder, index = real_index
    assert index.dimension == 384
    from rag.embed import embed_texts

    a, b, c = embed_texts(embedder, ["The assembly voted", "The assembly held a vote", "Bananas are yellow"])
    assert abs(float(a @ a) - 1) < 1e-5
    assert a @ b > a @ c + 0.2


def test_numpy_question_vectors_match_sentence_transformers_on_the_seed_sentences(real_index):
    """Questions and model sentences are embedded by rag.embed.NumpyBert (no torch); the index by
    sentence-transformers. Both must give the same vectors, whatever the length or padding."""
    import numpy as np

    from rag.embed import PACKAGED_MODELS, NumpyBert, embed_texts

    _, embedder, index = real_index
    texts = [index.document_text(d.source)[:n] for d in index.documents().values() for n in (40, 400, 4000)]
    assert NumpyBert.reads(PACKAGED_MODELS[embedder.name][0]())
    fresh = SentenceTransformerEmbedder()
    numpy_vectors = np.concatenate([embed_texts(fresh, texts[i : i + 3]) for i in range(0, len(texts), 3)])
    assert fresh._model is None, "torch was loaded to embed a few texts"
    torch_vectors = embed_texts(embedder, texts)
    assert float(np.min(np.sum(torch_vectors * numpy_vectors, axis=1))) > 0.9999


def test_dev_set_evidence_is_in_the_top_five(real_index):
    settings, embedder, index = real_index
    items = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
    answerable = [i for i in items if i.get("kind") != "quote" and not i["refuse"]]
    missed = []
    for item in answerable:
        question = " ".join([t["content"] for t in item["history"] if t["role"] == "user"] + [item["question"]])
        hits = search(question, index, embedder, settings, k=5)
        if not any(normalise(e) in normalise(h.text) for h in hits for e in item["evidence"]):
            missed.append(item["id"])
    assert missed == []


def test_cli_index_and_search_json_contract(tmp_path):
    env_args = ["--corpus", str(SEEDS), "--index", str(tmp_path / "index")]
    done = subprocess.run([sys.executable, "-m", "rag", "index", *env_args], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert re.search(r"indexed 5 documents, \d+ chunks", done.stdout)
    done = subprocess.run(
        [sys.executable, "-m", "rag", "search", "Who voted against the resolution?", "-k", "3", "--json", *env_args],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["query"] == "Who voted against the resolution?"
    assert len(result["hits"]) == 3
    for hit in result["hits"]:
        assert set(hit) == {"source", "start", "end", "text", "score"}
        assert (SEEDS / hit["source"]).read_text(encoding="utf-8")[hit["start"] : hit["end"]] == hit["text"]


def test_cli_reports_a_missing_corpus_in_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "rag", "index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "not found" in done.stderr
