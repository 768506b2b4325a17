"""Where to put the refusal threshold: evidence relevance of answerable questions against off-topic ones.

    python benchmarks/calibrate_refusal.py [--eval ../shared/eval/dev.jsonl benchmarks/probe.jsonl]

Prints, per question, the relevance of its best evidence sentence (embedding similarity plus
weighted word coverage, no bonuses: `Evidence.relevance`), then the weakest answerable item,
the strongest off-topic probe, and the midpoint. `Settings.refuse_below` is set from this.
The off-topic probes name nobody and no month, so the name and month checks do not refuse
them first: only the threshold can.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rag.answer import Turn, standalone_question
from rag.embed import SentenceTransformerEmbedder, embed_texts
from rag.evidence import select_evidence
from rag.retrieve import search
from rag.settings import Settings
from rag.store import ensure_index

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETS = [ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT / "benchmarks" / "probe.jsonl", ROOT / "benchmarks" / "probe2.jsonl"]
OFF_TOPIC = [
    "How do I bake sourdough bread at home?",
    "What is the best way to learn the piano as an adult?",
    "Which football team won the league last season?",
    "How much does a new electric car cost?",
    "What are the symptoms of the flu?",
    "How tall is the highest mountain in the world?",
    "What did the central bank decide about interest rates?",
    "How many goals were scored in the final?",
    "Which smartphone has the best camera this year?",
    "What is the recipe for a classic lasagna?",
    "How did the stock market react to the earnings report?",
    "Why did the airline cancel so many flights?",
]


def best_relevance(question: str, history: list[Turn], index, embedder, settings: Settings) -> float:
    standalone = standalone_question(question, history)
    vector = embed_texts(embedder, [standalone])[0]
    hits = search(standalone, index, embedder, settings, k=settings.answer_chunks, query_vector=vector)
    evidence = select_evidence(standalone, hits, index, embedder, vector, limit=settings.evidence_sentences)
    return max((e.relevance for e in evidence), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--eval", type=Path, nargs="*", default=[p for p in DEFAULT_SETS if p.exists()])
    args = parser.parse_args()
    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.embed_model)
    index = ensure_index(settings, embedder)

    answerable = []
    for path in args.eval:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else {}
            if item.get("kind") in (None, "quote") or item.get("refuse"):
                continue
            history = [Turn(**t) for t in item.get("history", [])]
            score = best_relevance(item["question"], history, index, embedder, settings)
            answerable.append(score)
            print(f"answerable  {score:.3f}  {item['id']}  {item['question'][:70]}")
    off_topic = []
    for question in OFF_TOPIC:
        score = best_relevance(question, [], index, embedder, settings)
        off_topic.append(score)
        print(f"off-topic   {score:.3f}  {question}")
    low, high = min(answerable), max(off_topic)
    print(f"\nweakest answerable {low:.3f}, strongest off-topic {high:.3f}, midpoint {(low + high) / 2:.3f}")
    print(f"current Settings.refuse_below = {settings.refuse_below}")


if __name__ == "__main__":
    main()
