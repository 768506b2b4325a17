"""Chunks -> a new index generation on disk: FAISS vectors, a SQLite database, a manifest.

A build writes a whole new generation beside the current one, then points CURRENT at it with
one `os.replace`: a crash mid-build (even kill -9) leaves the previous index in use. Builds are
incremental: vectors of documents whose content hash is unchanged are copied, not re-embedded.
What the manifest records, and how it is checked, is `rag.manifest`; reading the result is
`rag.store`. `ensure_index` opens the index, building or updating it first when needed.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from rag.chunk import VERSION as CHUNKER_VERSION
from rag.chunk import Chunk, Sentence, chunk_document
from rag.embed import Embedder, embed_texts
from rag.errors import (
    CorpusError, IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError, IndexOutdatedError,
)
from rag.ingest import Document, Skipped, load_corpus
from rag.manifest import (
    FORMAT_VERSION,
    CorpusChanges,
    _current_shard_count,
    _file_records,
    _stat,
    corpus_changes,
    current_generation,
    describe_changes,
    previous_records,
)
from rag.outlets import OUTLET_TABLE_FILE
from rag.settings import Settings
from rag.store import Index, open_index

FLAT_INDEX_LIMIT = 100_000

SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT, outlet TEXT, published TEXT, url TEXT,
    n_chars INTEGER NOT NULL, author TEXT, format TEXT NOT NULL, text TEXT NOT NULL
);
CREATE TABLE files (name TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id));
CREATE TABLE boilerplate (doc_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, kind TEXT NOT NULL);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, ord INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX sentences_by_doc ON sentences(doc_id, start);
CREATE VIRTUAL TABLE chunks_fts USING fts5(text, about, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE sentences_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
"""


@dataclass
class BuildReport:
    documents: int
    chunks: int
    embedded_documents: int
    skipped: list[Skipped]
    seconds: float
    index_dir: Path
    articles: list[str] = field(default_factory=list)  # one line per new or changed article
    warnings: list[str] = field(default_factory=list)  # metadata those articles lack

    def details(self) -> str:
        """The article lines, warnings and skipped files, then the summary: what `rag index`
        and the Library tab show."""
        lines = [*self.articles, *(f"warning: {w}" for w in self.warnings)]
        lines += [f"skipped {s.name}: {s.reason}" for s in self.skipped]
        return "\n".join([*lines, self.summary()])

    def summary(self) -> str:
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        return (
            f"indexed {self.documents} documents, {self.chunks} chunks "
            f"({self.embedded_documents} embedded, {self.documents - self.embedded_documents} reused){skipped} "
            f"in {self.seconds:.2f} s -> {self.index_dir}"
        )


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's write lock, or refuse at once if another build holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise IndexBusyError(f"{index_dir}/ is being indexed by pid {holder}; wait for it to finish") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def make_vector_index(vectors: np.ndarray, dimension: int):
    """Exact search up to FLAT_INDEX_LIMIT vectors, HNSW over 8-bit scalar-quantised vectors beyond.

    Measured in benchmarks/bench_scale.py on 2 cores: flat search costs 15 ms at 100k chunks and
    146 ms at 1M; HNSW32 with SQ8 keeps recall@10 near 0.98 at a fraction of a millisecond and
    about 40% of flat's memory (HNSW over float vectors needs 1.8 GB at 1M).
    """
    import faiss

    if len(vectors) <= FLAT_INDEX_LIMIT:
        index = faiss.IndexFlatIP(dimension)
    else:
        index = faiss.index_factory(dimension, "HNSW32,SQ8", faiss.METRIC_INNER_PRODUCT)
        hnsw = faiss.downcast_index(index).hnsw
        hnsw.efConstruction, hnsw.efSearch = 80, 128
        sample = np.random.default_rng(0).choice(len(vectors), size=min(len(vectors), 100_000), replace=False)
        index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _previous_vectors(settings: Settings) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, str]]:
    """Chunk and sentence vectors by document id from the current index, when it can be reused,
    and each document's `about` line (its chunks were embedded with it)."""
    try:
        index = open_index(settings)
    except (IndexMissingError, IndexCorruptError, IndexMismatchError):
        return {}, {}, {}
    try:
        chunk_vectors = index.vectors.reconstruct_n(0, index.vectors.ntotal)
        by_doc_chunks: dict[str, list[int]] = {}
        for chunk_id, doc_id in index.query("SELECT id, doc_id FROM chunks ORDER BY id"):
            by_doc_chunks.setdefault(doc_id, []).append(chunk_id)
        by_doc_sentences: dict[str, list[int]] = {}
        for sentence_id, doc_id in index.query("SELECT id, doc_id FROM sentences ORDER BY id"):
            by_doc_sentences.setdefault(doc_id, []).append(sentence_id)
        abouts = {d.doc_id: " · ".join(x for x in (d.outlet, d.published, d.title) if x) for d in index.documents().values()}
        return (
            {d: chunk_vectors[ids] for d, ids in by_doc_chunks.items()},
            {d: index.sentence_vectors[ids] for d, ids in by_doc_sentences.items()},
            abouts,
        )
    except RuntimeError:
        return {}, {}, {}
    finally:
        index.close()


