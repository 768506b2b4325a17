"""The `rag` command: a thin shell over the library, one small function per subcommand.

Library errors (`RagError`) become one line on stderr and exit code 2; JSON goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable

from rag.errors import InputError, RagError, SettingsError
from rag.settings import Settings


LOCAL_RAY = "local"  # `--ray` without an address


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings with the command's flags. `--index DIR` without `--corpus` reads the corpus folder
    that index was built from, so it is updated from its own articles, never from seeds/."""
    corpus = getattr(args, "corpus", None)
    if corpus is None and getattr(args, "index", None) is not None:
        from rag.manifest import recorded_corpus

        corpus = recorded_corpus(args.index)
    return Settings().with_overrides(
        corpus_dir=corpus,
        index_dir=getattr(args, "index", None),
        embed_model=getattr(args, "embed_model", None),
        top_k=getattr(args, "k", None),
        answer_mode=getattr(args, "mode", None),
        llm_model=getattr(args, "llm", None),
        llm_runtime=getattr(args, "runtime", None),
        index_shards=getattr(args, "shards", None),
        outlet=getattr(args, "outlet", None),
        published_from=getattr(args, "date_from", None),
        published_to=getattr(args, "date_to", None),
    )


def cmd_index(args: argparse.Namespace) -> int:
    if args.folder is not None:
        if args.corpus is not None and args.corpus != args.folder:
            raise SettingsError(f"two corpus folders given ({args.folder} and --corpus {args.corpus}); give one")
        args.corpus = args.folder
    settings = settings_from(args)
    if args.ray is not None:  # Ray is imported only here: the default install has none
        from rag.distributed import build_index_ray

        address = None if args.ray == LOCAL_RAY else args.ray
        report = build_index_ray(settings, address, rebuild=args.rebuild, progress=True)
    else:
        from rag.embed import SentenceTransformerEmbedder
        from rag.build import build_index

        report = build_index(settings, SentenceTransformerEmbedder(settings.embed_model), progress=True, rebuild=args.rebuild)
    for line in report.articles:
        print(line)
    for warning in report.warnings:
        _log(f"warning: {warning}")
    for skipped in report.skipped:
        _log(f"skipped {skipped.name}: {skipped.reason}")
    print(report.summary())
    return 0


def _open_index(args: argparse.Namespace):
    from rag.embed import SentenceTransformerEmbedder
    from rag.build import ensure_index

    settings = settings_from(args)
    return ensure_index(settings, SentenceTransformerEmbedder(settings.embed_model), log=_log)


def cmd_library(args: argparse.Namespace) -> int:
    from rag.library import entries, format_table

    rows = entries(_open_index(args))
    if args.json:
        _print_json([row.to_json() for row in rows])
    else:
        print(format_table(rows))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    index = _open_index(args)
    args.source = Path(args.source).name  # 'articles/page.html' names the article 'page.html'
    text = index.document_text(args.source)
    if args.json:
        doc = next(d for d in index.documents().values() if args.source in (d.source, *d.aliases))
        _print_json({"source": doc.source, "title": doc.title, "outlet": doc.outlet, "published": doc.published,
                     "author": doc.author, "url": doc.url, "text": text})
        return 0
    sys.stdout.write(text)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from rag.embed import SentenceTransformerEmbedder
    from rag.retrieve import search
    from rag.build import ensure_index

    settings = settings_from(args)
    embedder = SentenceTransformerEmbedder(settings.embed_model)
    index = ensure_index(settings, embedder, log=_log)
    hits = search(args.query, index, embedder, settings)
    if args.json:
        _print_json(
            {
                "query": args.query,
                "hits": [{"source": h.source, "start": h.start, "end": h.end, "text": h.text, "score": h.score} for h in hits],
            }
        )
        return 0
    if not hits:
        narrowed = " with these --outlet/--from/--to filters (`rag library` lists outlets and dates)" if any(
            (args.outlet, args.date_from, args.date_to)) else ""
        _log(f"no passage matches{narrowed}")
    for rank, hit in enumerate(hits, 1):
        meta = " · ".join(x for x in (hit.doc.outlet, hit.doc.published) if x)
        print(f"{rank}. {hit.source} [{hit.start}:{hit.end}] score {hit.score:.4f}{'  ' + meta if meta else ''}")
        print("   " + hit.text.replace("\n", " ")[:300])
    return 0


