"""The chat app: pure formatting helpers (fast), then a live server through gradio_client and a
real headless Chromium driven by Playwright (slow)."""

import json
import re
import shutil
import socket
import time
from pathlib import Path

import pytest

from rag.answer import Answer
from rag.kinds import Citation
from rag.quotes import QuoteCheck, QuoteMatch

import ui
from conftest import SEEDS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def make_answer(text="It passed [1].", refused=False):
    citation = Citation(1, "a.txt", "<b>Title</b>", "AP", "2023-02-23", 6, 26, "<script>x()</script>")
    return Answer("q", text, refused, [] if refused else [citation], {}, notes=["refused: no article mentions Brazil"] if refused else [])


def test_answer_html_links_markers_and_escapes():
    rendered = ui.answer_html(make_answer("A <script>alert(1)</script> claim [1]."), turn=3)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "data-cite='3-1'" in rendered and "Sources:" in rendered


def test_quoted_lines_become_a_list_and_a_quoted_answer_says_so():
    answer = make_answer("Six countries voted against [1].\n\nFrom the articles:\n- CNN, 2024-07-19: A <b> line [2]\n- AP: Another [3]")
    answer.answered_by = "model"
    rendered = ui.answer_html(answer, 1)
    assert "<ul class='quotes'><li>CNN, 2024-07-19: A &lt;b&gt; line <a class='cite'" in rendered
    assert rendered.count("<li>") == 2 and "Quoted from the articles" not in rendered
    answer.answered_by = "quotes"
    assert "Quoted from the articles" in ui.answer_html(answer, 1)


def test_refusal_is_shown_as_such():
    rendered = ui.answer_html(make_answer("The articles do not say.", refused=True), turn=1)
    assert "The articles do not say." in rendered and "No article mentions Brazil." in rendered and "cite" not in rendered


def test_a_fallback_shows_one_plain_sentence_and_folds_the_details_away():
    answer = make_answer()
    answer.notice = "The local model stopped unexpectedly (SIGILL), so here are the passages that answer the question."
    answer.notes = ["the local model stopped: SIGILL (illegal instruction)", "removed a sentence no passage supports: '32 32 32'"]
    rendered = ui.answer_html(answer, turn=1)
    assert "<p class='notice'>The local model stopped unexpectedly (SIGILL)" in rendered
    folded = rendered.split("<details", 1)
    assert len(folded) == 2 and "removed a sentence" in folded[1] and "removed a sentence" not in folded[0]
    assert "<details" not in ui.answer_html(make_answer(), turn=1)


def test_source_card_highlights_the_exact_span_escaped():
    text = "Intro <script>x()</script> outro"
    answer = make_answer()
    card = ui.source_cards_html(answer, 2, {"a.txt": "Intro " + "<script>x()</script>" + " outro"})
    assert "id='src-2-1'" in card
    assert "<mark>&lt;script&gt;x()&lt;/script&gt;</mark>" in card
    assert "&lt;b&gt;Title&lt;/b&gt;" in card and "<script>" not in card
    assert text  # the raw text is only ever shown escaped


def test_quote_html_marks_differences():
    match = QuoteMatch("a.txt", 0, 10, "signal of unflagging support", 0.9, "Volodymyr Zelensky", ["growing -> unflagging"])
    rendered = ui.quote_html(QuoteCheck("signal of growing support", None, "altered", [match], explanation="close"))
    assert "<del>growing</del>" in rendered and "<ins>unflagging</ins>" in rendered
    assert "verdict altered" in rendered and "Volodymyr Zelensky" in rendered
    same = QuoteMatch("b.txt", 0, 10, "signal of growing support", 1.0, None, [], "Kyodo", "2023-02-24")
    assert "Differences" not in ui.quote_html(QuoteCheck("signal of growing support", None, "verified", [same], explanation="stands"))
    earlier = QuoteMatch("c.txt", 0, 10, "signal of growing support", 1.0, None, [], "AP", "2023-02-23")
    both = ui.quote_html(QuoteCheck("signal of growing support", None, "verified", [earlier, same], explanation="stands"))
    assert both.count("first to publish these words") == 1 and both.index("first to publish") < both.index("Kyodo")


