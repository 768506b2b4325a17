"""Soak: concurrent chat clients against a live `ui.py` on loopback, by default 10 for an hour.

Starts the app on a free 127.0.0.1 port (its own index of the seeds in a temp folder), in its
default mode, then each client loops over the seed dev set's questions and quotes through
`gradio_client` until the time is up or it has made `--max-requests` calls, reading each answer
for `--pause` seconds: in the default mode, or every `--llm-every`-th question in llm mode. Errors
are failed calls, error replies and citations whose offsets do not reproduce the article text;
answers are checked against the dev set (right / checked, per mode; a quote's verdict). Reports
latency, and the server's RSS sampled every `--sample-every` seconds: the series, start, middle,
end, peak, and the least-squares slope over the second half of the run (MB/min), which tells
warm-up (growth early, flat later) from a leak (growth that goes on).

    python benchmarks/soak.py [--clients 10] [--seconds 3600] [--sample-every 60]
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.evaluate import load_items, normalise  # noqa: E402


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3600)
    parser.add_argument("--max-requests", type=int, default=100_000, help="per client")
    parser.add_argument("--llm-every", type=int, default=0, help="every n-th question is asked in llm mode (0: never)")
    parser.add_argument("--pause", type=float, default=5.0, help="seconds a client reads an answer before the next question")
    parser.add_argument("--sample-every", type=float, default=60.0, help="seconds between RSS samples")
    args = parser.parse_args()
    from gradio_client import Client

    work = Path(tempfile.mkdtemp(prefix="soak-"))
    corpus = work / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    port = free_port()
    server_log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "ui.py"), "--port", str(port), "--corpus", str(corpus), "--index", str(work / "index")],
        cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        start_rss = rss_mb(server.pid)
        texts = {p.name: p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")}
        results: list[tuple[str, float, str | None]] = []
        lock = threading.Lock()
        stop_at = time.time() + args.seconds

        def check_citations(citations) -> str | None:
            for c in citations:
                if texts[c["source"]][c["start"] : c["end"]] != c["text"]:
                    return "citation offsets do not reproduce the text"
            return None

        items = load_items(ROOT.parent / "shared" / "eval" / "dev.jsonl")
        checked: dict[str, list[int]] = {"default": [0, 0], "llm": [0, 0], "quote": [0, 0]}

        def call(client, item: dict, mode: str) -> tuple[str | None, bool]:
            """(error, right) for one item."""
            if item.get("kind") == "quote":
                r = client.predict(item["quote"], item.get("speaker") or "", api_name="/quote")
                return r.get("error") or check_citations(r.get("matches", [])), r.get("verdict") in item["verdict"]
            history = json.dumps(item.get("history", []))
            r = client.predict(item["question"], history, "llm" if mode == "llm" else "", api_name="/ask")
            error = r.get("error") or check_citations(r["citations"])
            if item.get("refuse"):
                return error, bool(r["refused"])
            text = normalise(r["answer"])
            return error, not r["refused"] and all(any(normalise(s) in text for s in group) for group in item.get("expect", []))

        def client_loop(number: int) -> None:
            client = Client(url, verbose=False)
            calls = 0
            while time.time() < stop_at and calls < args.max_requests:
                item = items[(number * 7 + calls) % len(items)]
                in_llm_mode = args.llm_every and calls % args.llm_every == args.llm_every - 1
                kind = "quote" if item.get("kind") == "quote" else "llm" if in_llm_mode else "default"
                started = time.perf_counter()
                try:
                    error, right = call(client, item, kind)
                except Exception as exc:  # a failed call is what the soak counts
                    error, right = f"{type(exc).__name__}: {exc}", False
                with lock:
                    results.append((kind, (time.perf_counter() - started) * 1000, error))
                    checked[kind][0] += right
                    checked[kind][1] += 1
                calls += 1
                time.sleep(args.pause)

        samples: list[tuple[float, float]] = [(0.0, start_rss)]
        started_at = time.time()

        def sample_rss() -> None:
            while time.time() < stop_at:
                time.sleep(args.sample_every)
                samples.append((time.time() - started_at, rss_mb(server.pid)))

        sampler = threading.Thread(target=sample_rss)
        sampler.start()
        threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sampler.join()
        end_rss, peak_rss = rss_mb(server.pid), rss_mb(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
        server_log.close()
        tracebacks = (work / "server.log").read_text(errors="replace").split("Traceback")
        shutil.rmtree(work, ignore_errors=True)

    print(f"soak: {args.clients} clients, {args.seconds:.0f} s, loopback {url} (2 CPU cores)")
    print(f"{'call':12}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}")
    for kind in ("default", "llm", "quote"):
        rows = [r for r in results if r[0] == kind]
        if rows:
            latencies = sorted(r[1] for r in rows)
            errors = sum(1 for r in rows if r[2])
            print(f"{kind:12}{len(rows):7}{errors:8}{statistics.median(latencies):9.0f}{latencies[int(0.95 * (len(latencies) - 1))]:9.0f}")
    for kind, _, error in results:
        if error:
            print(f"  error ({kind}): {error}")
            break
    if len(tracebacks) > 1:
        print(f"server tracebacks: {len(tracebacks) - 1}; the last:\nTraceback" + tracebacks[-1][-3000:])
    print("answers checked against the dev set (right / checked): "
          + "; ".join(f"{kind} {right}/{total}" for kind, (right, total) in checked.items()))
    print("\n| minute | server RSS MB |\n|---|---|")
    for t, mb in samples:
        print(f"| {t / 60:.0f} | {mb:.0f} |")
    middle = min(samples, key=lambda sample: abs(sample[0] - args.seconds / 2))[1]
    second_half = [sample for sample in samples if sample[0] >= args.seconds / 2]
    slope = statistics.linear_regression([t for t, _ in second_half], [mb for _, mb in second_half]).slope * 60 if len(second_half) > 2 else float("nan")
    print(f"server RSS: start {start_rss:.0f} MB, middle {middle:.0f} MB, end {end_rss:.0f} MB, peak {peak_rss:.0f} MB; "
          f"second-half slope {slope:+.1f} MB/min")


if __name__ == "__main__":
    main()
