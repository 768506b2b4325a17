"""`rag index --ray` on a real Ray cluster that the tests start: a head and a second worker node
(`ray start`), both on the loopback address, one CPU each.

- the seeds' index built on the cluster equals the local build (rows, offsets, vectors within
  1e-5, manifest, search results);
- an embedding worker killed with SIGKILL mid-build is restarted by Ray, its batch run again,
  and the index holds every chunk once;
- a build cancelled with Ctrl-C (SIGINT) leaves the previous generation current.

Marked slow; skipped, saying why, when Ray is not installed.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed: `pip install -e .[scale]` (bash install.sh --test does)")

from rag.build import build_index  # noqa: E402
from rag.embed import SentenceTransformerEmbedder  # noqa: E402
from rag.manifest import current_generation  # noqa: E402
from rag.retrieve import search  # noqa: E402
from rag.store import open_index  # noqa: E402

from conftest import DEV_SET, ROOT, HashEmbedder  # noqa: E402

pytestmark = pytest.mark.slow

HOST = "127.0.0.2"  # loopback; Ray rewrites 127.0.0.1 and localhost to the machine's own address
RAY = str(Path(sys.executable).with_name("ray"))


class SlowEmbedder(HashEmbedder):
    """The fake embedder, a second per batch, leaving its pid in `pid_dir` so a test can kill it."""

    def __init__(self, pid_dir: str, delay: float = 1.0) -> None:
        super().__init__()
        self.delay = delay
        Path(pid_dir, str(os.getpid())).touch()

    def embed_batch(self, texts):
        time.sleep(self.delay)
        return super().embed_batch(texts)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _session_processes(sessions: set[int]) -> list[int]:
    """Pids of live processes in the given session ids: the cluster's processes, all started here."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[3]) in sessions:
                found.append(int(entry.name))
    return found


def _node_log(path: Path) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-3000:] or "(no output)"


