"""Time to add 20 pages from a feed served on this machine (tests/local_web.py), against a
baseline in the same run: the same 20 pages saved as files and added with `save_article`.

    python benchmarks/bench_add.py [--pages 20] [--runs 3]

Each run starts from an empty corpus folder and a fresh index, and times two phases: getting
the pages into the folder (feed: fetch, check, dedupe, save; baseline: save the bytes), then the
index update that embeds them (the real packaged embedder). The feed is read with no pause
between pages (`rag add --feed` waits 0.5 s between pages by default, which adds
0.5 s x (pages - 1) on top). Prints medians (min-max).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from local_web import LocalWeb  # noqa: E402
from rag.build import build_index  # noqa: E402
from rag.embed import SentenceTransformerEmbedder  # noqa: E402
from rag.fetch import add_feed, known_articles  # noqa: E402
from rag.ingest import save_article  # noqa: E402
from rag.settings import Settings  # noqa: E402


def one_run(web: LocalWeb, embedder, via_feed: bool) -> tuple[float, float, int]:
    root = Path(tempfile.mkdtemp(prefix="bench-add-"))
    corpus = root / "corpus"
    corpus.mkdir()
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    started = time.perf_counter()
    if via_feed:
        outcomes = add_feed(corpus, web.url("/feed.xml"), known_articles(corpus), pause=0)
        added = sum(1 for o in outcomes if o.path)
    else:
        for n, path in enumerate(web.articles):
            save_article(corpus, f"page-{n}.html", web.pages[path][2])
        added = len(web.articles)
    fetched = time.perf_counter()
    build_index(settings, embedder)
    indexed = time.perf_counter()
    shutil.rmtree(root)
    return fetched - started, indexed - fetched, added


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder(Settings().embed_model)
    embedder.load()
    with LocalWeb(articles=args.pages) as web:
        one_run(web, embedder, via_feed=False)  # warm-up: the model's first batch is slower
        results = {"feed (rag add --feed)": [], "files (baseline)": []}
        for _ in range(args.runs):
            for label, via_feed in (("feed (rag add --feed)", True), ("files (baseline)", False)):
                results[label].append(one_run(web, embedder, via_feed))
    print(f"{args.pages} pages, {args.runs} runs each, medians (min-max)")
    print("| way in | pages added | into the folder | index update | total |")
    print("|---|---|---|---|---|")
    for label, runs in results.items():
        into, index, added = zip(*runs)
        print(f"| {label} | {added[0]} | {summary(into)} | {summary(index)} | {summary([a + b for a, b in zip(into, index)])} |")


if __name__ == "__main__":
    main()