def load_history(path: Path | None) -> list:
    from rag.conversation import Turn

    if path is None:
        return []
    try:
        turns = json.loads(Path(path).read_text(encoding="utf-8"))
        return [Turn(str(t["role"]), str(t["content"])) for t in turns]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InputError(f"--history {path}: expected a JSON list of {{role, content}} turns ({exc})") from None


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answer import answer_question
    from rag.conversation import clean_question
    from rag.embed import SentenceTransformerEmbedder
    from rag.generate import make_generator
    from rag.build import ensure_index

    settings = settings_from(args)
    clean_question(args.question, settings)
    history = load_history(args.history)
    embedder = SentenceTransformerEmbedder(settings.embed_model)
    index = ensure_index(settings, embedder, log=_log)
    generator = None if settings.answer_mode == "extractive" else make_generator(settings.llm_model, settings.llm_runtime)
    answer = answer_question(args.question, index, embedder, settings, history, generator)
    if args.json or args.format == "json":
        _print_json(answer.to_json())
        return 0
    if args.format == "markdown":
        from rag.export import answer_markdown

        sys.stdout.write(answer_markdown(answer.to_json(), heading="#"))
        return 0
    print(answer.answer)
    for citation in answer.citations:
        meta = " · ".join(x for x in (citation.outlet, citation.published) if x)
        print(f"[{citation.n}] {citation.source} [{citation.start}:{citation.end}]{'  ' + meta if meta else ''}")
        if citation.text not in answer.answer:  # a quoted line already shows it
            print("    " + citation.text)
    for note in answer.notes:
        _log(f"note: {note}")
    return 0


def cmd_quote(args: argparse.Namespace) -> int:
    from rag.embed import SentenceTransformerEmbedder
    from rag.quotes import check_quote
    from rag.build import ensure_index

    settings = settings_from(args)
    index = ensure_index(settings, SentenceTransformerEmbedder(settings.embed_model), log=_log)
    result = check_quote(args.text, index, settings, speaker=args.speaker)
    if args.json:
        _print_json(result.to_json())
        return 0
    print(f"{result.verdict}: {result.explanation}")
    for match in result.matches:
        meta = " · ".join(x for x in (match.outlet, match.published) if x)
        who = f"  speaker: {match.speaker}" if match.speaker else ""
        via = f" (reported by {match.reported_by})" if match.reported_by else ""
        print(f"- {match.source} [{match.start}:{match.end}] {match.similarity:.0%}{'  ' + meta if meta else ''}{who}{via}")
        print(f"    {match.text}")
        for difference in match.differences:
            print(f"    differs: {difference}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from rag.build import build_index
    from rag.embed import SentenceTransformerEmbedder
    from rag.fetch import FetchError, add_feed, add_url, known_articles
    from rag.store import open_index

    if not args.urls and not args.feed:
        raise InputError("give one or more web addresses, or --feed ADDRESS")
    settings = settings_from(args)
    if not settings.corpus_dir.is_dir():
        raise InputError(f"no corpus folder {settings.corpus_dir}/; create it or give --corpus")
    try:
        documents = list(open_index(settings).documents().values())
    except RagError:
        documents = []  # no index yet: duplicates are found by address and within this run
    known = known_articles(settings.corpus_dir, documents)
    outcomes = [add_url(settings.corpus_dir, url, known) for url in args.urls]
    for outcome in outcomes:
        _report_added(outcome)
    if args.feed:
        try:
            outcomes += add_feed(settings.corpus_dir, args.feed, known, pause=args.pause, on_each=_report_added)
        except FetchError as exc:
            _log(f"error: feed {args.feed}: {exc}")
            outcomes.append(None)
    added = [o for o in outcomes if o and o.path]
    if added:
        report = build_index(settings, SentenceTransformerEmbedder(settings.embed_model), progress=True)
        print(report.summary())
    failed = sum(1 for o in outcomes if o is None or o.error)
    skipped = sum(1 for o in outcomes if o and o.skipped)
    print(f"{len(added)} added, {skipped} already in the corpus, {failed} failed")
    return 2 if failed else 0


def _report_added(outcome) -> None:
    if outcome.error:
        _log(f"error: {outcome.line()}")
    else:
        print(outcome.line(), flush=True)


def cmd_eval(args: argparse.Namespace) -> int:
    from rag.embed import SentenceTransformerEmbedder
    from rag.evaluate import format_table, load_items, run_eval
    from rag.generate import make_generator
    from rag.build import ensure_index

    settings = settings_from(args)
    items = load_items(args.file)
    embedder = SentenceTransformerEmbedder(settings.embed_model)
    index = ensure_index(settings, embedder, log=_log)
    generator = None if settings.answer_mode == "extractive" else make_generator(settings.llm_model, settings.llm_runtime)
    results, summary = run_eval(items, index, embedder, settings, generator, k=args.k or 5)
    summary["mode"] = settings.answer_mode if generator or settings.answer_mode == "extractive" else "extractive (no model)"
    if args.json:
        _print_json({"summary": summary, "items": [vars(r) for r in results]})
    else:
        print(format_table(results, summary, show_heldout=args.show_heldout))
    if args.min_score is not None and (summary["score"] or 0) < args.min_score:
        _log(f"error: score {summary['score']} is below --min-score {args.min_score}")
        return 1
    return 0


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, help="folder of articles (default: seeds/)")
    parser.add_argument("--index", type=Path, help="index folder (default: index/)")
    parser.add_argument("--embed-model", help="packaged embedding model (default: all-MiniLM-L6-v2)")


