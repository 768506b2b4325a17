"""Indexing speed: `rag index` (full rebuild, model loaded) against raw `encode` of the same texts.

The baseline is sentence-transformers' own encode rate on exactly the texts the index embeds:
the ceiling for indexing. Prints medians of repeated runs.

    python benchmarks/bench_index.py [--corpus seeds] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from rag.build import build_index, embedding_text, unique_sentences
from rag.chunk import chunk_document
from rag.embed import SentenceTransformerEmbedder
from rag.ingest import load_corpus
from rag.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("seeds"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    embedder = SentenceTransformerEmbedder()
    started = time.perf_counter()
    model = embedder.load()
    load_seconds = time.perf_counter() - started

    documents, _ = load_corpus(args.corpus)
    settings = Settings(corpus_dir=args.corpus)
    texts = []
    for doc in documents:
        chunks = chunk_document(doc, settings.chunk_max_words, settings.chunk_overlap_sentences)
        texts += [embedding_text(doc, c.text) for c in chunks] + [s.text for s in unique_sentences(chunks)]
    n_chunks = sum(len(chunk_document(d, settings.chunk_max_words, settings.chunk_overlap_sentences)) for d in documents)

    model.encode(texts[:8])  # warm-up
    encode_times, index_times, update_times = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        run_settings = settings.with_overrides(index_dir=Path(tmp) / "index")
        for _ in range(args.runs):
            started = time.perf_counter()
            model.encode(texts, batch_size=embedder.batch_size)
            encode_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            build_index(run_settings, embedder, rebuild=True)
            index_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            build_index(run_settings, embedder)
            update_times.append(time.perf_counter() - started)

    encode, index, update = (statistics.median(t) for t in (encode_times, index_times, update_times))
    print(f"corpus: {args.corpus} ({len(documents)} documents, {n_chunks} chunks, {len(texts)} texts embedded)")
    print(f"model load (once per process): {load_seconds:.2f} s")
    print(f"{'':34}{'median s':>10}{'chunks/s':>10}{'texts/s':>10}")
    print(f"{'baseline: raw encode, same texts':34}{encode:10.3f}{n_chunks / encode:10.1f}{len(texts) / encode:10.1f}")
    print(f"{'rag index --rebuild (model loaded)':34}{index:10.3f}{n_chunks / index:10.1f}{len(texts) / index:10.1f}")
    print(f"{'rag index, nothing changed':34}{update:10.3f}")
    print(f"indexing runs at {100 * encode / index:.0f}% of the raw encode rate (runs: {args.runs})")


if __name__ == "__main__":
    main()
