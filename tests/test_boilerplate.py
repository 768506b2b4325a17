"""Boilerplate kinds, each rule with pages of two different subjects, and the rule that a
paragraph reading as news is kept whatever words it contains."""

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from rag.boilerplate import classify_lines, reads_as_news
from rag.ingest import parse_document


def kinds(text: str) -> dict[str, str]:
    """Each line's text -> its kind."""
    return {text[s.start : s.end]: s.kind for s in classify_lines(text)}


def kept(text: str) -> str:
    doc = parse_document(text, "x.txt")
    return "\n".join(doc.text[p.start : p.end] for p in doc.content_paragraphs)


ELECTION_PAGE = """City
Epaper

Court asked to certify the disputed count

By IANS | Updated: August 1, 2024 05:55 IST

Caracas, Aug 1 The president has asked the electoral chamber of the supreme court to audit and certify the results ...

Open in App

Caracas, Aug 1 The president has asked the electoral chamber of the supreme court to audit and certify the results of Sunday's vote amid calls for transparency.

He went to the court with members of his cabinet, the agency reported, and said he was ready to be questioned by the chamber.

Disclaimer: This post has been auto-published from an agency feed without any modifications to the text

Related Stories

Opposition calls for vigil in the capital
Technol
"""

WILDFIRE_PAGE = """Skip to content
Home | News | Sport | Weather | Subscribe

Wildfire forces 3,000 to flee hill towns

About 3,000 residents of three hill towns were ordered to leave their homes on Sunday night as the fire crossed the ridge, the county fire service said.

Share on Facebook

Advertisement

![Firefighters on the ridge](https://img.valleycourier.example/fire.jpg)

https://www.valleycourier.example/live/wildfire

A local food bank said donations of water and blankets had arrived from neighbouring towns, and that volunteers had served 900 meals at the school by Monday.

Donate now to support our local journalism!

The county has asked residents not to return until the evacuation order is lifted, officials said on Monday evening.

Follow us on our official WhatsApp channel for breaking news alerts!

3 Comments

HillWalker: Stay safe everyone, this is terrible.
Dan R.: Why was the ridge not cleared last year? The council said it would be.
Reply
"""


@pytest.mark.parametrize(
    "page, menu_lines",
    [
        (ELECTION_PAGE, ["City", "Epaper", "Open in App"]),
        (WILDFIRE_PAGE, ["Skip to content", "Home | News | Sport | Weather | Subscribe"]),
    ],
)
def test_navigation_menus_are_boilerplate_and_the_headline_is_not(page, menu_lines):
    found = kinds(page)
    assert all(found[line] == "menu" for line in menu_lines)
    doc = parse_document(page, "x.txt")
    assert doc.title in ("Court asked to certify the disputed count", "Wildfire forces 3,000 to flee hill towns")


def test_share_ad_and_promo_lines_are_boilerplate_on_two_subjects():
    wildfire = kinds(WILDFIRE_PAGE)
    assert wildfire["Share on Facebook"] == "promo" and wildfire["Advertisement"] == "promo"
    assert wildfire["Follow us on our official WhatsApp channel for breaking news alerts!"] == "promo"
    outage = kinds(
        "CrowdStrike CEO issues apology after global tech outage\n\n"
        "The company's chief executive said in a statement on Friday that a fix had been deployed to customers.\n\n"
        "Before You Leave, Check This Out\n\nDownload our app for the latest updates\n\nStory continues below advertisement\n"
    )
    assert {outage[line] for line in ("Before You Leave, Check This Out", "Download our app for the latest updates",
                                      "Story continues below advertisement")} == {"promo"}


