"""The library: every indexed article with the metadata found for it, as records and as a table.

`rag library [--json]` and the chat app's Library tab show these; corrections a reader makes
are written by `rag.ingest.correct_metadata` to the article's sidecar `NAME.meta.json`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
