"""Title, outlet, date and author: each rule with articles of two different subjects, and the
rules that a body date is never the article's date and a quoted or contributing outlet is never
the article's outlet."""

import json
from pathlib import Path

import pytest

from rag.dates import parse_date
from rag.ingest import load_corpus, parse_document
from rag.metadata import clean_author
from rag.outlets import canonical, load_outlet_table, outlet_from_url

from conftest import SEEDS


def meta(text: str, name: str = "x.txt", table=None) -> tuple:
    doc = parse_document(text, name, table=table, format="markdown" if name.endswith(".md") else "text")
    return doc.title, doc.outlet, doc.published


# --- titles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, title",
    [
        ("# Venezuelans vote in crucial election as opposition challenges Maduro\n\nPublished :`2024-07-28 20:15:32`\n\n---\n\nVoters queued.\n",
         "Venezuelans vote in crucial election as opposition challenges Maduro"),
        ("## Spain beat England 2-1 to win the final\n\nSpain won the final in Berlin on Sunday.\n", "Spain beat England 2-1 to win the final"),
    ],
)
def test_a_markdown_heading_is_the_title_without_its_marks(text, title):
    assert meta(text, "a.md")[0] == title
    doc = parse_document(text, "a.md")
    first = doc.content_paragraphs[0]
    assert doc.text[first.start : first.end] == title  # the cited span starts after the '#'


@pytest.mark.parametrize(
    "text",
    [
        "United Nations in New York City\nReuters\n\nSix countries voted against the resolution on Thursday, officials said.\n",
        "Fans celebrate in Madrid\nGetty Images\n\nThousands of fans filled the square on Sunday night after the final whistle.\n",
    ],
)
def test_a_photo_caption_and_its_credit_are_never_the_title(text):
    assert meta(text)[0] is None


def test_a_headline_ending_in_a_quotation_is_a_title_and_a_known_outlet_suffix_is_not_part_of_it():
    assert meta("Both sides claim election win, as US voices ‘serious concerns’\n\nBoth claimed victory on Monday.\n")[0] == (
        "Both sides claim election win, as US voices ‘serious concerns’"
    )
    title, outlet, _ = meta("Spain beat England to win Euro final | Reuters\n\nSpain won 2-1 in Berlin on Sunday, the organisers said.\n")
    assert (title, outlet) == ("Spain beat England to win Euro final", "Reuters")


@pytest.mark.parametrize("headline", ["Did FBI miss a warning before the school shooting?", "Is the new stadium worth the cost?"])
def test_a_question_that_opens_the_file_is_its_headline(headline):
    text = f"{headline}\n\nBy Ana Ruiz - Associated Press - Friday, February 16, 2018\n\nThe agency said on Friday it had received a tip.\n"
    assert meta(text)[0] == headline
    later = f"Stadium report\n\nIs the new stadium worth the cost? Council members were asked on Friday.\n"
    assert meta(later)[0] == "Stadium report"


def test_a_masthead_and_section_labels_above_the_headline_are_not_the_title_on_two_subjects():
    guardian = ("Skip to main content\nThe Guardian\nUK news\nManchester Arena attack\n\n"
                "Manchester in shock as families search desperately for missing victims\n\n"
                "Families spent the night searching hospitals for news, police said on Tuesday.\n")
    assert meta(guardian)[0] == "Manchester in shock as families search desperately for missing victims"
    cnn = ("CNN\nEdition: U.S. | International\nMenu\n\nFlood waters reach the old town as river breaks its banks\n\n"
           "The river rose two metres overnight, officials said on Sunday.\n")
    assert meta(cnn)[0] == "Flood waters reach the old town as river breaks its banks"
    short = "Storm hits coast\n\nThe storm reached the coast on Monday night, forecasters said.\n"
    assert meta(short)[0] == "Storm hits coast", "a short headline on its own is still the title"


# --- outlets --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, outlet",
    [
        ("CARACAS, July 30 (Reuters) - The monitor said it could not verify the results.\n", "Reuters"),
        ("MUNICH (AP) — Spain reached the final on Tuesday with a 2-1 win over France.\n", "Associated Press"),
        ("(Al Jazeera) The incumbent has been declared the winner by the electoral authority, officials said.\n", "Al Jazeera"),
        ("New Delhi, July 15 (IANS) The airline cancelled 40 flights on Monday after the outage, it said.\n", "IANS"),
    ],
)
def test_a_wire_tag_opening_the_lead_names_the_outlet(text, outlet):
    assert meta(text)[1] == outlet


