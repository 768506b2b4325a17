"""A sharded index: the same rows and vectors as one index, split by article hash into N shards.

Layout of a sharded generation (the manifest is the unsharded one plus a `shards` list):

    gen-<stamp>/manifest.json
    gen-<stamp>/shard-00/   meta.sqlite, chunks.faiss, sentences.npy,
                            chunk_ids.npy, sentence_ids.npy      global id of each local row
                            chunk_tokens.npy, sentence_tokens.npy  FTS5 tokens in each row

An article goes to shard `int(doc_id, 16) % N` with all its chunks and sentences. Chunk and
sentence ids are the ids the unsharded index would give them, so every id a reader hands out
means the same thing sharded or not. Shards are written in parallel processes, each with the
FAISS index type its own size calls for (`build.make_vector_index`).

`ShardedIndex` has the read interface of `store.Index` (dense_search, keyword_search, chunks,
sentences_in, sentences_by_id, all_sentences, documents, chunk_counts, sentence_vectors (rows
by id, and `@ vector`), vectors.ntotal), so
retrieval, evidence and answers run on it unchanged:

- dense search asks every shard for its k best and merges by score: with flat shards (up to
  100k chunks each) the result is the unsharded one;
- keyword search scores with the statistics of the whole index, not of each shard: FTS5's BM25
  takes its IDF and average row length from its own table, so shard scores are not comparable.
  A first pass counts, in every shard, the rows each phrase matches (as a search engine's
  "DFS" phase does); a second reads each phrase's per-row score, recovers the phrase's count in
  the row from FTS5's documented formula and the stored row length, and scores it again with
  the global IDF and average length, in FTS5's own order of operations. The scores are those
  of one FTS5 table over all rows (tests/test_shards.py compares them). It takes phrases
  joined by OR, the expressions `retrieve.fts_query` and `quotes` build.

Left out: HNSW shards (past 100k chunks each) merge approximate results, as one HNSW index
does; `sentence_vectors @ v` is one product per shard, equal to the unsharded one within float
rounding (BLAS adds up in another order), so two sentences within 1e-7 of each other may swap;
`query(sql)` concatenates the rows of every shard, right for lookups, not for aggregates.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from rag.build import Planned, _write_database, make_vector_index
from rag.errors import IndexCorruptError
from rag.store import DocumentInfo, Index, StoredChunk, StoredSentence

K1, B = 1.2, 0.75  # FTS5's bm25() constants (sqlite.org/fts5.html, "The bm25() function")
PARALLEL_FROM_CHUNKS = 10_000  # below this, starting processes costs more than it saves
TABLES = {"chunks_fts": ("chunk_ids", "chunk_tokens"), "sentences_fts": ("sentence_ids", "sentence_tokens")}


def shard_of(doc_id: str, shards: int) -> int:
    """The shard an article belongs to: its content hash modulo the number of shards."""
    return int(doc_id, 16) % shards


# --- writing ------------------------------------------------------------------------------------


@dataclass
class ShardJob:
    folder: Path
    per_doc: list[Planned]
    first_ids: list[tuple[int, int]]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray


def write_shards(
    generation: Path, per_doc: list[Planned], chunk_vectors: np.ndarray, sentence_vectors: np.ndarray, shards: int,
    workers: int | None = None,
) -> list[dict]:
    """Write `shards` shard folders under `generation`; return each shard's record for the manifest.

    `workers`: processes to write with (default: one per shard up to the CPU count, and none for a
    corpus under PARALLEL_FROM_CHUNKS chunks).
    """
    jobs = [ShardJob(generation / f"shard-{s:02d}", [], [], np.zeros(0), np.zeros(0)) for s in range(shards)]
    chunk_rows: list[list[int]] = [[] for _ in range(shards)]
    sentence_rows: list[list[int]] = [[] for _ in range(shards)]
    chunk_id = sentence_id = 0
    for doc, chunks, sentences in per_doc:
        s = shard_of(doc.doc_id, shards)
        jobs[s].per_doc.append((doc, chunks, sentences))
        jobs[s].first_ids.append((chunk_id, sentence_id))
        chunk_rows[s].extend(range(chunk_id, chunk_id + len(chunks)))
        sentence_rows[s].extend(range(sentence_id, sentence_id + len(sentences)))
        chunk_id, sentence_id = chunk_id + len(chunks), sentence_id + len(sentences)
    for job, c_rows, s_rows in zip(jobs, chunk_rows, sentence_rows):
        job.chunk_vectors = chunk_vectors[np.asarray(c_rows, dtype=np.int64)]
        job.sentence_vectors = sentence_vectors[np.asarray(s_rows, dtype=np.int64)]
    if workers is None:
        workers = min(shards, os.cpu_count() or 1) if len(chunk_vectors) >= PARALLEL_FROM_CHUNKS else 1
    if workers <= 1:
        return [write_shard(job) for job in jobs]
    # spawn, not fork: the parent may hold torch's or FAISS's OpenMP threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(write_shard, jobs))


def write_shard(job: ShardJob) -> dict:
    """One shard folder: its rows (with global ids), FAISS index, sentence vectors and row sizes."""
    import faiss

    job.folder.mkdir()
    _write_database(job.folder / "meta.sqlite", job.per_doc, job.first_ids)
    dimension = job.chunk_vectors.shape[1]
    faiss.write_index(make_vector_index(job.chunk_vectors, dimension), str(job.folder / "chunks.faiss"))
    np.save(job.folder / "sentences.npy", job.sentence_vectors.astype(np.float32))
    record = {"name": job.folder.name, "documents": len(job.per_doc)}
    db = sqlite3.connect(job.folder / "meta.sqlite")
    try:
        for table, (ids_name, tokens_name) in TABLES.items():
            ids = np.array([i for (i,) in db.execute(f"SELECT rowid FROM {table} ORDER BY rowid")], dtype=np.int64)
            db.execute(f"CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, {table}, instance)")
            sizes = dict(db.execute("SELECT doc, COUNT(*) FROM temp.vocab GROUP BY doc"))
            db.execute("DROP TABLE temp.vocab")
            tokens = np.array([sizes.get(int(i), 0) for i in ids], dtype=np.int64)
            np.save(job.folder / f"{ids_name}.npy", ids)
            np.save(job.folder / f"{tokens_name}.npy", tokens)
            record[ids_name.split("_")[0] + "s"] = len(ids)
            record[tokens_name] = int(tokens.sum())
    finally:
        db.close()
    for child in job.folder.iterdir():
        with open(child, "rb") as handle:
            os.fsync(handle.fileno())
    return record


# --- reading ------------------------------------------------------------------------------------


def owners(ids: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For every global id: the shard holding it and its row there."""
    total = sum(len(i) for i in ids)
    owner, local = np.full(total, -1, dtype=np.int32), np.zeros(total, dtype=np.int64)
    for s, shard_ids in enumerate(ids):
        owner[shard_ids] = s
        local[shard_ids] = np.arange(len(shard_ids))
    return owner, local