def unique_sentences(chunks: list[Chunk]) -> list[Sentence]:
    seen: dict[tuple[int, int], Sentence] = {}
    for chunk in chunks:
        for sentence in chunk.sentences:
            seen.setdefault((sentence.start, sentence.end), sentence)
    return sorted(seen.values(), key=lambda s: s.start)


def about(doc: Document) -> str:
    """The article's outlet, date and title in one line: context a chunk's own words lack."""
    return " · ".join(x for x in (doc.outlet, doc.published, doc.title) if x)


def embedding_text(doc: Document, text: str) -> str:
    """What the embedder sees for a chunk: the article's outlet, date and title, then the chunk."""
    header = about(doc)
    return f"{header}\n{text}" if header else text


Planned = tuple[Document, list[Chunk], list[Sentence]]  # one article, its chunks and its unique sentences


def plan_document(doc: Document, settings: Settings) -> Planned:
    """An article with its chunks and the sentences they hold: what the index stores for it."""
    chunks = chunk_document(doc, settings.chunk_max_words, settings.chunk_overlap_sentences)
    return doc, chunks, unique_sentences(chunks)


def check_corpus(settings: Settings, documents: list, skipped: list[Skipped]) -> None:
    """Raise CorpusError when there is nothing to index, saying why."""
    if not documents:
        reasons = "; ".join(f"{s.name}: {s.reason}" for s in skipped[:3]) or "no .txt, .md or .html files"
        raise CorpusError(f"no readable article in {settings.corpus_dir}/ ({reasons}); add .txt, .md or .html articles")


