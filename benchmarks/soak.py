"""Soak: 20 concurrent chat clients against a live `ui.py` on loopback for two minutes.

Starts the app on a free 127.0.0.1 port (its own index in a temp folder), then each client loops
over ask (extractive and LLM) and quote calls through `gradio_client` until the time is up or it
has made `--max-requests` calls. Checks every answer (citations reproduce the article text; the
extractive answer to the abstentions question contains 32; the quote is verified) and reports
errors, latency, and the server's RSS sampled every few seconds: the series, start, middle,
end, peak, and the least-squares slope over the second half of the run (MB/min), which tells
warm-up (growth early, flat later) from a leak (growth that goes on).

    python benchmarks/soak.py [--clients 20] [--seconds 120] [--sample-every 5]
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--max-requests", type=int, default=500, help="per client")
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between RSS samples")
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

        def client_loop(number: int) -> None:
            client = Client(url, verbose=False)
            calls = 0
            while time.time() < stop_at and calls < args.max_requests:
                kind = ("extractive", "llm", "quote")[(number + calls) % 3]
                started = time.perf_counter()
                error = None
                try:
                    if kind == "quote":
                        r = client.predict("not only our compassion, but also our support and solidarity", "Zbigniew Rau", api_name="/quote")
                        error = None if r.get("verdict") == "verified" else f"quote verdict {r.get('verdict')}"
                    else:
                        r = client.predict("How many countries abstained in the February 2023 vote?", "[]", kind, api_name="/ask")
                        error = r.get("error") or check_citations(r["citations"])
                        if not error and (r["refused"] or (kind == "extractive" and "32" not in r["answer"])):
                            error = f"wrong answer: {r['answer'][:80]}"
                except Exception as exc:  # a failed call is what the soak counts
                    error = f"{type(exc).__name__}: {exc}"
                with lock:
                    results.append((kind, (time.perf_counter() - started) * 1000, error))
                calls += 1

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
    for kind in ("extractive", "llm", "quote"):
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
    print("RSS samples (s: MB): " + ", ".join(f"{t:.0f}: {mb:.0f}" for t, mb in samples))
    middle = min(samples, key=lambda sample: abs(sample[0] - args.seconds / 2))[1]
    second_half = [sample for sample in samples if sample[0] >= args.seconds / 2]
    slope = statistics.linear_regression([t for t, _ in second_half], [mb for _, mb in second_half]).slope * 60 if len(second_half) > 2 else float("nan")
    print(f"server RSS: start {start_rss:.0f} MB, middle {middle:.0f} MB, end {end_rss:.0f} MB, peak {peak_rss:.0f} MB; "
          f"second-half slope {slope:+.1f} MB/min")


if __name__ == "__main__":
    main()
