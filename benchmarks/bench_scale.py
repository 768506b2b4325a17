"""Scale: FAISS index types at 10k, 100k and 1M chunks, against exact flat search (the baseline).

The synthetic corpus is built from the seeds: every seed sentence is embedded once with the real
packaged model, and each synthetic chunk is a recombination of three random seed sentences, its
vector the normalised, randomly weighted sum of theirs plus a little noise (so near-duplicates are as common as in
real news). Embedding a million real chunks would take about three hours on 2 cores; the vectors
are cached in `benchmarks/.cache/` after the first run.

For each size and index type: build seconds, index bytes, process RSS growth, query p50 (one
query at a time, as the app searches), and recall@10 against exact flat search.

    python benchmarks/bench_scale.py [--sizes 10000 100000 1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from rag.build import unique_sentences
from rag.chunk import chunk_document
from rag.embed import SentenceTransformerEmbedder, embed_texts
from rag.ingest import load_corpus

CACHE = Path(__file__).parent / ".cache"


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def synthetic_vectors(n: int, seed: int = 0) -> np.ndarray:
    path = CACHE / f"synthetic-{n}.npy"
    if path.is_file():
        return np.load(path)
    documents, _ = load_corpus(Path("seeds"))
    sentences = [s.text for d in documents for s in unique_sentences(chunk_document(d))]
    base = embed_texts(SentenceTransformerEmbedder(), sentences)
    rng = np.random.default_rng(seed)
    vectors = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        picks = rng.integers(0, len(base), size=(stop - start, 3))
        weights = rng.uniform(0.5, 1.5, size=(stop - start, 3, 1)).astype(np.float32)
        block = (base[picks] * weights).sum(axis=1) + rng.normal(0, 0.03, size=(stop - start, base.shape[1])).astype(np.float32)
        vectors[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    CACHE.mkdir(exist_ok=True)
    np.save(path, vectors)
    return vectors


def make_index(kind: str, vectors: np.ndarray):
    n, d = vectors.shape
    nlist = max(64, int(4 * np.sqrt(n)))
    spec = {
        "flat": "Flat",
        "hnsw32": "HNSW32,Flat",
        "hnsw32-sq8": "HNSW32,SQ8",
        "ivf-sq8": f"IVF{nlist},SQ8",
        "ivf-pq": f"IVF{nlist},PQ48",
    }[kind]
    index = faiss.index_factory(d, spec, faiss.METRIC_INNER_PRODUCT)
    if kind.startswith("hnsw"):
        faiss.downcast_index(index).hnsw.efConstruction = 80
    if not index.is_trained:
        index.train(vectors[np.random.default_rng(1).choice(n, size=min(n, max(100 * nlist // 2, 20_000), 200_000), replace=False)])
    index.add(vectors)
    return index


def tune(index, kind: str) -> str:
    if kind.startswith("hnsw"):
        faiss.downcast_index(index).hnsw.efSearch = 128
        return "efSearch=128"
    if kind.startswith("ivf"):
        faiss.extract_index_ivf(index).nprobe = 64
        return "nprobe=64"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["flat", "hnsw32", "hnsw32-sq8", "ivf-sq8"], help="add ivf-pq to see it lose recall")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    faiss.omp_set_num_threads(2)
    print(f"machine: {os.cpu_count()} CPU cores; faiss {faiss.__version__}")
    print(f"{'chunks':>9} {'index':12} {'params':12} {'build s':>8} {'MB':>8} {'RSS+MB':>8} {'p50 ms':>7} {'p95 ms':>7} {'recall@10':>9}")
    for n in args.sizes:
        vectors = synthetic_vectors(n)
        rng = np.random.default_rng(7)
        queries = vectors[rng.choice(n, size=args.queries, replace=False)] + rng.normal(0, 0.05, (args.queries, vectors.shape[1])).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        _, truth = exact.search(queries, 10)
        del exact
        for kind in args.kinds:
            before = rss_mb()
            started = time.perf_counter()
            index = make_index(kind, vectors)
            build = time.perf_counter() - started
            grown = rss_mb() - before
            params = tune(index, kind)
            with tempfile.NamedTemporaryFile() as tmp:
                faiss.write_index(index, tmp.name)
                size_mb = os.path.getsize(tmp.name) / 1e6
            latencies, found = [], []
            for q in queries:
                started = time.perf_counter()
                _, ids = index.search(q.reshape(1, -1), 10)
                latencies.append((time.perf_counter() - started) * 1000)
                found.append(ids[0])
            recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
            p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
            print(f"{n:>9} {kind:12} {params:12} {build:8.1f} {size_mb:8.0f} {grown:8.0f} {statistics.median(latencies):7.2f} {p95:7.2f} {recall:9.3f}", flush=True)
            del index
    print(f"peak RSS of this run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


if __name__ == "__main__":
    main()
