"""Saved web pages (.html/.htm) -> the article's text and metadata, through trafilatura.

trafilatura (https://trafilatura.readthedocs.io) is a maintained extractor built for news pages:
it keeps the main text and drops navigation, share bars, ads, related-story boxes, footers and,
as asked here, reader comments. It reads title, author, site name, canonical URL and date from
the page's metadata (meta tags, JSON-LD, <time>); its date search is kept to that metadata
(`extensive_search` off), so a date the article mentions is never taken as its own.

The bytes of an HTML file are not the article's text, so the extracted text is what the index
keeps and what every citation's offsets point into (`rag show SOURCE` prints it).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date

from rag import outlets as outlet_names
from rag.boilerplate import classify_lines
from rag.dates import date_from_url, names_a_month, parse_date
from rag.metadata import THE_NAME, TITLE_SUFFIX, Metadata, clean_author, copyright_owner


@dataclass
class Page:
    text: str
    metadata: Metadata


def extract_page(data: bytes, table: dict[str, str] | None = None) -> Page:
    """The article of a saved page, or ValueError saying what to do when there is none."""
    import trafilatura

    result = trafilatura.bare_extraction(
        data,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (getattr(result, "text", None) or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not any(span.kind == "content" for span in classify_lines(text)):  # trafilatura fell back to a menu
        raise ValueError("no article text found in this page; save the article's own page, or paste its text into a .txt file")
    url = getattr(result, "url", None) or None
    site = (getattr(result, "sitename", None) or "").strip()
    outlet = outlet_names.canonical(site, table) if site else None
    if url and (outlet is None or _domain_like(outlet)):
        named = outlet_names.outlet_from_url(url, table)
        if outlet is None or not _domain_like(named) or outlet == outlet.lower():  # 'Space.com' stays as the site writes it
            outlet = named
    outlet = outlet or _named_by_the_page(data, table)
    published = _published(data, getattr(result, "date", None), url)
    author, outlet = _author_and_outlet(clean_author(getattr(result, "author", None)), outlet, table)
    title = _clean_title(getattr(result, "title", None), site, outlet)
    return Page(text, Metadata(title, outlet, published.isoformat() if published else None, author, url))


_PUBLISHED_META = re.compile(
    rb"""<meta\s[^>]*?(?:property|name|itemprop)\s*=\s*["'](?:article:published_time|og:published_time|datePublished)["'][^>]*?"""
    rb"""content\s*=\s*["']([^"']+)["']"""
    rb"""|<meta\s[^>]*?content\s*=\s*["']([^"']+)["'][^>]*?(?:property|name|itemprop)\s*=\s*["'](?:article:published_time|og:published_time|datePublished)["']"""
    rb'|"datePublished"\s*:\s*"([^"]+)"',
    re.I,
)


_TITLE_ELEMENT = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
_COPYRIGHT_TEXT = re.compile(rb"(?:&copy;|\xc2\xa9|copyright)[^<]{0,120}", re.I)


def _named_by_the_page(data: bytes, table: dict[str, str] | None) -> str | None:
    """A known outlet closing the page's <title> ('Cave rescue: ... - BBC News'), else the owner
    of the page's copyright line ('Copyright &copy; Townhall.com/Salem Media'), for pages that
    state no site name in their metadata."""
    title = _TITLE_ELEMENT.search(data[:200_000])
    suffix = TITLE_SUFFIX.search(html.unescape(title.group(1).decode("utf-8", "replace")).strip()) if title else None
    named = outlet_names.known_in(suffix.group(1), table) if suffix else None
    if named:
        return named
    for match in _COPYRIGHT_TEXT.finditer(data):
        owner = copyright_owner(html.unescape(match.group().decode("utf-8", "replace")).replace("/", " / "))
        if owner:
            return outlet_names.known_in(owner, table) or outlet_names.canonical(owner, table)
    return None


def _published(data: bytes, extracted: str | None, url: str | None) -> date | None:
    """The page's own publication time ('article:published_time', JSON-LD 'datePublished') before
    the date trafilatura finds and the date in the address (which may be the day the story was
    first filed); but a time given in UTC that falls on the day after the address's date is the
    same local evening ('2019-11-20T02:59Z' for '/2019/11/19/'), and the address's day is kept."""
    match = _PUBLISHED_META.search(data[:200_000])
    stamp = next((g for g in match.groups() if g), b"").decode("utf-8", "replace") if match else ""
    in_address = date_from_url(url)
    stated = parse_date(stamp)
    if stated and in_address and re.search(r"(Z|[+-]00:?00)$", stamp.strip()) and (stated - in_address).days == 1:
        return in_address
    return stated or parse_date(extracted) or in_address


def _author_and_outlet(author: str | None, outlet: str | None, table: dict[str, str] | None) -> tuple[str | None, str | None]:
    """A byline read as the author ('Bloomberg | May 10, 2018' -> 'Bloomberg; May') keeps only the
    people in it: a date is dropped, and a known outlet, or a name that starts with 'The' ('The
    Hill'), is the outlet when the page named none."""
    if not author:
        return author, outlet
    known = outlet_names.known_names(table)
    people = []
    for part in author.split("; "):
        part = re.sub(r"^(posted|published|updated)\b:?\s*", "", part, flags=re.I)  # 'Posted: Nov 29, 2018' read as 'Posted Nov'
        if not part or parse_date(part) or names_a_month(part):
            continue
        if part.lower() in known or THE_NAME.fullmatch(part):
            outlet = outlet or known.get(part.lower(), part)
            continue
        people.append(part)
    return "; ".join(people) or None, outlet


def _domain_like(name: str) -> bool:
    return bool(re.fullmatch(r"[\w.-]+\.[a-z]{2,}", name, re.I))


def _clean_title(title: str | None, *site_names: str | None) -> str | None:
    """The page title without a trailing ' | Site' or ' - Site' naming the outlet."""
    if not title:
        return None
    title = re.sub(r"\s+", " ", title).strip()
    for site in filter(None, site_names):
        title = re.sub(rf"\s*[|–—-]\s*{re.escape(site)}\s*$", "", title, flags=re.I)
    return title or None