@pytest.mark.parametrize(
    "byline, outlet, author, published",
    [
        ("By IANS | Updated: August 1, 2024 05:55 IST", "IANS", None, "2024-08-01"),
        ("ByAPAP|31 July 2024 3:19 AM GMT", "Associated Press", None, "2024-07-31"),
        ("By Maria Lopez | July 3, 2024", None, "Maria Lopez", "2024-07-03"),
        ("By Phil Doe, Chief football writer", None, "Phil Doe", None),
        ("By JAMES ROBSON AP Sports Writer", "Associated Press", "JAMES ROBSON", None),
        ("Published by VozMedia Staff Verified by 1 de agosto, 2024", "VozMedia", None, None),
        ("By Newsmax Staff", "Newsmax", None, None),
        ("By The Hill staff | May 9, 2018", "The Hill", None, "2018-05-09"),
        ("By The Guardian staff", "The Guardian", None, None),
    ],
)
def test_bylines_give_outlet_author_and_date(byline, outlet, author, published):
    text = f"Headline about the day\n\n{byline}\n\nThe first paragraph of the story reports what happened on Monday, officials said.\n"
    doc = parse_document(text, "x.txt")
    assert (doc.outlet, doc.author, doc.published) == (outlet, author, published)


@pytest.mark.parametrize(
    "line, outlet",
    [
        ("Source link: https://www.bbc.co.uk/sport/football/articles/c123", "BBC"),
        ("Originally published at https://edition.cnn.com/2024/07/19/tech/outage/index.html", "CNN"),
        ("Source: https://oilnow.gy/news/maduro-declared-winner", "oilnow.gy"),
    ],
)
def test_a_source_url_gives_the_outlet_through_the_domain_table_or_the_domain(line, outlet):
    text = f"The story\n\nThe first paragraph says what happened on Friday, the officials said.\n\n{line}\n"
    doc = parse_document(text, "x.txt")
    assert doc.outlet == outlet and doc.url.startswith("https://")


def test_a_known_masthead_beats_the_unknown_domain_of_a_mirror():
    text = ("Reuters\n\nBridge collapses after ship strike\n\nThe bridge fell into the river early on Tuesday, "
            "officials said.\n\nSource link: https://www.smi24.net/news/12345\n")
    assert parse_document(text, "bridge.txt").outlet == "Reuters"
    football = ("BBC\n\nSpain win the final\n\nSpain beat England 2-1 in Berlin, the organisers said.\n\n"
                "Source link: https://mirror-news.example.org/sport/1\n")
    assert parse_document(football, "final.txt").outlet == "BBC"


@pytest.mark.parametrize("label, outlet", [("Outlet", "CBS News"), ("Publisher", "Harbour Herald"), ("Source", "Reuters")])
def test_a_labelled_outlet_line_at_the_top_names_the_outlet(label, outlet):
    text = (f"Pompeo returns with three detainees\n{label}: {outlet}\n\n"
            "The three men were released on Wednesday, officials said.\n")
    assert parse_document(text, "detainees.txt").outlet == outlet
    football = f"Spain win the final\n{label}: {outlet}\nDate: July 14, 2024\n\nSpain beat England 2-1 in Berlin.\n"
    assert meta(football, "final.txt")[1:] == (outlet, "2024-07-14")
    assert parse_document("Spain win the final\n\nSource: https://example.org/final\n\nSpain beat England.\n", "f.txt").outlet != "https"


@pytest.mark.parametrize("outlet", ["The Independent", "USNI News", "Harbour Herald"])
def test_a_page_copied_as_text_names_its_outlet_on_the_line_under_the_headline(outlet):
    text = (f"Coast Guard finds debris near the wreck\n{outlet}\nJune 22, 2023\n\n"
            "The remains of the vessel were found 1,600 feet from the wreck, officials said on Thursday.\n")
    doc = parse_document(text, "debris.txt")
    assert (doc.outlet, doc.published) == (outlet, "2023-06-22")
    football = "Spain beat England in the final\nSpain won 2-1\n\nSpain beat England 2-1 in Berlin, the organisers said.\n"
    assert parse_document(football, "final.txt").outlet is None, "a subheading is no outlet"