def test_a_reader_poll_a_share_prompt_and_a_source_address_are_boilerplate_on_two_subjects():
    flight = kinds(
        "Plane returns to Portland after a window blows out\n\n"
        "The airline said the aircraft landed safely with 171 passengers and six crew members on board.\n\n"
        "Poll\n\nAre you a nervous flyer?\n\nYes 2622 votes\n\nNo 2294 votes\n\n"
        "Passengers said they heard a loud boom before the masks dropped, the airline said on Saturday.\n\n"
        "Share or comment on this article:\n\nSource: https://www.example.com/2024/01/06/plane-window.html\n"
    )
    assert {flight[line] for line in ("Poll", "Are you a nervous flyer?", "Yes 2622 votes", "No 2294 votes",
                                      "Share or comment on this article:")} == {"promo"}
    assert flight["Source: https://www.example.com/2024/01/06/plane-window.html"] == "url"
    assert flight["Passengers said they heard a loud boom before the masks dropped, the airline said on Saturday."] == "content"
    budget = kinds(
        "Council passes budget\n\nThe council passed the budget by 7 votes to 2, the mayor said on Monday.\n\n"
        "Would you pay more council tax?\n\nVia: http://news.example.org/council-budget\n"
    )
    assert budget["The council passed the budget by 7 votes to 2, the mayor said on Monday."] == "content"
    assert budget["Would you pay more council tax?"] == "content", "a question without a poll is not a poll"
    assert budget["Via: http://news.example.org/council-budget"] == "url"


def test_image_links_and_bare_urls_are_boilerplate_on_two_subjects():
    wildfire = kinds(WILDFIRE_PAGE)
    assert wildfire["![Firefighters on the ridge](https://img.valleycourier.example/fire.jpg)"] == "image"
    assert wildfire["https://www.valleycourier.example/live/wildfire"] == "url"
    match = kinds(
        "Spain beat England to win the title\n\n<img src=\"/photos/final.jpg\" alt=\"Trophy lift\">\n\n"
        "[![](https://cdn.example.com/a.png)](https://example.com/gallery)\n\n<https://www.example.com/match-report>\n\n"
        "Spain won the final 2-1 in Berlin on Sunday, the organisers said after the match.\n"
    )
    assert match['<img src="/photos/final.jpg" alt="Trophy lift">'] == "image"
    assert match["[![](https://cdn.example.com/a.png)](https://example.com/gallery)"] == "image"
    assert match["<https://www.example.com/match-report>"] == "url"


def test_comment_sections_are_boilerplate_to_the_end_on_two_subjects():
    wildfire = kinds(WILDFIRE_PAGE)
    for line in ("3 Comments", "HillWalker: Stay safe everyone, this is terrible.",
                 "Dan R.: Why was the ridge not cleared last year? The council said it would be.", "Reply"):
        assert wildfire[line] == "comments", line
    election = (
        "Turnout reaches record in the capital\n\n"
        "Turnout in the capital reached 71 percent, the electoral council said on Sunday night in its first bulletin.\n\n"
        "Queues formed before polling stations opened, observers said, and some voters waited for four hours.\n\n"
        "The council said results would be published after midnight, once 80 percent of the votes were counted.\n\n"
        "Leave a comment\n\nmaria_v: I queued for five hours, it was worth it, the officials said it was fine.\n"
    )
    found = kinds(election)
    assert found["Leave a comment"] == "comments"
    assert found["maria_v: I queued for five hours, it was worth it, the officials said it was fine."] == "comments"


def test_a_comments_label_before_the_article_does_not_swallow_it():
    text = "Comments\n\nRates held at 5.25 percent\n\nThe central bank kept its main rate at 5.25 percent on Thursday, its governor said.\n"
    assert "kept its main rate" in kept(text)


@pytest.mark.parametrize(
    "news, appeal",
    [
        (
            "A local food bank said donations of water and blankets had arrived from neighbouring towns, and that volunteers had served 900 meals.",
            "Donate now to support our local journalism!",
        ),
        (
            "“We are asking community members to help through donation,” Blood Assurance says in an email, after the outage delayed shipments.",
            "Become a member and support our journalism: donations keep this site free.",
        ),
    ],
)
def test_a_news_paragraph_about_donations_is_kept_and_an_appeal_is_not(news, appeal):
    text = f"Headline of the day\n\n{news}\n\n{appeal}\n"
    assert news in kept(text) and appeal not in kept(text)
    assert reads_as_news(news) and not reads_as_news(appeal)


