"""The library: every indexed article with the metadata found for it, as records and as a table.

`rag library [--json]` and the chat app's Library tab show these; corrections a reader makes
are written by `rag.ingest.correct_metadata` to the article's sidecar `NAME.meta.json`. The Tab
filters them (`Shelf`: outlet, date range, words of the title), sorts them (`SORTS`) and draws
them on a timeline (`timeline_points`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from rag.store import Index

COLUMNS = ("source", "title", "outlet", "published", "author")


@dataclass(frozen=True)
class LibraryEntry:
    source: str
    title: str | None
    outlet: str | None
    published: str | None
    author: str | None
    url: str | None
    chunks: int
    aliases: tuple[str, ...] = ()

    def to_json(self) -> dict:
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        return data


def entries(index: Index) -> list[LibraryEntry]:
    """Every article of the index, sorted by file name."""
    counts = index.chunk_counts()
    return sorted(
        (
            LibraryEntry(d.source, d.title, d.outlet, d.published, d.author, d.url, counts.get(d.doc_id, 0), d.aliases)
            for d in index.documents().values()
        ),
        key=lambda e: e.source,
    )


def format_table(rows: list[LibraryEntry], width: int = 60) -> str:
    """A plain-text table under a header: file, date, outlet, title (cut to `width`), author; '–'
    for missing."""
    lines = ["source\tdate\toutlet\ttitle\tauthor"]
    for e in rows:
        title = e.title or "–"
        title = title if len(title) <= width else title[: width - 1] + "…"
        lines.append(f"{e.source}\t{e.published or '–'}\t{e.outlet or '–'}\t{title}\t{e.author or '–'}")
    missing = {c: sum(1 for e in rows if not getattr(e, c)) for c in ("title", "outlet", "published")}
    lines.append(
        f"{len(rows)} articles; no title: {missing['title']}, no outlet: {missing['outlet']}, no date: {missing['published']}"
    )
    return "\n".join(lines)


NO_OUTLET = "(no outlet)"
SORTS = {
    "newest first": lambda e: (e.published or "", e.source),
    "oldest first": lambda e: (e.published or "9999", e.source),
    "outlet": lambda e: ((e.outlet or "~").lower(), e.published or "", e.source),
    "title": lambda e: ((e.title or "~").lower(), e.source),
    "file": lambda e: e.source,
}
"""How the Library table may be sorted; 'newest first' sorts in reverse."""


@dataclass(frozen=True)
class Shelf:
    """The Library's filters: an outlet (exactly, or NO_OUTLET), a date range (YYYY-MM-DD, either
    end open) and words that must all stand in the title. Undated articles fall outside any range."""

    outlet: str | None = None
    published_from: str | None = None
    published_to: str | None = None
    words: str = ""

    def allows(self, entry: LibraryEntry) -> bool:
        if self.outlet and (entry.outlet or NO_OUTLET) != self.outlet:
            return False
        if (self.published_from or self.published_to) and not entry.published:
            return False
        if self.published_from and entry.published < self.published_from:
            return False
        if self.published_to and entry.published[:10] > self.published_to:
            return False
        title = _plain(entry.title or entry.source)
        return all(word in title for word in _plain(self.words).split())


def shelve(rows: list[LibraryEntry], shelf: Shelf, sort: str = "newest first") -> list[LibraryEntry]:
    """The entries `shelf` allows, in the order `sort` names (a key of SORTS)."""
    chosen = [e for e in rows if shelf.allows(e)]
    return sorted(chosen, key=SORTS[sort], reverse=sort == "newest first")


def outlets(rows: list[LibraryEntry]) -> list[str]:
    """Every outlet in the library, by name; NO_OUTLET last when some article has none."""
    named = sorted({e.outlet for e in rows if e.outlet}, key=str.lower)
    return named + [NO_OUTLET] * any(not e.outlet for e in rows)


def timeline_points(rows: list[LibraryEntry]) -> list[dict]:
    """One point per dated article for the timeline: its day, outlet, title and file name."""
    return [
        {"published": e.published[:10], "outlet": e.outlet or NO_OUTLET, "title": e.title or e.source, "file": e.source}
        for e in rows
        if e.published
    ]


def days_of_range(low: object, high: object) -> tuple[str, str]:
    """A range chosen on the timeline (seconds or milliseconds since 1970, or dates) as the first
    and last day it covers, YYYY-MM-DD."""

    def day(value: object) -> str:
        if isinstance(value, (int, float)):
            seconds = value / 1000 if abs(value) > 1e11 else value  # after 1973 in ms, before 5138 in s
            return datetime.fromtimestamp(seconds, tz=timezone.utc).date().isoformat()
        return str(value)[:10]

    first, last = sorted((day(low), day(high)))
    return first, last


def _plain(text: str) -> str:
    """Lower case with curly quotes and apostrophes straight, so 'Maduro's' finds 'Maduro’s'."""
    return text.lower().translate(str.maketrans("‘’“”", "''\"\""))
