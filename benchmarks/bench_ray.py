"""Indexing throughput: the local path vs `rag index --ray` with 1 and 2 embedding workers.

The archive is generated from real text: every sentence of the content paragraphs of the seeds
(`seeds/`) and of the shared corpora (`../shared/corpora/*/articles/`), recombined at the
sentence level into new articles (a headline from a sentence's first words, then paragraphs of
three sentences drawn at random, seeded), written to benchmarks/.cache/ray-archive-N/ (not in
git). Nothing is reused between runs (`--rebuild`); every run embeds every chunk and sentence
with the packaged model, as `rag index` does.

Runs, each on the same archive:
- local: `build.build_index`, model loaded beforehand, torch on 2 threads;
- Ray, 1 worker: one embedding actor with 2 threads; Ray, 2 workers: two actors with 1 thread.
  Ray runs on a one-node cluster this script starts (`ray start --head`, loopback only), as a
  user's cluster would be running already: its start is timed apart. Actor start and model
  load are inside the measured time.

Search at that size: the local run's rows and vectors are also written as `--shards` shards (no
second embedding), and `rag.retrieve.search` (hybrid, as the app runs it) is timed over the dev
sets' questions on one index and on the shards: p50 and p95.

Reported: chunks/s and texts/s (a chunk brings about three sentences, embedded too); Ray's
overhead per batch, (Ray 1 worker - local) / batches, the same threads doing the same work;
the driver's write rate (`build.write_generation`: SQLite, FTS5, FAISS, on this machine); and
a projection for a cluster, with its assumptions printed.

    .venv/bin/python benchmarks/bench_ray.py                  # >= 20,000 chunks, three runs
    .venv/bin/python benchmarks/bench_ray.py --chunks 2000    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.build import build_index, index_lock, plan_document, write_generation  # noqa: E402
from rag.distributed import PipelineStats, build_index_ray  # noqa: E402
from rag.embed import SentenceTransformerEmbedder  # noqa: E402
from rag.ingest import load_corpus  # noqa: E402
from rag.retrieve import search  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.store import open_index  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
SOURCES = [ROOT / "seeds", *sorted((ROOT.parent / "shared" / "corpora").glob("*/articles"))]
WORDS_PER_CHUNK = 80  # new words per chunk (90 words, less the overlapping sentence), to size the archive
HOST = "127.0.0.2"  # loopback; Ray rewrites 127.0.0.1 to the machine's own address


def source_sentences() -> list[str]:
    """Every sentence of the content paragraphs of the source articles, once."""
    sentences: dict[str, None] = {}
    for folder in SOURCES:
        documents, _ = load_corpus(folder)
        for doc in documents:
            for _, chunks, unique in [plan_document(doc, Settings())]:
                for sentence in unique:
                    if len(sentence.text.split()) >= 4 and "\n" not in sentence.text:
                        sentences.setdefault(sentence.text, None)
    return list(sentences)


def make_archive(target_chunks: int, seed: int = 0) -> Path:
    """A folder of generated articles holding about `target_chunks` chunks (cached)."""
    folder = CACHE / f"ray-archive-{target_chunks}-{seed}"
    if (folder / "DONE").is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sentences = source_sentences()
    rng = random.Random(seed)
    words = 0
    n = 0
    while words < target_chunks * WORDS_PER_CHUNK * 1.04:
        headline = " ".join(rng.choice(sentences).split()[:8]).rstrip(".,;:")
        paragraphs = [" ".join(rng.sample(sentences, 3)) for _ in range(rng.randint(5, 9))]
        text = headline + "\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"article-{n:05d}.txt").write_text(text, encoding="utf-8")
        words += sum(len(p.split()) for p in paragraphs)
        n += 1
    (folder / "DONE").write_text(f"{n} articles from {len(sentences)} source sentences\n", encoding="utf-8")
    return folder


def search_questions() -> list[str]:
    """The questions of the seed and shared corpora's dev sets: the archive is made of their sentences."""
    paths = [ROOT.parent / "shared" / "eval" / "dev.jsonl", *sorted((ROOT.parent / "shared" / "corpora").glob("*/dev.jsonl"))]
    items = [json.loads(line) for path in paths for line in path.read_text().splitlines() if line.strip()]
    return [i["question"] for i in items if i.get("question")]


