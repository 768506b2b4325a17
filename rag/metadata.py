"""Title, outlet, date, author and URL of an article, read from where news pages state them.

Every finder takes the text and its classified paragraphs (`rag.boilerplate.classify_lines`)
and returns None rather than guess. The rules, in the order each finder tries them, are in the
finder's docstring. Two rules hold throughout:

- A date is taken from metadata (front matter, a 'Published:' line, a byline, a dateline, the
  article's own photo caption on the day its lead reports), never from a date the body
  mentions: 'the last fire burned for three weeks after it started on July 5, 2016' is not the
  article's date, and neither is a copyright year.
- An outlet is taken from where a page credits itself: a wire tag, a byline, a source URL, a
  copyright line, the outlet's own newsroom phrases ('CNN has reached out to…'). An outlet the
  article merely quotes ('told NBC News') or a contributing agency ('The Associated Press
  contributed to this report') is not the article's outlet.

Front matter (YAML between '---' lines at the top of a markdown or text file) is parsed with
PyYAML; its keys win over everything read from the body. The date finder (`find_published`)
and date parsing are in `rag.dates`; `read_metadata` gathers all five fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag import outlets as outlet_names
from rag.boilerplate import Span, line_is_heading, looks_like_headline, opening
from rag.bylines import ROLE, SITE_DOMAIN, bare_byline, byline_names
from rag.dates import _DATELINE, _lead_lines, date_from_url, find_published, parse_date, source_and_date


@dataclass
class Metadata:
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    author: str | None = None
    url: str | None = None


# --- outlets ------------------------------------------------------------------------------------

_LEADING_TAG = re.compile(r"^\((?P<tag>[A-Z][\w&.'’-]*(?: [A-Z&][\w&.'’-]*){0,3})\)\s+[A-Z“\"‘']")
_NOT_A_TAG = {"photo", "photos", "video", "update", "updated", "file", "audio", "watch", "listen", "live", "opinion",
              "analysis", "editorial", "exclusive", "breaking", "lead", "sponsored", "ad", "advertisement", "note",
              "editor's note", "editors note", "editor’s note", "correction", "clarification", "graphic", "warning"}
_PHOTO_AGENCIES = {"getty images", "shutterstock", "alamy", "istock", "istockphoto", "adobe stock"}
_OUTLET_LABEL = re.compile(
    r"^(?:outlet|source|publisher|publication|newspaper|news ?outlet|site|website|media)\s*:\s*(?P<name>(?!https?:|www\.)[^:|<>]{2,60})$", re.I
)
_OUTLET_WORD = re.compile(
    r"\b(News|Times|Post|Journal|Herald|Tribune|Gazette|Daily|Press|Radio|TV|Network|Media|Wire|Chronicle|Telegraph|"
    r"Observer|Express|Mirror|Standard|Today|Review|Reporter|Insider)$"
)
"""The last word of a newsroom's name ('CBN News', 'Harbour Times'); a place's name ends otherwise."""
THE_NAME = re.compile(r"The(?: [A-Z][\w&.'’-]*){1,3}")
"""'The Verge', 'The Hill': no person's name starts with 'The', so such a name is an outlet's."""
_URL_LABEL = re.compile(
    r"^(source( link| url)?|original( url| link| article)?|originally published (at|on|in|by)|canonical( url| link)?"
    r"|url|link|permalink|read (it|the original|the full (article|story)) (at|on))\s*:?\s*<?(?P<url>(https?://|www\.)\S+?)>?$",
    re.I,
)


def _tag_outlet(tag: str, table: dict[str, str]) -> str | None:
    tag = tag.strip()
    if tag.lower() in _NOT_A_TAG or not re.fullmatch(r"[A-Z][\w&.'’-]*(?: [A-Z&][\w&.'’-]*){0,3}", tag):
        return None
    return outlet_names.canonical(tag, table)


def _byline_outlet(names: str, after: str, table: dict[str, str]) -> str | None:
    known = outlet_names.known_names(table)
    compact = names.replace(" ", "")
    half = len(compact) // 2
    if len(compact) % 2 == 0 and compact[:half] == compact[half:] and compact[:half].lower() in known:
        return known[compact[:half].lower()]  # 'ByAPAP': the page printed author and source glued
    staff = re.fullmatch(r"(.+?)\s+(staff|newsroom|desk|news desk|web desk|team)", names, re.I)
    if staff:  # 'By The Hill staff' is The Hill's; in 'by the Guardian staff' 'the' is no part of the name
        return outlet_names.canonical(staff.group(1).removeprefix("the "), table)
    agency = _agency_token(names)
    if agency:
        return outlet_names.AGENCIES[agency[1]]
    for part in re.split(r"\s*(?:,|\band\b|\||/)\s*", f"{names}|{after}"):
        if part.strip().lower() in known:
            return known[part.strip().lower()]
    for part in re.split(r"\s*[,|/·•]\s*|\s+[—–]\s+", after):  # after the writers: 'The Verge', 'Yahoo News', 'Townhall.com'
        if re.fullmatch(SITE_DOMAIN, part, re.I):
            return outlet_names.canonical(part, table)
        newsroom = re.fullmatch(r"[A-Z][\w&.'’-]*(?: [A-Z][\w&.'’-]*){0,2}", part) and _OUTLET_WORD.search(part)
        if THE_NAME.fullmatch(part) or newsroom:
            return part
    return None


def _agency_token(names: str) -> tuple[int, str] | None:
    """(index, tag) of a wire service's capitalised tag inside a byline after a person's name:
    'JAMES ROBSON AP Sports Writer' -> (2, 'AP')."""
    words = names.split()
    for i, word in enumerate(words[1:], 1):
        if word in outlet_names.AGENCIES and word.isupper():
            return i, word
    return None


def find_outlet(
    text: str, paragraphs: list[Span], table: dict[str, str] | None = None, url: str | None = None, site: str | None = None
) -> str | None:
    """The outlet, from (in this order):

    0. a labelled line at the top of a copied page: 'Outlet: CBS News', 'Publisher: Reuters', or
       a line of an outlet's name and a date: 'BBC News, 16 November 2018', 'CBN News | March 15, 2019';
    1. a wire tag opening the lead: 'UNITED NATIONS (AP) —', 'CARACAS, July 30 (Reuters) -',
       '(Al Jazeera) Nicolas …' (an unknown name in that place counts: it is the credit);
    2. a byline naming an outlet: 'By IANS | …', 'ByAPAP|…', 'By Jane Doe, Reuters',
       'Published by VozMedia Staff';
    3. the site that published the page (an HTML page's site name, `site`), else the URL the
       text or its metadata gives ('Source link: https://…') when the domain table knows it, else
       a known outlet's name as the masthead above the headline or after it ('… | Reuters'),
       else the URL's bare domain (a mirror's domain gives way to the masthead it copied);
    4. a copyright line: '© 2025 Newsmax. All rights reserved.' (photo agencies excepted);
    5. the newsroom's own phrases about a known outlet (`self_reference`);
    6. a wire service's tag anywhere, as agencies close their own captions: '… (Kyodo)'.
    """
    table = outlet_names.DOMAINS if table is None else table
    for p in opening(paragraphs, 6):
        labelled = _OUTLET_LABEL.match(text[p.start : p.end].strip())
        if labelled:
            return outlet_names.canonical(labelled.group("name").strip(), table)
        line = text[p.start : p.end]
        named = source_and_date(line)
        with_section = line.count("|") == 2 and p.kind != "byline"  # 'Reason | Hit & Run | 3.28.2019': a place has no sections
        if named and (outlet_names.known_in(named[0], table) or _OUTLET_WORD.search(named[0]) or with_section):  # not 'London, 3 March'
            return outlet_names.canonical(named[0], table)
    for p in _lead_lines(text, paragraphs):
        line = text[p.start : p.end]
        tag = _DATELINE.match(line) or _LEADING_TAG.match(line)
        if tag:
            found = _tag_outlet(tag.group("tag"), table)
            if found:
                return found
    for p in opening(paragraphs, 15):
        if p.kind == "byline":
            parsed = byline_names(text[p.start : p.end])
            found = _byline_outlet(*parsed, table) if parsed else None
            if found:
                return found
    if site:
        return site
    from_url = outlet_names.outlet_from_url(url, table) if url else None
    if from_url and from_url != outlet_names.host_of(url):
        return from_url
    masthead = _masthead(text, paragraphs, table)
    if masthead or from_url:
        return masthead or from_url  # a known masthead beats an unknown domain (a mirror, a syndicator)
    for p in paragraphs:
        if p.kind == "copyright":
            owner = copyright_owner(text[p.start : p.end])
            if owner:
                known = outlet_names.known_in(owner, table)
                return known or _spelled_as_in_text(outlet_names.canonical(owner, table), text)
    found = self_reference(text, paragraphs, table)
    if found:
        return found
    agencies = "|".join(re.escape(a) for a in sorted(outlet_names.AGENCIES, key=len, reverse=True))
    tag = re.search(rf"\(({agencies})\)", text)
    return outlet_names.AGENCIES[tag.group(1)] if tag else None


def _masthead(text: str, paragraphs: list[Span], table: dict[str, str]) -> str | None:
    """A known outlet's name alone on a line above the headline, just under it, or closing the
    headline ('… | Reuters'); else, in a page copied as text, the short capitalised line between
    the headline and the date or byline ('Headline' / 'USNI News' / 'June 22, 2023')."""
    known = outlet_names.known_names(table)
    lines = [(p, text[p.start : p.end].strip()) for p in paragraphs[:12]]
    headline = next((i for i, (p, _) in enumerate(lines) if p.kind == "content"), None)
    if headline is None:
        return None
    for p, line in lines[: headline + 3]:
        if line.lower() in known and p.kind in ("menu", "content") and len(line.split()) <= 5:
            return known[line.lower()]
    suffix = TITLE_SUFFIX.search(lines[headline][1])
    if suffix and suffix.group(1).lower() in known:
        return known[suffix.group(1).lower()]
    following = lines[headline + 1 : headline + 3]
    if len(following) == 2 and following[1][0].kind in ("metadata", "byline") and _NAME_LINE.fullmatch(following[0][1]):
        return following[0][1]
    return None


_NAME_LINE = re.compile(r"(?:The\s+)?[A-Z][\w!&.'’-]*(?:\s+[A-Z&][\w!&.'’-]*){0,3}")


TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+([^|–—-]{2,40})$")


def copyright_owner(line: str) -> str | None:
    """'© 2025 Newsmax. All rights reserved.' -> 'Newsmax'; 'Copyright © 2021 Euromaidanpress.com'
    -> 'Euromaidanpress.com'; photo agencies and lower-case words give None."""
    match = re.search(
        r"(?:copyright|©|\(c\))\s*(?:©\s*)?(?:\d{4}\s*[-–]?\s*)*(?:by\s+)?"
        r"(?P<owner>[^|.,;©\d][^|.,;©]*?(?:\.(?:com|org|net|co\.uk|news|info|us|in|gy|ng)\b)?)\s*(?:[|.,;]|all rights|$)",
        line,
        re.I,
    )
    if not match:
        return None
    owner = match.group("owner").strip(" -–")
    domain = re.match(r"\.(com|org|net|co\.uk|news|info|us|in|gy|ng)\b", line[match.end("owner") :], re.I)
    if domain:
        owner += domain.group()
    owner = re.sub(r"\s+(or its .*|(limited|ltd|inc|llc|plc|gmbh|s\.a)\b.*)$", "", owner, flags=re.I).strip(" -–")
    if not owner or not owner[0].isupper() or len(owner.split()) > 6 or owner.lower() in _PHOTO_AGENCIES:
        return None
    return owner


def _spelled_as_in_text(owner: str, text: str) -> str:
    """'Euromaidanpress' -> 'Euromaidan Press' when the text spells the name in words."""
    stem = re.sub(r"\.(com|org|net|co\.uk|info|news)$", "", owner, flags=re.I)
    key = re.sub(r"\W", "", stem).lower()
    for match in re.finditer(r"\b[A-Z]\w*(?: [A-Z]\w*){1,3}", text):
        words = match.group().split()
        for n in range(len(words), 1, -1):
            if "".join(words[:n]).lower() == key:
                return " ".join(words[:n])
    return stem


_STRONG_SELF = [  # a section name may follow the outlet's: 'CNN Sport has reached out'
    r"\b{n}(?: [A-Z][a-z]+)? (?:has |had |have )?(?:reached out|contacted .{{0,60}}for comment|asked .{{0,60}}for comment|requested comment)",
    r"\b{n}(?: [A-Z][a-z]+)? (?:could not|couldn['’]t|cannot|can['’]t|was unable to|were unable to|(?:has|had) not(?: yet)? been able to|did not) (?:independently |immediately |yet )?(?:verify|confirm)",
    r"\b{n}(?: [A-Z][a-z]+)? (?:teams?|reporters?|journalists?|correspondents?|crews?) (?:witnessed|saw|observed|counted|visited)",
    r"\b(?:[Ww]ith|[Aa]dditional) reporting (?:from|by) {n}['’]s\b",
    r"\b{n}['’]s [A-Z][a-z]+ [A-Z][\w'’-]+ (?:contributed|reported)",
]
_WEAK_SELF = [  # the name must end there: 'told BBC Sport', "told NBC News' Today" quote other programmes
    r"\b(?:told|tells|quipped to|said to) {n}(?![\w'’-]| [A-Z])",
    r"\b(?:viewed|obtained|reviewed|seen) by {n}(?![\w'’-]| [A-Z])",
    r"\bin an? (?:email|statement|interview|phone call|text message) to {n}(?![\w'’-]| [A-Z])",
]


def self_reference(text: str, paragraphs: list[Span], table: dict[str, str] | None = None) -> str | None:
    """A known outlet the article speaks of as its own newsroom: 'CNN has reached out to…',
    'Reuters could not independently verify…', 'CNN teams witnessed…', 'With reporting from
    CNN’s …' (strong), or 'told CNN', 'viewed by CNN', 'in an email to CNN' (weak, since other
    outlets' interviews are quoted that way, and never when a programme or possessive follows:
    'told BBC Sport', 'told CNN’s …'). The outlet needs one strong phrase or three weak ones,
    and more of them than any other outlet; only names of the agency list and the domain table
    count."""
    table = outlet_names.DOMAINS if table is None else table
    strong, weak = _self_patterns(tuple(sorted(table.items())))
    body = "\n".join(text[p.start : p.end] for p in paragraphs if p.kind in ("content", "credits"))
    scores: dict[str, list[int]] = {}
    for patterns, slot in ((strong, 0), (weak, 1)):
        for match in patterns.finditer(body):
            name = outlet_names.canonical(next(g for g in match.groups() if g), table)
            scores.setdefault(name, [0, 0])[slot] += 1
    qualified = sorted(((s + w / 3, name) for name, (s, w) in scores.items() if s >= 1 or w >= 3), reverse=True)
    if not qualified or (len(scores) > 1 and any(n != qualified[0][1] and s + w / 3 >= qualified[0][0] for n, (s, w) in scores.items())):
        return None
    return qualified[0][1]


@lru_cache(maxsize=8)
def _self_patterns(table_items: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    known = outlet_names.known_names(dict(table_items))
    names = sorted({*outlet_names.AGENCIES, *known.values()}, key=len, reverse=True)
    n = "(?:[Tt]he )?(" + "|".join(re.escape(name) for name in names) + ")"
    return (
        re.compile("|".join(f"(?:{p.format(n=n)})" for p in _STRONG_SELF)),
        re.compile("|".join(f"(?:{p.format(n=n)})" for p in _WEAK_SELF)),
    )


# --- title, author, url -------------------------------------------------------------------------


def find_title(text: str, paragraphs: list[Span]) -> str | None:
    """The headline: the first kept line when it was written as a markdown heading ('# Title',
    without its marks) or reads as a headline (25 words at most, no sentence end, not a dateline,
    not all capitals, not a list item; a question that opens the file is one: 'Did the FBI miss
    a warning?'), without a trailing ' | Outlet' naming a known outlet.
    Menus, bylines, captions and metadata above it are skipped; a photo credit is a caption,
    never a title."""
    content = [p for p in paragraphs if p.kind == "content"]
    if not content:
        return None
    first = _above_the_byline(text, paragraphs) or _past_page_labels(text, content)
    line = text[first.start : first.end].strip()
    suffix = TITLE_SUFFIX.search(line)
    if suffix and suffix.group(1).lower() in outlet_names.known_names():
        line = line[: suffix.start()]
    if line_is_heading(text, first) and len(line.split()) <= 30:
        return line
    opens_with_a_question = line.endswith("?") and len(line.split()) <= 20 and not text[: first.start].strip()
    if (
        line.isupper()
        or line.startswith(("•", "-", "*", "(", "["))
        or not (looks_like_headline(line) or opens_with_a_question)
        or _DATELINE.match(line)
        or len(line.split()) < 2
    ):
        return None
    return line


def _above_the_byline(text: str, paragraphs: list[Span], most: int = 8) -> Span | None:
    """The headline-like line right above a byline ('By Jane Doe', 'Jane Doe | Apr. 11, 2019') or a
    date line, when the page opens with other headline-like lines (a masthead's motto, a section
    name) and not with a markdown heading: a headline sits on top of its byline or its date."""
    top = opening(paragraphs, most)
    if not top or line_is_heading(text, top[0]):
        return None
    for above, below in zip(top, top[1:]):
        if above.kind != "content" or above is top[0]:
            continue
        headline = text[above.start : above.end].strip()
        if below.kind == "byline":
            return above if looks_like_headline(headline) and len(headline.split()) >= 4 else None
        if below.kind == "metadata" and looks_like_headline(headline) and len(headline.split()) >= 4 and not _names_no_story(headline):
            return above
    return None


def _names_no_story(line: str) -> bool:
    """A line above a date that is no headline: writers ('Lauren Gambino and David Smith in
    Washington'), a role ('Senior Editor, Yahoo Entertainment') or a breadcrumb ('Blogs > News')."""
    writers = re.sub(r"\s+in(?: [A-Z][\w.-]*)+$", "", line)
    return bool(bare_byline(writers) or ROLE.search(line) or " > " in line or "»" in line)


def _past_page_labels(text: str, content: list[Span], most: int = 6) -> Span:
    """The first content line, or, when the page was copied with its masthead and section labels
    above the headline ('The Guardian' / 'UK news' / 'Manchester Arena attack' / headline; 'CNN' /
    'Edition: U.S. | International' / headline), the first line of four words or more among the
    headline-like lines that open the page, if the first is a short label or a menu of '|' items."""
    headline_like = []
    for span in content[:most]:
        line = text[span.start : span.end].strip()
        if not looks_like_headline(line) and not (not headline_like and len(line.split()) <= 3):
            break  # a section label such as 'U.S.' may end with a full stop
        headline_like.append((span, line))
    if not headline_like or not _is_page_label(headline_like[0][1]):
        return content[0]
    return next((span for span, line in headline_like if not _is_page_label(line)), content[0])


def _is_page_label(line: str) -> bool:
    """A masthead or section label ('The Guardian', 'UK news') or a menu of '|' items, not a headline."""
    return len(line.split()) <= 3 or " | " in line


def find_author(text: str, paragraphs: list[Span], table: dict[str, str] | None = None) -> str | None:
    """The byline's person or people ('By Maria Lopez', 'By Jane Doe, Reuters', 'Jane Doe | Apr. 11,
    2019' -> 'Jane Doe'); None when the byline names only an outlet or a staff desk."""
    known = outlet_names.known_names(table)
    for p in opening(paragraphs, 15):
        if p.kind != "byline":
            continue
        line = text[p.start : p.end]
        parsed = byline_names(line) or (bare_byline(line), "")
        if not parsed[0]:
            continue
        names, after = parsed
        agency = _agency_token(names)
        if agency:
            return " ".join(names.split()[: agency[0]]).rstrip(" ,;")  # 'By Nicole Chavez, CNN'
        if _byline_outlet(names, "", table or outlet_names.DOMAINS) and (
            names.lower() in known or re.search(r"\b(staff|newsroom|desk|team)$", names, re.I) or " " not in names
        ):
            return None
        people = [part for part in re.split(r"\s*,\s*", names) if part.lower() not in known]
        return ", ".join(people) or None
    return None


_AUTHOR_ROLE = re.compile(
    r"\s+(?:is|was)\s+(?:a|an|the)\s.*$"
    r"|(?:\s+(?:[Ss]enior|[Cc]hief|[Ss]taff|[Pp]olitical|[Ff]oreign|[Nn]ews|[Bb]usiness|[Ss]cience|[Hh]ealth|[Ss]ports?))*"
    r"\s+(?:reporter|correspondent|editor|writer|journalist|producer|contributor|columnist)s?\s*$"
    r"|,\s+[^,]*\b(?:[Rr]eporter|[Cc]orrespondent|[Ee]ditor|[Ww]riter|[Jj]ournalist|[Pp]roducer|[Cc]ontributor|[Cc]olumnist)s?\s*$"
)
"""A job description after an author's name: 'is a reporter', 'News reporter', ', Senior Editor'
(a role word in lower case, or after a comma, so a surname such as Writer is kept)."""


def clean_author(author: str | None) -> str | None:
    """A page's author field without the job description some sites put in it: 'Phil Helsel is a
    reporter' and 'Tom Gillespie News reporter' -> the name; each of several authors alike."""
    if not author:
        return None
    names = []
    for name in re.split(r"\s*[;]\s*", author.strip()):
        name = _AUTHOR_ROLE.sub("", name.strip(" ,·•|")).strip(" ,")
        if name:
            names.append(name)
    return "; ".join(names) or None


def find_url(text: str, paragraphs: list[Span]) -> str | None:
    """The page's own address: a labelled line ('Source link: URL', 'Originally published at
    URL', 'Canonical: URL'), else a bare URL among the first or last three lines."""
    for p in paragraphs:
        labelled = _URL_LABEL.match(text[p.start : p.end])
        if labelled:
            return labelled.group("url").rstrip(".,;)")
    ends = paragraphs[:3] + paragraphs[-3:]
    for p in ends:
        if p.kind == "url":
            return text[p.start : p.end].strip("<>")
    return None


# --- front matter -------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(?P<body>.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_KEYS = {
    "title": ("title", "headline"),
    "url": ("url", "link", "canonical", "canonicalurl", "sourceurl", "originalurl", "permalink"),
    "published": ("date", "published", "publishedat", "publishedon", "pubdate", "publishdate", "datepublished",
                  "publicationdate", "firstpublished", "created", "createdat"),
    "author": ("author", "authors", "authorname", "byline", "by", "creator", "writer"),
    "outlet": ("outlet", "source", "publisher", "publishername", "site", "sitename", "publication", "newspaper"),
}
"""Front-matter keys per field, compared without case, spaces, '_' or '-' ('authorName', 'publish_date',
'date-published' all count), since each site exporter and clipping tool spells them its own way."""


def front_matter(text: str, table: dict[str, str] | None = None) -> tuple[Metadata, int] | None:
    """YAML front matter at the very top ('---' … '---'): its metadata and where it ends.

    Keys (any case or spelling: 'authorName', 'publish_date'): title/headline; url/link/canonical;
    date/published/publishDate/…; author/authorName/byline; source/outlet/publisher/site_name. A
    'source' that is a URL is the URL (whose domain gives the outlet when the text names none, see
    `find_outlet`); an author that is a known outlet ('The Economist') is the outlet. None when the block is missing
    or is not a YAML mapping.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return None
    import yaml

    try:
        data = yaml.safe_load(match.group("body") or "")
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    fields = {re.sub(r"[\W_]+", "", str(k).lower()): v for k, v in data.items()}

    def first(kind: str) -> object:
        return next((fields[k] for k in _KEYS[kind] if fields.get(k) not in (None, "", [])), None)

    meta = Metadata()
    title, author, outlet, url = first("title"), first("author"), first("outlet"), first("url")
    meta.title = str(title).strip() if title else None
    if isinstance(author, list):
        author = ", ".join(str(a.get("name", a)) if isinstance(a, dict) else str(a) for a in author)
    elif isinstance(author, dict):
        author = author.get("name")
    meta.author = str(author).strip() if author else None
    if isinstance(outlet, dict):
        outlet = outlet.get("name")
    if meta.author and not outlet and outlet_names.known_names(table).get(meta.author.lower()):
        outlet, meta.author = meta.author, None  # a house byline: 'authorName: The Economist'
    if isinstance(outlet, str) and re.match(r"^(https?://|www\.)", outlet.strip()):
        url, outlet = url or outlet, None
    meta.url = str(url).strip() if url else None
    meta.outlet = outlet_names.canonical(str(outlet), table) if outlet else None
    published = parse_date(first("published"))
    meta.published = published.isoformat() if published else None
    if meta.published is None and meta.url:
        from_url = date_from_url(meta.url)
        meta.published = from_url.isoformat() if from_url else None
    return meta, match.end()


def read_metadata(
    text: str, paragraphs: list[Span], table: dict[str, str] | None = None, url: str | None = None, site: str | None = None
) -> Metadata:
    """All five fields from the text, given the URL and site name its metadata may hold."""
    url = url or find_url(text, paragraphs)
    return Metadata(
        title=find_title(text, paragraphs),
        outlet=find_outlet(text, paragraphs, table, url, site),
        published=find_published(text, paragraphs, url),
        author=find_author(text, paragraphs, table),
        url=url,
    )
