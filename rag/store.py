"""An index on disk, opened for reading: its records and `Index`, and `open_index`.

Layout of the index folder:

    index/CURRENT            name of the generation in use (replaced atomically)
    index/gen-<stamp>/       manifest.json, chunks.faiss, sentences.npy, meta.sqlite
    index/.lock              held by the one `rag index` that may write

`open_index` refuses an index built with other settings, an older format or unreadable files
with a message that says to run `rag index` (the checks are in `rag.manifest`). Writing a
new generation, atomic and incremental, is `rag.build`.

The documents table keeps each article's text, the text every citation's offsets point into:
the file's own text for .txt/.md, the extracted text for a saved web page (`Index.document_text`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.errors import IndexCorruptError, IndexMissingError
from rag.manifest import check_manifest, current_generation
from rag.settings import Settings


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    source: str
    title: str | None
    outlet: str | None
    published: str | None
    url: str | None
    author: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredChunk:
    id: int
    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class StoredSentence:
    id: int
    doc_id: str
    start: int
    end: int
    text: str


@dataclass
class Index:
    """An opened index generation. Read-only; safe to share between threads."""

    path: Path
    manifest: dict
    vectors: "object"  # faiss.Index over chunk vectors; row i is chunk id i
    sentence_vectors: np.ndarray
    db: sqlite3.Connection
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _texts: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) of the k nearest chunks."""
        k = min(k, self.vectors.ntotal)
        if k <= 0:
            return []
        scores, ids = self.vectors.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def keyword_search(self, fts_query: str, k: int, table: str = "chunks_fts") -> list[tuple[int, float]]:
        """(row id, BM25 score, higher is better) from an FTS5 MATCH expression."""
        if not fts_query or table not in ("chunks_fts", "sentences_fts"):
            return []
        try:
            rows = self.query(f"SELECT rowid, -bm25({table}) FROM {table} WHERE {table} MATCH ? ORDER BY bm25({table}), rowid LIMIT ?", (fts_query, k))
        except sqlite3.OperationalError:
            return []
        return [(int(r), float(s)) for r, s in rows]

    def chunks(self, ids: list[int]) -> dict[int, StoredChunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.query(f'SELECT id, doc_id, start, "end", text FROM chunks WHERE id IN ({marks})', tuple(ids))
        return {r[0]: StoredChunk(*r) for r in rows}

    def sentences_in(self, doc_id: str, start: int = 0, end: int | None = None) -> list[StoredSentence]:
        end = 1 << 62 if end is None else end
        rows = self.query(
            'SELECT id, doc_id, start, "end", text FROM sentences WHERE doc_id = ? AND start >= ? AND "end" <= ? ORDER BY start',
            (doc_id, start, end),
        )
        return [StoredSentence(*r) for r in rows]

    def sentences_by_id(self, ids: list[int]) -> list[StoredSentence]:
        """The sentences with these ids, in the order given."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = {r[0]: StoredSentence(*r) for r in self.query(f'SELECT id, doc_id, start, "end", text FROM sentences WHERE id IN ({marks})', tuple(ids))}
        return [rows[i] for i in ids if i in rows]

    def all_sentences(self) -> list[StoredSentence]:
        return [StoredSentence(*r) for r in self.query('SELECT id, doc_id, start, "end", text FROM sentences ORDER BY id')]

    def documents(self) -> dict[str, DocumentInfo]:
        aliases: dict[str, list[str]] = {}
        for name, doc_id in self.query("SELECT name, doc_id FROM files ORDER BY name"):
            aliases.setdefault(doc_id, []).append(name)
        rows = self.query("SELECT doc_id, source, title, outlet, published, url, author FROM documents ORDER BY source")
        return {
            r[0]: DocumentInfo(*r, aliases=tuple(a for a in aliases.get(r[0], []) if a != r[1])) for r in rows
        }

    def document_text(self, source: str) -> str:
        """The text a citation of `source` (a file name or one of its aliases) has its offsets in:
        the file's text, or the text extracted from a saved web page."""
        if source not in self._texts:
            rows = self.query("SELECT d.text FROM files f JOIN documents d ON d.doc_id = f.doc_id WHERE f.name = ?", (source,))
            if not rows:
                raise IndexMissingError(f"no article named {source!r} in the index; `rag library` lists the articles")
            self._texts[source] = rows[0][0]
        return self._texts[source]

    def chunk_counts(self) -> dict[str, int]:
        return dict(self.query("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id"))

    def close(self) -> None:
        self.db.close()


def open_index(settings: Settings) -> Index:
    """Open the index in `settings.index_dir`, checking it was built with `settings`."""
    generation = current_generation(settings.index_dir)
    if generation is None:
        raise IndexMissingError(f"no index in {settings.index_dir}/; run `rag index` to build it")
    try:
        manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexCorruptError(f"index manifest in {generation} is unreadable; run `rag index` to rebuild") from None
    check_manifest(manifest, settings)
    if manifest.get("shards"):
        from rag.shards import open_shards

        return open_shards(generation, manifest)
    try:
        import faiss

        vectors = faiss.read_index(str(generation / "chunks.faiss"))
        sentence_vectors = np.load(generation / "sentences.npy")
        db = sqlite3.connect(f"file:{generation / 'meta.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        n_chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        n_sentences = db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
    except Exception as exc:  # faiss raises RuntimeError, sqlite DatabaseError, numpy ValueError
        raise IndexCorruptError(
            f"index files in {generation} are damaged ({type(exc).__name__}); run `rag index` to rebuild"
        ) from None
    if (vectors.ntotal, len(sentence_vectors)) != (n_chunks, n_sentences) or vectors.d != manifest["dimension"]:
        db.close()
        raise IndexCorruptError(f"index files in {generation} disagree with each other; run `rag index` to rebuild")
    return Index(generation, manifest, vectors, sentence_vectors, db)
