"""Which generation of an index is current, and what its manifest records and is checked for.

The manifest ties the index to the settings that built it (`Settings.index_signature`), and
`check_manifest` refuses a mismatch or an older format with a message that says to run
`rag index`. It also records each article file's size and time, and those of its sidecar
`NAME.meta.json` and of the corpus's `outlets.json`, so that any of them changing makes the
index stale (`corpus_changes`), and what it read of each article, so that the next build can
say which articles are new or changed (`describe_changes`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag.chunk import VERSION as CHUNKER_VERSION
from rag.errors import IndexMismatchError, IndexOutdatedError
from rag.ingest import Document, iter_article_files, sidecar_path
from rag.outlets import OUTLET_TABLE_FILE
from rag.settings import Settings

if TYPE_CHECKING:  # only for annotations: rag.store and rag.build import this module
    from rag.build import Planned
    from rag.store import Index

FORMAT_VERSION = 2  # 2: documents keep author, format and the article text


@dataclass(frozen=True)
class CorpusChanges:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def describe(self) -> str:
        parts = [f"{len(v)} {k}" for k, v in (("new", self.added), ("changed", self.changed), ("removed", self.removed)) if v]
        return ", ".join(parts)


def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        return None
    return index_dir / pointer.read_text(encoding="utf-8").strip()


def recorded_corpus(index_dir: Path) -> Path | None:
    """The corpus folder the index in `index_dir` was built from, when it says."""
    generation = current_generation(index_dir)
    try:
        corpus = json.loads((generation / "manifest.json").read_text(encoding="utf-8")).get("corpus") if generation else None
    except (OSError, ValueError):
        return None
    return Path(corpus) if corpus else None


def check_manifest(manifest: dict, settings: Settings) -> None:
    built_with = manifest.get("settings", {})
    if manifest.get("format_version") != FORMAT_VERSION or built_with.get("chunker_version") != CHUNKER_VERSION:
        raise IndexOutdatedError(
            f"index was written by another version of rag (format {manifest.get('format_version')}, chunker "
            f"{built_with.get('chunker_version')}; this version writes {FORMAT_VERSION} and {CHUNKER_VERSION}); "
            "run `rag index` to rebuild"
        )
    wanted = settings.index_signature()
    differing = {k: (built_with.get(k), v) for k, v in wanted.items() if built_with.get(k) != v}
    if differing:
        detail = "; ".join(f"{k}: index has {old!r}, settings ask for {new!r}" for k, (old, new) in differing.items())
        raise IndexMismatchError(f"index was built with other settings ({detail}); run `rag index` to rebuild")


def corpus_changes(index: Index, corpus_dir: Path) -> CorpusChanges:
    """What differs between the corpus folder and what the index was built from."""
    recorded: dict[str, dict] = index.manifest.get("files", {})
    present = {p.relative_to(corpus_dir).as_posix(): p for p in iter_article_files(corpus_dir)}
    skipped = {s["name"]: s.get("stat") for s in index.manifest.get("skipped", [])}  # unchanged, still skipped
    added = tuple(sorted(n for n in present if n not in recorded and (n not in skipped or _stat(present[n]) != skipped[n])))
    removed = tuple(sorted(n for n in recorded if n not in present))
    changed = []
    for name in sorted(set(present) & set(recorded)):
        stat = present[name].stat()
        if [stat.st_size, stat.st_mtime_ns] != recorded[name].get("stat") or _stat(sidecar_path(present[name])) != recorded[name].get("sidecar"):
            changed.append(name)
    if _stat(corpus_dir / OUTLET_TABLE_FILE) != index.manifest.get("outlet_table"):
        changed.append(OUTLET_TABLE_FILE)
    return CorpusChanges(added, tuple(changed), removed)


def _stat(path: Path) -> list[int] | None:
    """[size, mtime in ns] of a file, None when there is none."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _current_shard_count(index_dir: Path) -> int:
    """How many shards the current generation has (1 when unsharded, missing or unreadable)."""
    generation = current_generation(index_dir)
    try:
        manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8")) if generation else {}
    except (OSError, ValueError):
        return 1
    return len(manifest.get("shards") or []) or 1


def previous_records(settings: Settings, rebuild: bool = False) -> dict[str, dict]:
    """What the current index recorded of each file (doc id, metadata, stats), if readable."""
    generation = None if rebuild else current_generation(settings.index_dir)
    try:
        manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8")) if generation else {}
    except (OSError, ValueError):
        return {}
    return manifest.get("files", {}) if manifest.get("format_version") == FORMAT_VERSION else {}


def describe_changes(per_doc: list[Planned], previous: dict[str, dict], corpus_dir: Path) -> tuple[list[str], list[str]]:
    """One line per new or changed article (new file, other text, other metadata) and a warning
    for each of them that lacks a title, outlet or date: what `rag index` prints."""
    fresh = [d for d, _, _ in per_doc if _record(d) != {k: previous.get(d.source, {}).get(k) for k in _record(d)}]
    return [d.summary_line() for d in fresh], [_missing_warning(d, corpus_dir) for d in fresh if d.missing()]


def _record(doc: Document) -> dict:
    """What the manifest keeps of an article to tell, next time, whether it is new or changed."""
    return {"doc_id": doc.doc_id, "title": doc.title, "outlet": doc.outlet, "published": doc.published, "author": doc.author}


def _missing_warning(doc: Document, corpus_dir: Path) -> str:
    sidecar = sidecar_path(corpus_dir / doc.source).name
    missing = doc.missing()
    named = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} or {missing[-1]}"
    return f"{doc.source}: no {named} found; if the article states it, set it in the Library tab or in {sidecar}"


def _file_records(corpus_dir: Path, per_doc: list[Planned]) -> dict[str, dict]:
    records = {}
    for doc, _, _ in per_doc:
        for name in [doc.source, *doc.aliases]:
            path = corpus_dir / name
            records[name] = {**_record(doc), "stat": _stat(path), "sidecar": _stat(sidecar_path(path))}
    return records