@pytest.mark.parametrize("line, outlet, published", [
    ("BBC News, 16 November 2018", "BBC News", "2018-11-16"),
    ("*Reuters | Nov. 12, 2018*", "Reuters", "2018-11-12"),
    ("London, 3 March 2025", None, "2025-03-03"),
    ("CBN News | March 15, 2019", "CBN News", "2019-03-15"),
])
def test_a_line_of_a_name_and_a_date_under_the_headline_gives_the_date_and_a_known_outlet(line, outlet, published):
    fire = f"Number of missing leaps to 631\n{line}\n\nThe number of people missing after the fire rose to 631, the sheriff said.\n"
    doc = parse_document(fire, "fire.txt")
    assert (doc.outlet, doc.published) == (outlet, published)
    strike = f"# Rail strike enters second week\n\n{line}\n\nTrains were cancelled across the network on Monday, the union said.\n"
    doc = parse_document(strike, "strike.md")
    assert (doc.outlet, doc.published) == (outlet, published)


def test_a_byline_in_markdown_italics_is_read_like_a_plain_one():
    text = "# Leaders send sympathy\n\n*By Brooke Singman | Fox News | March 15, 2019*\n\nThe president offered his support on Friday.\n"
    doc = parse_document(text, "sympathy.md")
    assert (doc.author, doc.outlet, doc.published) == ("Brooke Singman", "Fox News", "2019-03-15")
    text = "# Rail strike ends\n\n_By Ana Ruiz, Reuters_\n\nTrains ran again on Monday, the union said.\n"
    assert parse_document(text, "strike.md").author == "Ana Ruiz"


@pytest.mark.parametrize("motto, headline, writer", [
    ("Free Minds and Free Markets", "Why the embassy arrest should worry every reporter", "Nick Gillespie"),
    ("All the News That Matters to Farmers", "Drought cuts the wheat harvest by a third", "Ana María Ruiz"),
])
def test_a_writer_and_date_line_gives_author_and_date_and_the_line_above_it_is_the_headline(motto, headline, writer):
    text = (f"Masthead\n{motto}\nSubscribe | Donate | Login\n\n{headline}\n{writer} | Apr. 11, 2019 1:25 pm\n\n"
            "The reporters said on Thursday that the figures were worse than expected in every region.\n")
    doc = parse_document(text, "page.txt")
    assert (doc.title, doc.author, doc.published, doc.outlet) == (headline, writer, "2019-04-11", None)
    place = parse_document(f"{headline}\nNew York - 3 March 2025\n\nThe figures were worse than expected.\n", "place.txt")
    assert (place.author, place.published) == (None, "2025-03-03"), "a place set off by a dash is no writer"


@pytest.mark.parametrize("byline, author, outlet, published", [
    ("*By Doug Stanglin and John Bacon, USA TODAY · September 12, 2018*", "Doug Stanglin and John Bacon", "USA Today", "2018-09-12"),
    ("*By Richard Fausset and Serge F. Kovaleski, The New York Times, Feb. 15, 2018*",
     "Richard Fausset and Serge F. Kovaleski", "The New York Times", "2018-02-15"),
    ("By Ana Ruiz, Li Zhou, Sean Collins, Umair Irfan, Jen Kirby, Alex Abad-Santos and Alissa Wilkinson | Vox | Sep 14, 2018, 7:30am EDT",
     "Ana Ruiz, Li Zhou, Sean Collins, Umair Irfan, Jen Kirby, Alex Abad-Santos and Alissa Wilkinson", "Vox", "2018-09-14"),
])
def test_bylines_split_by_a_middle_dot_or_naming_many_writers_are_read(byline, author, outlet, published):
    for body in ("The storm turned south overnight, forecasters said on Wednesday.", "The strike closed every line in the city."):
        doc = parse_document(f"# Storm turns south\n\n{byline}\n\n{body}\n", "story.md")
        assert (doc.author, doc.outlet, doc.published) == (author, outlet, published)


@pytest.mark.parametrize("outlet", ["Fox News", "Reuters"])
def test_a_line_of_a_writer_and_a_known_outlet_gives_the_author(outlet):
    comma = f"Suspect seen as angry loner\nTrevor Hughes, {outlet.upper()}\nPublished July 3, 2018\n\nThe suspect had a grudge.\n"
    assert parse_document(comma, "loner.txt").author == "Trevor Hughes"
    bars = "# Reckless rush to blame\n\n*Matt Vespa | Townhall.com | Posted: Jun 29, 2018 1:05 AM*\n\nThe shooting shocked the city.\n"
    assert (parse_document(bars, "rush.md").author, parse_document(bars, "rush.md").published) == ("Matt Vespa", "2018-06-29")
    assert parse_document(f"Gunman kept shooting\nBy Nicole Chavez, CNN\n\nThe gunman fired.\n", "g.txt").author == "Nicole Chavez"
    storm = f"Media criticise storm response\n{outlet}\nPublished September 13, 2018\nHoward Kurtz | {outlet}\n\nThe storm neared the coast.\n"
    assert parse_document(storm, "storm.txt").author == "Howard Kurtz"
    strike = f"Rail strike enters second week\nMaya Jones | {outlet}\n\nTrains were cancelled across the network on Monday.\n"
    assert parse_document(strike, "strike.txt").author == "Maya Jones"
    assert parse_document(strike.replace(f"| {outlet}", "| Weekend Edition Extra"), "strike.txt").author is None


