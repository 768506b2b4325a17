"""`rag index --ray [ADDRESS]`: ingest, chunk and embed as a Ray Data pipeline, then write the same store.

    file names --map_batches(IndexActor, an actor pool)--> per article: rows (pickled) + vectors
               --iter_batches--> this process: `build.stack_vectors`, `build.write_generation`

Each actor reads its batch's files, ingests and chunks them (`ingest_batch`: the local path's
`load_corpus` and `plan_document`), then embeds the articles that need it (`embed_batch`).
Ingest runs inside the actors, beside the model, not as a task stage of its own: the actors
hold every CPU they are sized to, and Ray Data then waits forever for a CPU to run an ingest
task on (seen here with two 1-CPU actors on two cores); it also saves a trip through the
object store.

Everything after the pipeline is the local path's own code: the same rows, offsets and manifest,
incremental by content hash (articles whose vectors the current index holds are not embedded),
written as a new generation and switched to with one `os.replace` under the index lock. Ray does
the scheduling, the retries and the data movement: a worker that dies mid-batch has its actor
restarted and the batch run again (Ray Data's actor pools restart without limit), and nothing
is written until every article is back, so a killed or cancelled build leaves the previous
generation current.

The embedding actor pool is sized to the cluster: one actor per GPU where the cluster has GPUs,
else one actor per `threads` CPUs. Every node reads the corpus at the same path (a shared
folder) and needs the model packages installed (`pip install -e .[scale]` installs them).

Left out: the index is written by this process, which holds every article's rows while it
writes (as the local path does); identical files under two names are embedded once per name
(the first name's vectors are kept, as `load_corpus` keeps the first name).
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np

from rag.embed import Embedder, SentenceTransformerEmbedder, embed_texts
from rag.errors import CorpusError, RagError
from rag.ingest import Document, Skipped, iter_article_files, read_document
from rag.outlets import load_outlet_table
from rag.settings import Settings
from rag.build import (
    BuildReport,
    Planned,
    _remove_stray_generations,
    check_corpus,
    embedding_text,
    index_lock,
    plan_document,
    reusable_vectors,
    stack_vectors,
    write_generation,
)
from rag.manifest import describe_changes, previous_records

BATCH_ARTICLES = 16  # articles per batch: about 100 chunks and 300 sentences of news copy


class RayUnavailableError(RagError):
    """`--ray` was asked for but Ray is not installed or the cluster cannot be reached."""


class RayBuildIncomplete(RagError):
    """The pipeline's output lacks articles (or holds one twice): nothing is written."""


@dataclass
class PipelineStats:
    """What the pipeline did, for the report and benchmarks/bench_ray.py."""

    batches: int = 0
    embedded_texts: int = 0
    ingest_seconds: float = 0.0  # summed over actors: reading, ingesting and chunking
    embed_seconds: float = 0.0  # summed over actors: time inside embed_texts
    write_seconds: float = 0.0  # this process: assembling the rows and writing the generation
    actors: int = 0
    threads_per_actor: int = 0
    gpus: int = 0


# --- the two stages, plain functions of a batch (tests call them without Ray) -------------------


def ingest_batch(batch: dict, settings: Settings, reusable: frozenset[str]) -> dict:
    """Read, ingest and chunk each file of the batch: the local path's `load_corpus` + `plan_document`."""
    out: dict[str, list] = {"order": [], "name": [], "doc_id": [], "skipped": [], "embed": [], "planned": []}
    for order, name, path in zip(batch["order"], batch["name"], batch["path"]):
        doc_id, skipped, planned = "", "", b""
        try:  # .txt/.md as read, saved pages through trafilatura, sidecar and outlet table applied
            doc = read_document(Path(path), str(name), load_outlet_table(settings.corpus_dir))
        except (ValueError, OSError) as exc:
            skipped = str(exc)
        else:
            if doc.content_paragraphs:
                doc_id, planned = doc.doc_id, pickle.dumps(plan_document(doc, settings), protocol=pickle.HIGHEST_PROTOCOL)
            else:
                skipped = "only boilerplate, nothing to index"
        out["order"].append(int(order))
        out["name"].append(str(name))
        out["doc_id"].append(doc_id)
        out["skipped"].append(skipped)
        out["embed"].append(bool(doc_id) and doc_id not in reusable)
        out["planned"].append(planned)
    return {k: np.array(v, dtype=object) if k in ("planned",) else np.array(v) for k, v in out.items()}


