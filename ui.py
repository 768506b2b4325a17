"""The chat app: a thin Gradio shell over `rag.answer`, `rag.quotes`, `rag.fetch` and `rag.library`.

    python ui.py [--port 7860] [--corpus seeds] [--index index]

Tabs: Chat (streaming cited answers; each [n] opens the cited passage, highlighted, in the
source panel; limits by outlet and date; the conversation exported as Markdown and kept in the
browser across reloads), Quote check, Library (add by web address or feed, files or pasted
text; a timeline and a table filtered by outlet, dates and title words, sorted; rows selected to
remove or correct). Named API endpoints `ask`, `ask_stream`, `quote`, `add_article` and
`add_url` return JSON for `gradio_client` (../shared/eval/README.md for the first three).
Binds 127.0.0.1; no share links. Article text is untrusted: everything shown is escaped here,
and the only HTML is what these helpers write around it.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import tempfile
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
from rag.export import conversation_markdown
from rag.fetch import Added, FetchError, add_feed, add_url, known_articles
from rag.ingest import correct_metadata, remove_article, save_article
from rag.library import NO_OUTLET, SORTS, LibraryEntry, Shelf, days_of_range, outlets, shelve, timeline_points
from rag.library import entries as library_entries
from rag.manifest import corpus_changes
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
    exports: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rag-exports-")))

    def generator_for(self, name: str | None) -> Generator | None:
        """The packaged model `name` (the settings' one when None), started on first use in its own
        worker; None when it is not installed, so the answer is the quoted one."""
        if not name or name == self.settings.llm_model:
            return self.generator
        with self.lock:
            if name not in self.others:
                self.others[name] = make_generator(name, self.settings.llm_runtime)
        return self.others[name]

    def refresh(self) -> str:
        """Update the index when the corpus folder changed outside the app (a file copied in or
        moved back from `.removed/`); '' when nothing changed."""
        if not self.settings.corpus_dir.is_dir() or not corpus_changes(self.index, self.settings.corpus_dir):
            return ""
        return self.reindex()

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
    """The verdict, then each match in publication order (as `check_quote` gives them), the first
    article with the very words marked as where they first appeared."""
    rows = [f"<p><span class='verdict {check.verdict}'>{escape(check.verdict)}</span> {escape(check.explanation)}</p>"]
    first = next((m for m in check.matches if not m.differences and m.published), None)
    for m in check.matches:
        meta = " · ".join(escape(x) for x in (m.outlet, m.published, m.source) if x)
        meta += " · <b>first to publish these words</b>" if m is first and len(check.matches) > 1 else ""
        differences = f"<br>Differences: {marked_differences(check.quote, m.text)}" if m.differences else ""
        who = f"<br>Speaker, as the article tells it: <b>{escape(m.speaker)}</b>" if m.speaker else "<br>Speaker: not stated"
        via = f" (reported by {escape(m.reported_by)})" if m.reported_by else ""
        rows.append(
            f"<div class='src-card active'><div class='src-meta'>{meta} · {m.similarity:.0%} alike</div>"
            f"“{escape(m.text)}”{differences}{who}{via}</div>"
        )
    if check.variants:
        rows.append("<p>Wordings across outlets: " + " | ".join(f"“{escape(v)}”" for v in check.variants) + "</p>")
    return "".join(rows)


def status_line(state: AppState) -> str:
    docs = len(state.index.documents())
    model = f"{state.generator.name} ({state.settings.llm_runtime})" if state.generator else "none installed (extractive)"
    return (f"**{docs} article{'s' * (docs != 1)} indexed** · {state.index.vectors.ntotal} chunks · model: {model} · "
            f"mode: {state.settings.answer_mode}")


CORRECTABLE = ("title", "outlet", "published", "author")


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
    with gr.Blocks(title="News articles: cited answers") as app:
        status = gr.Markdown(status_line(state), elem_id="status")
        saved = gr.BrowserState({}, storage_key="rag-news-conversation")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                scope = chat_tab(state, app, saved)
            with gr.Tab("Quote check", id="quote"):
                quote_tab(state, scope)
            with gr.Tab("Library", id="library"):
                library_tab(state, app, status, scope, tabs)
        api_endpoints(state)
    return app


@dataclass
class Scope:
    """The chat's limits (outlet, first and last day) that the Library can set."""

    outlet: gr.Dropdown
    published_from: gr.Textbox
    published_to: gr.Textbox


ALL_OUTLETS = "all outlets"
SAVED_TURNS = 30
"""The conversation kept in the browser across reloads: its last 30 questions and answers."""


def chat_tab(state: AppState, app: gr.Blocks, saved: gr.BrowserState) -> Scope:
    """The chat: streamed cited answers, the source panel, limits by outlet and date, an export
    of the conversation as Markdown, and the conversation restored from the browser on reload."""

    def chat(message, messages, cards, mode, passages, model, outlet, date_from, date_to, answers):
        messages, answers = list(messages or []), list(answers or [])
        history = _history_turns(messages)
        messages.append({"role": "user", "content": escape(message or "")})
        messages.append({"role": "assistant", "content": PENDING})
        yield messages, cards, "", gr.skip(), gr.skip(), gr.skip()
        turn = len(messages) // 2
        earlier_cards, shown = cards, None
        try:
            settings = limited(state.settings, outlet, date_from, date_to).with_overrides(
                answer_mode=mode, answer_chunks=int(passages))
            generator = None if mode == "extractive" else state.generator_for(model)
            for shown in stream_answer(message, state.index, state.embedder, settings, history, generator):
                messages[-1] = {"role": "assistant", "content": answer_html(shown, turn)}
                cards = earlier_cards + source_cards_html(shown, turn, _texts(state, shown))
                yield messages, cards, "", gr.skip(), gr.skip(), gr.skip()
            answers.append(shown.to_json())
        except RagError as exc:
            messages[-1] = {"role": "assistant", "content": notice_html(str(exc))}
            answers.append({"question": message, "error": str(exc)})
        keep = {"messages": messages[-2 * SAVED_TURNS :], "cards": cards, "answers": answers[-SAVED_TURNS:],
                "limits": [outlet or ALL_OUTLETS, date_from or "", date_to or ""]}
        yield messages, cards, "", answers, keep, export_file(state, answers)

    def restore(kept: dict):
        kept = kept if isinstance(kept, dict) else {}
        answers = kept.get("answers") or []
        limits = kept.get("limits") or [ALL_OUTLETS, "", ""]
        return kept.get("messages") or [], kept.get("cards") or "", answers, export_file(state, answers), *limits

    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(elem_id="chatbot", height=480, sanitize_html=False, label="Answers with citations")
            question = gr.Textbox(placeholder="Ask about the articles…", show_label=False, elem_id="question")
            with gr.Row():
                send = gr.Button("Ask", variant="primary", elem_id="ask")
                clear = gr.Button("Clear conversation", elem_id="clear")
                export = gr.DownloadButton("Export conversation (Markdown)", value=None, elem_id="export", interactive=False)
            if state.settings.corpus_dir.resolve() == SEEDS.resolve():  # the examples ask about the seeds
                gr.Examples(EXAMPLES, inputs=question, label="Try")
        with gr.Column(scale=2):
            gr.Markdown("**Source** — click a [n] in an answer")
            cards = gr.HTML("", elem_id="sources")
    with gr.Row(elem_id="chat-scope"):
        outlet = gr.Dropdown(chat_outlets(library_entries(state.index)), value=ALL_OUTLETS,
                             label="Answer from outlet", elem_id="chat-outlet", allow_custom_value=True)
        published_from = gr.Textbox(label="Published from (YYYY-MM-DD)", elem_id="chat-from")
        published_to = gr.Textbox(label="Published to (YYYY-MM-DD)", elem_id="chat-to")
    with gr.Accordion("Settings", open=False, elem_id="answer-settings"):
        mode = gr.Radio(["auto", "llm", "extractive"], value=state.settings.answer_mode, label="Answer mode", elem_id="mode")
        passages = gr.Slider(2, 12, value=state.settings.answer_chunks, step=1, label="Passages retrieved")
        model = gr.Dropdown(
            [(MODEL_CHOICES.get(name, name), name) for name in installed_models() or [state.settings.llm_model]],
            value=state.settings.llm_model,
            label="Local model", elem_id="model",
            info="Writes in llm mode, after the quoted answer; measured per kind of question in the README.",
        )
    answers = gr.State([])
    inputs = [question, chatbot, cards, mode, passages, model, outlet, published_from, published_to, answers]
    outputs = [chatbot, cards, question, answers, saved, export]
    answering = dict(api_visibility="private", concurrency_id="answers", concurrency_limit=ANSWER_SLOTS)
    send.click(chat, inputs, outputs, **answering)
    question.submit(chat, inputs, outputs, **answering)
    clear.click(lambda: ([], "", [], {}, gr.update(value=None, interactive=False)), None,
                [chatbot, cards, answers, saved, export], api_visibility="private")
    app.load(restore, saved, [chatbot, cards, answers, export, outlet, published_from, published_to], api_visibility="private")
    return Scope(outlet, published_from, published_to)


def chat_outlets(rows: list[LibraryEntry]) -> list[str]:
    return [ALL_OUTLETS] + [name for name in outlets(rows) if name != NO_OUTLET]


def export_file(state: AppState, answers: list[dict]):
    """The DownloadButton for the conversation as a Markdown file (disabled when it is empty)."""
    if not answers:
        return gr.update(value=None, interactive=False)
    path = state.exports / f"conversation-{time.strftime('%Y%m%d-%H%M%S')}-{len(answers)}.md"
    path.write_text(conversation_markdown(answers), encoding="utf-8")
    return gr.update(value=str(path), interactive=True)


def chosen_outlet(value: str | None) -> str | None:
    """An outlet dropdown's value as a filter: None for 'all outlets' or nothing chosen."""
    return None if value in (None, "", ALL_OUTLETS) else value


def notice_html(message: str) -> str:
    """A message (an error, a limit that matches nothing) as one plain sentence."""
    return f"<p class='notice'>{escape(message[:1].upper() + message[1:])}.</p>"


def limited(settings: Settings, outlet: str | None, date_from: str | None, date_to: str | None) -> Settings:
    """The settings with the chat's limits (outlet, first and last day); SettingsError for a bad date."""
    return settings.with_overrides(
        outlet=chosen_outlet(outlet),
        published_from=(date_from or "").strip() or None, published_to=(date_to or "").strip() or None,
    )


def quote_tab(state: AppState, scope: Scope) -> None:
    """Quote checks, within the chat's outlet and date limits."""

    def run_quote(text: str, speaker: str, outlet: str, date_from: str, date_to: str) -> str:
        try:
            settings = limited(state.settings, outlet, date_from, date_to)
            return quote_html(check_quote(text, state.index, settings, speaker=speaker or None))
        except RagError as exc:
            return notice_html(str(exc))

    quote_text = gr.Textbox(label="Quoted words", lines=3, elem_id="quote-text")
    quote_speaker = gr.Textbox(label="Speaker (optional)", elem_id="quote-speaker")
    gr.Markdown("Searches the articles the chat answers from: its outlet and date limits apply here too.")
    quote_button = gr.Button("Check", variant="primary", elem_id="quote-check")
    quote_result = gr.HTML(elem_id="quote-result")
    inputs = [quote_text, quote_speaker, scope.outlet, scope.published_from, scope.published_to]
    quote_button.click(run_quote, inputs, quote_result, api_visibility="private", concurrency_id="quotes")


def library_tab(state: AppState, app: gr.Blocks, status: gr.Markdown, scope: Scope, tabs: gr.Tabs) -> None:
    """Add articles (web address, feed, files, pasted text); browse them on a timeline and in a
    table filtered by outlet, dates and title words, sorted; select rows to remove or correct."""
    corpus = state.settings.corpus_dir

    def failed(message: str):
        gr.Warning(message)
        return message, status_line(state)

    def reindexed(lines: list[str], progress) -> str:
        return "\n".join(lines + [state.reindex(lambda p, d: progress(p, desc=d))])

    def add_address(text: str, is_feed: bool, progress=gr.Progress()):
        addresses = (text or "").split()
        if not any(re.match(r"https?://", a, re.I) for a in addresses):
            return failed("paste a web address that starts with http:// or https:// (or a feed's, and tick 'It is a feed')")
        known = known_articles(corpus, state.index.documents().values())
        outcomes: list[Added] = []
        for address in addresses:
            if is_feed:
                try:
                    outcomes += add_feed(corpus, address, known)
                except FetchError as exc:
                    outcomes.append(Added(address, error=f"not added, the feed cannot be read: {exc}"))
            else:
                outcomes.append(add_url(corpus, address, known))
        lines = [o.line() for o in outcomes]
        return (reindexed(lines, progress) if any(o.path for o in outcomes) else "\n".join(lines)), status_line(state)

    def add_files(files, progress=gr.Progress()):
        lines = []
        for f in files or []:
            path = Path(f if isinstance(f, str) else f.name)
            try:
                save_article(corpus, path.name, path.read_bytes())
                lines.append(f"added {path.name}")
            except (ValueError, OSError) as exc:
                lines.append(str(exc))
        added = any(line.startswith("added") for line in lines)
        return (reindexed(lines, progress) if added else "\n".join(lines)), status_line(state)

    def add_pasted(name: str, text: str, progress=gr.Progress()):
        try:
            save_article(corpus, name.strip() or "pasted.txt", (text or "").encode("utf-8"))
        except ValueError as exc:
            return str(exc), status_line(state)
        return reindexed([], progress), status_line(state)

    def remove(selected: list[str], progress=gr.Progress()):
        if not selected:
            return failed("select the articles to remove in the table first")
        lines = []
        for name in selected:
            try:
                kept = remove_article(corpus, name)
                lines.append(f"removed {name} (kept in {kept.parent.name}/ of the corpus folder: move it back to restore it)")
            except ValueError as exc:
                lines.append(str(exc))
        return reindexed(lines, progress), status_line(state)

    def reindex(progress=gr.Progress()):
        return reindexed([], progress), status_line(state)

    def correct(source: str, title: str, outlet: str, published: str, author: str, progress=gr.Progress()):
        changes = corrections(state, source or "", [title, outlet, published, author])
        if not source or not changes:
            return failed("select an article in the table and change a field first")
        try:
            sidecar = correct_metadata(corpus, source, **changes)
        except ValueError as exc:
            return failed(str(exc))
        return reindexed([f"saved {', '.join(changes)} in {sidecar.name}"], progress), status_line(state)

    def show(outlet: str, date_from: str, date_to: str, words: str, sort: str, selected: list[str]):
        """The table and timeline under the filters; the outlet and selection choices updated.
        The plot is sent twice: the browser drops the first new data a mounted plot receives."""
        rows = library_entries(state.index)
        shelf = Shelf(chosen_outlet(outlet), _day(date_from, "From"), _day(date_to, "To"), words or "")
        shown = shelve(rows, shelf, sort or "newest first")
        names = [e.source for e in rows]
        kept = [name for name in selected or [] if name in names]
        undated = sum(1 for e in shown if not e.published)
        caption = f"{len(shown)} of {len(rows)} articles" + (f"; {undated} without a date are not on the timeline" if undated else "")
        plot = timeline_plot(shown, caption=caption)
        yield table_frame(shown), plot, gr.update(choices=[ALL_OUTLETS] + outlets(rows)), gr.update(choices=names, value=kept), \
            gr.update(choices=chat_outlets(rows))
        time.sleep(0.2)
        yield gr.skip(), plot, gr.skip(), gr.skip(), gr.skip()  # Gradio 6.31 drops the first new data a mounted plot gets

    def brushed(selection: gr.SelectData):
        """A range chosen on the timeline sets the date filters."""
        if not isinstance(selection.index, (list, tuple)) or len(selection.index) != 2:
            return gr.skip(), gr.skip()
        return days_of_range(*selection.index)

    def pick_row(selection: gr.SelectData):
        """Clicking a row selects its article (more are added in the Selected box) and shows it in
        the correction form."""
        source = selection.row_value[LIBRARY_HEADERS.index("file")] if selection.row_value else None
        if not source:
            return gr.skip(), gr.skip(), *[gr.skip()] * len(CORRECTABLE)
        return [source], source, *current_metadata(state, source)

    with gr.Row():
        address = gr.Textbox(label="Add by web address (one or more, space-separated)", placeholder="https://…", elem_id="add-url", scale=4)
        is_feed = gr.Checkbox(label="It is a feed (RSS/Atom)", elem_id="add-is-feed", scale=1)
        add_button = gr.Button("Fetch and add", elem_id="add-url-button", scale=1)
    log = gr.Textbox(label="Result", interactive=False, elem_id="library-log", lines=2)
    rows = library_entries(state.index)  # what the tab shows until the page's load refreshes it (`show`)
    timeline = timeline_plot(rows, label="Timeline: drag across it to choose a date range",
                             elem_id="timeline", height=260)
    with gr.Row(elem_id="library-filters"):
        outlet = gr.Dropdown([ALL_OUTLETS] + outlets(rows), value=ALL_OUTLETS, label="Outlet", elem_id="lib-outlet")
        date_from = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="lib-from")
        date_to = gr.Textbox(label="To (YYYY-MM-DD)", elem_id="lib-to")
        words = gr.Textbox(label="Words in the title", elem_id="lib-words")
        sort = gr.Dropdown(list(SORTS), value="newest first", label="Sort", elem_id="lib-sort")
    with gr.Row():
        clear_filters = gr.Button("Show all", elem_id="lib-clear")
        ask_within = gr.Button("Ask the chat within these filters", elem_id="lib-ask-within")
    table = gr.Dataframe(table_frame(shelve(rows, Shelf())), headers=LIBRARY_HEADERS, wrap=True,
                         column_widths=["9%", "12%", "35%", "12%", "22%", "5%", "5%"], interactive=False,
                         label="Articles: click a row to select it and fill the correction form", elem_id="library-table")
    selected = gr.Dropdown([e.source for e in rows], value=[], multiselect=True,
                           label="Selected articles (add more here to remove several at once)", elem_id="lib-selected")
    with gr.Row():
        remove_button = gr.Button("Remove selected (moved to .removed/, not deleted)", variant="stop", elem_id="remove-selected")
        reindex_button = gr.Button("Re-index")
    with gr.Accordion("Correct the clicked article's title, outlet, date or author", open=False, elem_id="correct"):
        fix_source = gr.Textbox(label="Article", interactive=False, elem_id="fix-source")
        with gr.Row():
            fix_fields = [
                gr.Textbox(label="Title", elem_id="fix-title"), gr.Textbox(label="Outlet", elem_id="fix-outlet"),
                gr.Textbox(label="Published (YYYY-MM-DD)", elem_id="fix-published"), gr.Textbox(label="Author", elem_id="fix-author"),
            ]
        fix_button = gr.Button("Save correction", elem_id="fix-save")
        gr.Markdown("Saved in the article's `NAME.meta.json`, which wins over what the text says; empty a field to drop its correction.")
    with gr.Row():
        upload = gr.File(file_count="multiple", file_types=[".txt", ".md", ".html", ".htm"], label="Add .txt, .md or saved .html pages (2 MB each)")
        with gr.Column():
            paste_name = gr.Textbox(label="File name for pasted text", placeholder="my-article.txt")
            paste_text = gr.Textbox(label="Article text", lines=6)
            paste_button = gr.Button("Add pasted article")

    filters = [outlet, date_from, date_to, words, sort, selected]
    view = [table, timeline, outlet, selected, scope.outlet]
    library = dict(api_visibility="private", concurrency_id="library", concurrency_limit=1)
    for event in (
        add_button.click(add_address, [address, is_feed], [log, status], **library),
        address.submit(add_address, [address, is_feed], [log, status], **library),
        upload.upload(add_files, upload, [log, status], **library),
        paste_button.click(add_pasted, [paste_name, paste_text], [log, status], **library),
        remove_button.click(remove, selected, [log, status], **library),
        reindex_button.click(reindex, None, [log, status], **library),
        fix_button.click(correct, [fix_source, *fix_fields], [log, status], **library),
    ):
        event.then(show, filters, view, api_visibility="private")
    for control in (outlet, sort):
        control.input(show, filters, view, api_visibility="private")
    for box in (date_from, date_to, words):
        box.submit(show, filters, view, api_visibility="private")
        box.blur(show, filters, view, api_visibility="private")
    timeline.select(brushed, None, [date_from, date_to], api_visibility="private").then(show, filters, view, api_visibility="private")
    clear_filters.click(lambda: (ALL_OUTLETS, "", "", ""), None, [outlet, date_from, date_to, words], api_visibility="private").then(
        show, filters, view, api_visibility="private")
    table.select(pick_row, None, [selected, fix_source, *fix_fields], api_visibility="private")
    app.load(lambda: state.refresh() or status_line(state), None, status, api_visibility="private").then(
        show, filters, view, api_visibility="private")  # what was added, removed or moved back since the server started

    def within(outlet: str, date_from: str, date_to: str):
        chat_outlet = outlet if outlet not in (None, "", NO_OUTLET) else ALL_OUTLETS
        said = f"the chat now answers from {_described(Shelf(chosen_outlet(chat_outlet), date_from or None, date_to or None))}"
        gr.Info(said[:1].upper() + said[1:] + ".")
        return chat_outlet, date_from, date_to, said, gr.Tabs(selected="chat")

    ask_within.click(within, [outlet, date_from, date_to], [scope.outlet, scope.published_from, scope.published_to, log, tabs],
                     api_visibility="private")