def test_a_users_outlets_json_extends_the_domain_table(tmp_path: Path):
    (tmp_path / "outlets.json").write_text(json.dumps({"oilnow.gy": "OilNOW", "www.fox5atlanta.com": "FOX 5 Atlanta"}), encoding="utf-8")
    (tmp_path / "a.txt").write_text("Story\n\nThe minister said the field would reopen.\n\nSource: https://oilnow.gy/news/x\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Story\n\nDelta cancelled 170 flights, the airport said.\n\nSource link: https://www.fox5atlanta.com/news/delta\n", encoding="utf-8")
    docs, _ = load_corpus(tmp_path)
    assert {d.source: d.outlet for d in docs} == {"a.txt": "OilNOW", "b.txt": "FOX 5 Atlanta"}
    (tmp_path / "outlets.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(Exception, match="outlets.json.*domain -> outlet name"):
        load_corpus(tmp_path)


def test_outlet_names_have_one_spelling():
    table = load_outlet_table(None)
    assert outlet_from_url("https://uk.reuters.com/article/x", table) == "Reuters"
    assert outlet_from_url("apnews.com/article/abc") == "Associated Press"
    assert canonical("AP") == canonical("The Associated Press") == "Associated Press"
    assert canonical("WSJ") == canonical("The Wall Street Journal") and canonical("NYT") == "The New York Times", "a site name in short"
    assert outlet_from_url("not a url") is None
    assert canonical("reuters.com") == "Reuters" and canonical("www.valleycourier.example") == "valleycourier.example"
    assert canonical("Space.com") == "Space.com" and canonical("HarbourNews.net") == "HarbourNews.net"  # as the site writes itself


@pytest.mark.parametrize(
    "field, author",
    [
        ("Phil Helsel is a reporter", "Phil Helsel"),
        ("Tom Gillespie News reporter", "Tom Gillespie"),
        ("Jane Doe, Senior Political Correspondent", "Jane Doe"),
        ("Ana Ruiz, staff writer; Lena Ortiz is an editor at the desk", "Ana Ruiz; Lena Ortiz"),
        ("Sam Writer", "Sam Writer"),
        ("Maria Lopez", "Maria Lopez"),
    ],
)
def test_a_page_s_author_field_loses_its_job_description(field, author):
    assert clean_author(field) == author


@pytest.mark.parametrize(
    "footer, outlet",
    [
        ("© 2025 Newsmax. All rights reserved.", "Newsmax"),
        ("© 2024 Guardian News & Media Limited or its affiliated companies. All rights reserved.", "The Guardian"),
        ("Copyright © 2021 Euromaidanpress.com", "Euromaidan Press"),
    ],
)
def test_a_copyright_line_names_the_outlet_never_the_date(footer, outlet):
    text = f"Body of a story reported on Thursday, the minister said to reporters in the capital.\n\n{footer}\n"
    assert meta(text)[1:] == (outlet, None)


@pytest.mark.parametrize(
    "body, outlet",
    [
        ("CNN has reached out to the electoral council, which has not responded. Protesters gathered in the capital, police said.", "CNN"),
        ("Reuters could not independently verify the casualty figures. The quake struck at dawn, officials said.", "Reuters"),
        ("The airline said in an email to CNN that flights resumed. Staff told CNN the queues were long. A passenger told CNN she waited.", "CNN"),
    ],
)
def test_an_outlets_own_newsroom_phrases_name_it(body, outlet):
    assert meta(f"Story of the day\n\n{body}\n")[1] == outlet


@pytest.mark.parametrize(
    "body",
    [
        "The coach told BBC Sport he was proud. The captain told BBC Sport the team had earned it, and told BBC Sport again later.",
        "He told NBC News' programme he was sorry. Flights resumed on Saturday, the airline said.",
        "Six countries have close ties to the capital, according to Fox News. The vote passed, as quoted by Fox News.",
    ],
)
def test_quoting_another_outlet_does_not_make_it_the_articles_outlet(body):
    assert meta(f"Story of the day\n\n{body}\n")[1] is None


@pytest.mark.parametrize(
    "credit",
    ["The Associated Press contributed to this report.", "Reuters and AFP contributed reporting from Berlin."],
)
def test_a_contributing_agency_is_not_the_outlet(credit):
    text = f"Local station story\n\nWASHINGTON — The company apologized on Friday for the outage, its chief executive said.\n\n{credit}\n"
    doc = parse_document(text, "x.txt")
    assert doc.outlet is None and any(b.kind == "credits" for b in doc.boilerplate)


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, published",
    [
        ("Published :`2024-07-28 20:15:32`", "2024-07-28"),
        (" date 2024-07-23 WASHINGTON — The department opened an investigation into the airline, the secretary said.", "2024-07-23"),
        ("Tue 16 Jul 2024 13.30 BST", "2024-07-16"),
        ("Updated 5:06 PM EDT, Mon July 15, 2024", "2024-07-15"),
        ("Published: 14 July 2024\nLast updated: 15 July 2024", "2024-07-14"),
        ("Sunday 14 July 2024 23:16, UK", "2024-07-14"),
        ("Published On 28 Jul 2024", "2024-07-28"),
        ("Updated: 07/31/2024 10:30 AM", "2024-07-31"),
    ],
)
def test_metadata_lines_give_the_date(header, published):
    text = f"{header}\n\nThe story says what happened on Sunday, and that the last such event was on June 1, 2016.\n"
    doc = parse_document(text, "x.txt")
    assert doc.published == published
    if header.startswith(" date"):  # the marker is split off the paragraph it opens
        assert "WASHINGTON — The department" in "\n".join(doc.text[p.start : p.end] for p in doc.content_paragraphs)