def embed_batch(batch: dict, embedder: Embedder) -> dict:
    """Vectors of the batch's articles that need them: their chunks (with the article's header),
    then their sentences, in one call, as the local path orders them."""
    planned = [pickle.loads(p) if e else None for p, e in zip(batch["planned"], batch["embed"])]
    wanted = [p for p in planned if p is not None]
    texts = [embedding_text(d, c.text) for d, cs, _ in wanted for c in cs] + [s.text for _, _, ss in wanted for s in ss]
    started = time.perf_counter()
    vectors = embed_texts(embedder, texts)
    seconds = time.perf_counter() - started
    n_chunks = sum(len(cs) for _, cs, _ in wanted)
    chunk_rows, sentence_rows = vectors[:n_chunks], vectors[n_chunks:]
    out, counts, c_at, s_at = [], [], 0, 0
    for p in planned:
        if p is None:
            out.append(b"")
            counts.append(0)
            continue
        _, chunks, sentences = p
        rows = np.concatenate([chunk_rows[c_at : c_at + len(chunks)], sentence_rows[s_at : s_at + len(sentences)]])
        out.append(np.ascontiguousarray(rows, dtype=np.float32).tobytes())
        counts.append(len(rows))
        c_at, s_at = c_at + len(chunks), s_at + len(sentences)
    share = np.array(counts, dtype=np.float64) / max(len(texts), 1)
    return {
        **batch,
        "vectors": np.array(out, dtype=object),
        "texts": np.array(counts),
        "embed_seconds": share * seconds,  # the batch's time, spread over its articles by their texts
        "batch_share": np.full(len(out), 1.0 / len(out)),  # adds up to 1 per batch
    }


class IndexActor:
    """One embedding model per actor, loaded once; Ray Data sends it batches of file names, which
    it reads, ingests, chunks and embeds."""

    def __init__(self, make_embedder: Callable[[], Embedder], threads: int, settings: Settings, reusable: frozenset[str]) -> None:
        try:
            import torch

            torch.set_num_threads(max(1, threads))
        except ImportError:
            pass
        self.embedder, self.settings, self.reusable = make_embedder(), settings, reusable

    def __call__(self, batch: dict) -> dict:
        started = time.perf_counter()
        ingested = ingest_batch(batch, self.settings, self.reusable)
        seconds = time.perf_counter() - started
        return {**embed_batch(ingested, self.embedder), "ingest_seconds": np.full(len(batch["name"]), seconds / len(batch["name"]))}


# --- assembling what comes back ------------------------------------------------------------------


def assemble(rows: list[dict], dimension: int) -> tuple[list[Planned], dict[str, np.ndarray], dict[str, np.ndarray], list[Skipped], int]:
    """Articles in corpus order with their fresh vectors, as `load_corpus` would have listed them:
    the first of identical files keeps the article, the others become its aliases."""
    rows = sorted(rows, key=lambda r: r["order"])
    per_doc: list[Planned] = []
    by_id: dict[str, Document] = {}
    chunk_vectors: dict[str, np.ndarray] = {}
    sentence_vectors: dict[str, np.ndarray] = {}
    skipped: list[Skipped] = []
    embedded = 0
    for row in rows:
        if row["skipped"]:
            skipped.append(Skipped(row["name"], row["skipped"]))
            continue
        if row["doc_id"] in by_id:
            by_id[row["doc_id"]].aliases.append(row["name"])
            continue
        doc, chunks, sentences = pickle.loads(row["planned"])
        by_id[doc.doc_id] = doc
        per_doc.append((doc, chunks, sentences))
        if row["embed"]:
            vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(-1, dimension)
            chunk_vectors[doc.doc_id], sentence_vectors[doc.doc_id] = vectors[: len(chunks)], vectors[len(chunks) :]
            embedded += 1
    return per_doc, chunk_vectors, sentence_vectors, skipped, embedded


# --- the pipeline --------------------------------------------------------------------------------


def connect(address: str | None) -> bool:
    """Join the cluster at `address` ('host:port'), or start a local Ray runtime when it is None.
    True when this call connected (and the caller should disconnect), False when already connected."""
    if address is None:
        # A local runtime listens on the loopback address only (Ray's own switch for one-machine use).
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError:
        raise RayUnavailableError("Ray is not installed; run `pip install -e .[scale]`") from None
    if ray.is_initialized():
        return False
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError) as exc:
        raise RayUnavailableError(
            f"cannot reach the Ray cluster at {address} ({exc}); start it with `ray start --head` or check the address"
        ) from None
    return True


