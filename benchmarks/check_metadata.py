"""Check the metadata found for a corpus against its SOURCES.md table (title, outlet, date).

    rag library --json --corpus DIR/articles --index /tmp/idx > lib.json
    python benchmarks/check_metadata.py DIR/SOURCES.md lib.json
    python benchmarks/check_metadata.py DIR/SOURCES.md --corpus DIR/articles   # no index needed

SOURCES.md has a markdown table `| File | Outlet | Date | Title | … |`. A value is `right` when it
matches the table (titles compared without case, quote style or spacing; an outlet when its
name, or its agency's short form, stands in the table's cell), `wrong` when it does not, and
`missing` when none was found. A missing value is marked `allowed` when the table says the text
does not state it ('not in the text', 'no date in the text', 'from the URL', 'no title'), or,
for an outlet, when the outlet's name does not occur in the article's text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ALIASES = {"associated press": ["ap"], "ap": ["associated press"]}
NOT_STATED = re.compile(r"not in the text|no date in the text|from the url|no title in the text|^no title", re.I)


def normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().strip("`").lower()


def read_table(path: Path) -> dict[str, dict[str, str]]:
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = {"outlet": cells[1], "date": cells[2], "title": cells[3]}
    return rows


def judge_title(found: str | None, cell: str) -> str:
    stated = not NOT_STATED.search(cell)
    expected = re.sub(r"\s*\((title from|no title)[^)]*\)\s*$", "", cell).strip()
    if found is None:
        return "missing" if stated else "missing (allowed)"
    return "right" if normalise(found) == normalise(expected) else "wrong"


def judge_outlet(found: str | None, cell: str, text: str) -> str:
    name = re.split(r"\s*[(,]", cell)[0].strip()
    if found is None:
        return "missing (allowed)" if name.lower() not in text.lower() else "missing"
    wanted = [found.lower(), *ALIASES.get(found.lower(), [])]
    return "right" if any(re.search(rf"\b{re.escape(w)}\b", cell.lower()) for w in wanted) else "wrong"


def judge_date(found: str | None, cell: str) -> str:
    expected = cell[:10]
    if found is None:
        return "missing (allowed)" if NOT_STATED.search(cell) or "without" in cell else "missing"
    return "right" if found == expected else "wrong"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path)
    parser.add_argument("library", type=Path, nargs="?", help="output of `rag library --json`")
    parser.add_argument("--corpus", type=Path, help="read the articles directly instead of a library JSON")
    args = parser.parse_args()
    table = read_table(args.sources)
    articles = args.corpus or args.sources.parent / "articles"
    if args.library:
        entries = json.loads(args.library.read_text(encoding="utf-8"))
    else:
        from rag.ingest import load_corpus

        docs, _ = load_corpus(args.corpus)
        entries = [{"source": d.source, "title": d.title, "outlet": d.outlet, "published": d.published} for d in docs]
    totals: dict[str, dict[str, int]] = {f: {} for f in ("title", "outlet", "date")}
    for entry in sorted(entries, key=lambda e: e["source"]):
        row = table.get(entry["source"])
        if row is None:
            print(f"{entry['source']}: not in {args.sources.name}")
            continue
        text = (articles / entry["source"]).read_text(encoding="utf-8", errors="replace")
        verdicts = {
            "title": judge_title(entry["title"], row["title"]),
            "outlet": judge_outlet(entry["outlet"], row["outlet"], text),
            "date": judge_date(entry["published"], row["date"]),
        }
        for field, verdict in verdicts.items():
            totals[field][verdict] = totals[field].get(verdict, 0) + 1
        flags = "  ".join(f"{f}={v}" for f, v in verdicts.items() if v != "right")
        print(f"{entry['source'][:48]:48} {entry['outlet'] or '–':18} {entry['published'] or '–':10}  {flags}")
    for field, counts in totals.items():
        print(f"{field:6}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return 1 if any("wrong" in counts for counts in totals.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