@pytest.mark.parametrize(
    "text",
    [
        "Wildfire forces 3,000 to flee\n\nOfficials said the last fire of this size started on Tuesday, July 5, 2016, and burned for weeks.\n",
        "Spain win the final\n\nSpain won on Sunday, July 14, 2024, in Berlin, two days after the semi-final on Friday, July 12, 2024.\n",
        "Outage hits airlines\n\nMicrosoft said on Saturday that 8.5 million devices were affected (File) as of July 20, 2024.\n",
    ],
)
def test_a_date_mentioned_in_the_body_is_never_the_articles_date(text):
    assert meta(text)[2] is None


@pytest.mark.parametrize(
    "text, published",
    [
        ("BERLIN, July 14 (Reuters) - Spain won the final on Sunday. The July 14, 2024 final drew 65,000 fans, organisers said.\n", "2024-07-14"),
        ("KYIV, March 4, 2025 (Reuters) — Talks resumed on Tuesday, officials said.\n", "2025-03-04"),
        ("CARACAS, July 30 (Reuters) - The monitor said it could not verify the results.\n", None),
    ],
)
def test_a_dateline_gives_the_date_only_with_its_year(text, published):
    assert meta(text)[2] == published


@pytest.mark.parametrize(
    "caption, lead, published",
    [
        ("Germany's foreign minister speaks before the vote, Thursday Feb. 23, 2023 at U.N. headquarters. (AP Photo/Bebeto Matthews)",
         "UNITED NATIONS (AP) — The General Assembly approved a resolution Thursday by a wide margin, diplomats said.", "2023-02-23"),
        ("Spain's captain lifts the trophy in Berlin on July 14, 2024. (AP Photo/Martin Meissner)",
         "BERLIN (AP) — Spain won a record fourth European title on Sunday, beating England 2-1 in the final.", "2024-07-14"),
        ("FILE PHOTO: The chief executive speaks at a conference in California, U.S. October 21, 2019. REUTERS/ Mike Blake/File Photo",
         "WASHINGTON (Reuters) - The chief executive apologized on Monday for the outage, he told a television programme.", None),
    ],
)
def test_the_articles_own_caption_dates_it_when_it_falls_on_the_weekday_of_the_lead(caption, lead, published):
    text = f"A headline\n\n{caption}\n\n{lead}\n"
    assert meta(text)[2] == published


