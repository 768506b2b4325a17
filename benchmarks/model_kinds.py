"""Which kinds of question a model earns its time on: right answers and seconds per kind, the
model's answers against the quoted (extractive) ones, from `eval_corpora.py --items` files.

    python benchmarks/eval_corpora.py --modes extractive --split heldout --items quoted.jsonl
    python benchmarks/eval_corpora.py --modes llm --llm qwen2.5-1.5b --split heldout --items big.jsonl
    python benchmarks/model_kinds.py quoted.jsonl big.jsonl

A kind is `rag.kinds.answer_shape` of the question, what the answer stage sees; near misses are
counted apart (a refusal is right there). A model adds answers for a kind when it answers right
questions the quoted answer gets wrong (column "gained"), and costs answers the other way ("lost").
The kinds where it gains and loses nothing go into `PackagedModel.adds_answers_for`.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict


def main() -> None:
    rows = [json.loads(line) for path in sys.argv[1:] for line in open(path, encoding="utf-8") if line.strip()]
    quoted = {(r["set"], r["id"]): r for r in rows if r["mode"] == "extractive"}
    for mode in sorted({r["mode"] for r in rows} - {"extractive"}):
        runs = [r for r in rows if r["mode"] == mode and (r["set"], r["id"]) in quoted]
        model = runs[0].get("model", mode) if runs else mode
        print(f"\n{model} ({mode} mode) against the quoted answer, {runs[0]['split'] if runs else ''} half\n")
        print("| kind | questions | quoted right | model right | gained | lost | model's words lead | quoted s | model s |")
        print("|---|---|---|---|---|---|---|---|---|")
        groups: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
        for r in runs:
            if r["shape"] != "quote":
                groups[r["shape"] + (", near miss" if r["near_miss"] else "")].append((quoted[(r["set"], r["id"])], r))
        for kind, pairs in sorted(groups.items()):
            right_quoted = sum(q["passed"] for q, _ in pairs)
            right_model = sum(m["passed"] for _, m in pairs)
            gained = sum(m["passed"] and not q["passed"] for q, m in pairs)
            lost = sum(q["passed"] and not m["passed"] for q, m in pairs)
            led = sum(m["answered_by"] in ("model", "llm") for _, m in pairs)
            seconds_quoted = statistics.median(q["latency_ms"] for q, _ in pairs) / 1000
            seconds_model = statistics.median(m["latency_ms"] for _, m in pairs) / 1000
            print(f"| {kind} | {len(pairs)} | {right_quoted} | {right_model} | {gained} | {lost} | {led} | "
                  f"{seconds_quoted:.1f} | {seconds_model:.1f} |")


if __name__ == "__main__":
    main()
