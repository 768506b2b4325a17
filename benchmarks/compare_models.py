"""Which packaged model should answer by default: each one on each evaluation set, side by side.

    python benchmarks/compare_models.py [--llm qwen2.5-0.5b qwen2.5-1.5b] [--sets DEV.jsonl[=CORPUS] ...]

Defaults: the seed dev set (../shared/eval/dev.jsonl over seeds/) and every corpus in
../shared/corpora/ and benchmarks/corpora/ (its dev.jsonl over its articles/). The baseline row of each set is the
extractive answer (no model). Per model and set: items passed, answers correct, the share of
answered questions that kept the model's own verified words, citation precision, near-miss
refusals, and p50/p95 of the first model token, the first verified sentence and the full answer
(retrieval included, warm process, one answer at a time).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rag.build import ensure_index
from rag.embed import SentenceTransformerEmbedder
from rag.evaluate import load_items, percentile, run_eval
from rag.generate import make_generator
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def default_sets() -> list[tuple[Path, Path]]:
    """The seed dev set over seeds/, and every corpus with a dev set in ../shared/corpora/ and in
    benchmarks/corpora/ (events the project was not built on), over its own articles."""
    sets = [(SHARED / "eval" / "dev.jsonl", ROOT / "seeds")]
    for parent in (SHARED / "corpora", ROOT / "benchmarks" / "corpora"):
        sets += [(folder / "dev.jsonl", folder / "articles") for folder in sorted(parent.glob("*/")) if (folder / "dev.jsonl").is_file()]
    return sets


def each_set(sets: list[tuple[Path, Path]], embedder, scratch: str):
    """(name, settings, index, items) for each evaluation set, its index built under `scratch`."""
    for items_path, corpus in sets:
        name = corpus.parent.name if corpus.name == "articles" else corpus.name
        settings = Settings(corpus_dir=corpus, index_dir=Path(scratch) / name)
        index = ensure_index(settings, embedder)
        yield name, settings, index, load_items(items_path)
        index.close()


def parse_set(text: str) -> tuple[Path, Path]:
    """'corpus/dev.jsonl' (articles beside it in articles/) or 'dev.jsonl=articles-folder'."""
    if "=" in text:
        items, corpus = text.split("=", 1)
        return Path(items), Path(corpus)
    return Path(text), Path(text).parent / "articles"


def row(label: str, results: list, summary: dict) -> str:
    answerable = [r for r in results if "expect_matched" in r.details]
    answered = [r for r in answerable if not r.details["refused"]]
    kept = sum(r.details.get("answered_by") == "llm" for r in answered)
    totals = [r.latency_ms for r in results if r.kind != "quote"]
    cells = [
        f"{summary['passed']}/{summary['items']}",
        f"{sum(r.details['expect_matched'] and not r.details['refused'] for r in answerable)}/{len(answerable)}",
        f"{kept}/{len(answered)}",
        f"{summary['citation_precision']}",
        f"{summary['refusal_accuracy']}",
        f"{summary.get('first_token_p50_ms', 0) / 1000:.1f}/{summary.get('first_token_p95_ms', 0) / 1000:.1f}",
        f"{summary.get('first_sentence_p50_ms', 0) / 1000:.1f}/{summary.get('first_sentence_p95_ms', 0) / 1000:.1f}",
        f"{percentile(totals, 0.5) / 1000:.1f}/{percentile(totals, 0.95) / 1000:.1f}",
    ]
    failed = " ".join(r.id for r in results if not r.passed)
    print(f"{label}: failed {failed or 'none'}", file=sys.stderr, flush=True)
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--llm", nargs="*", default=["qwen2.5-0.5b", "qwen2.5-1.5b"])
    parser.add_argument("--sets", nargs="*", type=parse_set, help="DEV.jsonl[=CORPUS]; default: seeds and shared corpora")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    print("| set, answers by | passed | answers correct | kept model's words | citation precision | refusals | "
          "first token p50/p95 s | first verified sentence p50/p95 s | full answer p50/p95 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    generators = {name: make_generator(name) for name in args.llm}
    with tempfile.TemporaryDirectory() as scratch:
        for items_path, corpus in args.sets or default_sets():
            settings = Settings(corpus_dir=corpus, index_dir=Path(scratch) / corpus.parent.name)
            index = ensure_index(settings, embedder)
            items = load_items(items_path)
            name = corpus.parent.name if corpus.name == "articles" else corpus.name
            results, summary = run_eval(items, index, embedder, settings.with_overrides(answer_mode="extractive"))
            print(row(f"{name}, baseline: extractive", results, summary), flush=True)
            for model, generator in generators.items():
                if generator is None:
                    print(f"| {name}, {model} | not installed | | | | | | | |")
                    continue
                results, summary = run_eval(items, index, embedder, settings.with_overrides(answer_mode="llm"), generator)
                print(row(f"{name}, {model}", results, summary), flush=True)
            index.close()
    for generator in generators.values():
        if generator is not None:
            generator.close()


if __name__ == "__main__":
    main()