def _add_scope(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--outlet", help="only articles whose outlet contains this (`rag library` lists them)")
    parser.add_argument("--from", dest="date_from", help="only articles published on or after YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", help="only articles published on or before YYYY-MM-DD")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers and quote checks over a folder of news articles.")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="build or update the index of the corpus folder")
    index.add_argument("folder", nargs="?", type=Path, help="folder of articles (same as --corpus; default: seeds/)")
    _add_paths(index)
    index.add_argument("--rebuild", action="store_true", help="re-embed everything instead of reusing vectors")
    index.add_argument(
        "--ray", nargs="?", const=LOCAL_RAY, metavar="ADDRESS",
        help="ingest, chunk and embed on a Ray cluster at ADDRESS (host:port), or on a local Ray runtime without one; "
        "needs `pip install -e .[scale]`",
    )
    index.add_argument("--shards", type=int, help="split the index into N shards by article hash (default 1)")
    index.set_defaults(func=cmd_index)

    search = commands.add_parser("search", help="show the passages that best match a query")
    search.add_argument("query")
    search.add_argument("-k", type=int, help="number of hits (default 5)")
    search.add_argument("--json", action="store_true", help="print the JSON of the contract")
    _add_scope(search)
    _add_paths(search)
    search.set_defaults(func=cmd_search)

    ask = commands.add_parser("ask", help="answer a question with citations")
    ask.add_argument("question")
    ask.add_argument("--history", type=Path, help="JSON file of earlier turns [{role, content}]")
    ask.add_argument("--mode", choices=["auto", "llm", "extractive"], help="default auto: llm when installed")
    ask.add_argument("--llm", help="packaged model: qwen2.5-0.5b (default), qwen2.5-1.5b, smollm2-135m")
    ask.add_argument("--runtime", choices=["llama.cpp", "transformers"], help="default llama.cpp; transformers needs gguf and accelerate")
    ask.add_argument("--json", action="store_true", help="print the JSON of the contract (same as --format json)")
    ask.add_argument(
        "--format", choices=["text", "json", "markdown"], default="text",
        help="markdown: the answer with its numbered sources (title, outlet, date, address, cited passage) to keep",
    )
    _add_scope(ask)
    _add_paths(ask)
    ask.set_defaults(func=cmd_ask)

    quote = commands.add_parser("quote", help="check whether quoted words stand in the articles, and who said them")
    quote.add_argument("text")
    quote.add_argument("--speaker", help="who you believe said the words")
    quote.add_argument("--json", action="store_true", help="print the JSON of the contract")
    _add_scope(quote)
    _add_paths(quote)

    add = commands.add_parser("add", help="fetch web pages (or a feed's articles) into the corpus folder and index them")
    add.add_argument("urls", nargs="*", metavar="URL", help="addresses of article pages")
    add.add_argument("--feed", metavar="URL", help="an RSS, Atom or JSON feed: adds each article it links to")
    add.add_argument("--pause", type=float, default=0.5, help="seconds between a feed's pages (default 0.5)")
    _add_paths(add)
    add.set_defaults(func=cmd_add)
    quote.set_defaults(func=cmd_quote)

    library = commands.add_parser("library", help="list every article with the title, outlet, date and author found")
    library.add_argument("--json", action="store_true", help="a JSON list of {source, title, outlet, published, author, …}")
    _add_paths(library)
    library.set_defaults(func=cmd_library)

    show = commands.add_parser("show", help="print an article's text as indexed: citation offsets point into it")
    show.add_argument("source", help="file name as cited, e.g. page.html")
    show.add_argument("--json", action="store_true", help="metadata and text as JSON")
    _add_paths(show)
    show.set_defaults(func=cmd_show)

    evaluate = commands.add_parser("eval", help="score the system on an evaluation set (JSONL)")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--mode", choices=["auto", "llm", "extractive"])
    evaluate.add_argument("--llm", help="packaged model for llm mode")
    evaluate.add_argument("-k", type=int, help="k for evidence recall (default 5)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--min-score", type=float, help="exit 1 when the share of passed items is lower")
    evaluate.add_argument(
        "--show-heldout", action="store_true",
        help="list held-out items one by one too (they are scored either way; read them only when the work is done)",
    )
    _add_paths(evaluate)
    evaluate.set_defaults(func=cmd_eval)
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
    except BrokenPipeError:  # the reader went away ('rag ask ... | head'): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
