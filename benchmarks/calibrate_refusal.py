"""Where to put the refusal threshold: evidence relevance of answerable questions against off-topic
ones, on every evaluation set and its own articles.

    python benchmarks/calibrate_refusal.py [--sets DEV.jsonl=CORPUS ...]

Defaults: the seed dev set over seeds/ and every corpus in ../shared/corpora/. Prints, per set,
the relevance of the best evidence sentence (embedding similarity plus weighted word coverage,
no bonuses: `Evidence.relevance`) of its weakest answerable question and of its strongest
off-topic probe, then over all sets the weakest answerable, the strongest off-topic and the
midpoint; and for each candidate threshold, how many answerable questions fall below it and how
many off-topic probes the whole pipeline still answers (the checks of what a question asks
refuse many of them whatever the threshold). `Settings.refuse_below` is set from this. Near
misses (same event, a detail nobody reported) are not the threshold's job: `rag.answerability.unmet`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from compare_models import default_sets, parse_set
from rag.answer import answer_question
from rag.candidates import gather
from rag.conversation import Turn, standalone_question
from rag.mentions import read_question
from rag.build import ensure_index
from rag.embed import SentenceTransformerEmbedder
from rag.evaluate import load_items
from rag.settings import Settings

OFF_TOPIC = [
    "How do I bake sourdough bread at home?",
    "What is the best way to learn the piano as an adult?",
    "What are the symptoms of the flu?",
    "How tall is the highest mountain in the world?",
    "Which smartphone has the best camera this year?",
    "What is the recipe for a classic lasagna?",
    "How much does a new electric car cost?",
    "What did the central bank decide about interest rates?",
    "How long should a dog be walked each day?",
    "Which planet has the most moons?",
]


def best_relevance(question: str, history: list[Turn], index, embedder, settings: Settings) -> float:
    asked = read_question(standalone_question(question, history), index)
    gathered = gather(asked, index, embedder, settings)
    return max((e.relevance for pool in [gathered.ranked, *gathered.parts] for e in pool), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", type=parse_set, help="DEV.jsonl[=CORPUS]; default: seeds and shared corpora")
    parser.add_argument("--index-root", type=Path, default=Path("/tmp/rag-calibrate"))
    parser.add_argument("--thresholds", type=float, nargs="*", default=[0.5, 0.55, 0.6])
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    lows, highs, totals = [], [], {}
    for items_path, corpus in args.sets or default_sets():
        settings = Settings(corpus_dir=corpus, index_dir=args.index_root / corpus.parent.name)
        index = ensure_index(settings, embedder)
        answerable = []
        for item in load_items(items_path):
            if item.get("kind") == "quote" or item.get("refuse"):
                continue
            history = [Turn(**t) for t in item.get("history", [])]
            answerable.append((best_relevance(item["question"], history, index, embedder, settings), item["id"]))
        off_topic = [(best_relevance(q, [], index, embedder, settings), q) for q in OFF_TOPIC]
        low, high = min(answerable), max(off_topic)
        lows.append(low[0])
        highs.append(high[0])
        print(f"{items_path}: weakest answerable {low[0]:.3f} ({low[1]}), strongest off-topic {high[0]:.3f} ({high[1]})")
        for threshold in args.thresholds:
            strict = settings.with_overrides(refuse_below=threshold, answer_mode="extractive")
            answered = [q for _, q in off_topic if not answer_question(q, index, embedder, strict).refused]
            wrongly = sum(score < threshold for score, _ in answerable)
            totals[threshold] = [a + b for a, b in zip(totals.get(threshold, [0, 0]), [wrongly, len(answered)])]
            print(f"  refuse_below {threshold:.2f}: {wrongly} answerable below it; off-topic answered by the whole pipeline: {answered}")
    low, high = min(lows), max(highs)
    print(f"\nall sets: weakest answerable {low:.3f}, strongest off-topic {high:.3f}, midpoint {(low + high) / 2:.3f}")
    for threshold, (wrongly, answered) in sorted(totals.items()):
        print(f"refuse_below {threshold:.2f}: {wrongly} answerable questions below it, {answered} off-topic questions answered")
    print(f"current Settings.refuse_below = {Settings().refuse_below}")


if __name__ == "__main__":
    main()
