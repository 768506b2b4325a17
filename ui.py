"""The chat app: a thin Gradio shell over `rag.answer`, `rag.quotes` and `rag.store`.

    python ui.py [--port 7860] [--corpus seeds] [--index index]

Tabs: Chat (streaming cited answers; each [n] opens the cited passage, highlighted, in the
source panel), Quote check, Library (list with title, outlet, date and author; correct them;
add .txt/.md/.html articles, remove, re-index). Named API endpoints `ask`,
`quote` and `add_article` return the JSON of ../shared/eval/README.md for `gradio_client`.
Binds 127.0.0.1; no share links. Article text is untrusted: everything shown is escaped here,
and the only HTML is what these helpers write around it.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import gradio as gr

from rag.answer import Answer, answer_question, stream_answer
from rag.build import build_index, ensure_index
from rag.conversation import Turn
from rag.embed import Embedder, SentenceTransformerEmbedder
from rag.errors import RagError
from rag.generate import Generator, installed_models, make_generator
from rag.ingest import correct_metadata, remove_article, save_article
from rag.library import entries as library_entries
from rag.quotes import QuoteCheck, check_quote, tokenize
from rag.settings import Settings
from rag.store import Index

SEEDS = Path(__file__).resolve().parent / "seeds"
EXAMPLES = [
    "How many countries abstained in the February 2023 vote?",
    "Which countries voted against the resolution?",
    "Did Borrell say Russia has sent a positive signal?",
    "What happened at the General Assembly on the third anniversary of the invasion?",
]
CONTEXT_CHARS = 700

CSS = """
.cite { font-weight: 600; text-decoration: none; cursor: pointer; padding: 0 1px; }
.src-card { display: none; border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px; }
.src-card.active { display: block; }
.src-card .article { max-height: 360px; overflow-y: auto; white-space: pre-wrap; line-height: 1.5; }
.src-card mark { background: #ffe58a; padding: 1px 0; }
.src-meta { font-size: 0.9em; color: var(--body-text-color-subdued); margin-bottom: 6px; }
.sources-line { font-size: 0.85em; color: var(--body-text-color-subdued); }
.notice { font-style: italic; }
.answered-by { font-size: 0.85em; opacity: 0.7; margin: 0; }
.pending { color: var(--body-text-color-subdued); font-style: italic; }
details.notes { font-size: 0.8em; color: var(--body-text-color-subdued); }
.verdict { font-weight: 700; padding: 2px 8px; border-radius: 6px; }
.verdict.verified { background: #c8f7c5; } .verdict.misattributed, .verdict.altered { background: #ffe3b3; }
.verdict.not_found { background: #f7c5c5; }
del { background: #f7c5c5; } ins { background: #c8f7c5; text-decoration: none; }
"""

# Clicking a [n] marker shows its card in the source panel and scrolls the highlight into view.
HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.cite");
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const key = link.getAttribute("data-cite");
  document.querySelectorAll(".src-card").forEach((card) => card.classList.remove("active"));
  const card = document.getElementById("src-" + key);
  if (!card) return;
  card.classList.add("active");
  const mark = card.querySelector("mark");
  (mark || card).scrollIntoView({block: "center", behavior: "instant"});
}, true);
</script>
"""


@dataclass
class AppState:
    """What the running app holds: settings, the models (loaded once) and the current index."""

    settings: Settings
    embedder: Embedder
    generator: Generator | None
    index: Index
    lock: threading.Lock = field(default_factory=threading.Lock)
    others: dict[str, Generator | None] = field(default_factory=dict)

    def generator_for(self, name: str | None) -> Generator | None:
        """The packaged model `name` (the settings' one when None), started on first use in its own
        worker; None when it is not installed, so the answer is the quoted one."""
        if not name or name == self.settings.llm_model:
            return self.generator
        with self.lock:
            if name not in self.others:
                self.others[name] = make_generator(name, self.settings.llm_runtime)
        return self.others[name]

    def reindex(self, progress=None) -> str:
        """Update the index; returns the new or changed articles, warnings and the summary."""
        with self.lock:
            report = build_index(self.settings, self.embedder, on_progress=progress)
            self.index = ensure_index(self.settings, self.embedder)
        return report.details()


# --- pure formatting helpers -------------------------------------------------------------------------


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def answer_html(answer: Answer, turn: int) -> str:
    """The answer with each [n] as a link to its source card, then a compact list of sources."""
    if answer.refused:
        reason = next((n.removeprefix("refused: ") for n in answer.notes if n.startswith("refused")), "")
        why = f"<p class='sources-line'>{escape(reason[:1].upper() + reason[1:])}.</p>" if reason else ""
        return f"<p><b>{escape(answer.answer)}</b></p>{why}"
    body = re.sub(
        r"\[(\d+)\]",
        lambda m: f"<a class='cite' href='#src-{turn}-{m.group(1)}' data-cite='{turn}-{m.group(1)}'>[{m.group(1)}]</a>",
        answer_body(answer.answer),
    )
    sources = " · ".join(
        f"<a class='cite' href='#src-{turn}-{c.n}' data-cite='{turn}-{c.n}'>[{c.n}]</a> "
        f"{escape(c.outlet or c.title or c.source)}{', ' + escape(c.published) if c.published else ''}"
        for c in answer.citations
    )
    notice = f"<p class='notice'>{escape(answer.notice)}</p>" if answer.notice else ""
    by = "<p class='answered-by'>Quoted from the articles</p>" if answer.answered_by == "quotes" else ""
    return f"{notice}{by}{body}<p class='sources-line'>Sources: {sources}</p>{details_html(answer.notes)}"


def answer_body(text: str) -> str:
    """The answer's lines as HTML: quoted lines ('- ...') become a list, other lines paragraphs."""
    blocks, items = [], []
    for line in text.split("\n"):
        if line.startswith("- "):
            items.append(f"<li>{escape(line[2:])}</li>")
            continue
        if items:
            blocks.append(f"<ul class='quotes'>{''.join(items)}</ul>")
            items = []
        if line.strip():
            blocks.append(f"<p>{escape(line)}</p>")
    if items:
        blocks.append(f"<ul class='quotes'>{''.join(items)}</ul>")
    return "".join(blocks)


def details_html(notes: list[str]) -> str:
    """What the pipeline did (sentences removed, citations moved, why it fell back), folded away:
    a reader sees one plain sentence; whoever wants the details opens them."""
    if not notes:
        return ""
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return f"<details class='notes'><summary>Details</summary><ul>{items}</ul></details>"


def source_cards_html(answer: Answer, turn: int, texts: dict[str, str]) -> str:
    """One card per citation: article title, outlet, date, and the text around the highlighted span."""
    cards = []
    for c in answer.citations:
        text = texts.get(c.source, "")
        lo, hi = max(0, c.start - CONTEXT_CHARS), min(len(text), c.end + CONTEXT_CHARS)
        before, cited, after = text[lo : c.start], text[c.start : c.end], text[c.end : hi]
        meta = " · ".join(escape(x) for x in (c.title, c.outlet, c.published, c.source) if x)
        cards.append(
            f"<div class='src-card' id='src-{turn}-{c.n}'><div class='src-meta'><b>[{c.n}]</b> {meta} "
            f"(characters {c.start}–{c.end})</div><div class='article'>{'…' if lo else ''}{escape(before)}"
            f"<mark>{escape(cited)}</mark>{escape(after)}{'…' if hi < len(text) else ''}</div></div>"
        )
    return "".join(cards)


def marked_differences(quote: str, found: str) -> str:
    """The article's wording with words the quote lacks in <ins> and the quote's other words in <del>."""
    from rapidfuzz.distance import Levenshtein

    q, f = [t.word for t in tokenize(quote)], [t.word for t in tokenize(found)]
    parts = []
    for op in Levenshtein.opcodes(q, f):
        if op.tag == "equal":
            parts.append(escape(" ".join(f[op.dest_start : op.dest_end])))
            continue
        if op.src_end > op.src_start:
            parts.append(f"<del>{escape(' '.join(q[op.src_start:op.src_end]))}</del>")
        if op.dest_end > op.dest_start:
            parts.append(f"<ins>{escape(' '.join(f[op.dest_start:op.dest_end]))}</ins>")
    return " ".join(parts)


def quote_html(check: QuoteCheck) -> str:
    rows = [f"<p><span class='verdict {check.verdict}'>{escape(check.verdict)}</span> {escape(check.explanation)}</p>"]
    for m in check.matches:
        meta = " · ".join(escape(x) for x in (m.outlet, m.published, m.source) if x)
        who = f"<br>Speaker, as the article tells it: <b>{escape(m.speaker)}</b>" if m.speaker else "<br>Speaker: not stated"
        via = f" (reported by {escape(m.reported_by)})" if m.reported_by else ""
        rows.append(
            f"<div class='src-card active'><div class='src-meta'>{meta} · {m.similarity:.0%} alike</div>"
            f"“{escape(m.text)}”<br>Differences: {marked_differences(check.quote, m.text)}{who}{via}</div>"
        )
    if check.variants:
        rows.append("<p>Wordings across outlets: " + " | ".join(f"“{escape(v)}”" for v in check.variants) + "</p>")
    return "".join(rows)


def status_line(state: AppState) -> str:
    docs = len(state.index.documents())
    model = f"{state.generator.name} ({state.settings.llm_runtime})" if state.generator else "none installed (extractive)"
    return f"**{docs} articles indexed** · {state.index.vectors.ntotal} chunks · model: {model} · mode: {state.settings.answer_mode}"


LIBRARY_HEADERS = ["file", "title", "outlet", "published", "author", "chunks", "also named"]
CORRECTABLE = ("title", "outlet", "published", "author")


def library_rows(state: AppState) -> list[list]:
    """One row per article: what `rag library` lists, with its chunk count and other names."""
    return [
        [e.source, e.title or "", e.outlet or "", e.published or "", e.author or "", e.chunks, ", ".join(e.aliases)]
        for e in library_entries(state.index)
    ]


def current_metadata(state: AppState, source: str) -> list[str]:
    """Title, outlet, published and author of `source` as indexed ('' for missing)."""
    doc = next((d for d in state.index.documents().values() if d.source == source), None)
    return [(getattr(doc, name) or "") if doc else "" for name in CORRECTABLE]


def corrections(state: AppState, source: str, values: list[str]) -> dict[str, str]:
    """The fields a reader changed: only those written to the sidecar (an emptied field removes
    its correction, so the article's own metadata applies again)."""
    before = current_metadata(state, source)
    return {name: " ".join((new or "").split()) for name, old, new in zip(CORRECTABLE, before, values) if " ".join((new or "").split()) != old}


def _texts(state: AppState, answer: Answer) -> dict[str, str]:
    """The text each citation's offsets point into, as the index keeps it (for a saved web page,
    its extracted text)."""
    return {c.source: state.index.document_text(c.source) for c in answer.citations}


def _history_turns(messages: list[dict]) -> list[Turn]:
    turns = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = " ".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
        turns.append(Turn(m.get("role", "user"), re.sub(r"<[^>]+>", "", str(content or ""))))
    return turns


PENDING = "<span class='pending'>Checking the articles…</span>"
"""Shown until the quoted answer is ready; the model's raw draft is never shown."""

MODEL_CHOICES = {
    "qwen2.5-0.5b": "Qwen2.5 0.5B: fast",
    "qwen2.5-1.5b": "Qwen2.5 1.5B: its own words a little more often, about 2x slower",
    "smollm2-135m": "SmolLM2 135M: tiny, for tests",
}
ANSWER_SLOTS = 24
"""Answers (chat and the `ask` API) may run 24 at once. The language model still generates one
answer at a time behind its lock, so a waiting LLM answer holds only an idle thread, and an
extractive answer (tens of ms) gets a slot at once instead of queueing behind LLM answers."""

# --- the app ----------------------------------------------------------------------------------------


def create_app(state: AppState) -> gr.Blocks:
    """Build the Blocks without launching them (tests call this)."""

    def chat(message: str, messages: list[dict], cards: str, mode: str, passages: int, model: str):
        messages = list(messages or [])
        history = _history_turns(messages)
        messages.append({"role": "user", "content": escape(message or "")})
        messages.append({"role": "assistant", "content": PENDING})
        yield messages, cards, ""
        settings = state.settings.with_overrides(answer_mode=mode, answer_chunks=int(passages))
        generator = None if mode == "extractive" else state.generator_for(model)
        turn = len(messages) // 2
        earlier_cards = cards
        try:
            for shown in stream_answer(message, state.index, state.embedder, settings, history, generator):
                messages[-1] = {"role": "assistant", "content": answer_html(shown, turn)}
                cards = earlier_cards + source_cards_html(shown, turn, _texts(state, shown))
                yield messages, cards, ""
        except RagError as exc:
            messages[-1] = {"role": "assistant", "content": f"<b>{escape(str(exc))}</b>"}
            yield messages, cards, ""

    def run_quote(text: str, speaker: str) -> str:
        try:
            return quote_html(check_quote(text, state.index, state.settings, speaker=speaker or None))
        except RagError as exc:
            return f"<b>{escape(str(exc))}</b>"

    def add_files(files, progress=gr.Progress()):
        messages = []
        for f in files or []:
            path = Path(f if isinstance(f, str) else f.name)
            try:
                save_article(state.settings.corpus_dir, path.name, path.read_bytes())
                messages.append(f"added {path.name}")
            except (ValueError, OSError) as exc:
                messages.append(str(exc))
        if any(m.startswith("added") for m in messages):
            messages.append(state.reindex(lambda p, d: progress(p, desc=d)))
        return "\n".join(messages), library_rows(state), status_line(state)

    def add_pasted(name: str, text: str, progress=gr.Progress()):
        try:
            save_article(state.settings.corpus_dir, name.strip() or "pasted.txt", (text or "").encode("utf-8"))
        except ValueError as exc:
            return str(exc), library_rows(state), status_line(state)
        return state.reindex(lambda p, d: progress(p, desc=d)), library_rows(state), status_line(state)

    def remove(name: str, progress=gr.Progress()):
        try:
            remove_article(state.settings.corpus_dir, name or "")
        except ValueError as exc:
            return str(exc), library_rows(state), status_line(state)
        return state.reindex(lambda p, d: progress(p, desc=d)), library_rows(state), status_line(state)

    def reindex(progress=gr.Progress()):
        return state.reindex(lambda p, d: progress(p, desc=d)), library_rows(state), status_line(state)

    def pick(source: str):
        return current_metadata(state, source or "")

    def correct(source: str, title: str, outlet: str, published: str, author: str, progress=gr.Progress()):
        changes = corrections(state, source or "", [title, outlet, published, author])
        if not source or not changes:
            return "choose an article and change a field first", library_rows(state), status_line(state)
        try:
            sidecar = correct_metadata(state.settings.corpus_dir, source, **changes)
        except ValueError as exc:
            return str(exc), library_rows(state), status_line(state)
        note = f"saved {', '.join(changes)} in {sidecar.name}\n"
        return note + state.reindex(lambda p, d: progress(p, desc=d)), library_rows(state), status_line(state)

    with gr.Blocks(title="News articles: cited answers") as app:
        status = gr.Markdown(status_line(state), elem_id="status")
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(elem_id="chatbot", height=480, sanitize_html=False, label="Answers with citations")
                    question = gr.Textbox(placeholder="Ask about the articles…", show_label=False, elem_id="question")
                    with gr.Row():
                        send = gr.Button("Ask", variant="primary", elem_id="ask")
                        clear = gr.Button("Clear conversation")
                    if state.settings.corpus_dir.resolve() == SEEDS.resolve():  # the examples ask about the seeds
                        gr.Examples(EXAMPLES, inputs=question, label="Try")
                with gr.Column(scale=2):
                    gr.Markdown("**Source** — click a [n] in an answer")
                    cards = gr.HTML("", elem_id="sources")
            with gr.Accordion("Settings", open=False, elem_id="answer-settings"):
                mode = gr.Radio(["auto", "llm", "extractive"], value=state.settings.answer_mode, label="Answer mode", elem_id="mode")
                passages = gr.Slider(2, 12, value=state.settings.answer_chunks, step=1, label="Passages retrieved")
                model = gr.Dropdown(
                    [(MODEL_CHOICES.get(name, name), name) for name in installed_models() or [state.settings.llm_model]],
                    value=state.settings.llm_model,
                    label="Local model", elem_id="model",
                    info="Writes in llm mode, after the quoted answer; measured per kind of question in the README.",
                )
            answering = dict(api_visibility="private", concurrency_id="answers", concurrency_limit=ANSWER_SLOTS)
            send.click(chat, [question, chatbot, cards, mode, passages, model], [chatbot, cards, question], **answering)
            question.submit(chat, [question, chatbot, cards, mode, passages, model], [chatbot, cards, question], **answering)
            clear.click(lambda: ([], ""), None, [chatbot, cards], api_visibility="private")
        with gr.Tab("Quote check"):
            quote_text = gr.Textbox(label="Quoted words", lines=3, elem_id="quote-text")
            quote_speaker = gr.Textbox(label="Speaker (optional)", elem_id="quote-speaker")
            quote_button = gr.Button("Check", variant="primary")
            quote_result = gr.HTML()
            quote_button.click(run_quote, [quote_text, quote_speaker], quote_result, api_visibility="private", concurrency_id="quotes")
        with gr.Tab("Library"):
            table = gr.Dataframe(library_rows(state), headers=LIBRARY_HEADERS, interactive=False, label="Articles", elem_id="library-table")
            log = gr.Textbox(label="Result", interactive=False, elem_id="library-log")
            with gr.Accordion("Correct an article's title, outlet, date or author", open=False):
                sources = [row[0] for row in library_rows(state)]
                fix_source = gr.Dropdown(sources, label="Article", elem_id="fix-source")
                with gr.Row():
                    fix_title = gr.Textbox(label="Title", elem_id="fix-title")
                    fix_outlet = gr.Textbox(label="Outlet", elem_id="fix-outlet")
                    fix_published = gr.Textbox(label="Published (YYYY-MM-DD)", elem_id="fix-published")
                    fix_author = gr.Textbox(label="Author", elem_id="fix-author")
                fix_button = gr.Button("Save correction", elem_id="fix-save")
                gr.Markdown("Saved in the article's `NAME.meta.json`, which wins over what the text says; empty a field to drop its correction.")
            with gr.Row():
                upload = gr.File(
                    file_count="multiple", file_types=[".txt", ".md", ".html", ".htm"],
                    label="Add .txt, .md or saved .html pages (2 MB each)",
                )
                with gr.Column():
                    paste_name = gr.Textbox(label="File name for pasted text", placeholder="my-article.txt")
                    paste_text = gr.Textbox(label="Article text", lines=6)
                    paste_button = gr.Button("Add pasted article")
            with gr.Row():
                remove_name = gr.Textbox(label="File to remove")
                remove_button = gr.Button("Remove")
                reindex_button = gr.Button("Re-index")
            library = dict(api_visibility="private", concurrency_id="library", concurrency_limit=1)
            fix_fields = [fix_title, fix_outlet, fix_published, fix_author]

            def refresh_sources(source: str):
                names = [row[0] for row in library_rows(state)]
                return gr.update(choices=names, value=source if source in names else None)

            for event in (
                upload.upload(add_files, upload, [log, table, status], **library),
                paste_button.click(add_pasted, [paste_name, paste_text], [log, table, status], **library),
                remove_button.click(remove, remove_name, [log, table, status], **library),
                reindex_button.click(reindex, None, [log, table, status], **library),
                fix_button.click(correct, [fix_source, *fix_fields], [log, table, status], **library),
            ):
                event.then(refresh_sources, fix_source, fix_source, api_visibility="private")
            fix_source.change(pick, fix_source, fix_fields, api_visibility="private")

        def api_request(history_json: str, mode: str, llm: str) -> tuple[Settings, list[Turn], Generator | None]:
            """The settings, history and model an API question is answered with."""
            history = [Turn(t["role"], t["content"]) for t in json.loads(history_json or "[]")]
            settings = state.settings.with_overrides(answer_mode=mode or None)
            return settings, history, None if settings.answer_mode == "extractive" else state.generator_for(llm)

        @gr.api(api_name="ask", concurrency_id="answers", concurrency_limit=ANSWER_SLOTS)
        def api_ask(question: str, history_json: str = "[]", mode: str = "", llm: str = "") -> dict:
            """Answer a question; returns the JSON of `rag ask --json`."""
            request = api_request(history_json, mode, llm)
            try:
                return answer_question(question, state.index, state.embedder, *request).to_json()
            except RagError as exc:
                return {"question": question, "error": str(exc)}

        @gr.api(api_name="ask_stream", concurrency_id="answers", concurrency_limit=ANSWER_SLOTS)
        def api_ask_stream(question: str, history_json: str = "[]", mode: str = "", llm: str = "") -> Iterator[dict]:
            """Answer a question, yielding the JSON of `rag ask --json` each time the answer changes:
            the quoted answer first, then each version the model's verified sentences lead."""
            request = api_request(history_json, mode, llm)
            try:
                for shown in stream_answer(question, state.index, state.embedder, *request):
                    yield shown.to_json()
            except RagError as exc:
                yield {"question": question, "error": str(exc)}

        @gr.api(api_name="quote", concurrency_id="quotes")
        def api_quote(text: str, speaker: str = "") -> dict:
            """Check a quote; returns the JSON of `rag quote --json`."""
            try:
                return check_quote(text, state.index, state.settings, speaker=speaker or None).to_json()
            except RagError as exc:
                return {"quote": text, "error": str(exc)}

        @gr.api(api_name="add_article", concurrency_id="library", concurrency_limit=1)
        def api_add_article(name: str, text: str) -> dict:
            """Add an article (UTF-8 text) to the corpus and index it."""
            try:
                save_article(state.settings.corpus_dir, name, text.encode("utf-8"))
            except ValueError as exc:
                return {"added": False, "error": str(exc)}
            return {"added": True, "summary": state.reindex(), "documents": len(state.index.documents())}

    return app


def load_state(settings: Settings, log=print) -> AppState:
    """Load the models once and open the index, building or updating it first when needed."""
    embedder = SentenceTransformerEmbedder(settings.embed_model)
    index = ensure_index(settings, embedder, log=log)
    generator = None if settings.answer_mode == "extractive" else make_generator(settings.llm_model, settings.llm_runtime)
    if generator is not None:
        started = time.perf_counter()
        generator.load()
        log(f"loaded {generator.name} in {time.perf_counter() - started:.1f} s")
    embedder.load()  # torch embeds the candidate windows of a question faster than NumPy in a warm process
    return AppState(settings, embedder, generator, index)


def launch(app: gr.Blocks, port: int | None, host: str = "127.0.0.1", block: bool = True):
    """Serve the app. Queue groups: see ANSWER_SLOTS; quote checks run 4 at a time in their own
    group, library changes one at a time; at most 64 requests wait."""
    app.queue(default_concurrency_limit=4, max_size=64)
    return app.launch(
        server_name=host, server_port=port, share=False, css=CSS, head=HEAD, prevent_thread_lock=not block,
        show_error=False, quiet=not block,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Chat with cited answers over a folder of news articles.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: this machine only)")
    parser.add_argument("--corpus", type=Path, help="folder of articles (default: seeds/)")
    parser.add_argument("--index", type=Path, help="index folder (default: index/)")
    parser.add_argument("--mode", choices=["auto", "llm", "extractive"])
    parser.add_argument("--llm", help="packaged model (default: qwen2.5-0.5b)")
    args = parser.parse_args()
    settings = Settings().with_overrides(corpus_dir=args.corpus, index_dir=args.index, answer_mode=args.mode, llm_model=args.llm)
    started = time.perf_counter()
    try:
        state = load_state(settings)
    except RagError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"ready in {time.perf_counter() - started:.1f} s: http://{args.host}:{args.port}")
    launch(create_app(state), args.port, args.host)


if __name__ == "__main__":
    main()
