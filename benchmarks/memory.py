"""Memory of the library alone, no server: RSS while answering the dev questions over and over.

The soak (benchmarks/soak.py) measures the whole app; this tells whether growth comes from the
answering code (caches, the model) or from the web layer around it.

    python benchmarks/memory.py [--extractive-rounds 8] [--llm-rounds 5] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rag.answer import answer_question
from rag.build import ensure_index
from rag.embed import SentenceTransformerEmbedder
from rag.generate import make_generator
from rag.settings import Settings

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"


def rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def rounds(label: str, count: int, questions: list[str], answer, threads: int) -> None:
    """Answer every question `count` times over, printing RSS after each round."""
    series = []
    with ThreadPoolExecutor(threads) as pool:
        for done in range(1, count + 1):
            list(pool.map(answer, questions))
            series.append(rss_mb())
    print(f"{label}: RSS after each round of {len(questions)} answers (MB): {series}; "
          f"first round to last {series[-1] - series[0]:+d} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extractive-rounds", type=int, default=8)
    parser.add_argument("--llm-rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    items = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
    questions = [i["question"] for i in items if i.get("kind") != "quote"]
    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.embed_model)
    index = ensure_index(settings, embedder)
    print(f"start: {rss_mb()} MB; {len(questions)} dev questions, {args.threads} threads")
    extractive = settings.with_overrides(answer_mode="extractive")
    rounds("extractive", args.extractive_rounds, questions * 12, lambda q: answer_question(q, index, embedder, extractive), args.threads)
    generator = make_generator(settings.llm_model, settings.llm_runtime)
    if generator is None:
        print(f"llm: {settings.llm_model} not installed; skipped")
        return
    llm = settings.with_overrides(answer_mode="llm")
    rounds("llm", args.llm_rounds, questions, lambda q: answer_question(q, index, embedder, llm, generator=generator), 4)


if __name__ == "__main__":
    main()
