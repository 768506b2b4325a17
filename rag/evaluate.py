"""`rag eval`: run an evaluation set (see ../shared/eval/README.md) through the library calls
of `rag ask` and `rag quote`, and score what comes back.

Per question item: evidence recall@k and reciprocal rank of retrieval, answer correctness (every
`expect` group matched), citation validity (offsets reproduce the text), citation precision
(share of citations from one of `sources`), refusal correctness. Per quote item: verdict
accuracy. Summary: the means, and latency p50/p95, for the whole set and for each half.

Every set is split into a development half and a held-out half by a hash of each item's id
(`split_of`), so the split needs no second file and cannot drift. The held-out half is the figure
that counts: its items are scored and counted but, unless asked (`show_heldout`), never listed one
by one, so nobody tunes on them by reading them.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rag.answer import answer_question
from rag.conversation import Turn
from rag.errors import InputError, RagError
from rag.quotes import check_quote
from rag.retrieve import search


SPLITS = ("dev", "heldout")


@dataclass
class ItemResult:
    id: str
    kind: str
    passed: bool
    latency_ms: float
    details: dict = field(default_factory=dict)

    @property
    def split(self) -> str:
        return split_of(self.id)


def split_of(item_id: str) -> str:
    """'dev' or 'heldout', fixed by the item's id alone (about half each)."""
    return SPLITS[hashlib.sha256(item_id.encode("utf-8")).digest()[0] % 2]


def normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def load_items(path: Path) -> list[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read evaluation set {path}: {exc}") from None


def citations_valid(citations: list[dict], index) -> bool:
    """Every citation's offsets reproduce its text in the article text the index keeps (the
    file's text, or a saved web page's extracted text)."""
    for c in citations:
        try:
            text = index.document_text(c["source"])
        except RagError:
            return False
        if text[c["start"] : c["end"]] != c["text"]:
            return False
    return True


def evaluate_question(item: dict, index, embedder, settings, generator, k: int) -> ItemResult:
    history = [Turn(t["role"], t["content"]) for t in item.get("history", [])]
    started = time.perf_counter()
    answer = answer_question(item["question"], index, embedder, settings, history, generator).to_json()
    latency = (time.perf_counter() - started) * 1000
    text = normalise(answer["answer"])
    sources = set(item.get("sources", []))
    cited = [c["source"] for c in answer["citations"]]
    details = {
        "answer": answer["answer"],
        "refused": answer["refused"],
        "answered_by": answer.get("answered_by"),
        "citation_valid": citations_valid(answer["citations"], index),
        "citation_precision": (sum(s in sources for s in cited) / len(cited)) if cited else None,
        "notes": answer.get("notes", []),
        "timings_ms": answer.get("timings_ms", {}),
    }
    if item.get("refuse"):
        passed = answer["refused"] and not answer["citations"]
    else:
        groups = item.get("expect", [])
        details["expect_matched"] = all(any(normalise(s) in text for s in group) for group in groups)
        details["cites_a_source"] = any(s in sources for s in cited)
        standalone = answer.get("standalone_question") or item["question"]
        hits = search(standalone, index, embedder, settings, k=k)
        rank = next(
            (r for r, h in enumerate(hits, 1) if any(normalise(e) in normalise(h.text) for e in item.get("evidence", []))),
            None,
        )
        details["evidence_rank"] = rank
        passed = not answer["refused"] and details["expect_matched"] and details["cites_a_source"]
    passed = passed and details["citation_valid"]
    return ItemResult(item["id"], item.get("kind", "?"), passed, latency, details)


def evaluate_quote(item: dict, index, embedder, settings) -> ItemResult:
    started = time.perf_counter()
    result = check_quote(item["quote"], index, settings, speaker=item.get("speaker"), embedder=embedder).to_json()
    latency = (time.perf_counter() - started) * 1000
    valid = citations_valid(result["matches"], index)
    passed = result["verdict"] in item["verdict"] and valid
    if item.get("sources") and result["verdict"] != "not_found":
        passed = passed and any(m["source"] in item["sources"] for m in result["matches"])
    return ItemResult(item["id"], "quote", passed, latency, {"verdict": result["verdict"], "expected": item["verdict"], "citation_valid": valid})


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summarise_by_split(results: list[ItemResult], k: int) -> dict:
    """The summary of the whole set, and of each half under its split name."""
    summary = summarise(results, k)
    for split in SPLITS:
        summary[split] = summarise([r for r in results if r.split == split], k)
    return summary


def summarise(results: list[ItemResult], k: int) -> dict:
    questions = [r for r in results if r.kind != "quote"]
    answerable = [r for r in questions if "expect_matched" in r.details]
    refusals = [r for r in questions if "expect_matched" not in r.details]
    quotes = [r for r in results if r.kind == "quote"]
    ranks = [r.details.get("evidence_rank") for r in answerable]
    precisions = [r.details["citation_precision"] for r in answerable if r.details["citation_precision"] is not None]
    latencies = [r.latency_ms for r in results]

    def share(items: list, test) -> float | None:
        return round(sum(1 for i in items if test(i)) / len(items), 3) if items else None

    return {
        "items": len(results),
        "passed": sum(r.passed for r in results),
        "score": share(results, lambda r: r.passed),
        f"evidence_recall@{k}": share(ranks, lambda r: r is not None),
        "evidence_mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 3) if ranks else None,
        "answer_correct": share(answerable, lambda r: r.details["expect_matched"] and not r.details["refused"]),
        "citation_valid": share(questions, lambda r: r.details["citation_valid"]),
        "citation_precision": round(statistics.mean(precisions), 3) if precisions else None,
        "refusal_accuracy": share(refusals, lambda r: r.passed),
        "false_refusals": sum(1 for r in answerable if r.details["refused"]),
        "quote_verdict_accuracy": share(quotes, lambda r: r.passed),
        "answered_by": dict(Counter(r.details["answered_by"] for r in answerable if not r.details["refused"])),
        "latency_p50_ms": round(percentile(latencies, 0.5), 1),
        "latency_p95_ms": round(percentile(latencies, 0.95), 1),
        **model_latencies(questions),
    }


def model_latencies(questions: list[ItemResult]) -> dict:
    """p50/p95 of the model's first token and first verified sentence (retrieval included), over
    the answers where the model ran and wrote a sentence that passed; empty without a model."""
    figures = {}
    for key in ("first_cited_text", "first_token", "first_sentence"):
        values = [r.details["timings_ms"][key] for r in questions if key in r.details.get("timings_ms", {})]
        if values:
            figures[f"{key}_p50_ms"] = round(percentile(values, 0.5), 1)
            figures[f"{key}_p95_ms"] = round(percentile(values, 0.95), 1)
    return figures


def run_eval(items: list[dict], index, embedder, settings, generator=None, k: int = 5) -> tuple[list[ItemResult], dict]:
    results = []
    for item in items:
        if item.get("kind") == "quote":
            results.append(evaluate_quote(item, index, embedder, settings))
        else:
            results.append(evaluate_question(item, index, embedder, settings, generator, k))
    return results, summarise_by_split(results, k)


HALF_FIGURES = ("passed", "items", "answer_correct", "false_refusals", "refusal_accuracy",
                "quote_verdict_accuracy", "citation_valid")


def format_table(results: list[ItemResult], summary: dict, show_heldout: bool = False) -> str:
    """Item lines (held-out items only with `show_heldout`), then the figures of the whole set
    and one line per half."""
    lines = [f"{'id':6} {'kind':13} {'ok':4} {'ms':>8}  detail"]
    hidden = 0
    for r in results:
        if r.split == "heldout" and not show_heldout:
            hidden += 1
            continue
        if r.kind == "quote":
            detail = f"verdict {r.details['verdict']} (expected {'/'.join(r.details['expected'])})"
        elif "expect_matched" in r.details:
            detail = (
                f"expect {'yes' if r.details['expect_matched'] else 'NO'}, cites source "
                f"{'yes' if r.details['cites_a_source'] else 'NO'}, evidence rank {r.details['evidence_rank']}"
                + (", REFUSED" if r.details["refused"] else "")
            )
        else:
            detail = "refused" if r.details["refused"] else "ANSWERED (should refuse)"
        lines.append(f"{r.id:6} {r.kind:13} {'pass' if r.passed else 'FAIL':4} {r.latency_ms:8.0f}  {detail}")
    if hidden:
        lines.append(f"({hidden} held-out items scored, not listed)")
    lines.append("")
    lines += [f"{key:24} {value}" for key, value in summary.items() if key not in SPLITS]
    for split in SPLITS:
        half = summary.get(split, {})
        lines.append(f"{split:24} " + ", ".join(f"{key} {half.get(key)}" for key in HALF_FIGURES))
    return "\n".join(lines)