def pool_size(resources: dict, threads: int) -> tuple[int, int, int]:
    """(actors, threads per actor, GPUs per actor) for the cluster's resources."""
    gpus = int(resources.get("GPU", 0))
    if gpus:
        return gpus, threads, 1
    return max(1, int(resources.get("CPU", 1)) // threads), threads, 0


def build_index_ray(
    settings: Settings,
    address: str | None = None,
    make_embedder: Callable[[], Embedder] | None = None,
    rebuild: bool = False,
    actors: int | None = None,
    threads: int = 1,
    batch_articles: int = BATCH_ARTICLES,
    progress: bool = False,
    stats: PipelineStats | None = None,
) -> BuildReport:
    """Index `settings.corpus_dir` into `settings.index_dir` on a Ray cluster (a local one when
    `address` is None), writing exactly what `build.build_index` writes.

    `make_embedder` builds the embedder inside each actor (default: the packaged model of
    `settings.embed_model`); `actors` overrides the pool size computed from the cluster's CPUs
    (or GPUs), each actor using `threads` threads.
    """
    started = time.perf_counter()
    stats = stats if stats is not None else PipelineStats()
    with index_lock(settings.index_dir):
        _remove_stray_generations(settings.index_dir)
        if not settings.corpus_dir.is_dir():
            raise CorpusError(f"corpus folder {settings.corpus_dir}/ not found; pass --corpus DIR")
        corpus = settings.corpus_dir.resolve()
        files = [{"order": i, "name": p.relative_to(corpus).as_posix(), "path": str(p)} for i, p in enumerate(iter_article_files(corpus))]
        check_corpus(settings, files, [])
        dimension = (make_embedder or partial(SentenceTransformerEmbedder, settings.embed_model))().dimension
        reuse_chunks, reuse_sentences = reusable_vectors(settings, dimension, rebuild)
        connected = connect(address)
        try:
            per_doc, chunk_vectors, sentence_vectors, skipped, embedded = _run_pipeline(
                settings, files, make_embedder, dimension, reuse_chunks, reuse_sentences, actors, threads, batch_articles, progress, stats
            )
        finally:
            if connected:
                import ray

                ray.shutdown()
        started_writing = time.perf_counter()
        previous = previous_records(settings, rebuild)
        write_generation(settings, per_doc, chunk_vectors, sentence_vectors, skipped)
        stats.write_seconds += time.perf_counter() - started_writing
    articles, warnings = describe_changes(per_doc, previous, settings.corpus_dir)
    return BuildReport(
        len(per_doc), len(chunk_vectors), embedded, skipped, time.perf_counter() - started, settings.index_dir,
        articles=articles, warnings=warnings,
    )


def _run_pipeline(
    settings: Settings,
    files: list[dict],
    make_embedder: Callable[[], Embedder] | None,
    dimension: int,
    reuse_chunks: dict[str, np.ndarray],
    reuse_sentences: dict[str, np.ndarray],
    actors: int | None,
    threads: int,
    batch_articles: int,
    progress: bool,
    stats: PipelineStats,
) -> tuple[list[Planned], np.ndarray, np.ndarray, list[Skipped], int]:
    """The Ray Data pipeline over `files`; returns what `build.write_generation` takes, and the count embedded."""
    import ray
    import ray.data

    ray.data.DataContext.get_current().enable_progress_bars = progress
    if not progress:
        logging.getLogger("ray.data").setLevel(logging.WARNING)
    size, threads, gpus = pool_size(ray.cluster_resources(), threads)
    size = actors or size
    stats.actors, stats.threads_per_actor, stats.gpus = size, threads, gpus
    if make_embedder is None:  # the packaged model, on the actor's GPU when it has one
        make_embedder = partial(SentenceTransformerEmbedder, settings.embed_model, device="cuda" if gpus else "cpu")
    blocks = min(len(files), max(len(files) // batch_articles, 2 * size))  # enough for every actor to start on one
    dataset = ray.data.from_items(files, override_num_blocks=max(1, blocks))
    dataset = dataset.map_batches(
        IndexActor,
        fn_constructor_kwargs={
            "make_embedder": make_embedder, "threads": threads, "settings": settings, "reusable": frozenset(reuse_chunks)
        },
        batch_size=batch_articles,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=size),
        **({"num_gpus": gpus} if gpus else {"num_cpus": threads}),
    )
    rows: list[dict] = []
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        names = list(batch)
        rows.extend(dict(zip(names, values)) for values in zip(*(batch[n] for n in names)))
    if sorted(int(r["order"]) for r in rows) != list(range(len(files))):  # an interrupted run can end the stream early
        raise RayBuildIncomplete(
            f"the Ray build returned {len({int(r['order']) for r in rows})} of {len(files)} articles; nothing was written, "
            "the previous index stays current: run `rag index --ray` again"
        )
    started = time.perf_counter()
    stats.ingest_seconds = float(sum(r["ingest_seconds"] for r in rows))
    stats.embed_seconds = float(sum(r["embed_seconds"] for r in rows))
    stats.embedded_texts = int(sum(r["texts"] for r in rows))
    stats.batches = round(sum(r["batch_share"] for r in rows))
    per_doc, fresh_chunks, fresh_sentences, skipped, embedded = assemble(rows, dimension)
    check_corpus(settings, per_doc, skipped)
    chunk_vectors, sentence_vectors = stack_vectors(
        per_doc, {**reuse_chunks, **fresh_chunks}, {**reuse_sentences, **fresh_sentences}, dimension
    )
    stats.write_seconds = time.perf_counter() - started
    return per_doc, chunk_vectors, sentence_vectors, skipped, embedded
