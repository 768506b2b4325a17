"""Sentence choice inside the right article: where the sentence that holds the answer ranks.

    python benchmarks/sentence_choice.py [--sets DEV.jsonl[=CORPUS] ...]

For every answerable question item of every set (see eval_corpora.py), the ranked candidate
sentences (`rag.candidates.gather`) and the sentences an extractive answer quotes
(`rag.kinds.choose_quotes`) are searched for the item's evidence strings. Prints, per half
(development / held-out), evidence recall@1, @3, @5 and @10 of the ranking and recall@1, @3
and "anywhere" of the quoted sentences; the baseline in the same run orders the same candidate
sentences by embedding similarity alone.
"""

from __future__ import annotations

import argparse
import tempfile

from compare_models import default_sets, each_set, parse_set
from rag.candidates import gather
from rag.conversation import Turn, standalone_question
from rag.embed import SentenceTransformerEmbedder
from rag.evaluate import SPLITS, normalise, split_of
from rag.kinds import choose_quotes
from rag.mentions import read_question


def ranks(index, embedder, settings, items) -> list[tuple[str, int | None, int | None, int | None]]:
    """(split, rank in the ranking, rank among the quoted sentences, rank by similarity alone) per
    answerable item."""
    found = []
    for item in items:
        if item.get("kind") == "quote" or item.get("refuse"):
            continue
        history = [Turn(t["role"], t["content"]) for t in item.get("history", [])]
        asked = read_question(standalone_question(item["question"], history), index)
        gathered = gather(asked, index, embedder, settings)
        evidence = [normalise(e) for e in item["evidence"]]

        def holds(e) -> bool:
            return any(x in normalise(e.text) or normalise(e.text) in x for x in evidence)

        ranked = next((n for n, e in enumerate(gathered.ranked, 1) if holds(e)), None)
        quoted = next((n for n, e in enumerate(choose_quotes(asked, gathered, index, settings), 1) if holds(e)), None)
        by_similarity = sorted(gathered.ranked, key=lambda e: -e.similarity)
        dense = next((n for n, e in enumerate(by_similarity, 1) if holds(e)), None)
        found.append((split_of(item["id"]), ranked, quoted, dense))
    return found


def recall(found: list, column: int, k: int) -> str:
    hits = sum(1 for row in found if row[column] is not None and row[column] <= k)
    return f"{hits}/{len(found)} ({hits / len(found):.2f})" if found else "–"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", type=parse_set, help="DEV.jsonl[=CORPUS]; default: every set")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    found = []
    with tempfile.TemporaryDirectory() as scratch:
        for _, settings, index, items in each_set(args.sets or default_sets(), embedder, scratch):
            found += ranks(index, embedder, settings, items)
    print("| sentences | half | @1 | @3 | @5 | @10 |")
    print("|---|---|---|---|---|---|")
    for label, column in (("baseline: candidates by similarity alone", 3), ("ranking (rag.candidates)", 1),
                          ("quoted by the extractive answer", 2)):
        for split in SPLITS:
            half = [row for row in found if row[0] == split]
            print(f"| {label} | {split} | " + " | ".join(recall(half, column, k) for k in (1, 3, 5, 10)) + " |")


if __name__ == "__main__":
    main()
