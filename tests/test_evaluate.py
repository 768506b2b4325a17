"""The evaluation split: fixed by id, about half each, held-out items scored but not listed."""

from __future__ import annotations

from rag.evaluate import ItemResult, format_table, split_of, summarise_by_split


def test_split_depends_on_the_id_alone_and_gives_two_halves():
    ids = [f"X{n:02d}" for n in range(200)]
    splits = [split_of(i) for i in ids]
    assert splits == [split_of(i) for i in ids]
    assert 70 <= splits.count("heldout") <= 130
    assert set(splits) == {"dev", "heldout"}


def _result(item_id: str, passed: bool) -> ItemResult:
    return ItemResult(item_id, "quote", passed, 1.0, {"verdict": "verified", "expected": ["verified"], "citation_valid": True})


def test_held_out_items_are_counted_per_half_but_not_listed():
    ids = [f"Q{n}" for n in range(20)]
    results = [_result(i, passed=n % 3 == 0) for n, i in enumerate(ids)]
    summary = summarise_by_split(results, k=5)
    heldout = [r for r in results if r.split == "heldout"]
    assert summary["heldout"]["items"] == len(heldout)
    assert summary["heldout"]["passed"] == sum(r.passed for r in heldout)
    assert summary["dev"]["items"] + summary["heldout"]["items"] == summary["items"]
    table = format_table(results, summary)
    listed = {line.split()[0] for line in table.splitlines()[1:] if line.strip()}
    assert not listed & {r.id for r in heldout}
    assert {r.id for r in results if r.split == "dev"} <= listed
    assert f"({len(heldout)} held-out items scored, not listed)" in table
    shown = format_table(results, summary, show_heldout=True)
    assert all(r.id in shown for r in heldout)