def test_library_lists_author_and_saves_only_the_fields_a_reader_changed(settings, fake_embedder):
    from rag.build import build_index
    from rag.store import open_index

    build_index(settings, fake_embedder)
    state = ui.AppState(settings, fake_embedder, None, open_index(settings))
    rows = ui.table_rows(ui.library_entries(state.index))
    file = ui.LIBRARY_HEADERS.index("file")
    assert len(rows[0]) == len(ui.LIBRARY_HEADERS) and rows[0][:2] == ["2023-02-23", "Associated Press"]
    source = rows[4][file]
    assert ui.current_metadata(state, source) == ["", "", "", ""]
    assert ui.corrections(state, source, ["", " The  Independent ", "", ""]) == {"outlet": "The Independent"}
    assert ui.corrections(state, rows[0][file], [rows[0][2], "Associated Press", "2023-02-23", ""]) == {}
    ui.correct_metadata(settings.corpus_dir, source, outlet="The Independent")
    details = state.reindex()
    assert f"{source}: (no title) · The Independent" in details
    assert ui.current_metadata(state, source)[1] == "The Independent"
    assert ui.create_app(state) is not None  # the Library tab with its correction form builds


# --- live server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui")
    corpus = root / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "html.txt").write_text(
        "Markup test article\n\nThe observers said <script>window.__pwned = 1</script> the Zanzibar ballot was peaceful.\n",
        encoding="utf-8",
    )
    settings = ui.Settings(corpus_dir=corpus, index_dir=root / "index", answer_mode="extractive")
    state = ui.load_state(settings, log=lambda _: None)
    port = free_port()
    app = ui.create_app(state)
    ui.launch(app, port, block=False)
    yield f"http://127.0.0.1:{port}/", state
    app.close()


class SlowGenerator:
    """A model that takes a second per word, one answer at a time, like the real one behind its lock."""

    name = "slow"

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()

    def generate(self, messages, max_tokens=160):
        import time

        with self.lock:
            for word in ("The", "resolution", "passed [1]."):
                time.sleep(1.0)
                yield word + " "


@pytest.mark.slow
def test_extractive_answers_do_not_queue_behind_llm_answers(live_app):
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    url, state = live_app
    question = "How many countries abstained in the February 2023 vote?"
    state.generator = SlowGenerator()
    try:
        with ThreadPoolExecutor(8) as pool:
            slow = [pool.submit(lambda: Client(url, verbose=False).predict(question, "[]", "llm", api_name="/ask")) for _ in range(8)]
            time.sleep(2.0)
            quick = Client(url, verbose=False).predict(question, "[]", "extractive", api_name="/ask")
            pending = sum(not f.done() for f in slow)
            results = [f.result() for f in slow]
    finally:
        state.generator = None
    assert quick["mode"] == "extractive" and "32" in quick["answer"]
    assert pending >= 5, "the extractive answer waited for the LLM answers"
    assert all(r["mode"] == "llm" and r["citations"] for r in results)


@pytest.mark.slow
def test_api_ask_quote_and_add_article(live_app):
    from gradio_client import Client

    url, state = live_app
    client = Client(url, verbose=False)
    answer = client.predict("How many countries abstained in the February 2023 vote?", "[]", "extractive", api_name="/ask")
    assert not answer["refused"] and answer["citations"]
    for c in answer["citations"]:
        assert (state.settings.corpus_dir / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["text"]
    quote = client.predict("It shows who stands where", "Mariana Betsa", api_name="/quote")
    assert quote["verdict"] == "misattributed" and quote["matches"][0]["speaker"] == "Dmytro Kuleba"
    before = len(state.index.documents())
    added = client.predict("geneva-talks.txt", "Negotiators met in Geneva on Tuesday to discuss a prisoner exchange.", api_name="/add_article")
    assert added["added"] and added["documents"] == before + 1 and "1 embedded" in added["summary"]
    rejected = client.predict("../../etc/passwd.txt", "x", api_name="/add_article")
    assert not rejected["added"] and "unsafe" in rejected["error"]
    found = client.predict("Where did negotiators discuss a prisoner exchange?", "[]", "extractive", api_name="/ask")
    assert any(c["source"] == "geneva-talks.txt" for c in found["citations"])


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run installs it)")
def test_browser_click_citation_shows_highlighted_passage(live_app, tmp_path):
    from playwright.sync_api import sync_playwright

    url, _ = live_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator("#question textarea").fill("Which countries voted against the resolution?")
        page.locator("#ask").click()
        first_cite = page.locator("#chatbot a.cite").first
        first_cite.wait_for(timeout=60_000)
        first_cite.click()
        highlighted = page.locator("#sources .src-card.active mark")
        highlighted.wait_for(state="visible", timeout=10_000)
        assert highlighted.is_visible() and highlighted.inner_text().strip()
        page.screenshot(path=str(tmp_path / "citation.png"), full_page=True)

        page.locator("#question textarea").fill("What did observers say about the Zanzibar ballot?")
        page.locator("#ask").click()
        page.locator("#chatbot a.cite").nth(1).wait_for(timeout=60_000)
        page.get_by_text("window.__pwned").first.wait_for(timeout=10_000)
        assert page.evaluate("window.__pwned") is None
        page.screenshot(path=str(tmp_path / "escaped.png"), full_page=True)
        browser.close()
    assert (tmp_path / "citation.png").stat().st_size > 10_000


