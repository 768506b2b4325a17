"""Every evaluation set in one table, development and held-out halves side by side.

    python benchmarks/eval_corpora.py [--modes extractive auto] [--sets DEV.jsonl[=CORPUS] ...]

Defaults: the seed dev set over seeds/ and every corpus in ../shared/corpora/ and
benchmarks/corpora/ (its dev.jsonl over its articles/). Each set's items are split by
`rag.evaluate.split_of` (a hash of the id); the held-out column is the figure that counts. Per set,
mode and half: items passed, answerable questions answered right with a right citation, near
misses refused, answerable questions refused, quote verdicts and invalid citations; then the totals
over all sets, and items passed per kind of question (factoid, list, why, compare, ...). Failing development items are listed on stderr by id; held-out items never are.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict

from compare_models import default_sets, each_set, parse_set
from rag.embed import SentenceTransformerEmbedder
from rag.evaluate import SPLITS, ItemResult, run_eval, split_of
from rag.generate import make_generator
from rag.settings import Settings


def counts(results: list[ItemResult]) -> dict[str, list[int]]:
    """[right, total] per figure for one half of one set."""
    answerable = [r for r in results if "expect_matched" in r.details]
    near_misses = [r for r in results if r.kind != "quote" and "expect_matched" not in r.details]
    quotes = [r for r in results if r.kind == "quote"]
    questions = answerable + near_misses
    return {
        "passed": [sum(r.passed for r in results), len(results)],
        "answers": [sum(r.passed for r in answerable), len(answerable)],
        "near misses refused": [sum(r.passed for r in near_misses), len(near_misses)],
        "answerable refused": [sum(r.details["refused"] for r in answerable), len(answerable)],
        "quotes": [sum(r.passed for r in quotes), len(quotes)],
        "invalid citations": [sum(not r.details["citation_valid"] for r in questions), len(questions)],
    }


FIGURES = ("passed", "answers", "near misses refused", "answerable refused", "quotes", "invalid citations")


def cell(pair: list[int]) -> str:
    right, total = pair
    return f"{right}/{total} ({right / total:.0%})" if total else "–"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes", nargs="*", default=["extractive", "auto"], choices=["extractive", "auto", "llm"])
    parser.add_argument("--llm", default=None, help="packaged model for auto/llm (default: the settings' model)")
    parser.add_argument("--sets", nargs="*", type=parse_set, help="DEV.jsonl[=CORPUS]; default: every set")
    parser.add_argument("--split", choices=SPLITS, help="run one half only (the model modes take ~5 s an item)")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    model = args.llm or Settings().llm_model
    generator = make_generator(model) if set(args.modes) - {"extractive"} else None
    totals: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: {f: [0, 0] for f in FIGURES})
    by_kind: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])  # (mode, kind, split) -> passed, items
    header = "| set, mode | half | " + " | ".join(FIGURES) + " |"
    print(header)
    print("|" + "---|" * (len(FIGURES) + 2))
    with tempfile.TemporaryDirectory() as scratch:
        for name, settings, index, items in each_set(args.sets or default_sets(), embedder, scratch):
            items = [i for i in items if not args.split or split_of(i["id"]) == args.split]
            for mode in args.modes:
                results, _ = run_eval(items, index, embedder, settings.with_overrides(answer_mode=mode), generator)
                failed = " ".join(r.id for r in results if r.split == "dev" and not r.passed)
                print(f"{name}, {mode}: dev items failed: {failed or 'none'}", file=sys.stderr, flush=True)
                for r in results:
                    kind = "near miss" if r.kind != "quote" and "expect_matched" not in r.details else r.kind
                    by_kind[(mode, kind, r.split)][0] += r.passed
                    by_kind[(mode, kind, r.split)][1] += 1
                for split in SPLITS:
                    half = counts([r for r in results if r.split == split])
                    for figure, pair in half.items():
                        totals[(mode, split)][figure][0] += pair[0]
                        totals[(mode, split)][figure][1] += pair[1]
                    print(f"| {name}, {mode} | {split} | " + " | ".join(cell(half[f]) for f in FIGURES) + " |", flush=True)
    for (mode, split), half in sorted(totals.items()):
        print(f"| **all sets**, {mode} | {split} | " + " | ".join(cell(half[f]) for f in FIGURES) + " |")
    print("\n| mode | kind | " + " | ".join(f"{split} passed" for split in SPLITS) + " |")
    print("|---|---|" + "---|" * len(SPLITS))
    for mode, kind in sorted({(m, k) for m, k, _ in by_kind}):
        print(f"| {mode} | {kind} | " + " | ".join(cell(by_kind[(mode, kind, split)]) for split in SPLITS) + " |")
    if generator is not None:
        generator.close()


if __name__ == "__main__":
    main()