class GlobalRows:
    """Rows of per-shard arrays addressed by global id: `rows[i]`, `rows[[i, j]]`."""

    def __init__(self, arrays: list[np.ndarray], ids: list[np.ndarray], dimension: int) -> None:
        self.arrays, self.ids, self.dimension = arrays, ids, dimension
        self.owner, self.local = owners(ids)

    def __len__(self) -> int:
        return len(self.owner)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.owner), self.dimension)

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        """`rows @ vector` over every row, in global id order (one product per shard)."""
        out = np.empty(len(self.owner), dtype=np.float32)
        for array, ids in zip(self.arrays, self.ids):
            if len(ids):
                out[ids] = np.asarray(array) @ vector
        return out

    def __getitem__(self, key) -> np.ndarray:
        if np.isscalar(key):
            return np.asarray(self.arrays[self.owner[key]][self.local[key]])
        wanted = np.asarray(key, dtype=np.int64)
        out = np.empty((len(wanted), self.dimension), dtype=np.float32)
        owners = self.owner[wanted]
        for s in np.unique(owners):
            rows = owners == s
            out[rows] = self.arrays[s][self.local[wanted[rows]]]
        return out


class ShardedVectors:
    """The shards' FAISS indexes seen as one: `ntotal`, `d`, `search`, `reconstruct_n` in global ids."""

    def __init__(self, shards: list[Index], chunk_ids: list[np.ndarray], dimension: int) -> None:
        self.shards, self.chunk_ids, self.d = shards, chunk_ids, dimension
        self.ntotal = sum(s.vectors.ntotal for s in shards)

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, global ids) of the k best rows over all shards, best first, like faiss."""
        queries = np.asarray(vectors, dtype=np.float32).reshape(-1, self.d)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        found = []
        for shard, shard_ids in zip(self.shards, self.chunk_ids):
            depth = min(k, shard.vectors.ntotal)
            if depth > 0:
                s, i = shard.vectors.search(queries, depth)
                found.append((s, np.where(i >= 0, shard_ids[np.maximum(i, 0)], -1)))
        for q in range(len(queries)):
            # FAISS's flat search keeps the lowest ids among equal scores and lists them highest id first
            pairs = sorted(((float(s), int(i)) for ss, ii in found for s, i in zip(ss[q], ii[q]) if i >= 0), key=lambda p: (-p[0], p[1]))
            pairs = sorted(pairs[:k], key=lambda p: (-p[0], -p[1]))
            for rank, (s, i) in enumerate(pairs):
                scores[q, rank], ids[q, rank] = s, i
        return scores, ids

    def reconstruct_n(self, start: int, n: int) -> np.ndarray:
        rows = np.empty((self.ntotal, self.d), dtype=np.float32)
        for shard, shard_ids in zip(self.shards, self.chunk_ids):
            if shard.vectors.ntotal:
                rows[shard_ids] = shard.vectors.reconstruct_n(0, shard.vectors.ntotal)
        return rows[start : start + n]


@dataclass(frozen=True)
class ShardStats:
    """FTS5 statistics of one table in one shard: its rows and the tokens they hold."""

    rows: int
    tokens: int


def split_phrases(expression: str) -> list[str]:
    """The phrases of an FTS5 expression made of phrases joined by OR ('"a" OR "b c" OR d')."""
    parts = re.findall(r'"(?:[^"]|"")*"|\S+', expression)
    phrases = parts[0::2]
    if len(parts) % 2 == 0 or any(p != "OR" for p in parts[1::2]) or any(p == "OR" or not _is_phrase(p) for p in phrases):
        raise ValueError(f"sharded keyword search takes phrases joined by OR, not {expression!r}")
    return phrases


def _is_phrase(part: str) -> bool:
    return part.startswith('"') or re.fullmatch(r"\w+", part) is not None


def idf(rows: int, hits: int) -> float:
    """FTS5's IDF: log((N - n + 0.5) / (n + 0.5)), clamped to 1e-6 when not positive."""
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0.0 else 1e-6