def test_parse_date_reads_iso_words_and_yaml_values():
    import datetime

    assert parse_date("2024-07-28T20:15:32Z") == parse_date("July 28, 2024") == parse_date("28 July 2024") == datetime.date(2024, 7, 28)
    assert parse_date(datetime.datetime(2024, 7, 28, 9)) == datetime.date(2024, 7, 28)
    assert parse_date("Feb. 30, 2024") is None and parse_date("last week") is None
    assert parse_date("14/07/2024") == parse_date("07/14/2024") == datetime.date(2024, 7, 14)
    assert parse_date("05/07/2024") is None  # day and month could be either
    assert parse_date("Jul 1st 2023") == parse_date("1st of July 2023") == datetime.date(2023, 7, 1)


# --- front matter ---------------------------------------------------------------------------------

FRONT_MATTER_CASES = [
    (
        "---\ntitle: \"Maduro declared winner as opposition says it won 70%\"\nurl: https://oilnow.gy/news/maduro-declared-winner\n"
        "date: 2024-07-29\nauthor: [Jane Doe, John Roe]\nsource: OilNOW\n---\n\n# Maduro declared winner\n\n"
        "The incumbent was declared the winner, the electoral authority said.\n",
        ("Maduro declared winner as opposition says it won 70%", "OilNOW", "2024-07-29", "Jane Doe, John Roe"),
    ),
    (
        "---\ntitle: Spain beat England to win Euro 2024\nsource: https://www.espn.com/soccer/report/_/gameId/1\n"
        "published: 2024-07-14T21:55:00+02:00\nbyline: Sam Marsden\n---\nSpain won the final 2-1 in Berlin, the organisers said.\n",
        ("Spain beat England to win Euro 2024", "ESPN", "2024-07-14", "Sam Marsden"),
    ),
    (  # an exporter's own spelling of the keys, and a house byline that is the outlet
        "---\ntitle: The quiet return of the night train\nauthorName: The Economist\n"
        "coverImageURL: https://example.com/a.jpg\npublishDate: Mar 3rd 2024\n---\n\nSleeper services are back, operators said.\n",
        ("The quiet return of the night train", "The Economist", "2024-03-03", None),
    ),
    (
        "---\nHeadline: Glacier probes find warm water\nAuthor-Name: Ana Ruiz\ndate_published: 21 November 2022\n---\n\n"
        "The water was warmer than expected, the team said.\n",
        ("Glacier probes find warm water", None, "2022-11-21", "Ana Ruiz"),
    ),
]


@pytest.mark.parametrize("text, expected", FRONT_MATTER_CASES)
def test_yaml_front_matter_gives_the_metadata_and_stays_in_the_text_as_boilerplate(text, expected):
    doc = parse_document(text, "a.md", format="markdown")
    assert (doc.title, doc.outlet, doc.published, doc.author) == expected
    assert doc.text == text and doc.boilerplate[0].start == 0 and doc.boilerplate[0].kind == "metadata"
    kept = "\n".join(doc.text[p.start : p.end] for p in doc.content_paragraphs)
    assert "---" not in kept and "title:" not in kept and "said" in kept


def test_front_matter_that_is_not_yaml_is_left_alone():
    text = "---\ntitle: [unclosed\n---\nThe rate was held at 5.25 percent, the bank said.\n"
    doc = parse_document(text, "a.md")
    assert doc.published is None and any("5.25 percent" in doc.text[p.start : p.end] for p in doc.content_paragraphs)


def test_a_sidecar_wins_over_front_matter(tmp_path: Path):
    (tmp_path / "a.md").write_text(FRONT_MATTER_CASES[1][0], encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"outlet": "ESPN FC", "published": "15 July 2024"}', encoding="utf-8")
    docs, _ = load_corpus(tmp_path)
    assert (docs[0].outlet, docs[0].published, docs[0].title) == ("ESPN FC", "2024-07-15", "Spain beat England to win Euro 2024")


# --- the seeds --------------------------------------------------------------------------------------


def test_seed_metadata_is_kept():
    docs = {d.source[:3]: d for d in load_corpus(SEEDS)[0]}
    assert (docs["000"].outlet, docs["000"].published) == ("Associated Press", "2023-02-23")
    assert (docs["001"].outlet, docs["001"].published) == ("Euromaidan Press", None)
    assert (docs["002"].outlet, docs["002"].published) == ("Kyodo", "2023-02-23")
    for doc in docs.values():
        assert doc.text == (SEEDS / doc.source).read_text(encoding="utf-8")  # read byte for byte