def _day(text: str | None, label: str) -> str | None:
    """A date filter as YYYY-MM-DD; one that is not a date is ignored, with a warning."""
    from rag.dates import parse_date

    if not (text or "").strip():
        return None
    day = parse_date(text.strip())
    if day is None:
        gr.Warning(f"{label} '{text.strip()}' is not a date; write it as YYYY-MM-DD. It is ignored.")
        return None
    return day.isoformat()


def _described(shelf: Shelf) -> str:
    parts = [shelf.outlet or "every outlet"]
    parts += [f"from {shelf.published_from}"] if shelf.published_from else []
    parts += [f"to {shelf.published_to}"] if shelf.published_to else []
    return " ".join(parts)


LIBRARY_HEADERS = ["published", "outlet", "title", "author", "file", "chunks", "also named"]


def table_rows(rows: list[LibraryEntry]) -> list[list]:
    """One row per article: what `rag library` lists, with its chunk count and other names."""
    return [[e.published or "", e.outlet or "", e.title or "", e.author or "", e.source, e.chunks, ", ".join(e.aliases)] for e in rows]


def table_frame(rows: list[LibraryEntry]):
    """The table's rows with its headers: a bare list sent on page load loses them."""
    import pandas as pd

    return pd.DataFrame(table_rows(rows), columns=LIBRARY_HEADERS)


