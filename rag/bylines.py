"""Bylines: who wrote an article and for whom, read from one line of a page.

A byline opens with 'By' ('By IANS | Updated: …', 'By Jane Doe and John Roe, Reuters'), or has
none: a person's name set off by bars, dashes or commas from only an outlet, a site, a role or a
date ('Matt Vespa | Townhall.com | Posted: Jun 29, 2018'), or a line of names alone where it stands
under a headline (`bare_byline`; `rag.boilerplate` decides where). `rag.metadata` reads the
author and the outlet from the line these functions return.
"""

from __future__ import annotations

import re

from rag import outlets as outlet_names

SENTENCE_END = re.compile(r"[.!?:\"”’)]\s*$")
_BYLINE = re.compile(r"^(?:(?i:published|written|posted|reported)\s+)?(?:By|BY|by)\s*(?=[A-Z])(?P<rest>.+)$")
_NAME_WORD = re.compile(r"^([A-Z][\w'’.&-]*|and|de|da|del|van|von|der|la|le|bin|al|staff|&|[A-Z]+)$")


def byline_names(line: str) -> tuple[str, str] | None:
    """('names', 'rest') of a byline such as 'By IANS | Updated: …', 'ByAPAP|31 July 2024',
    'Published by VozMedia Staff Verified by …' or 'By Jane Doe and John Roe'; None otherwise.

    The names part must be capitalised words (and 'and', 'de', …), at most eight, so that a
    sentence opening 'By Monday, the fire had …' is not a byline.
    """
    line = line.strip().strip("*_").strip()  # a markdown byline in italics: '*By Jane Doe | Fox News*'
    if len(line.split()) > (30 if "|" in line else 20):  # 'By A, B, ... and G | Vox | Sep 14, 2018, 7:30am EDT'
        return None
    match = _BYLINE.match(line)
    if not match:
        return _unlabelled_byline(line)
    rest = match.group("rest")
    cut = re.search(r"\s*[|·•]\s*|\s*,\s*(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d)|\s+(?=(updated|published|verified|posted)\b)|\s+[-–—]\s+|\s*,\s*(?=(updated|published)\b)", rest, re.I)
    names, after = (rest[: cut.start()], rest[cut.end() :]) if cut else (rest, "")
    segments = [s.strip() for s in names.strip(" ,;").split(",") if s.strip()]
    if not segments or not _name_like(segments[0]):
        return None
    kept = [segments[0]]
    for segment in segments[1:]:
        if ROLE.fullmatch(segment.lower().removesuffix(" writer").removesuffix(" reporter")):
            continue  # 'By Arthur Bright, Staff'
        if _name_like(segment):
            kept.append(segment)
        elif not ROLE.search(segment):  # 'By Phil Doe, Chief football writer': the role is dropped
            return None
    if not cut and SENTENCE_END.search(line) and not line.endswith(")"):
        return None
    return ", ".join(kept), after


SITE_DOMAIN = r"[\w-]+\.(?:com|org|net|co\.uk|com\.au)"  # 'Townhall.com'
_SITE_PART = re.compile(
    rf"^(?:{SITE_DOMAIN}|(?-i:[A-Z][A-Z&.]+(?: [A-Z][A-Z&.]+)*)|.*\b(?:News|Times|Post|Journal|Herald|Tribune|"
    r"Gazette|Daily|Press|Today|Telegraph|Guardian|Chronicle|Observer|Express|Standard|Review|Magazine)|"
    r"(?:(?:posted|published|updated)\s*:?\s*)?(?:\w+\.? \d{1,2},? \d{4}|\d{1,2} \w+ \d{4}).*)$",
    re.I,
)


def _unlabelled_byline(line: str) -> tuple[str, str] | None:
    """A byline without 'By': a person's name, then only an outlet, a site or a date, set off by
    bars, dashes or commas ('Matt Vespa | Townhall.com | Posted: Jun 29, 2018 1:05 AM', 'Trevor Hughes,
    USA TODAY', 'Nick Gillespie | Apr. 11, 2019 1:25 pm', 'Howard LaFranchi, Staff writer — The
    Christian Science Monitor, October 12, 2018'). 'Jarrod Ramos, 38' and sentences are not."""
    parts = [p.strip() for p in re.split(r"\s*[|·•]\s*|\s+[—–]\s+|,\s+(?=[A-Z])", line) if p.strip()]
    if not 2 <= len(parts) <= 4 or len(line.split()) > 16:
        return None
    if SENTENCE_END.search(line.rstrip("*_ ")) and not re.search(r"\d|[ap]\.?m\.?$", parts[-1], re.I):
        return None  # a sentence, unless its end is a date or a time ('Posted: Jun 29, 2018 1:05 a.m.')
    name = parts[0].split()
    if not 2 <= len(name) <= 4 or not _name_like(parts[0]) or any(w.isupper() and len(w) > 1 for w in name):
        return None
    rest = parts[1:]
    known = outlet_names.known_names()
    roles = [p for p in rest if ROLE.search(p) and len(p.split()) <= 4]
    if len(roles) == len(rest) or not all(re.match(_SITE_PART, p) or p.lower() in known or p in roles for p in rest):
        return None  # a role alone ('Caroline Hawley, BBC diplomatic correspondent') heads an analysis box
    return parts[0], " | ".join(rest)


def bare_byline(line: str) -> str | None:
    """A line of only one to three people's names ('Marwa Rashad', 'Thomas Maresca and John
    Bacon'): a byline where it stands under a headline (see `_mark_bare_bylines`)."""
    line = re.sub(r"\s+@\w+$", "", line.strip())  # 'Leslie Josephs @LESLIEJOSEPHS'
    names = [n for n in re.split(r",\s*|\s+and\s+", line) if n]
    if not 1 <= len(names) <= 3 or re.match(_SITE_PART, line) or line.strip().lower() in outlet_names.known_names():
        return None
    for name in names:
        words = name.split()
        if not 2 <= len(words) <= 4 or not all(re.fullmatch(r"[A-Z](?:[a-z'’-]+[A-Za-z'’-]*|\.)", w) for w in words):
            return None
    return line


ROLE = re.compile(
    r"\b(writer|correspondent|editor|reporter|journalist|columnist|contributor|staff|producer|analyst|critic|bureau|chief)s?\b", re.I
)


def _name_like(segment: str) -> bool:
    """Capitalised words (and 'and', 'de', 'van', …), at most eight."""
    words = segment.split()
    return 0 < len(words) <= 8 and all(_NAME_WORD.match(w) for w in words)
