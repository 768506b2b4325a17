"""Query speed in a warm process: hybrid retrieval against dense-only FAISS search (the baseline,
same model, same index), extractive answers, LLM answers (first token, total, tokens/s), peak RSS.

    python benchmarks/bench_query.py [--runs 3] [--llm qwen2.5-0.5b] [--threads 1 2] [--evidence 4 6]

Questions are the dev set's question items; every figure is a median (p95 where stated).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from rag.answer import Turn, stream_answer
from rag.embed import SentenceTransformerEmbedder, embed_texts
from rag.generate import make_generator
from rag.retrieve import search
from rag.settings import Settings
from rag.store import ensure_index

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--llm", default="qwen2.5-0.5b")
    parser.add_argument("--dev", type=Path, default=DEV_SET)
    parser.add_argument("--threads", type=int, nargs="*", default=[2], help="llama.cpp thread counts to compare")
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
    print(f"{'':36}{'p50 ms':>9}{'p95 ms':>9}")
    print(f"{'baseline: dense-only FAISS search':36}{statistics.median(dense):9.1f}{p(dense, 0.95):9.1f}")
    print(f"{'hybrid search (rag search)':36}{statistics.median(hybrid):9.1f}{p(hybrid, 0.95):9.1f}")
    print(f"{'extractive answer (rag ask)':36}{statistics.median(extractive):9.1f}{p(extractive, 0.95):9.1f}")

    for threads in args.threads:
        for evidence in args.evidence:
            bench_llm(args.llm, threads, settings.with_overrides(answer_mode="llm", evidence_sentences=evidence), questions, index, embedder)
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


def bench_llm(name: str, threads: int, llm_settings: Settings, questions: list, index, embedder) -> None:
    """First token, full answer and tokens/s of LLM answers with `threads` llama.cpp threads."""
    generator = make_generator(name)
    if generator is None:
        print(f"LLM: {name} not installed; skipped")
        return
    generator.n_threads = threads
    started = time.perf_counter()
    generator.load()
    print(f"\nLLM {name} (llama.cpp, {generator.n_threads} threads, {llm_settings.evidence_sentences} evidence sentences) load: {time.perf_counter() - started:.1f} s")
    first, total, rates, prompt_tokens = [], [], [], []
    original_generate = generator.generate

    def recording_generate(messages, max_tokens=160):
        text = "\n".join(m["content"] for m in messages)
        prompt_tokens.append(len(generator.load().tokenize(text.encode("utf-8"))))
        return original_generate(messages, max_tokens)

    generator.generate = recording_generate
    kept_by_model = 0
    for question, history in questions:
        started = time.perf_counter()
        first_at, pieces = None, 0
        final = None
        for event in stream_answer(question, index, embedder, llm_settings, history, generator):
            if isinstance(event, str):
                pieces += 1
                first_at = first_at or time.perf_counter()
            else:
                final = event
        if "first_token" not in final.timings_ms:
            continue
        kept_by_model += final.mode == "llm"
        total.append((time.perf_counter() - started) * 1000)
        first.append(((first_at or time.perf_counter()) - started) * 1000)
        generate_ms = final.timings_ms["generate"] - final.timings_ms.get("first_token", 0)
        rates.append(pieces / max(generate_ms / 1000, 1e-6))
    if total:
        print(f"{'LLM first token (incl. retrieval)':36}{statistics.median(first):9.0f}{p(first, 0.95):9.0f}")
        print(f"{'LLM full answer':36}{statistics.median(total):9.0f}{p(total, 0.95):9.0f}")
        print(f"LLM generation: {statistics.median(rates):.1f} tokens/s; prompt {statistics.median(prompt_tokens):.0f} tokens (medians over {len(total)} answers "
              f"that ran the model; {kept_by_model} kept the model's verified words, the rest fell back to quotes)")


if __name__ == "__main__":
    main()