def timeline_plot(rows: list[LibraryEntry], **options) -> gr.ScatterPlot:
    """The articles by day (x) and outlet (a row each), as a whole new plot. Its x range is set
    from the days shown: a plot updated with new data alone keeps its old range and hides points
    outside it."""
    import pandas as pd

    frame = pd.DataFrame(timeline_points(rows), columns=["published", "outlet", "title", "file"])
    frame["published"] = pd.to_datetime(frame["published"], errors="coerce")
    frame = frame.dropna(subset=["published"])
    if len(frame):
        first, last = frame["published"].min(), frame["published"].max()
        margin = max(pd.Timedelta(days=3), (last - first) * 0.05)
        options["x_lim"] = [(first - margin).timestamp(), (last + margin).timestamp()]
    return gr.ScatterPlot(frame, x="published", y="outlet", tooltip=["title", "outlet", "published"], x_label_angle=-30, **options)


def api_endpoints(state: AppState) -> None:
    """Named endpoints for `gradio_client`: ask, ask_stream, quote, add_article, add_url."""

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

    @gr.api(api_name="add_url", concurrency_id="library", concurrency_limit=1)
    def api_add_url(url: str, feed: bool = False) -> dict:
        """Fetch a page (or each article of a feed) into the corpus and index it; one outcome per address."""
        known = known_articles(state.settings.corpus_dir, state.index.documents().values())
        try:
            outcomes = add_feed(state.settings.corpus_dir, url, known) if feed else [add_url(state.settings.corpus_dir, url, known)]
        except FetchError as exc:
            return {"error": str(exc), "outcomes": []}
        summary = state.reindex() if any(o.path for o in outcomes) else ""
        return {
            "outcomes": [{"url": o.url, "file": o.path.name if o.path else None, "skipped": o.skipped, "error": o.error} for o in outcomes],
            "summary": summary, "documents": len(state.index.documents()),
        }


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
