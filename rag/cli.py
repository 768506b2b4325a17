"""The `rag` command: a thin shell over the library, one small function per subcommand.

Library errors (`RagError`) become one line on stderr and exit code 2; JSON goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from rag.errors import RagError
from rag.settings import Settings


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings().with_overrides(
        corpus_dir=getattr(args, "corpus", None),
        index_dir=getattr(args, "index", None),
        embed_model=getattr(args, "embed_model", None),
        top_k=getattr(args, "k", None),
        answer_mode=getattr(args, "mode", None),
        llm_model=getattr(args, "llm", None),
    )


def cmd_index(args: argparse.Namespace) -> int:
    from rag.embed import SentenceTransformerEmbedder
    from rag.store import build_index

    settings = settings_from(args)
    report = build_index(settings, SentenceTransformerEmbedder(settings.embed_model), progress=True, rebuild=args.rebuild)
    for skipped in report.skipped:
        _log(f"skipped {skipped.name}: {skipped.reason}")
    print(report.summary())
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from rag.embed import SentenceTransformerEmbedder
    from rag.retrieve import Filters, search
    from rag.store import ensure_index

    settings = settings_from(args)
    embedder = SentenceTransformerEmbedder(settings.embed_model)
    index = ensure_index(settings, embedder, log=_log)
    filters = Filters(args.outlet, args.date_from, args.date_to)
    hits = search(args.query, index, embedder, settings, filters=filters)
    if args.json:
        _print_json(
            {
                "query": args.query,
                "hits": [{"source": h.source, "start": h.start, "end": h.end, "text": h.text, "score": h.score} for h in hits],
            }
        )
        return 0
    for rank, hit in enumerate(hits, 1):
        meta = " · ".join(x for x in (hit.doc.outlet, hit.doc.published) if x)
        print(f"{rank}. {hit.source} [{hit.start}:{hit.end}] score {hit.score:.4f}{'  ' + meta if meta else ''}")
        print("   " + hit.text.replace("\n", " ")[:300])
    return 0


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, help="folder of articles (default: seeds/)")
    parser.add_argument("--index", type=Path, help="index folder (default: index/)")
    parser.add_argument("--embed-model", help="packaged embedding model (default: all-MiniLM-L6-v2)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers and quote checks over a folder of news articles.")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="build or update the index of the corpus folder")
    _add_paths(index)
    index.add_argument("--rebuild", action="store_true", help="re-embed everything instead of reusing vectors")
    index.set_defaults(func=cmd_index)

    search = commands.add_parser("search", help="show the passages that best match a query")
    search.add_argument("query")
    search.add_argument("-k", type=int, help="number of hits (default 5)")
    search.add_argument("--json", action="store_true", help="print the JSON of the contract")
    search.add_argument("--outlet", help="only articles whose outlet contains this")
    search.add_argument("--from", dest="date_from", help="only articles published on or after YYYY-MM-DD")
    search.add_argument("--to", dest="date_to", help="only articles published on or before YYYY-MM-DD")
    _add_paths(search)
    search.set_defaults(func=cmd_search)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except RagError as exc:
        _log(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        _log("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