def search_times(settings: Settings, embedder, questions: list[str]) -> list[float]:
    """Milliseconds per `rag.retrieve.search` call, after one warm-up."""
    index = open_index(settings)
    search(questions[0], index, embedder, settings)
    times = []
    for question in questions:
        started = time.perf_counter()
        search(question, index, embedder, settings)
        times.append((time.perf_counter() - started) * 1000)
    index.close()
    return times


def load() -> str:
    return "load %.2f %.2f %.2f" % os.getloadavg()


def start_cluster(cpus: int) -> tuple[str, subprocess.Popen, str, float]:
    temp = tempfile.mkdtemp(prefix="/tmp/rayb-")
    with __import__("socket").socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    started = time.perf_counter()
    head = subprocess.Popen(
        [str(Path(sys.executable).with_name("ray")), "start", "--head", "--port", str(port), "--node-ip-address", HOST,
         "--num-cpus", str(cpus), "--include-dashboard", "false", "--disable-usage-stats", "--temp-dir", temp, "--block"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    import ray

    os.environ["RAY_AUTH_MODE"] = "disabled"
    ray.init(address=f"{HOST}:{port}", log_to_driver=False)
    ray.shutdown()
    return f"{HOST}:{port}", head, temp, time.perf_counter() - started


def stop_cluster(head: subprocess.Popen, temp: str) -> None:
    head.send_signal(signal.SIGTERM)
    try:
        head.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    time.sleep(1)
    for entry in Path("/proc").iterdir():  # what is left of the session this script started, by pid
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[3]) == head.pid:
                os.kill(int(entry.name), signal.SIGKILL)
    shutil.rmtree(temp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=20_000, help="archive size in chunks (about; default 20,000)")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="Ray embedding workers to try")
    parser.add_argument("--batch", type=int, default=16, help="articles per Ray batch")
    parser.add_argument("--shards", type=int, default=4, help="shards for the search figures")
    args = parser.parse_args()
    cpus = os.cpu_count() or 2

    archive = make_archive(args.chunks)
    print(f"machine: {cpus} CPU cores; archive {archive.name}: {(archive / 'DONE').read_text().strip()}; {load()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-ray-", dir=CACHE))
    rows = []
    try:
        settings = Settings(corpus_dir=archive, index_dir=work / "local")
        embedder = SentenceTransformerEmbedder(settings.embed_model)
        import torch

        torch.set_num_threads(cpus)
        embedder.embed_batch(["warm up"])
        started = time.perf_counter()
        report = build_index(settings, embedder, rebuild=True)
        local_seconds = time.perf_counter() - started
        index = open_index(settings)
        chunks, texts = index.vectors.ntotal, index.vectors.ntotal + len(index.sentence_vectors)
        rows.append(("local", 1, cpus, local_seconds, None))
        print(f"local: {report.summary()}; {load()}", flush=True)

        # the driver's own share: writing the generation from rows and vectors in memory
        documents, skipped = load_corpus(archive)
        per_doc = [plan_document(d, settings) for d in documents]
        chunk_vectors = index.vectors.reconstruct_n(0, index.vectors.ntotal)
        sentence_vectors = index.sentence_vectors
        index.close()
        write_settings = settings.with_overrides(index_dir=work / "write")
        with index_lock(write_settings.index_dir):
            started = time.perf_counter()
            write_generation(write_settings, per_doc, chunk_vectors, sentence_vectors, skipped)
            write_seconds = time.perf_counter() - started
        print(f"driver write: {chunks} chunks in {write_seconds:.1f} s; {load()}", flush=True)

        # search at this size: one index against shards written from the same rows and vectors
        sharded = settings.with_overrides(index_dir=work / "sharded", index_shards=args.shards)
        with index_lock(sharded.index_dir):
            write_generation(sharded, per_doc, chunk_vectors, sentence_vectors, skipped)
        questions = search_questions()
        search_rows = [(f"one index ({chunks} chunks)", search_times(settings, embedder, questions)),
                       (f"{args.shards} shards", search_times(sharded, embedder, questions))]

        address, head, temp, ray_start = start_cluster(cpus)
        try:
            for workers in args.workers:
                stats = PipelineStats()
                ray_settings = settings.with_overrides(index_dir=work / f"ray-{workers}")
                started = time.perf_counter()
                report = build_index_ray(
                    ray_settings, address, rebuild=True, actors=workers, threads=max(1, cpus // workers),
                    batch_articles=args.batch, stats=stats,
                )
                seconds = time.perf_counter() - started
                assert open_index(ray_settings).vectors.ntotal == chunks
                rows.append((f"Ray, {workers} worker{'s' if workers > 1 else ''}", workers, stats.threads_per_actor, seconds, stats))
                print(f"ray {workers}: {report.summary()}; {stats}; {load()}", flush=True)
        finally:
            stop_cluster(head, temp)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"archive: {chunks} chunks, {texts - chunks} sentences ({texts} texts embedded per run); Ray runtime start {ray_start:.1f} s (not in the rows)")
    print(f"{'run':<16} {'workers x threads':>17} {'seconds':>8} {'chunks/s':>9} {'texts/s':>8} {'batches':>8} "
          f"{'ingest s':>9} {'embed s':>8} {'write s':>8} {'overhead/batch':>15}")
    for name, workers, threads, seconds, stats in rows:
        extra = ""
        if stats:  # time not spent ingesting, embedding (both summed over the actors, run side by side) or writing
            overhead = (seconds - (stats.ingest_seconds + stats.embed_seconds) / workers - stats.write_seconds) / stats.batches
            extra = (f"{stats.batches:>8} {stats.ingest_seconds:>9.1f} {stats.embed_seconds:>8.1f} {stats.write_seconds:>8.1f} "
                     f"{1000 * overhead:>12.0f} ms")
        print(f"{name:<16} {f'{workers} x {threads}':>17} {seconds:>8.1f} {chunks / seconds:>9.1f} {texts / seconds:>8.1f} {extra}")
    print(f"\nhybrid search (`rag search`, as the app runs it) over the archive, {len(questions)} questions:")
    for name, times in search_rows:
        print(f"  {name:<24} p50 {statistics.median(times):6.1f} ms  p95 {sorted(times)[int(0.95 * (len(times) - 1))]:6.1f} ms")
    ray_rows = {workers: (seconds, stats) for _, workers, _, seconds, stats in rows if stats}
    print("overhead/batch: (wall - (ingest + embed) / workers - write) / batches: Ray's scheduling, actor start and model load,")
    print(f"  moving batches through the object store ({args.batch} articles a batch); "
          + (f"(Ray 1 worker - local) / batches = {1000 * (ray_rows[1][0] - local_seconds) / ray_rows[1][1].batches:.0f} ms" if 1 in ray_rows else ""))
    best = max(ray_rows.items(), key=lambda item: item[0]) if ray_rows else None
    write_rate = chunks / write_seconds
    print(f"driver write rate: {write_rate:.0f} chunks/s (one process; --shards writes shards in parallel processes)")
    if best:
        workers, (seconds, _) = best
        per_cpu = chunks / seconds / cpus
        print()
        print(f"projection: {per_cpu:.1f} chunks/s per CPU (Ray, {workers} workers on {cpus} cores) x CPUs, capped by the driver's write rate")
        for nodes, node_cpus in ((1, 16), (4, 16), (10, 32), (50, 32)):
            rate = min(per_cpu * nodes * node_cpus, write_rate)
            hours = 10_000_000 / rate / 3600
            print(f"  {nodes:>3} nodes x {node_cpus} CPUs: {rate:>8.0f} chunks/s, 10M chunks in {hours:5.1f} h"
                  f"{'  (write-bound)' if rate == write_rate else ''}")
        print("assumptions: embedding dominates and scales linearly with CPUs (each actor is independent, no shared state);")
        print("  the cluster's cores are as fast as these; the corpus is on a shared folder every node reads at this rate;")
        print("  the object store moves a chunk's text and vectors (~6 KB with its sentences) faster than it is embedded;")
        print("  the driver holds every article's rows in memory and writes one generation at the measured rate.")


if __name__ == "__main__":
    main()