# --- the local model in its worker process, through the real server -----------------------------------

ABSTENTIONS = "Of the 193 members, 141, including Japan, voted in favor, and seven against, with 32 abstentions."


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGILL", "SIGSEGV"])
def test_a_model_worker_killed_by_a_signal_does_not_take_the_server_down(live_app, signal_name):
    import functools
    import signal

    from gradio_client import Client

    from fake_models import ScriptedGenerator
    from rag.generate import WorkerGenerator

    url, state = live_app
    factory = functools.partial(ScriptedGenerator, "{passage with 32 abstentions}", crash_on="Polish", crash_signal=getattr(signal, signal_name))
    state.generator = WorkerGenerator(factory, "scripted", timeout=60)
    try:
        client = Client(url, verbose=False)
        crashed = client.predict("What did the Polish foreign minister say Ukrainians deserve?", "[]", "llm", api_name="/ask")
        assert crashed["mode"] == "extractive" and crashed["citations"] and not crashed["refused"]
        assert signal_name in crashed["notice"] and any(signal_name in n for n in crashed["notes"])
        after = client.predict("How many countries abstained in the February 2023 vote?", "[]", "llm", api_name="/ask")
        assert after["mode"] == "llm" and "32 abstentions" in after["answer"] and state.generator.starts == 2
    finally:
        state.generator.close()
        state.generator = None


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run installs it)")
def test_browser_shows_the_quoted_answer_before_the_model_and_never_takes_it_back(live_app):
    """The model's draft starts slowly and holds a marker list, an unsupported sentence and the
    refusal sentinel before a sentence that copies a passage. Every state of the chat message the
    browser shows is captured with its time, from the moment the question is sent."""
    import functools

    from gradio_client import Client
    from playwright.sync_api import sync_playwright

    from fake_models import ScriptedGenerator
    from rag.generate import WorkerGenerator

    url, state = live_app
    question = "How many countries abstained in the February 2023 vote?"
    quoted = Client(url, verbose=False).predict(question, "[]", "extractive", api_name="/ask")
    draft = ("[1] 32 [2] 32. Zanzibar abstained twice in 1850 [2]. NOT IN ARTICLES. {passage with 32 abstentions} "
             "75 countries 75 countries 75 countries 75 countries")
    state.generator = WorkerGenerator(functools.partial(ScriptedGenerator, draft, delay=0.2), "scripted", timeout=60)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page()
            page.goto(url)
            page.evaluate("""() => {
                window.__seen = [];
                new MutationObserver(() => {
                    const bots = document.querySelectorAll('#chatbot .bot, #chatbot [data-testid="bot"]');
                    if (!bots.length) return;
                    const bot = bots[bots.length - 1];
                    window.__seen.push({t: performance.now(), text: bot.innerText, cited: !!bot.querySelector('a.cite'),
                                        quoted: !!bot.querySelector('.answered-by')});
                }).observe(document.body, {subtree: true, childList: true, characterData: true});
            }""")
            page.locator("#question textarea").wait_for()
            page.locator("#answer-settings .label-wrap").first.click()
            page.locator("#mode [data-testid='llm-radio-label']").click()
            page.locator("#question textarea").fill(question)
            sent = page.evaluate("performance.now()")
            page.locator("#ask").click()
            page.wait_for_function("window.__seen.some(s => s.cited && !s.quoted)", timeout=60_000)
            page.wait_for_timeout(1500)  # the model's last words, which add nothing
            seen = page.evaluate("window.__seen")
            browser.close()
    finally:
        state.generator.close()
        state.generator = None
    cited = [s for s in seen if s["cited"]]
    first, final = cited[0], cited[-1]
    by_model = [s for s in cited if not s["quoted"]]
    assert first["quoted"] and first["t"] > sent, "the first cited text is the quoted answer"
    assert by_model and first["t"] < by_model[0]["t"], "cited text was on screen before the model's sentence"
    assert not final["quoted"] and "32 abstentions" in final["text"].split("[1]")[0], "the model's verified sentence leads"
    for state_shown in seen:
        assert "NOT IN ARTICLES" not in state_shown["text"] and "[1] 32" not in state_shown["text"]
        assert "Zanzibar" not in state_shown["text"] and "75 countries 75" not in state_shown["text"]

    def without_markers(text: str) -> str:
        return re.sub(r"\s*\[\d+\]", "", " ".join(text.split()))

    shown_at_first = [line for line in first["text"].splitlines() if re.search(r"\[\d+\]$", line.strip())]
    assert shown_at_first
    for line in shown_at_first:
        assert without_markers(line)[-40:] in without_markers(final["text"]), f"taken back: {line!r}"
    for citation in quoted["citations"]:
        assert without_markers(citation["text"])[-40:] in without_markers(final["text"]), "less than the extractive answer"


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run installs it)")
def test_browser_library_tab_corrects_an_outlet(live_app, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    url, state = live_app
    source = next(state.settings.corpus_dir.glob("002_*.txt")).name
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_role("tab", name="Library").click()
        page.locator("#library-table").get_by_text(source).filter(visible=True).first.click()
        page.get_by_text("Correct the clicked article's title, outlet, date or author").click()
        outlet = page.locator("#fix-outlet textarea, #fix-outlet input").first
        page.wait_for_function("() => document.querySelector('#fix-outlet textarea, #fix-outlet input').value === 'Kyodo'", timeout=30_000)
        assert page.locator("#fix-published textarea, #fix-published input").first.input_value() == "2023-02-23"
        outlet.fill("Kyodo News")
        page.locator("#fix-save").click()
        page.wait_for_function("() => document.querySelector('#library-log textarea').value.includes('indexed')", timeout=120_000)
        page.wait_for_function("() => document.querySelector('#library-table').innerText.includes('Kyodo News')", timeout=60_000)
        page.screenshot(path=str(tmp_path_factory.getbasetemp() / "library.png"), full_page=True)
        log = page.locator("#library-log textarea").input_value()
        browser.close()
    assert log.startswith(f"saved outlet in {source.replace('.txt', '.meta.json')}") and "Kyodo News · 2023-02-23" in log
    sidecar = json.loads((state.settings.corpus_dir / source.replace(".txt", ".meta.json")).read_text(encoding="utf-8"))
    assert sidecar == {"outlet": "Kyodo News"}  # only the field the reader changed
    doc = next(d for d in state.index.documents().values() if d.source == source)
    assert (doc.outlet, doc.published) == ("Kyodo News", "2023-02-23")


@pytest.mark.slow
def test_api_add_url_adds_a_page_and_a_failure_changes_nothing(live_app):
    from gradio_client import Client

    from local_web import LocalWeb

    url, state = live_app
    client = Client(url, verbose=False)
    corpus = state.settings.corpus_dir
    with LocalWeb(articles=2) as web:
        before = sorted(p.name for p in corpus.iterdir())
        failed = client.predict(web.url("/paywall.html"), False, api_name="/add_url")
        assert failed["outcomes"][0]["error"].startswith("a paywall stub") and sorted(p.name for p in corpus.iterdir()) == before
        documents = len(state.index.documents())
        added = client.predict(web.url(web.articles[1]), False, api_name="/add_url")
        assert added["outcomes"][0]["file"].endswith(".html") and added["documents"] == documents + 1
        again = client.predict(web.url(web.articles[1]), False, api_name="/add_url")
        assert again["outcomes"][0]["skipped"] == f"already in the corpus as {added['outcomes'][0]['file']}"


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run installs it)")
def test_browser_adds_a_page_by_url_filters_by_outlet_asks_exports_and_keeps_the_conversation(live_app, tmp_path):
    """Library: add a page by its address, see its outlet on the timeline, filter the table by it,
    hand the filter to the chat; Chat: ask within it, export the answer as Markdown and find its
    sources in the file; reload the page and find the conversation still there."""
    from playwright.sync_api import sync_playwright

    from local_web import LocalWeb

    url, state = live_app
    with LocalWeb(articles=3) as web, sync_playwright() as p:
        page_path = web.articles[2]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
        (state.settings.corpus_dir / "copied-in.txt").write_text(  # a file copied into the folder behind the app's back
            "Ferry runs aground\n\nA ferry carrying 40 passengers ran aground near the harbour on Tuesday, the coast guard said.\n",
            encoding="utf-8")
        before = len(state.index.documents())
        page.goto(url)
        page.get_by_role("tab", name="Library").click()
        page.wait_for_function("() => document.querySelector('#library-table').innerText.includes('copied-in.txt')", timeout=60_000)
        assert len(state.index.documents()) == before + 1 and "Ferry runs aground" in page.locator("#library-table").inner_text()
        page.locator("#add-url textarea, #add-url input").first.fill(web.url(page_path))
        page.locator("#add-url-button").click()
        page.wait_for_function("() => document.querySelector('#library-log textarea').value.includes('indexed')", timeout=120_000)
        added = next(d for d in state.index.documents().values() if d.url == web.url(page_path))
        outlet = added.outlet
        page.wait_for_function(f"() => document.querySelector('#timeline').textContent.includes({json.dumps(outlet)})", timeout=30_000)
        page.screenshot(path=str(tmp_path / "library-timeline.png"), full_page=True)

        page.locator("#lib-outlet input").fill(outlet)
        page.get_by_role("option", name=outlet).click()
        page.wait_for_function("() => !document.querySelector('#library-table').innerText.includes('Associated Press')", timeout=30_000)
        assert added.source in page.locator("#library-table").inner_text()
        page.locator("#lib-ask-within").click()
        page.locator("#chat-outlet").wait_for(state="visible", timeout=30_000)  # the chat tab is shown, limited
        assert page.locator("#chat-outlet input").input_value() == outlet
        page.get_by_role("tab", name="Library").click()
        page.locator("#timeline svg").wait_for(state="visible", timeout=30_000)  # redrawn when its tab is shown again
        box = page.locator("#timeline svg").bounding_box()  # drag across the timeline: its range becomes the date filters
        page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.3)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.95, box["y"] + box["height"] * 0.3, steps=8)
        page.mouse.up()
        page.wait_for_function("() => /^\\d{4}-\\d{2}-\\d{2}$/.test(document.querySelector('#lib-to textarea, #lib-to input').value)", timeout=30_000)
        brushed = [page.locator(f"{name} textarea, {name} input").first.input_value() for name in ("#lib-from", "#lib-to")]

        page.get_by_role("tab", name="Chat").click()
        assert page.locator("#chat-outlet input").input_value() == outlet
        page.locator("#question textarea").fill("How many people were affected?")
        page.locator("#ask").click()
        page.locator("#chatbot a.cite").first.wait_for(timeout=60_000)
        page.wait_for_function("() => !document.querySelector('#export').disabled", timeout=30_000)
        with page.expect_download() as download:
            page.locator("#export").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        page.reload()
        page.get_by_text("How many people were affected?").first.wait_for(timeout=30_000)
        after_reload = page.locator("#chatbot").inner_text()
        limit_after_reload = page.locator("#chat-outlet input").input_value()
        page.get_by_role("tab", name="Quote check").click()  # the chat's limits apply to quote checks too
        page.locator("#quote-text textarea").fill("We are doing everything we can")
        page.locator("#quote-check").click()
        page.get_by_text("were searched").first.wait_for(timeout=30_000)
        quote_result = page.locator("#quote-result").inner_text()
        browser.close()
    assert exported.startswith("# Questions to the articles") and "## How many people were affected?" in exported
    assert f"{added.title}*, {outlet}, {added.published}, <{web.url(page_path)}>" in exported
    cited = state.index.document_text(added.source)
    quoted = [line.removeprefix("   > ") for line in exported.splitlines() if line.startswith("   > ")]
    assert quoted and all(passage in cited for passage in quoted)  # every source is the page's own words
    assert "people had been affected" in after_reload and "Associated Press" not in after_reload
    assert brushed[0] < brushed[1] and brushed[0] > "1970"
    assert limit_after_reload == outlet  # the chat's limits come back with the conversation
    assert f"only articles matching outlet “{outlet}” were searched" in quote_result and "Associated Press" not in quote_result