def test_a_news_paragraph_about_copyright_or_cookies_is_kept():
    court = "The court ruled that the copyright claim failed because the photographs were taken in public, the judge said on Tuesday."
    regulator = "The regulator said the company had placed advertising cookies without consent on millions of phones, and fined it 20 million euros."
    for paragraph in (court, regulator):
        assert paragraph in kept(f"Ruling\n\n{paragraph}\n\nCopyright 2024 Example News. All rights reserved.\n")


def test_link_lists_and_pointer_lines_are_boilerplate_on_two_subjects():
    election = kinds(ELECTION_PAGE)
    assert election["Related Stories"] == election["Opposition calls for vigil in the capital"] == election["Technol"] == "links"
    outage = kinds(
        "CrowdStrike CEO apologizes for tech outage\n\n"
        "WASHINGTON (Reuters) - CrowdStrike's chief executive apologized on Friday for the global outage, he told a morning programme.\n\n"
        "Live updates: Global tech outages hit airlines, banks and businesses\n\n"
        "Next In Tech News\n\nRegulator warns about crypto firms misleading customers\nSamsung plans to unveil a new phone in 2025\n"
    )
    assert outage["Live updates: Global tech outages hit airlines, banks and businesses"] == "links"
    assert outage["Next In Tech News"] == outage["Samsung plans to unveil a new phone in 2025"] == "links"


def test_a_truncated_teaser_of_a_later_paragraph_is_a_repeat():
    found = kinds(ELECTION_PAGE)
    teaser = "Caracas, Aug 1 The president has asked the electoral chamber of the supreme court to audit and certify the results ..."
    assert found[teaser] == "repeated"
    full = next(line for line in found if line.endswith("amid calls for transparency."))
    assert found[full] == "content"


def test_bylines_and_agency_disclaimers_are_not_content():
    found = kinds(ELECTION_PAGE)
    assert found["By IANS | Updated: August 1, 2024 05:55 IST"] == "byline"
    assert found["Disclaimer: This post has been auto-published from an agency feed without any modifications to the text"] == "policy"


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("ab #-*|:!()[]\n<>/.") + ["https://x.y/z", "By ", "date 2024-01-02 ", "Comments\n"]), max_size=120).map("".join))
def test_spans_are_ordered_disjoint_and_inside_the_text(text):
    spans = classify_lines(text)
    for before, after in zip(spans, spans[1:]):
        assert before.end <= after.start
    for span in spans:
        assert 0 <= span.start < span.end <= len(text) and text[span.start : span.end].strip()


@pytest.mark.parametrize(
    "credit, headline",
    [
        ("Photo by Alex Pantling", "Spain lift the trophy after a late winner in Berlin"),
        ("Sven Hoppe/dpa", "Flood waters reach the old town as the river peaks"),
        ("Credit: Kirill Kudryavtsev/AFP via Getty Images", "Rescuers search rubble after the quake"),
        ("Image: Reuters", "Markets fall as the outage spreads to banks"),
    ],
)
def test_a_photo_credit_line_is_a_caption_and_never_the_title(credit, headline):
    text = f"{credit}\n\n{headline}\n\nThe first paragraph says what happened on Sunday, officials said.\n"
    assert kinds(text)[credit] == "caption"
    assert parse_document(text, "x.txt").title == headline


@pytest.mark.parametrize(
    "page, editorial, news",
    [
        ("Secret Service director resigns after shooting\n\nThe director resigned on Tuesday, the agency said.\n\n"
         "This story has been updated with additional developments.\n\n"
         "The ministry said the figures had been updated on Monday.\n",
         "This story has been updated with additional developments.", "The ministry said the figures had been updated on Monday."),
        ("Landslide toll rises in the hills\n\nRescuers recovered more bodies on Wednesday, officials said.\n\n"
         "This is a developing story and will be updated.\n\n"
         "This story has been told many times in the village, said the mayor.\n",
         "This is a developing story and will be updated.", "This story has been told many times in the village, said the mayor."),
    ],
)
def test_an_editors_update_line_is_boilerplate_and_news_about_updates_is_not(page, editorial, news):
    found = kinds(page)
    assert found[editorial] == "site"
    assert found[news] == "content"