@pytest.mark.parametrize(
    "text, outlet",
    [
        ("Storm batters coast\n\nWaves flood the seafront on Monday. (Reuters)\n\n"
         "The storm cut power to 40,000 homes, the utility said. CNN has reached out to the utility for comment.\n", "CNN"),
        ("Talks stall in Geneva\n\nDelegates leave the hall on Tuesday. (AFP)\n\n"
         "The talks stalled on Tuesday, two delegates said.\n\n© 2024 Example Times. All rights reserved.\n", "Example Times"),
        ("Rates on hold\n\n(Editor's Note) The bank kept its rate at 5.25 percent on Thursday, its governor said.\n", None),
    ],
)
def test_an_agency_credit_in_a_caption_yields_to_what_the_article_says_of_itself(text, outlet):
    assert meta(text)[1] == outlet


@pytest.mark.parametrize(
    "body, outlet",
    [
        ("UEFA did not respond. CNN Sport has reached out to the federation for comment. The coach said he was proud.", "CNN"),
        ("Reuters was unable to immediately verify the footage. The strike hit a depot at dawn, residents said.", "Reuters"),
        ("The Associated Press reached out to the ministry for comment on Monday. Officials said the dam held.", "Associated Press"),
    ],
)
def test_newsroom_phrases_with_a_section_name_or_without_an_auxiliary(body, outlet):
    assert meta(f"Story of the day\n\n{body}\n")[1] == outlet


_LONG_MENU = "\n".join(["CNN", "Edition", "US", "International", "World", "Politics", "Business", "Health",
                        "Entertainment", "Style", "Travel", "Sports", "Videos", "Live TV", "", "Advertisement", ""])


@pytest.mark.parametrize("headline, byline, dateline, body, author, published", [
    ("Rescue operation suspended after four more boys freed", "By Ann Lee, Tom Ford and Judith Vonberg, CNN",
     "Updated 1543 GMT (2343 HKT) July 9, 2018", "Eight boys have now been freed from the cave, officials said on Monday.",
     "Ann Lee, Tom Ford and Judith Vonberg", "2018-07-09"),
    ("Wildfire forces thousands from their homes in the valley", "By Maria Lopez, CNN",
     "Updated 0910 GMT (1710 HKT) August 2, 2021", "The fire has burned 12,000 acres since Sunday, firefighters said.",
     "Maria Lopez", "2021-08-02"),
])
def test_a_long_menu_above_the_headline_does_not_hide_the_byline_and_date(headline, byline, dateline, body, author, published):
    doc = parse_document(f"{_LONG_MENU}\n{headline}\n\n{byline}\n{dateline}\n\nShare on Facebook Twitter Email\n\n{body}\n", "article3.txt")
    assert (doc.title, doc.author, doc.published, doc.outlet) == (headline, author, published, "CNN")


@pytest.mark.parametrize("top, title, published", [
    ("Reuters\nWorld\nBusiness\nMarkets\nVideo\nMore\n\nWORLD NEWS\nDECEMBER 23, 2019 / 12:06 PM / UPDATED 5 HOURS AGO\n\n"
     "Court sentences five to death over the killing of a journalist", "Court sentences five to death over the killing of a journalist",
     "2019-12-23"),
    ("THE HILL\nHome  News  Policy  Campaign  Blogs  Opinion  Jobs  Events\n\nAdministration\n"
     "Adviser says the White House is still gathering facts\n10/22/18 10:20 AM EDT",
     "Adviser says the White House is still gathering facts", "2018-10-22"),
    ("NEWS\nSPORTS\nLIFE\nMONEY\nSubscribe\nSign In\n\nWORLD\nThree countries halt arms sales after the killing\n\n"
     "Published 1:23 p.m. ET Nov. 24, 2018 | Updated 3:35 p.m. ET Nov. 24, 2018",
     "Three countries halt arms sales after the killing", "2018-11-24"),
])
def test_date_lines_as_news_sites_print_them_and_headlines_under_section_labels(top, title, published):
    doc = parse_document(f"{top}\n\nShare on Facebook  Twitter  Email\n\nThe ruling came on Monday, the court's spokesman said.\n", "copied.txt")
    assert (doc.title, doc.published) == (title, published)


