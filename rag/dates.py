"""The date of an article, read from where news pages state it, and date parsing.

A date is taken from metadata (front matter, a 'Published:' line, a byline, a dateline, the
article's own photo caption on the day its lead reports), never from a date the body mentions:
'the last fire burned for three weeks after it started on July 5, 2016' is not the article's
date, and neither is a copyright year. `find_published` takes the text and its classified
paragraphs (`rag.boilerplate.classify_lines`) and returns None rather than guess; its docstring
gives the rules in the order it tries them. The other fields are `rag.metadata`, which also uses
the dateline pattern defined here (a dateline carries the wire tag that names the outlet).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from rag.boilerplate import DATE_IN_LINE, FULL_DATE, METADATA_DATE, Span, is_date_line, is_prose, opening

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ]
    )
    for m in names
}
_FULL_DATE = re.compile(FULL_DATE, re.I)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_DATELINE = re.compile(
    r"^(?P<place>[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})(?P<mid>(?:,\s*[^,()]{2,30}?){0,2})\s*\((?P<tag>[^()]{2,40})\)\s*[-—–:]"
)


def names_a_month(text: str) -> bool:
    """'May', 'Sept. 3', 'May 10, 2018': a month, with a day, a year or both, and nothing else."""
    match = re.fullmatch(r"([A-Za-z]+)\.?((?:\s+\d{1,2})?(?:,?\s+\d{4})?)", text.strip())
    return bool(match) and match.group(1).lower() in _MONTHS


def _lead_lines(text: str, paragraphs: list[Span], n: int = 6) -> list[Span]:
    return [p for p in paragraphs if p.kind == "content"][:n]


def parse_date(value: object) -> date | None:
    """A date from a YAML value, an ISO string ('2024-07-28T20:15:32Z'), English words
    ('July 28, 2024', '28 July 2024', 'Feb. 23, 2023', 'Jul 1st 2023') or numbers whose order is certain
    ('14/07/2024', '07/14/2024', '10/22/18'; '05/07/2024' could be either and gives None)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    iso = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    slashed = re.match(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})\b", text)
    numbers: tuple[int, int, int] | None = None
    if iso:
        numbers = (int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    elif slashed:
        first, second, year = (int(g) for g in slashed.groups())
        year += 2000 if year < 100 else 0  # '10/22/18'
        if first > 12 >= second:
            numbers = (year, second, first)
        elif second > 12 >= first:
            numbers = (year, first, second)
    else:
        mdy = re.match(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", text)
        dmy = re.match(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]+)\.?,?\s+(\d{4})", text)
        if mdy and mdy.group(1).lower() in _MONTHS:
            numbers = (int(mdy.group(3)), _MONTHS[mdy.group(1).lower()], int(mdy.group(2)))
        elif dmy and dmy.group(2).lower() in _MONTHS:
            numbers = (int(dmy.group(3)), _MONTHS[dmy.group(2).lower()], int(dmy.group(1)))
    if numbers is None:
        return None
    try:
        return date(*numbers)
    except ValueError:
        return None


def _first_date(text: str) -> date | None:
    for match in DATE_IN_LINE.finditer(text):
        found = parse_date(match.group())
        if found:
            return found
    return None


def _dateline_day_with_year(mid: str, text: str) -> date | None:
    day = re.search(r"([A-Za-z]+)\.?\s+(\d{1,2})\b", mid)
    if not day or day.group(1).lower() not in _MONTHS:
        return None
    month, number = _MONTHS[day.group(1).lower()], int(day.group(2))
    years = {d.year for d in (parse_date(m.group()) for m in _FULL_DATE.finditer(text)) if d and (d.month, d.day) == (month, number)}
    return date(years.pop(), month, number) if len(years) == 1 else None


def date_from_url(url: str | None) -> date | None:
    """The date in a news URL's path: '/2024/08/01/', '/2024/Jul/21/', '/20240801/'."""
    if not url:
        return None
    match = re.search(r"/(20\d\d|19\d\d)[/-]([01]?\d|[A-Za-z]{3})[/-]([0-3]?\d)(?=/|$|-)", url)
    if match:
        month = match.group(2)
        month_number = _MONTHS.get(month.lower()) if month.isalpha() else int(month)
        try:
            return date(int(match.group(1)), month_number or 0, int(match.group(3)))
        except ValueError:
            return None
    compact = re.search(r"/(20\d\d)(\d\d)(\d\d)(?=/|$)", url)
    return parse_date(f"{compact.group(1)}-{compact.group(2)}-{compact.group(3)}") if compact else None


_NAME = r"(?!By\b)[A-Z][\w&.'’-]*(?: [A-Z][\w&.'’-]*){0,3}"
_SOURCE_AND_DATE = re.compile(
    r"^[*_\s]*(?P<name>" + _NAME + r")\s*(?:,|\||–|—|-)\s*(?P<date>[\w .,:|*]{6,90}?)[*_\s]*$"
)


def source_and_date(line: str) -> tuple[str, date] | None:
    """A line under a copied headline that gives only a name and a date: 'BBC News, 16 November
    2018', '*Reuters | Nov. 12, 2018*', '*USA TODAY — Published 7:39 a.m. ET July 8, 2018 |
    Updated …*'. The name is the outlet's, or the dateline's place."""
    segments = [part.strip(" *_") for part in line.strip().split("|")]
    if len(segments) == 3 and len(segments[1].split()) <= 4 and re.fullmatch(_NAME, segments[0]):  # 'Reason | Hit & Run | 3.28.2019'
        found = _stated_date(segments[2])
        return (segments[0], found) if found else None
    match = _SOURCE_AND_DATE.match(line.strip())
    if not match:
        return None
    found = _stated_date(match.group("date").strip(" *_"))
    return (match.group("name"), found) if found else None


def _stated_date(text: str) -> date | None:
    """The date a part of a line states: a date alone, or one among labels and times ('Published
    7:39 a.m. ET July 8, 2018 | Updated ...')."""
    return parse_date(text) or (_first_date(text) if is_date_line(text) else None)


def find_published(text: str, paragraphs: list[Span], url: str | None = None) -> str | None:
    """The article's date, from (in this order):

    1. a metadata line: 'Published :`2024-07-28 20:15:32`', 'date 2024-08-01', 'Posted on …'
       ('Updated' only when no line says published);
    2. a byline that carries a date: 'By IANS | Updated: August 1, 2024', 'ByAP|31 July 2024', or
       a line near the top of only a name and a date ('BBC News, 16 November 2018', `source_and_date`);
    3. a dateline with its year: 'KYIV, March 4, 2025 (Reuters) —'; a dateline without one
       ('BERLIN, July 14 (Reuters)') when the text writes that same day in full elsewhere
       ('on July 14, 2024'), which gives only the year; else nothing;
    4. the date in the URL the text gives as its source ('/2024/08/01/');
    5. the article's own photo caption, when the date it gives falls on the weekday the lead
       paragraph reports ('… Thursday Feb. 23, 2023 (AP Photo)' under a lead about 'Thursday');
       file photos never count.

    Dates in the body of the article are never used.
    """
    labelled: list[tuple[int, date]] = []  # (rank, date): published 0, unlabelled 1, updated 2
    for p in paragraphs:
        line = text[p.start : p.end]
        if p.kind != "metadata":
            continue
        match = METADATA_DATE.match(line)
        found = parse_date(match.group("date")) if match else (_first_date(line) if is_date_line(line) else None)
        if found:
            label = match.group("label").lower() if match else ""
            labelled.append((2 if re.search(r"updated|modified", label) else 1 if not label else 0, found))
    if labelled:
        return min(labelled, key=lambda rank_date: rank_date[0])[1].isoformat()
    for p in opening(paragraphs, 15):
        if p.kind == "byline":
            found = _first_date(text[p.start : p.end])
            if found:
                return found.isoformat()
    for p in opening(paragraphs, 6):
        named = source_and_date(text[p.start : p.end])
        if named:
            return named[1].isoformat()
    for p in _lead_lines(text, paragraphs):
        dateline = _DATELINE.match(text[p.start : p.end])
        if dateline:
            found = _first_date(dateline.group("mid") or "") or _dateline_day_with_year(dateline.group("mid") or "", text)
            if found:
                return found.isoformat()
    found = date_from_url(url)
    if found:
        return found.isoformat()
    lead = next((text[p.start : p.end] for p in paragraphs if p.kind == "content" and is_prose(text[p.start : p.end])), "")
    weekdays = {d for d in _WEEKDAYS if re.search(rf"\b{d}\b", lead)}
    for p in paragraphs:
        caption = text[p.start : p.end]
        if p.kind != "caption" or re.search(r"\bFILE\b|\(File\)", caption):
            continue
        for match in _FULL_DATE.finditer(caption):
            found = parse_date(match.group())
            if found and _WEEKDAYS[found.weekday()] in weekdays:
                return found.isoformat()
    return None
