"""Query speed in a warm process: hybrid retrieval against dense-only FAISS search (the baseline,
same model, same index), extractive answers, and LLM answers per packaged model: the first
model token, the first verified sentence a reader sees, the full answer; peak RSS.

    python benchmarks/bench_query.py [--runs 3] [--llm qwen2.5-0.5b qwen2.5-1.5b] [--evidence 6]

Questions are the dev set's question items; every figure is a median (p95 where stated). LLM
times count from the question's arrival (retrieval included); the model runs in its worker
process, as in the app. Generation speed in tokens/s: benchmarks/bench_llama_build.py.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from rag.answer import stream_answer
from rag.conversation import Turn
from rag.build import ensure_index
from rag.embed import SentenceTransformerEmbedder, embed_texts
from rag.generate import make_generator
from rag.retrieve import search
from rag.settings import Settings

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--llm", nargs="*", default=["qwen2.5-0.5b"])
    parser.add_argument("--dev", type=Path, default=DEV_SET)
    parser.add_argument("--evidence", type=int, nargs="*", default=[6], help="evidence sentence counts to compare")
    args = parser.parse_args()

    items = [json.loads(line) for line in args.dev.read_text().splitlines() if line.strip()]
    questions = [(i["question"], [Turn(**t) for t in i.get("history", [])]) for i in items if i.get("kind") != "quote"]
    settings = Settings()
    embedder = SentenceTransformerEmbedder()
    index = ensure_index(settings, embedder)
    embed_texts(embedder, ["warm up"])

    dense, hybrid, extractive = [], [], []
    for _ in range(args.runs):
        for question, history in questions:
            started = time.perf_counter()
            vector = embed_texts(embedder, [question])[0]
            index.dense_search(vector, settings.top_k)
            dense.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            search(question, index, embedder, settings)
            hybrid.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            list(stream_answer(question, index, embedder, settings.with_overrides(answer_mode="extractive"), history))
            extractive.append((time.perf_counter() - started) * 1000)

    print(f"machine: 2 CPU cores; {len(questions)} dev questions x {args.runs} runs; index of {index.vectors.ntotal} chunks")
    print(f"{'':40}{'p50 ms':>9}{'p95 ms':>9}")
    print(f"{'baseline: dense-only FAISS search':40}{statistics.median(dense):9.1f}{p(dense, 0.95):9.1f}")
    print(f"{'hybrid search (rag search)':40}{statistics.median(hybrid):9.1f}{p(hybrid, 0.95):9.1f}")
    print(f"{'extractive answer (rag ask)':40}{statistics.median(extractive):9.1f}{p(extractive, 0.95):9.1f}")

    for name in args.llm:
        for evidence in args.evidence:
            bench_llm(name, settings.with_overrides(answer_mode="llm", evidence_sentences=evidence), questions, index, embedder)
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


def bench_llm(name: str, llm_settings: Settings, questions: list, index, embedder) -> None:
    """First model token, first verified sentence and full answer, per question, with model `name`."""
    generator = make_generator(name)
    if generator is None:
        print(f"LLM: {name} not installed; skipped")
        return
    started = time.perf_counter()
    generator.load()
    print(f"\nLLM {name} (llama.cpp in its worker, {llm_settings.evidence_sentences} evidence sentences), "
          f"worker start and model load: {time.perf_counter() - started:.1f} s")
    first_token, first_sentence, first_shown, total = [], [], [], []
    kept_by_model = 0
    for question, history in questions:
        started = time.perf_counter()
        shown_at, final = None, None
        for event in stream_answer(question, index, embedder, llm_settings, history, generator):
            if isinstance(event, str):
                shown_at = shown_at or time.perf_counter()
            else:
                final = event
        if "first_token" not in final.timings_ms:
            continue  # refused before the model ran, or a quote check
        total.append((time.perf_counter() - started) * 1000)
        first_shown.append(((shown_at or time.perf_counter()) - started) * 1000)
        first_token.append(final.timings_ms["first_token"])
        if "first_sentence" in final.timings_ms:
            first_sentence.append(final.timings_ms["first_sentence"])
        kept_by_model += final.mode == "llm"
    generator.close()
    if total:
        rows = [("LLM first token", first_token), ("LLM first verified sentence", first_sentence),
                ("first text shown (sentence or quotes)", first_shown), ("LLM full answer", total)]
        for label, values in rows:
            if values:
                print(f"{label:40}{statistics.median(values):9.0f}{p(values, 0.95):9.0f}")
        print(f"over {len(total)} answers that ran the model; {kept_by_model} kept the model's verified words "
              f"({len(first_sentence)} had a first verified sentence), the rest fell back to quotes")


if __name__ == "__main__":
    main()
