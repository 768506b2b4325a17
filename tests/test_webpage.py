"""Saved web pages: trafilatura's extracted text is what is indexed, cited and shown, with exact
offsets into it; page metadata gives title, outlet, date and author."""

import shutil
from pathlib import Path

import pytest

from rag.build import build_index
from rag.chunk import chunk_document
from rag.cli import main as cli_main
from rag.errors import RagError
from rag.evaluate import citations_valid
from rag.ingest import load_corpus, safe_article_name, save_article
from rag.quotes import check_quote
from rag.store import open_index

from conftest import SEEDS

DATA = Path(__file__).parent / "data"

MATCH_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Spain beat England 2-1 to win Euro final - ESPN</title>
<link rel="canonical" href="https://www.espn.com/soccer/report/_/gameId/690000">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Spain beat England 2-1 to win Euro final", "datePublished": "2024-07-14T22:10:00Z",
 "author": {"@type": "Person", "name": "Sam Marsden"}}</script></head>
<body><nav><a href="/">Home</a> <a href="/soccer">Soccer</a> <a href="/nba">NBA</a></nav>
<article><h1>Spain beat England 2-1 to win Euro final</h1>
<p>Spain won a record fourth European Championship on Sunday, beating England 2-1 in Berlin with a late goal from Mikel Oyarzabal.</p>
<p>Nico Williams gave Spain the lead two minutes after half-time before Cole Palmer equalised for England in the 73rd minute.</p>
<p>Spain's coach said the players had earned the title after winning all seven of their matches, a first at the tournament.</p>
<p>England have now lost two finals in a row, after defeat to Italy on penalties at Wembley on July 11, 2021.</p>
</article>
<div class="comments"><h3>Comments</h3><p>fan99: What a game!</p></div>
<footer>© 2024 ESPN Internet Ventures. Terms of Use. Privacy Policy.</footer></body></html>"""


@pytest.fixture
def page_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "pages"
    corpus.mkdir()
    shutil.copy(DATA / "wildfire-page.html", corpus / "wildfire-page.html")
    (corpus / "final.htm").write_text(MATCH_PAGE, encoding="utf-8")
    shutil.copy(next(SEEDS.glob("000_*.txt")), corpus / "un-vote.txt")
    return corpus


def test_a_saved_page_is_read_through_trafilatura_with_its_metadata(page_corpus):
    docs = {d.source: d for d in load_corpus(page_corpus)[0]}
    fire, final = docs["wildfire-page.html"], docs["final.htm"]
    assert (fire.format, fire.title, fire.outlet, fire.published, fire.author) == (
        "html", "Wildfire forces 3,000 to flee hill towns", "The Valley Courier", "2024-08-12", "Maria Lopez",
    )
    assert (final.title, final.outlet, final.published, final.author) == (
        "Spain beat England 2-1 to win Euro final", "ESPN", "2024-07-14", "Sam Marsden",
    )
    raw = (page_corpus / "wildfire-page.html").read_text(encoding="utf-8")
    assert fire.text != raw and "<p>" not in fire.text
    for dropped in ("Share on Facebook", "Advertisement", "Related stories", "HillWalker", "Privacy policy", "Sport"):
        assert dropped not in fire.text, dropped
    assert "fan99" not in final.text and "Terms of Use" not in final.text
    assert "food bank said donations" in fire.text  # a news paragraph about donations stays


def test_citation_offsets_of_a_page_point_into_its_extracted_text(page_corpus, fake_embedder, settings):
    settings = settings.with_overrides(corpus_dir=page_corpus)
    build_index(settings, fake_embedder)
    index = open_index(settings)
    docs = {d.source: d for d in load_corpus(page_corpus)[0]}
    for source in ("wildfire-page.html", "final.htm", "un-vote.txt"):
        stored = index.document_text(source)
        assert stored == docs[source].text
        for chunk in chunk_document(docs[source]):
            assert stored[chunk.start : chunk.end] == chunk.text
    assert index.document_text("un-vote.txt") == (page_corpus / "un-vote.txt").read_text(encoding="utf-8")
    check = check_quote("We saw the glow over the hill and left with what we could carry", index, settings)
    match = check.matches[0]
    assert match.source == "wildfire-page.html" and check.verdict == "verified"
    assert index.document_text(match.source)[match.start : match.end] == match.text
    assert citations_valid([{"source": match.source, "start": match.start, "end": match.end, "text": match.text}], index)
    assert not citations_valid([{"source": match.source, "start": match.start + 1, "end": match.end, "text": match.text}], index)
    with pytest.raises(RagError, match="rag library"):
        index.document_text("nope.html")


def test_rag_show_prints_the_text_offsets_point_into(page_corpus, fake_embedder, settings, capsys):
    settings = settings.with_overrides(corpus_dir=page_corpus)
    build_index(settings, fake_embedder)
    paths = ["--corpus", str(page_corpus), "--index", str(settings.index_dir)]
    assert cli_main(["show", "final.htm", *paths]) == 0
    shown = capsys.readouterr().out
    assert shown == open_index(settings).document_text("final.htm") and shown.startswith("Spain beat England")
    assert cli_main(["show", "missing.html", *paths]) == 2
    assert "rag library" in capsys.readouterr().err


def test_pages_can_be_uploaded_and_pages_without_an_article_are_refused(tmp_path):
    assert safe_article_name("page.HTML") == "page.HTML" and safe_article_name("a.htm") == "a.htm"
    saved = save_article(tmp_path, "final.html", MATCH_PAGE.encode("utf-8"))
    assert saved.read_text(encoding="utf-8") == MATCH_PAGE
    with pytest.raises(ValueError, match="no article text"):
        save_article(tmp_path, "empty.html", b"<html><body><nav>Home</nav></body></html>")
    assert not (tmp_path / "empty.html").exists()


@pytest.mark.parametrize("byline, outlet, author", [
    ("Bloomberg | May 10, 2018", "Bloomberg", None),
    ("Maya Jones | Reuters | July 14, 2024", "Reuters", "Maya Jones"),
    ("The Harbour Herald | June 2, 2023", "The Harbour Herald", None),
])
def test_a_byline_of_outlet_and_date_gives_the_outlet_not_an_author(tmp_path, byline, outlet, author):
    page = ("<html><head><title>Detainees freed</title></head><body><nav>Home | World</nav>"
            f'<article><h1>Detainees freed</h1><p class="byline">{byline}</p>'
            "<p>Three detainees were freed on Wednesday and flew home overnight, officials said.</p>"
            "<p>They were welcomed at the air base by the president before dawn on Thursday.</p></article></body></html>")
    (tmp_path / "freed.html").write_text(page, encoding="utf-8")
    doc = load_corpus(tmp_path)[0][0]
    assert (doc.outlet, doc.author) == (outlet, author)


@pytest.mark.parametrize("stamp, address_day, published", [
    ("2018-09-15T06:30:00-04:00", "2018/09/14", "2018-09-15"),  # the page's own local time beats the address
    ("2019-11-20T02:59:46+00:00", "2019/11/19", "2019-11-19"),  # UTC after midnight: the same local evening
    ("2024-07-30T10:00:00Z", "2024/07/28", "2024-07-30"),       # two days apart: the page's own time
])
def test_a_pages_own_publication_time_dates_it_before_the_date_in_its_address(tmp_path, stamp, address_day, published):
    page = (f'<html><head><title>Storm makes landfall</title><meta property="article:published_time" content="{stamp}">'
            f'<link rel="canonical" href="https://news.example.com/story/{address_day}/storm-makes-landfall/">'
            f'<meta property="og:url" content="https://news.example.com/story/{address_day}/storm-makes-landfall/"></head>'
            "<body><nav>Home | Weather</nav><article><h1>Storm makes landfall</h1>"
            "<p>The storm made landfall near the coast early on the day, forecasters said, with winds of 90 mph.</p>"
            "<p>More than a million people had been told to leave their homes before it arrived.</p></article></body></html>")
    (tmp_path / "storm.html").write_text(page, encoding="utf-8")
    assert load_corpus(tmp_path)[0][0].published == published


@pytest.mark.parametrize("head, footer, outlet", [
    ("<title>Cave rescue: Operation resumes to bring out boys - BBC News</title>", "", "BBC"),
    ("<title>Mattis says there is no smoking gun</title>", "Copyright &copy; Townhall.com/Salem Media. All Rights Reserved.", "Townhall"),
])
def test_a_page_without_a_site_name_is_named_by_its_title_or_its_copyright_line(tmp_path, head, footer, outlet):
    page = (f"<html><head>{head}</head><body><nav>Home | World</nav><article><h1>Operation resumes</h1>"
            '<p class="byline">Julio Rosas | Posted: Nov 29, 2018 2:45 PM</p>'
            "<p>Divers resumed the operation on Monday morning after a night of rain, officials said.</p>"
            "<p>Four more people were brought out by the evening, the governor told reporters.</p></article>"
            f'<div class="footer">{footer}</div></body></html>')
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    doc = load_corpus(tmp_path)[0][0]
    assert (doc.outlet, doc.author) == (outlet, "Julio Rosas")


@pytest.mark.parametrize("byline, author, outlet", [
    ("By <span>ABC News</span> · ·", None, "ABC News"),
    ("By <span>Jane Roe</span> · ·", "Jane Roe", None),
])
def test_separators_left_in_a_pages_author_field_are_dropped(tmp_path, byline, author, outlet):
    page = ("<html><head><title>Actor taken into custody</title></head><body><article><h1>Actor taken into custody</h1>"
            f'<div class="byline">{byline}</div>'
            "<p>The actor turned himself in to police early on Thursday and was taken into custody, officials said.</p>"
            "<p>He is accused of filing a false report about an attack in January, prosecutors said.</p></article></body></html>")
    (tmp_path / "custody.html").write_text(page, encoding="utf-8")
    doc = load_corpus(tmp_path)[0][0]
    assert (doc.author, doc.outlet) == (author, outlet)