def reusable_vectors(
    settings: Settings, dimension: int, rebuild: bool, documents: list[Document] | None = None
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Chunk and sentence vectors by document id that this build may copy instead of embedding;
    given the `documents`, not those whose outlet, date or title changed (their chunks were
    embedded with the old `about` line)."""
    if rebuild:
        return {}, {}
    reuse_chunks, reuse_sentences, abouts = _previous_vectors(settings)
    if dimension and reuse_chunks:
        reuse_chunks = {k: v for k, v in reuse_chunks.items() if v.shape[1] == dimension}
    for doc in documents or []:
        if abouts.get(doc.doc_id) != about(doc):
            reuse_chunks.pop(doc.doc_id, None)
    return {k: v for k, v in reuse_chunks.items() if k in reuse_sentences}, reuse_sentences


def build_index(
    settings: Settings,
    embedder: Embedder,
    progress: bool = False,
    on_progress: Callable[[float, str], None] | None = None,
    rebuild: bool = False,
) -> BuildReport:
    """Index `settings.corpus_dir` into `settings.index_dir`, embedding only new or changed articles."""
    started = time.perf_counter()
    with index_lock(settings.index_dir):
        _remove_stray_generations(settings.index_dir)
        if not settings.corpus_dir.is_dir():
            raise CorpusError(f"corpus folder {settings.corpus_dir}/ not found; pass --corpus DIR")
        documents, skipped = load_corpus(settings.corpus_dir)
        check_corpus(settings, documents, skipped)
        reuse_chunks, reuse_sentences = reusable_vectors(settings, embedder.dimension, rebuild, documents)
        previous = previous_records(settings, rebuild)
        per_doc = [plan_document(doc, settings) for doc in documents]

        to_embed = [(d, c, s) for d, c, s in per_doc if d.doc_id not in reuse_chunks]
        texts = [embedding_text(d, c.text) for d, cs, _ in to_embed for c in cs]
        texts += [s.text for _, _, ss in to_embed for s in ss]
        if on_progress:
            on_progress(0.1, f"embedding {len(to_embed)} of {len(per_doc)} articles")
        fresh = embed_texts(embedder, texts, progress=progress) if texts else np.zeros((0, embedder.dimension), np.float32)
        n_fresh_chunks = sum(len(cs) for _, cs, _ in to_embed)
        fresh_chunks, fresh_sentences = fresh[:n_fresh_chunks], fresh[n_fresh_chunks:]

        c_at = s_at = 0
        for doc, chunks, sentences in to_embed:
            reuse_chunks[doc.doc_id] = fresh_chunks[c_at : c_at + len(chunks)]
            reuse_sentences[doc.doc_id] = fresh_sentences[s_at : s_at + len(sentences)]
            c_at, s_at = c_at + len(chunks), s_at + len(sentences)
        if on_progress:
            on_progress(0.8, "writing index")
        chunk_vectors, sentence_vectors = stack_vectors(per_doc, reuse_chunks, reuse_sentences, embedder.dimension)
        write_generation(settings, per_doc, chunk_vectors, sentence_vectors, skipped)
        if on_progress:
            on_progress(1.0, "done")
    articles, warnings = describe_changes(per_doc, previous, settings.corpus_dir)
    return BuildReport(
        len(per_doc), len(chunk_vectors), len(to_embed), skipped, time.perf_counter() - started, settings.index_dir,
        articles=articles, warnings=warnings,
    )


def stack_vectors(
    per_doc: list[Planned], chunk_vectors: dict[str, np.ndarray], sentence_vectors: dict[str, np.ndarray], dimension: int
) -> tuple[np.ndarray, np.ndarray]:
    """All chunk vectors and all sentence vectors in index order (articles in `per_doc` order)."""
    empty = np.zeros((0, dimension), np.float32)
    chunks = [chunk_vectors[d.doc_id] for d, _, _ in per_doc]
    sentences = [sentence_vectors[d.doc_id] for d, _, _ in per_doc]
    return (np.concatenate(chunks) if chunks else empty), (np.concatenate(sentences) if sentences else empty)


def write_generation(
    settings: Settings, per_doc: list[Planned], chunk_vectors: np.ndarray, sentence_vectors: np.ndarray, skipped: list[Skipped]
) -> Path:
    """Write a whole new generation beside the current one, then make it current (one `os.replace`).

    The caller holds `index_lock`. With more than one shard (`settings.index_shards`, or as many
    as the current generation has when that is 0) the rows and vectors are split by article hash
    (`rag.shards`); the manifest is the same either way, plus the list of shards.
    """
    dimension = int(chunk_vectors.shape[1])
    generation = settings.index_dir / f"gen-{time.time_ns()}"
    generation.mkdir()
    manifest = {
        "format_version": FORMAT_VERSION,
        "settings": {**settings.index_signature(), "chunker_version": CHUNKER_VERSION},
        "dimension": dimension,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "documents": len(per_doc),
        "chunks": int(len(chunk_vectors)),
        "sentences": int(len(sentence_vectors)),
        "files": _file_records(settings.corpus_dir, per_doc),
        "outlet_table": _stat(settings.corpus_dir / OUTLET_TABLE_FILE),
        "skipped": [{"name": s.name, "reason": s.reason, "stat": _stat(settings.corpus_dir / s.name)} for s in skipped],
        "corpus": str(settings.corpus_dir.resolve()),
    }
    shards = settings.index_shards or _current_shard_count(settings.index_dir)
    if shards > 1:
        from rag.shards import write_shards

        manifest["shards"] = write_shards(generation, per_doc, chunk_vectors, sentence_vectors, shards)
    else:
        _write_database(generation / "meta.sqlite", per_doc)
        import faiss

        faiss.write_index(make_vector_index(chunk_vectors, dimension), str(generation / "chunks.faiss"))
        np.save(generation / "sentences.npy", sentence_vectors.astype(np.float32))
    _write_json(generation / "manifest.json", manifest)
    _fsync_dir(generation)
    _point_current_at(settings.index_dir, generation)
    _remove_stray_generations(settings.index_dir)
    return generation


def _write_database(path: Path, per_doc: list[Planned], first_ids: list[tuple[int, int]] | None = None) -> None:
    """Rows of `per_doc`; chunk and sentence ids count from 0, or from each article's `first_ids` (a shard)."""
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        chunk_id = sentence_id = 0
        for n, (doc, chunks, sentences) in enumerate(per_doc):
            if first_ids is not None:
                chunk_id, sentence_id = first_ids[n]
            db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.doc_id, doc.source, doc.title, doc.outlet, doc.published, doc.url, len(doc.text), doc.author, doc.format, doc.text),
            )
            db.executemany("INSERT INTO files VALUES (?, ?)", [(n, doc.doc_id) for n in [doc.source, *doc.aliases]])
            db.executemany(
                "INSERT INTO boilerplate VALUES (?, ?, ?, ?)", [(doc.doc_id, b.start, b.end, b.kind) for b in doc.boilerplate]
            )
            for chunk in chunks:
                db.execute("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)", (chunk_id, doc.doc_id, chunk.ord, chunk.start, chunk.end, chunk.text))
                db.execute("INSERT INTO chunks_fts(rowid, text, about) VALUES (?, ?, ?)", (chunk_id, chunk.text, about(doc)))
                chunk_id += 1
            for sentence in sentences:
                db.execute("INSERT INTO sentences VALUES (?, ?, ?, ?, ?)", (sentence_id, doc.doc_id, sentence.start, sentence.end, sentence.text))
                db.execute("INSERT INTO sentences_fts(rowid, text) VALUES (?, ?)", (sentence_id, sentence.text))
                sentence_id += 1
        db.commit()
    finally:
        db.close()


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir():  # a shard folder: rag.shards syncs its own files
            continue
        with open(child, "rb") as handle:
            os.fsync(handle.fileno())