@pytest.fixture(scope="module")
def cluster():
    """'host:port' of a two-node Ray cluster on the loopback address, stopped afterwards (by pid).
    Each node has its own temporary folder and a small object store, so a stale /tmp/ray or a small
    /dev/shm on the machine cannot stop it; a node that fails shows its own output."""
    temp = tempfile.mkdtemp(prefix="/tmp/rayt-")  # short: Ray's socket paths must fit in 107 bytes
    port = _free_port()
    env = {
        **os.environ,
        "RAY_AUTH_MODE": "disabled",  # a loopback-only test cluster
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),  # workers import the test embedders
    }
    env.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)  # a local-runtime test before this one set it: no second node
    common = ["--num-cpus", "1", "--node-ip-address", HOST, "--disable-usage-stats", "--block",
              "--object-store-memory", str(200 * 2**20)]
    logs = [Path(temp, "head.out"), Path(temp, "worker.out")]
    head = subprocess.Popen(
        [RAY, "start", "--head", "--port", str(port), "--include-dashboard", "false", "--temp-dir", f"{temp}/h", *common],
        env=env, stdout=logs[0].open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    processes = [head]
    try:
        address = f"{HOST}:{port}"
        ray.init(address=address, log_to_driver=False)  # waits for the head
        processes.append(
            subprocess.Popen(
                [RAY, "start", "--address", address, "--temp-dir", f"{temp}/w", *common], env=env,
                stdout=logs[1].open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
            )
        )
        deadline = time.monotonic() + 180
        while ray.cluster_resources().get("CPU", 0) < 2:
            exited = processes[1].poll() is not None
            assert not exited and time.monotonic() < deadline, (
                f"the second Ray node {'exited' if exited else 'did not join within 3 minutes'}; its output:\n"
                f"{_node_log(logs[1])}\nthe head's output:\n{_node_log(logs[0])}"
            )
            time.sleep(0.5)
        ray.shutdown()
        os.environ["RAY_AUTH_MODE"] = "disabled"
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        sessions = {p.pid for p in processes}
        for p in processes:
            p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        time.sleep(1)
        for pid in _session_processes(sessions):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


def _rows(index, sql: str) -> list[tuple]:
    return sorted(index.query(sql))


def test_seeds_index_built_on_a_ray_cluster_equals_the_local_build(cluster, settings):
    from rag.distributed import build_index_ray

    embedder = SentenceTransformerEmbedder(settings.embed_model)
    local = settings.with_overrides(index_dir=settings.index_dir.parent / "local")
    build_index(local, embedder)
    report = build_index_ray(settings, cluster)
    assert report.documents == 5 and report.embedded_documents == 5
    a, b = open_index(local), open_index(settings)
    for sql in (
        'SELECT id, doc_id, ord, start, "end", text FROM chunks',
        'SELECT id, doc_id, start, "end", text FROM sentences',
        "SELECT * FROM documents",
        "SELECT * FROM files",
        "SELECT * FROM boilerplate",
    ):
        assert _rows(a, sql) == _rows(b, sql), sql
    assert np.abs(a.vectors.reconstruct_n(0, a.vectors.ntotal) - b.vectors.reconstruct_n(0, b.vectors.ntotal)).max() < 1e-5
    assert np.abs(a.sentence_vectors - b.sentence_vectors).max() < 1e-5
    assert {k: v for k, v in a.manifest.items() if k != "built_at"} == {k: v for k, v in b.manifest.items() if k != "built_at"}
    import json

    for line in open(DEV_SET, encoding="utf-8"):
        question = json.loads(line).get("question") or json.loads(line)["quote"]
        expected = [(h.source, h.start, h.end, h.score) for h in search(question, a, embedder, local)]
        assert [(h.source, h.start, h.end, h.score) for h in search(question, b, embedder, settings)] == expected, question
    # incremental: nothing changed, nothing embedded; the generation is switched as locally
    before = current_generation(settings.index_dir)
    assert build_index_ray(settings, cluster).embedded_documents == 0
    assert current_generation(settings.index_dir) != before and not before.exists()


def _add_articles(corpus: Path, n: int) -> None:
    for i in range(n):
        (corpus / f"extra-{i:02d}.txt").write_text(
            f"Article {i} about vote number {i} in the assembly.\n" + f"The delegates of group {i} met again on day {i}.\n" * 12,
            encoding="utf-8",
        )


def test_a_worker_killed_mid_build_is_retried_and_every_chunk_is_there_once(cluster, settings, tmp_path):
    from rag.distributed import PipelineStats, build_index_ray

    _add_articles(settings.corpus_dir, 40)
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    local = settings.with_overrides(index_dir=settings.index_dir.parent / "local")
    build_index(local, HashEmbedder())

    import threading

    stats, outcome = PipelineStats(), {}

    def run() -> None:
        try:
            outcome["report"] = build_index_ray(
                settings, cluster, make_embedder=partial(SlowEmbedder, str(pid_dir), 1.0), batch_articles=3, stats=stats
            )
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = exc

    builder = threading.Thread(target=run)
    builder.start()
    deadline = time.monotonic() + 90
    while len(list(pid_dir.iterdir())) < 2:  # both actors up and embedding
        assert time.monotonic() < deadline and builder.is_alive(), outcome
        time.sleep(0.2)
    time.sleep(2.5)
    victim = int(sorted(pid_dir.iterdir(), key=lambda p: p.stat().st_mtime)[-1].name)
    os.kill(victim, signal.SIGKILL)
    builder.join(timeout=180)
    assert not builder.is_alive() and "error" not in outcome, outcome
    restarted = {int(p.name) for p in pid_dir.iterdir()} - {victim}
    assert len(restarted) >= 2, "Ray did not restart the killed actor"
    a, b = open_index(local), open_index(settings)
    assert outcome["report"].documents == 45 and b.vectors.ntotal == a.vectors.ntotal
    ids = [i for (i,) in b.query("SELECT id FROM chunks")]
    assert sorted(ids) == list(range(a.vectors.ntotal))  # none missing, none twice
    sql = 'SELECT id, doc_id, ord, start, "end", text FROM chunks'
    assert _rows(a, sql) == _rows(b, sql)
    assert np.abs(a.vectors.reconstruct_n(0, a.vectors.ntotal) - b.vectors.reconstruct_n(0, b.vectors.ntotal)).max() < 1e-6
    assert np.abs(a.sentence_vectors - b.sentence_vectors).max() < 1e-6


CANCELLED_BUILD = textwrap.dedent(
    """
    import signal, sys
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as in a terminal, even if pytest's parent ignored it
    sys.path[:0] = [{root!r}, {tests!r}]
    from functools import partial
    from rag.distributed import build_index_ray
    from rag.settings import Settings
    from rag.distributed import RayBuildIncomplete
    from test_ray import SlowEmbedder
    try:
        build_index_ray(Settings(corpus_dir={corpus!r}, index_dir={index!r}), {address!r},
                        make_embedder=partial(SlowEmbedder, {pids!r}, 3.0), batch_articles=2)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    except RayBuildIncomplete:  # Ray ended the stream early on the interrupt: caught before writing
        print("interrupted, incomplete", flush=True)
        sys.exit(130)
    print("finished", flush=True)
    """
)


def test_a_cancelled_ray_build_leaves_the_previous_generation_current(cluster, settings, tmp_path):
    build_index(settings, HashEmbedder())
    before = current_generation(settings.index_dir)
    _add_articles(settings.corpus_dir, 30)
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    code = CANCELLED_BUILD.format(
        root=str(ROOT), tests=str(ROOT / "tests"), corpus=str(settings.corpus_dir), index=str(settings.index_dir),
        address=cluster, pids=str(pid_dir),
    )
    build = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    # embedding has started on an actor (the driver makes an embedder of its own first, for the dimension)
    while not [p for p in pid_dir.iterdir() if int(p.name) != build.pid]:
        assert time.monotonic() < deadline and build.poll() is None, build.stderr.read()[-2000:] if build.poll() is not None else ""
        time.sleep(0.2)
    time.sleep(0.5)
    build.send_signal(signal.SIGINT)
    out, err = build.communicate(timeout=60)
    assert build.returncode == 130 and "interrupted" in out, (out, err[-2000:])
    assert current_generation(settings.index_dir) == before
    assert [p.name for p in settings.index_dir.glob("gen-*")] == [before.name]  # nothing half-written
    index = open_index(settings)
    assert len(index.documents()) == 5
    report = build_index(settings, HashEmbedder())  # the lock is free and the next build completes
    assert report.documents == 35