@pytest.mark.parametrize("lines, author, outlet, published", [
    ("*USA TODAY — Published 7:39 a.m. ET July 8, 2018 | Updated 4:12 p.m. ET July 8, 2018*\n\nThomas Maresca and John Bacon\n\n"
     "Special to USA TODAY", "Thomas Maresca and John Bacon", "USA Today", "2018-07-08"),
    ("*Howard LaFranchi, Staff writer — The Christian Science Monitor, October 12, 2018*", "Howard LaFranchi",
     "The Christian Science Monitor", "2018-10-12"),
    ("Marwa Rashad\n\n6 MIN READ", "Marwa Rashad", None, None),
])
def test_bylines_without_by_name_writers_outlet_and_date(lines, author, outlet, published):
    for body in ("The world exhaled a sigh of relief on Sunday after four boys were brought out.",
                 "Senators called on Thursday for sanctions on the kingdom."):
        doc = parse_document(f"# Four boys emerge from the cave\n\n{lines}\n\n{body}\n", "story.md", format="markdown")
        assert (doc.author, doc.outlet, doc.published) == (author, outlet, published)


@pytest.mark.parametrize("lines", ["BBC News\n\nPublished July 9, 2018", "Senate Votes\n\nMore: related coverage of the talks"])
def test_an_outlet_or_a_section_name_alone_under_a_headline_is_no_writer(lines):
    doc = parse_document(f"# Talks resume in the capital\n\n{lines}\n\nThe talks resumed on Monday, officials said.\n", "talks.md")
    assert doc.author is None


@pytest.mark.parametrize("lines, author, outlet, published", [
    ("By Andrew J. Hawkins | The Verge | Jan 14, 2020, 9:21am EST", "Andrew J. Hawkins", "The Verge", "2020-01-14"),
    ("Lauren Johnston, Yahoo News — 19 February 2019", "Lauren Johnston", "Yahoo News", "2019-02-19"),
    ("Reason | Hit & Run | 3.28.2019", None, "Reason", "2019-03-28"),
    ("Leslie Josephs @LESLIEJOSEPHS\nAmelia Lucas @AMELIAKLUCAS", "Leslie Josephs", None, None),
])
def test_an_unknown_outlet_in_a_byline_and_a_writers_handle(lines, author, outlet, published):
    for body in ("Boeing ended the year with more cancellations than orders, the company said.",
                 "The actor was charged on Thursday with filing a false police report."):
        doc = parse_document(f"# Orders fall as the crisis deepens\n\n{lines}\n\n{body}\n", "story.md", format="markdown")
        assert (doc.author, doc.outlet, doc.published) == (author, outlet, published)


@pytest.mark.parametrize("top, title", [
    ("NEWSMAX\nNewsmax TV & Webwire\nHome | US | Politics | World | Health\n\nTags: actor | police | hoax\n\n"
     "Actor Arrested by City Police After Report\n\nThursday, 21 February 2019 01:19 PM", "Actor Arrested by City Police After Report"),
    ("REDIFF\nRediff.com« Back to articlePrint this article\n\nLandslides: 327 autopsies conducted so far\n\nAugust 02, 2024 18:45 IST",
     "Landslides: 327 autopsies conducted so far"),
    ("Politics\nUS news\n\nTrump faces a test of temperament in the city\n\nLauren Gambino and David Smith in Washington\n\n"
     "Tue 3 Oct 2017 12.00 BST", "Trump faces a test of temperament in the city"),
])
def test_a_headline_sits_above_its_date_but_writers_and_roles_are_no_headline(top, title):
    doc = parse_document(f"{top}\n\nShare on Facebook  Twitter  Email\n\nThe actor was arrested on Thursday, police said.\n", "copied.txt")
    assert doc.title == title


@pytest.mark.parametrize("top, title, author", [
    ("Skip to main content\nUSA TODAY\nNews\nSports\nLife\nMoney\nSubscribe\n\nAdvertisement\n\nNATION\n\n"
     "'GET OUT NOW': Levee breached near the city\n\nPublished 8:02 a.m. ET Aug. 29, 2017\n\nRick Jervis and John Bacon\n\nUSA TODAY Network",
     "'GET OUT NOW': Levee breached near the city", "Rick Jervis and John Bacon"),
    ("Fox News\nU.S.\nWorld\nOpinion\nLogin\n\nU.S.\nPublished August 25, 2017\nFox News\n\n"
     "Storm likely to be 'catastrophic,' forecasters warn", "Storm likely to be 'catastrophic,' forecasters warn", None),
])
def test_a_headline_under_a_skip_link_or_a_section_label_ending_in_a_full_stop(top, title, author):
    doc = parse_document(f"{top}\n\nShare on Facebook Twitter Email\n\nRescue boats ferried residents out on Tuesday, officials said.\n", "copied.txt")
    assert (doc.title, doc.author) == (title, author)
