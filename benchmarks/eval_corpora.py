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
import json
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from compare_models import default_sets, each_set, parse_set
from rag.embed import SentenceTransformerEmbedder
from rag.evaluate import SPLITS, ItemResult, run_eval, split_of
from rag.generate import make_generator
from rag.kinds import answer_shape
from rag.mentions import read_question
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


def kind_cells(results: list[ItemResult]) -> str:
    """Items passed, answers the model's verified sentences lead, and the median seconds per item."""
    if not results:
        return "– | – | –"
    by_model = sum(r.details.get("answered_by") == "model" for r in results)
    seconds = statistics.median(r.latency_ms for r in results) / 1000
    return f"{cell([sum(r.passed for r in results), len(results)])} | {by_model} | {seconds:.1f}"


def write_items(path: Path, name: str, mode: str, items: list[dict], results: list[ItemResult], index, model: str) -> None:
    """Per item: the answer shape the question reading sees (`rag.kinds.answer_shape`), so the
    figures can be grouped the way the chat decides whether to run the model."""
    questions = {i["id"]: i.get("question") for i in items}
    with path.open("a", encoding="utf-8") as out:
        for r in results:
            question = questions.get(r.id)
            shape = answer_shape(read_question(question, index)) if question and r.kind != "quote" else "quote"
            out.write(json.dumps({
                "set": name, "mode": mode, "model": None if mode == "extractive" else model, "id": r.id, "split": r.split, "kind": r.kind, "shape": shape,
                "near_miss": r.kind != "quote" and "expect_matched" not in r.details, "passed": r.passed,
                "answered_by": r.details.get("answered_by"), "latency_ms": r.latency_ms,
                "timings_ms": r.details.get("timings_ms", {}),
            }) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes", nargs="*", default=["extractive", "auto"], choices=["extractive", "auto", "llm"])
    parser.add_argument("--llm", default=None, help="packaged model for auto/llm (default: the settings' model)")
    parser.add_argument("--sets", nargs="*", type=parse_set, help="DEV.jsonl[=CORPUS]; default: every set")
    parser.add_argument("--items", type=Path, help="also write one JSON line per item here (set, mode, kind, shape, result)")
    parser.add_argument("--split", choices=SPLITS, help="run one half only (the model modes take ~5 s an item)")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    model = args.llm or Settings().llm_model
    generator = make_generator(model) if set(args.modes) - {"extractive"} else None
    totals: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: {f: [0, 0] for f in FIGURES})
    by_kind: dict[tuple[str, str, str], list[ItemResult]] = defaultdict(list)  # (mode, kind, split) -> results
    header = "| set, mode | half | " + " | ".join(FIGURES) + " |"
    print(header)
    print("|" + "---|" * (len(FIGURES) + 2))
    with tempfile.TemporaryDirectory() as scratch:
        for name, settings, index, items in each_set(args.sets or default_sets(), embedder, scratch):
            items = [i for i in items if not args.split or split_of(i["id"]) == args.split]
            for mode in args.modes:
                results, _ = run_eval(items, index, embedder, settings.with_overrides(answer_mode=mode), generator)
                if args.items:
                    write_items(args.items, name, mode, items, results, index, model)
                failed = " ".join(r.id for r in results if r.split == "dev" and not r.passed)
                print(f"{name}, {mode}: dev items failed: {failed or 'none'}", file=sys.stderr, flush=True)
                for r in results:
                    kind = "near miss" if r.kind != "quote" and "expect_matched" not in r.details else r.kind
                    by_kind[(mode, kind, r.split)].append(r)
                for split in SPLITS:
                    half = counts([r for r in results if r.split == split])
                    for figure, pair in half.items():
                        totals[(mode, split)][figure][0] += pair[0]
                        totals[(mode, split)][figure][1] += pair[1]
                    print(f"| {name}, {mode} | {split} | " + " | ".join(cell(half[f]) for f in FIGURES) + " |", flush=True)
    for (mode, split), half in sorted(totals.items()):
        print(f"| **all sets**, {mode} | {split} | " + " | ".join(cell(half[f]) for f in FIGURES) + " |")
    print("\n| mode | kind | " + " | ".join(f"{split} passed | {split} model's words | {split} median s" for split in SPLITS) + " |")
    print("|---|---|" + "---|---|---|" * len(SPLITS))
    for mode, kind in sorted({(m, k) for m, k, _ in by_kind}):
        print(f"| {mode} | {kind} | " + " | ".join(kind_cells(by_kind[(mode, kind, split)]) for split in SPLITS) + " |")
    if generator is not None:
        generator.close()


if __name__ == "__main__":
    main()