def length_norm(tokens: int, average: float) -> float:
    return K1 * (1 - B + B * tokens / average)


class ShardedIndex:
    """An opened sharded generation with `store.Index`'s read interface. Safe to share between threads."""

    def __init__(self, path: Path, manifest: dict, shards: list[Index], tables: dict[str, list[np.ndarray]]) -> None:
        self.path, self.manifest, self.shards = path, manifest, shards
        self.ids = {table: tables[ids] for table, (ids, _) in TABLES.items()}
        self.tokens = {table: tables[tokens] for table, (_, tokens) in TABLES.items()}
        self.vectors = ShardedVectors(shards, self.ids["chunks_fts"], self.dimension)
        self.sentence_vectors = GlobalRows([s.sentence_vectors for s in shards], self.ids["sentences_fts"], self.dimension)
        self.chunk_owner = owners(self.ids["chunks_fts"])[0]
        self.stats = {
            table: [ShardStats(len(ids), int(tok.sum())) for ids, tok in zip(self.ids[table], self.tokens[table])]
            for table in TABLES
        }

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """The rows of every shard, concatenated (right for lookups, not for aggregates)."""
        return [row for shard in self.shards for row in shard.query(sql, params)]

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) of the k nearest chunks over all shards."""
        k = min(k, self.vectors.ntotal)
        if k <= 0:
            return []
        scores, ids = self.vectors.search(vector, k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def keyword_search(self, fts_query: str, k: int, table: str = "chunks_fts") -> list[tuple[int, float]]:
        """(row id, BM25 score over the whole index, higher is better): what one FTS5 table would give."""
        if not fts_query or table not in TABLES or k <= 0:
            return []
        phrases = split_phrases(fts_query)
        sql = f"SELECT rowid, -bm25({table}) FROM {table} WHERE {table} MATCH ?"
        try:  # every row each phrase matches in each shard, with the shard's own BM25 score
            per_phrase = [[shard.query(sql, (phrase,)) for shard in self.shards] for phrase in phrases]
        except sqlite3.OperationalError:
            return []
        hits = [[len(found) for found in shards] for shards in per_phrase]
        stats = self.stats[table]
        rows = sum(s.rows for s in stats)
        if rows == 0:
            return []
        average = sum(s.tokens for s in stats) / rows
        global_idf = [idf(rows, sum(h)) for h in hits]
        counts: dict[int, list[float]] = {}
        sizes: dict[int, int] = {}
        for i, shards in enumerate(per_phrase):
            for s, found in enumerate(shards):
                if not found:
                    continue
                shard_idf, shard_average = idf(stats[s].rows, hits[i][s]), stats[s].tokens / stats[s].rows
                positions = np.searchsorted(self.ids[table][s], [r for r, _ in found])
                for (rowid, score), at in zip(found, positions):
                    size = int(self.tokens[table][s][at])
                    ratio = score / shard_idf  # f(k1+1) / (f + norm): solve for f, a whole number
                    count = round(length_norm(size, shard_average) * ratio / (K1 + 1.0 - ratio))
                    counts.setdefault(rowid, [0.0] * len(phrases))[i] = float(count)
                    sizes[rowid] = size
        scored = []
        for rowid, frequencies in counts.items():
            score = 0.0
            for weight, f in zip(global_idf, frequencies):  # as fts5Bm25Function adds it up
                score += weight * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * sizes[rowid] / average)))
            scored.append((rowid, score))
        scored.sort(key=lambda r: (-r[1], r[0]))
        return scored[:k]

    def _shards_of_chunks(self, ids: list[int]) -> dict[int, list[int]]:
        grouped: dict[int, list[int]] = {}
        for i in ids:
            if 0 <= i < len(self.chunk_owner):
                grouped.setdefault(int(self.chunk_owner[i]), []).append(i)
        return grouped

    def chunks(self, ids: list[int]) -> dict[int, StoredChunk]:
        found: dict[int, StoredChunk] = {}
        for s, shard_ids in self._shards_of_chunks(ids).items():
            found.update(self.shards[s].chunks(shard_ids))
        return {i: found[i] for i in sorted(found)}  # in id order, as one table's lookup returns them

    def sentences_in(self, doc_id: str, start: int = 0, end: int | None = None) -> list[StoredSentence]:
        return self.shards[shard_of(doc_id, len(self.shards))].sentences_in(doc_id, start, end)

    def sentences_by_id(self, ids: list[int]) -> list[StoredSentence]:
        """The sentences with these ids, in the order given."""
        owner = self.sentence_vectors.owner
        grouped: dict[int, list[int]] = {}
        for i in ids:
            if 0 <= i < len(owner):
                grouped.setdefault(int(owner[i]), []).append(i)
        found = {s.id: s for shard, wanted in grouped.items() for s in self.shards[shard].sentences_by_id(wanted)}
        return [found[i] for i in ids if i in found]

    def all_sentences(self) -> list[StoredSentence]:
        return sorted((s for shard in self.shards for s in shard.all_sentences()), key=lambda s: s.id)

    def document_text(self, source: str) -> str:
        """The text a citation of `source` points into, from the shard that holds the article."""
        for shard in self.shards:
            if shard.query("SELECT 1 FROM files WHERE name = ?", (source,)):
                return shard.document_text(source)
        return self.shards[0].document_text(source)  # raises, naming `rag library`

    def documents(self) -> dict[str, DocumentInfo]:
        merged = (d for shard in self.shards for d in shard.documents().values())
        return {d.doc_id: d for d in sorted(merged, key=lambda d: d.source)}

    def chunk_counts(self) -> dict[str, int]:
        return dict(sorted((d, n) for shard in self.shards for d, n in shard.chunk_counts().items()))

    def close(self) -> None:
        for shard in self.shards:
            shard.close()


def open_shards(generation: Path, manifest: dict) -> ShardedIndex:
    """Open every shard of `generation`, checking that its files agree with each other and the manifest."""
    import faiss

    shards: list[Index] = []
    tables: dict[str, list[np.ndarray]] = {name: [] for pair in TABLES.values() for name in pair}
    try:
        for record in manifest["shards"]:
            folder = generation / record["name"]
            vectors = faiss.read_index(str(folder / "chunks.faiss"))
            sentence_vectors = np.load(folder / "sentences.npy", mmap_mode="r")
            for name in tables:
                tables[name].append(np.load(folder / f"{name}.npy"))
            db = sqlite3.connect(f"file:{folder / 'meta.sqlite'}?mode=ro", uri=True, check_same_thread=False)
            shards.append(Index(folder, manifest, vectors, sentence_vectors, db))
            counts = (db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0], db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0])
            if (vectors.ntotal, len(sentence_vectors)) != counts or counts != (len(tables["chunk_ids"][-1]), len(tables["sentence_ids"][-1])):
                raise ValueError("counts differ")
    except Exception as exc:  # faiss RuntimeError, sqlite DatabaseError, numpy ValueError, OSError, KeyError
        for shard in shards:
            shard.close()
        raise IndexCorruptError(
            f"index files in {generation} are damaged ({type(exc).__name__}); run `rag index` to rebuild"
        ) from None
    if sum(len(i) for i in tables["chunk_ids"]) != manifest["chunks"]:
        for shard in shards:
            shard.close()
        raise IndexCorruptError(f"index shards in {generation} disagree with the manifest; run `rag index` to rebuild")
    return ShardedIndex(generation, manifest, shards, tables)
