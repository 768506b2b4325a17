"""Query speed, warm, on the held-out questions of one evaluation set, each figure beside today's
baseline measured in the same run.

    python benchmarks/bench_query.py [--set benchmarks/corpora/NAME/dev.jsonl] [--runs 1] [--llm qwen2.5-0.5b ...]

1. In the process: dense-only FAISS search (baseline) against hybrid search, and the extractive answer.
2. Through the real Gradio server (`/ask_stream`, what the chat shows): the first cited text on
   screen, against the first text the chat showed before (the model ran for every question and the
   first text was its first verified sentence, or the quoted answer once the model had finished).
3. The model's first verified sentence and the prompt it reads (tokens), with every question kind
   sent to the model: today's six evidence sentences against four.
4. CLI cold start, `rag ask --mode extractive --json` in a new process: a question's vector from
   NumPy (`rag.embed.NumpyBert`) against sentence-transformers (`RAG_EMBED_NUMPY=0`, the baseline).

Every figure is a median (p95 beside it); peak RSS last.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compare_models import ROOT, each_set, parse_set

sys.path.insert(0, str(ROOT))  # ui.py
from rag.answer import SYSTEM_PROMPT, USER_PROMPT, stream_answer
from rag.candidates import gather
from rag.embed import SentenceTransformerEmbedder, embed_texts
from rag.evaluate import percentile, split_of
from rag.generate import adds_answers_for, gguf_path, make_generator
from rag.kinds import ANSWER_SHAPES, format_passages
from rag.mentions import read_question
from rag.retrieve import search

DEFAULT_SET = ROOT / "benchmarks" / "corpora" / "wayanad-landslides-2024" / "dev.jsonl"


def line(label: str, values: list[float], unit: str = "ms") -> None:
    if values:
        print(f"| {label} | {statistics.median(values):.0f} {unit} | {percentile(values, 0.95):.0f} {unit} | {len(values)} |", flush=True)
    else:
        print(f"| {label} | – | – | 0 |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", type=parse_set, default=parse_set(str(DEFAULT_SET)), help="DEV.jsonl[=CORPUS]")
    parser.add_argument("--split", default="heldout", choices=["dev", "heldout", "all"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--llm", nargs="*", default=["qwen2.5-0.5b"])
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()

    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory() as scratch:
        name, settings, index, items = next(each_set([args.set], embedder, scratch))
        questions = [i["question"] for i in items
                     if i.get("kind") != "quote" and not i.get("history") and args.split in ("all", split_of(i["id"]))]
        embed_texts(embedder, ["warm up"])
        print(f"set {name} ({args.split} half): {len(questions)} questions x {args.runs} run(s); "
              f"index of {index.vectors.ntotal} chunks; 2 CPU cores\n")
        print("| figure | median | p95 | n |\n|---|---|---|---|")
        in_process(questions * args.runs, settings, index, embedder)
        for model in args.llm:
            generator = make_generator(model)
            if generator is None:
                print(f"| {model}: not installed, skipped | | | |")
                continue
            generator.load()
            through_server(questions * args.runs, settings, index, embedder, generator, model)
            first_sentences(questions * args.runs, settings, index, embedder, generator, model)
            generator.close()
        index.close()
        cold_start(questions[: args.cold_runs], settings)
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


def in_process(questions: list[str], settings, index, embedder) -> None:
    dense, hybrid, extractive = [], [], []
    quoted = settings.with_overrides(answer_mode="extractive")
    for question in questions:
        started = time.perf_counter()
        index.dense_search(embed_texts(embedder, [question])[0], settings.top_k)
        dense.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        search(question, index, embedder, settings)
        hybrid.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        list(stream_answer(question, index, embedder, quoted))
        extractive.append((time.perf_counter() - started) * 1000)
    line("baseline: dense-only FAISS search, in process", dense)
    line("hybrid search (`rag search`), in process", hybrid)
    line("extractive answer (`rag ask --mode extractive`), in process", extractive)


def through_server(questions: list[str], settings, index, embedder, generator, model: str) -> None:
    """Start the chat's server on the set's index and time `/ask_stream` from the client."""
    import ui
    from gradio_client import Client

    state = ui.AppState(settings.with_overrides(llm_model=model), embedder, generator, index)
    app = ui.create_app(state)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ui.launch(app, port, block=False)
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    figures: dict[str, list[float]] = {key: [] for key in ("first", "before", "final", "final_all")}
    improved = 0
    for kinds, label in ((settings.model_kinds, "now"), (ANSWER_SHAPES, "before")):
        state.settings = state.settings.with_overrides(model_kinds=kinds)
        for question in questions:
            started = time.perf_counter()
            first = model_first = None
            final = None
            for shown in client.submit(question, "[]", "auto", model, api_name="/ask_stream"):
                now = (time.perf_counter() - started) * 1000
                if shown.get("citations") and first is None:
                    first = now
                if shown.get("answered_by") == "model" and model_first is None:
                    model_first = now
                final = shown
            ended = (time.perf_counter() - started) * 1000
            if final is None or final.get("refused") or final.get("answered_by") == "quote check":
                continue
            if label == "now":
                figures["first"].append(first)
                figures["final"].append(ended)
            else:
                figures["before"].append(model_first if model_first is not None else ended)
                figures["final_all"].append(ended)
                improved += final.get("answered_by") == "model"
    app.close()
    line(f"first cited text on screen, through the server ({model}, auto)", figures["first"])
    line(f"baseline: first text shown before (model ran for every kind; {model})", figures["before"])
    kinds = settings.model_kinds if settings.model_kinds is not None else adds_answers_for(model)
    line(f"final answer now (model only for {', '.join(kinds) or 'no kind'} questions)", figures["final"])
    line("baseline: final answer before (model for every kind)", figures["final_all"])
    print(f"| answers the model's words led, model for every kind | {improved} of {len(figures['final_all'])} | | |")


def first_sentences(questions: list[str], settings, index, embedder, generator, model: str) -> None:
    """The model's first verified sentence with 6 (today) and 4 evidence sentences, and its prompt."""
    from llama_cpp import Llama

    vocabulary = Llama(model_path=str(gguf_path(model)), vocab_only=True, verbose=False)
    for count in (6, 4):
        llm = settings.with_overrides(answer_mode="llm", evidence_sentences=count)
        firsts, tokens, kept = [], [], 0
        for question in questions:
            final = None
            for final in stream_answer(question, index, embedder, llm, generator=generator):
                pass
            if final is None or "first_token" not in final.timings_ms:
                continue
            gathered = gather(read_question(question, index), index, embedder, llm)
            prompt = SYSTEM_PROMPT + USER_PROMPT.format(passages=format_passages(gathered.evidence), question=question)
            tokens.append(len(vocabulary.tokenize(prompt.encode())))
            if "first_sentence" in final.timings_ms:
                firsts.append(final.timings_ms["first_sentence"])
            kept += final.answered_by == "model"
        label = "today" if count == 6 else "trimmed"
        line(f"{model} first verified sentence, {count} evidence sentences ({label})", firsts)
        line(f"{model} prompt, {count} evidence sentences", tokens, "tokens")
        print(f"| {model}, {count} evidence sentences: answers its words led | {kept} of {len(tokens)} | | |")


def cold_start(questions: list[str], settings) -> None:
    """`rag ask --mode extractive --json` in a new process, question vectors by NumPy and by torch."""
    rag = Path(sys.executable).with_name("rag")
    for numpy_queries, label in (("1", "CLI cold start, `rag ask --mode extractive`"),
                                 ("0", "baseline: CLI cold start, sentence-transformers for the question")):
        seconds = []
        for question in questions:
            started = time.perf_counter()
            subprocess.run([str(rag), "ask", "--mode", "extractive", "--index", str(settings.index_dir), "--json", question],
                           check=True, capture_output=True, env={**os.environ, "RAG_EMBED_NUMPY": numpy_queries})
            seconds.append((time.perf_counter() - started) * 1000)
        line(label, seconds)


if __name__ == "__main__":
    main()