def _point_current_at(index_dir: Path, generation: Path) -> None:
    pointer = index_dir / "CURRENT.tmp"
    with open(pointer, "w", encoding="utf-8") as handle:
        handle.write(generation.name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / "CURRENT")


def _remove_stray_generations(index_dir: Path) -> None:
    """Delete generations other than the current one (old ones, or halves of a killed build)."""
    current = current_generation(index_dir)
    for child in index_dir.glob("gen-*"):
        if child.is_dir() and (current is None or child.name != current.name):
            shutil.rmtree(child, ignore_errors=True)


def ensure_index(settings: Settings, embedder: Embedder, log: Callable[[str], None] = lambda _: None) -> Index:
    """Open the index, building it when missing and updating it when the corpus has changed.

    An index written by another version of rag is rebuilt. A damaged index or one built with
    other settings is not touched: that raises, and the message tells the user to run `rag index`.
    """
    try:
        index = open_index(settings)
    except IndexMissingError:
        log(f"no index in {settings.index_dir}/ yet: building it from {settings.corpus_dir}/")
        log(build_index(settings, embedder).summary())
        return open_index(settings)
    except IndexOutdatedError as outdated:
        log(f"{outdated}".replace("run `rag index` to rebuild", f"rebuilding it from {settings.corpus_dir}/"))
        log(build_index(settings, embedder, rebuild=True).summary())
        return open_index(settings)
    changes = corpus_changes(index, settings.corpus_dir) if settings.corpus_dir.is_dir() else CorpusChanges()
    if not changes:
        return index
    index.close()
    log(f"index is stale ({changes.describe()} files): updating it; `rag index` does this ahead of time")
    log(build_index(settings, embedder).details())
    return open_index(settings)
