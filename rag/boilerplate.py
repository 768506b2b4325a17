"""Text -> paragraphs marked as content or as one kind of page boilerplate.

The text is never changed: every paragraph is a `Span` of offsets into it, so a citation of
kept text still points into the file (or the extracted page text) a reader can open. News copy
puts one paragraph on a line, so a line is the unit, except that a metadata label that opens a
line ('date 2024-07-20', 'Published: ...') is split off the words that follow it.

Kinds, each decided by the rule in the docstring of the function or pattern that sets it:
metadata (front matter, 'Published:' lines), markup (markdown rules), byline, menu, promo
(share, ad, app and follow-us lines, a reader poll), site (corrections, newsletters), donation,
policy, copyright, caption, credits, links (related-story lists, 'Read more: …' lines, link-only
lines), image (image links), url (bare URLs, or one after 'Source:'), comments (a reader-comment
section), repeated (a line printed twice, a truncated teaser of a later paragraph).

Appeals, notices and promotions are recognised by their wording, and a paragraph that reads as
news (`reads_as_news`: it reports what someone said, in the third person) is kept whatever words
it contains: an article about a charity's donations stays searchable.

What this module leaves out: it does not parse HTML (see `rag.webpage`) and reads no metadata
from the lines (see `rag.metadata`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from rag import outlets as outlet_names
from rag.bylines import ROLE, SENTENCE_END as _SENTENCE_END, bare_byline, byline_names


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str = "content"


# --- lines --------------------------------------------------------------------------------------

_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
FULL_DATE = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?\S*)?"
    rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}})"
)
# A metadata label and a full date opening a line: 'Published :`2024-07-28 20:15:32`',
# ' date 2024-08-01', 'Updated: August 1, 2024 05:55 IST'.
METADATA_DATE = re.compile(
    rf"^[\W_]*(?P<label>published|updated|last updated|first published|posted|date|publication date|last modified|modified)"
    rf"(?:\s+on)?\s*:?\s*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?[`'\"]?(?P<date>{FULL_DATE})[`'\"]?"
    rf"(?:\s*(?:at\s+)?\d{{1,2}}:\d{{2}}(?:\s*[ap]\.?m\.?)?(?-i:\s*[A-Z]{{2,4}}\b)?)?[\s*]*",
    re.I,
)


_DATE_LINE_WORDS = re.compile(
    r"\b(published|updated|last updated|first published|posted|modified|last modified|date|on|at|am|pm|a\.m\.|p\.m\.|"
    r"(mon|tues?|wed(nes)?|thu(rs)?|fri|sat(ur)?|sun)(day)?|(?-i:[A-Z]{2,4})|GMT[+-]?\d*|UTC[+-]?\d*)\b"
    r"|\d{1,2}[:.]\d{2}(?::\d{2}[ap]?\b)?"  # '13.30', '7:06:45a PDT'
    r"|\b[0-2]\d[0-5]\d(?=\s*(?-i:[A-Z]{2,4})\b)"  # a 24-hour time before its zone: '1543 GMT (2343 HKT)'
    r"|\b\d+\s+(?:min(?:ute)?s?|hours?|hrs?|days?)\s+ago\b"  # 'UPDATED 5 HOURS AGO'
    r"|\b[ap]\.m\.",
    re.I,
)
# A full date, or a short one with a two-digit year when a time follows it ('10/22/18 10:20 AM EDT').
DATE_IN_LINE = re.compile(rf"{FULL_DATE}|\b\d{{1,2}}/\d{{1,2}}/\d{{2}}(?=\s+\d{{1,2}}:\d{{2}})", re.I)


def is_date_line(line: str) -> bool:
    """A line that holds a full date and nothing but labels, weekdays, times and time zones:
    'Tue 16 Jul 2024 13.30 BST', 'Updated 5:06 PM EDT, Mon July 15, 2024', 'July 14, 2024',
    'Updated 1543 GMT (2343 HKT) July 9, 2018', 'DECEMBER 23, 2019 / 12:06 PM / UPDATED 5 HOURS AGO',
    '10/22/18 10:20 AM EDT', 'Published 1:23 p.m. ET Nov. 24, 2018 | Updated 3:35 p.m. ET Nov. 24, 2018'."""
    if len(line.split()) > 20 or not DATE_IN_LINE.search(line):
        return False
    return not re.search(r"\w", _DATE_LINE_WORDS.sub(" ", DATE_IN_LINE.sub(" ", line)))


def iter_lines(text: str, start: int = 0, end: int | None = None) -> Iterator[Span]:
    """Non-blank lines of `text[start:end]` as spans without surrounding white space or the
    '#' marks of a markdown heading."""
    end = len(text) if end is None else end
    for match in re.finditer(r"[^\n]+", text[start:end]):
        line = match.group()
        stripped = line.strip()
        if not stripped:
            continue
        left = start + match.start() + (len(line) - len(line.lstrip()))
        heading = re.match(r"#{1,6}\s+(?=\S)", stripped)
        skip = heading.end() if heading and stripped.strip("# ") else 0
        yield Span(left + skip, left + len(stripped))


def pieces(text: str, start: int = 0) -> Iterator[Span]:
    """Lines, with a leading metadata label and its date split off as a 'metadata' span."""
    for line in iter_lines(text, start):
        words = text[line.start : line.end]
        match = METADATA_DATE.match(words)
        rest = words[match.end() :] if match else ""
        if match and rest.strip():
            yield Span(line.start, line.start + len(words[: match.end()].rstrip()), "metadata")
            yield Span(line.end - len(rest.lstrip()), line.end)
        else:
            yield line


# --- what reads as news -------------------------------------------------------------------------

_ATTRIBUTION = re.compile(
    r"\b(said|says|told|according to|reported|reports|announced|stated|wrote|added|estimated|confirmed)\b", re.I
)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_SECOND_PERSON = re.compile(r"\b(you|your|yours|we|our|us)\b", re.I)


def reads_as_news(line: str) -> bool:
    """A paragraph of reporting: at least 12 words, an attribution ('said', 'according to',
    'reported') and, outside quotation marks, no appeal to the reader ('you', 'our', 'us') and
    no exclamation mark. Such a paragraph is never marked as an appeal or a notice."""
    if len(line.split()) < 12 or not _ATTRIBUTION.search(line):
        return False
    unquoted = _QUOTED.sub(" ", line)
    return not _SECOND_PERSON.search(unquoted) and "!" not in unquoted


# --- patterns -----------------------------------------------------------------------------------

_POLL = re.compile(r"^(poll|quiz|survey)$", re.I)  # a reader poll's header: its question and answers follow

# Pattern kinds, tried in order on a line; the first that matches names its kind. All but
# 'caption' and 'credits' give way to `reads_as_news`.
LINE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("copyright", re.compile(r"copyright|©|\(c\)\s*\d{4}|all rights reserved", re.I)),
    (
        "policy",
        re.compile(
            r"cookie|privacy polic|terms of (use|service)|referencing our materials|written permission"
            r"|active hyperlink|is supported by the .*(foundation|fund)|^disclaimer\b|auto-published|agency feed",
            re.I,
        ),
    ),
    (
        "donation",
        re.compile(
            r"become a (patron|member|subscriber)|donat(e|ion)|join our community|cup of coffee"
            r"|support (us|our (work|journalism|reporting))|subscribe (now|today|to our)",
            re.I,
        ),
    ),
    (
        "promo",
        re.compile(
            r"^(advertisement|advertising|sponsored( content)?|promoted( content)?|paid (content|post)|ad)$"
            r"|follow us\b|follow .{0,40}\bon (whatsapp|telegram|google news|instagram|facebook|twitter|x|linkedin|youtube)\b"
            r"|join (us|our .{0,30}(channel|community|group)) on\b|(download|get) (our|the) .{0,20}app\b|open in app"
            r"|^(share|tweet|email|pin|print|copy link|save)( (this|on|via|article|story)\b.*)?$|^share (or|and|&) comment\b"
            rf"|{_POLL.pattern}"
            r"|before you (leave|go)\b|check this out|don'?t miss\b|listen to (this|the) (article|story)"
            r"|^\d+\s*min(ute)?s? read$|turn on (notifications|alerts)|(story|article) continues (below|after)",
            re.I,
        ),
    ),
    (
        "site",
        re.compile(
            r"suggest a correction|ctrl \+ enter|leave your suggestions|sign up for (our|the)|newsletter"
            r"|share this (article|story)|click here|you could close this page"
            r"|^(this|the) (story|article|post|report|page) (has been|was|will be|is being) updated\b"
            r"|^this is a (developing|breaking) (story|news story)\b",
            re.I,
        ),
    ),
    (
        "caption",
        re.compile(
            r"\((AP|AFP|Reuters|EPA)?\s*Photo\b|\bPhoto:\s|Photo courtesy|\bPhoto/|\(File\)|^FILE\s*[–—-]|(?-i:\bFILE PHOTO\b)"
            r"|Getty Images|via AP\)?$|(?-i:\b(REUTERS|AFP|EPA)/\s?[A-Z])|/\s?(Reuters|AP|AFP|EPA|Xinhua|Bloomberg)\)?$"
            r"|stock\.adobe\.com|shutterstock|\bistock\b|\bPhotograph:\s|^(image|media|video) (caption|source)\b"
            r"|^(photo|photograph|picture|image|video)s?( credit)?\s*(:|by\b)|^credits?:\s|\bvia (Getty|Reuters|AP|AFP)\b"
            r"|(?-i:^(?:[A-Z][\w'’.-]+ ){1,3}[A-Z][\w'’.-]+\s?/\s?[A-Za-z][\w'’.&-]*(?: [A-Z][\w'’.&-]*){0,3}$)",
            re.I,
        ),
    ),
    (
        "credits",
        re.compile(
            r"^(The )?(Associated Press|AP|Reuters)\b.{0,200}\bcontributed\b"
            r"|^\(?(reporting|writing|editing|additional reporting|compiled|edited) by\b"
            r"|^with (additional )?reporting (from|by)\b"
            r"|\bcontributed (reporting|to this (report|story|article))\b"
            r"|\b(journalists?|writers?|reporters?|correspondents?)\b.{0,200}\bcontributed\.?$",
            re.I,
        ),
    ),
]
_NOT_BEFORE_NEWS = {"copyright", "policy", "donation", "promo", "site"}
_CAPTION = dict(LINE_PATTERNS)["caption"]

_LINK_LIST_HEADER = re.compile(
    r"^(read (also|more|next)|also read|related( coverage| articles| stories| news| content| posts| reading| links)?"
    r"|see also|more on this( story| topic)?|more (from|stories|news|on)\b.{0,40}|next in\b.{0,40}"
    r"|(others|people) also read|most (read|popular|viewed|shared)( now| today| stories| articles)?"
    r"|top stories|recommended( for you| stories| articles| reading)?|you (may|might) (also )?(like|be interested in)"
    r"|trending( now| stories| news)?|latest( news| stories| articles)|editor'?s picks|what to read next"
    r"|further reading|in other news|more headlines)\s*:?\s*$",
    re.I,
)
# 'Read more: <headline>', 'Live updates: <headline>': a pointer to another page.
_LABELLED_LINK = re.compile(
    r"^(live updates?|related|read (more|also)|also read|watch|listen|see also|more|recommended|video|photos?)\s*:\s*\S", re.I
)
_MARKDOWN_LINK_ONLY = re.compile(r"^([-*•]\s*)?\[[^\]]+\]\([^)\s]+\)$")
_IMAGE_LINE = re.compile(
    r"^(\[)?!\[[^\]]*\]\([^)]*\)(\]\([^)]*\))?$|^<img\b[^>]*>?$|^\S+\.(jpe?g|png|gif|webp|svg|avif)(\?\S*)?$", re.I
)
_BARE_URL = re.compile(r"^(?:(?:source|via|link|url|original|originally published at)\s*:?\s*)?<?(https?://|www\.)\S+>?$", re.I)
_MARKUP = re.compile(r"^([-*_=]\s*){3,}$")
_UI_WORDS = {
    "home", "menu", "search", "trending", "breaking news", "more", "epaper", "e-paper", "open in app", "sign in",
    "log in", "login", "sign up", "register", "subscribe", "share", "print", "email", "x", "facebook", "twitter",
    "whatsapp", "linkedin", "skip to content", "skip to main content", "close", "back to top",
    "latest", "live", "video", "videos", "photos", "listen", "watch", "news", "world", "sport", "sports",
    "business", "opinion", "weather", "account", "my account", "notifications", "newsletters", "podcasts",
}
_COMMENT_HEADER = re.compile(
    r"^(\d+\s+)?(comments?|responses?|replies|reader comments|discussion)(\s*\(\d+\))?\s*:?$"
    r"|^(leave|post|add|write) (a|your) (comment|reply|response)\b|^join the (conversation|discussion)\b"
    r"|^(show|view|load|see|read) (all )?(\d+ )?(comments|replies)\b|^comments are (closed|open)\b|^what do you think\??$",
    re.I,
)
_COMMENT_LINE = re.compile(
    r"^(reply|report|like|likes?\s*\d*|\d+\s+(likes?|replies)|\d+\s+(minutes?|hours?|days?|weeks?|months?) ago)$",
    re.I,
)
_CREDIT_ONLY = re.compile(r"^(Reuters|AFP|AP|Getty Images|EPA|Shutterstock|Associated Press|Bloomberg)$", re.I)


def looks_like_headline(line: str) -> bool:
    """Short (25 words at most) and without a sentence's closing punctuation; a closing quote
    mark counts as punctuation only after a full stop ('… ‘serious concerns’' is a headline)."""
    words = len(line.split())
    if words > 25:
        return False
    if re.search(r"[’”\"']\s*$", line) and not re.search(r"[.!?,][’”\"']\s*$", line):
        return True
    return not _SENTENCE_END.search(line)


def is_prose(line: str) -> bool:
    """A sentence-like paragraph: at least 12 words and closing punctuation."""
    return len(line.split()) >= 12 and bool(re.search(r"[.!?\"”’)]\s*$", line))


def _is_menu_line(line: str) -> bool:
    """A navigation label: a line made only of site-menu words ('Home', 'Open in App',
    'Breaking News', 'More () »'), alone or as items split by '|', '•', '·' or a run of spaces."""
    items = [re.sub(r"[^\w\s'-]", " ", item).strip().lower() for item in re.split(r"\s*[|•·]\s*|\s{2,}", line)]
    items = [re.sub(r"\s+", " ", item) for item in items if item]
    if not items:
        return bool(line.strip()) and not re.search(r"\w", line)
    if all(item in _UI_WORDS for item in items):
        return True
    if DATE_IN_LINE.search(line):
        return False  # 'Reason | Hit & Run | 3.28.2019' names the outlet and the day
    return len(items) >= 3 and all(len(item.split()) <= 3 for item in items) and not _SENTENCE_END.search(line)


# --- classification -----------------------------------------------------------------------------


def classify_lines(text: str, start: int = 0) -> list[Span]:
    """Every non-blank line of `text[start:]` as a span whose kind is 'content' or a boilerplate
    kind (see the module docstring); a caption or an appeal is never half of a line with content."""
    spans = list(pieces(text, start))
    lines = [text[s.start : s.end] for s in spans]
    kinds = [s.kind for s in spans]
    _mark_page_top(lines, kinds, [line_is_heading(text, s) for s in spans])
    seen: dict[str, int] = {}
    in_link_list = in_comments = in_poll = False
    content_before = prose_before = 0
    for i, line in enumerate(lines):
        if kinds[i] != "content":
            continue
        near_the_top = i - kinds[:i].count("menu") < 15
        kinds[i] = "metadata" if near_the_top and is_date_line(line) else _line_kind(line, content_before, prose_before)
        if in_poll and kinds[i] == "content" and (line.rstrip().endswith("?") or len(line.split()) <= 6):
            kinds[i] = "promo"  # a reader poll: 'Poll' / 'Are you a nervous flyer?' / 'Yes 2622' / 'No 2294'
            continue
        in_poll = False
        if kinds[i] == "content" and in_comments:
            kinds[i] = "comments"
        elif kinds[i] == "comments-header":
            kinds[i], in_comments = "comments", True
        elif kinds[i] == "promo" and _POLL.match(line):
            in_poll = True
            continue
        elif kinds[i] == "links-header":
            kinds[i], in_link_list = "links", True
            continue
        elif in_link_list and kinds[i] == "content" and looks_like_headline(line):
            kinds[i] = "links"
            continue
        in_link_list = False
        if _CREDIT_ONLY.match(line):
            kinds[i] = "caption"
            j = _previous_kept(kinds, i)
            if j is not None and looks_like_headline(lines[j]) and not line_is_heading(text, spans[j]):
                kinds[j] = "caption"
        key = re.sub(r"\W+", " ", line).strip().lower()
        if key in seen and kinds[i] == "content":
            kinds[i] = "repeated"
        seen.setdefault(key, i)
        if kinds[i] == "content":
            content_before += 1
            prose_before += is_prose(line)
    _mark_teasers(lines, kinds)
    _mark_bare_bylines(lines, kinds)
    return [Span(s.start, s.end, k) for s, k in zip(spans, kinds)]


def opening(paragraphs: list[Span], most: int) -> list[Span]:
    """The first `most` lines that are not a menu or a promo: where a page states its headline,
    byline and date, however long the menu copied above them."""
    return [p for p in paragraphs if p.kind not in ("menu", "promo")][:most]


def line_is_heading(text: str, span: Span) -> bool:
    """Whether the line was written as a markdown heading ('# Title')."""
    line_start = text.rfind("\n", 0, span.start) + 1
    return text[line_start : span.start].strip().startswith("#")


def _previous_kept(kinds: list[str], i: int) -> int | None:
    j = i - 1
    while j >= 0 and kinds[j] in ("metadata", "markup"):
        j -= 1
    return j if j >= 0 and kinds[j] == "content" else None


def _line_kind(line: str, content_before: int, prose_before: int) -> str:
    """The kind of one line by its own words; 'links-header' and 'comments-header' open a list
    or a comment section that `classify_lines` follows."""
    if METADATA_DATE.fullmatch(line):
        return "metadata"
    if _MARKUP.match(line):
        return "markup"
    if _IMAGE_LINE.match(line):
        return "image"
    if _BARE_URL.match(line):
        return "url"
    if _MARKDOWN_LINK_ONLY.match(line):
        return "links"
    if byline_names(line):
        return "byline"
    if _is_menu_line(line):
        return "menu"
    if content_before and _LINK_LIST_HEADER.match(line):
        return "links-header"
    if _LABELLED_LINK.match(line) and looks_like_headline(line.split(":", 1)[1].strip()):
        return "links"
    if prose_before >= 3 and _COMMENT_HEADER.match(line):  # not a share bar's 'Comments (312)' above the text
        return "comments-header"
    if _COMMENT_LINE.match(line) and len(line.split()) <= 40:
        return "comments"
    news = reads_as_news(line)
    for kind, pattern in LINE_PATTERNS:
        if pattern.search(line) and not (news and kind in _NOT_BEFORE_NEWS):
            return kind
    return "content"


_SKIP_LINK = re.compile(r"^skip to (main )?(content|navigation)$", re.I)


def _mark_page_top(lines: list[str], kinds: list[str], headings: list[bool]) -> None:
    """Menu items above the headline: lines of three words or fewer, without a sentence's end,
    that stand before the first line of four words or more. A lone short line that is not a
    menu word and is not followed by a headline is kept: it is a short headline. Markdown
    headings, bylines, metadata lines and photo credits are never menu items."""
    top = []
    for i, line in enumerate(lines[:24]):
        if kinds[i] != "content" or _is_structural(line):
            continue
        if _SKIP_LINK.match(line):  # 'Skip to main content' opens a copied page above its menu
            top.append(i)
            continue
        if len(line.split()) >= 4 or headings[i]:
            break
        if not _SENTENCE_END.search(line) or not re.search(r"\w", line):
            top.append(i)
    if not top:
        return
    last = top[-1]
    following = next((j for j in range(last + 1, len(lines)) if kinds[j] == "content" and not _is_structural(lines[j])), None)
    if len(top) == 1 and lines[last].lower() not in _UI_WORDS and (following is None or not looks_like_headline(lines[following])):
        top = []
    for i in top:
        kinds[i] = "menu"


def _is_structural(line: str) -> bool:
    return bool(
        METADATA_DATE.fullmatch(line) or is_date_line(line) or _MARKUP.match(line) or _CAPTION.search(line)
        or _IMAGE_LINE.match(line) or _BARE_URL.match(line) or byline_names(line)
    )


def _mark_bare_bylines(lines: list[str], kinds: list[str], most: int = 15) -> None:
    """A line of people's names alone (`bare_byline`) below the page's first line is the byline
    when what follows it is no prose: the outlet's name, a role ('Special to USA TODAY'),
    a date, a share bar or a reading time ('6 MIN READ'); or when it ends with the writer's
    social-media handle ('Leslie Josephs @LESLIEJOSEPHS')."""
    kept = [i for i, kind in enumerate(kinds) if kind not in ("menu", "markup", "image")][:most]
    for i, after in zip(kept[1:], kept[2:]):
        if kinds[i] != "content" or not bare_byline(lines[i]):
            continue
        following = lines[after].strip(" *_")
        outlet = len(following.split()) <= 4 and outlet_names.known_in(following)  # 'USA TODAY Network'
        no_prose = kinds[after] in ("promo", "metadata", "byline") or bool(outlet)
        with_handle = re.search(r"\s@\w+$", lines[i])  # 'Leslie Josephs @LESLIEJOSEPHS'
        if no_prose or with_handle or ROLE.search(following) or re.match(r"special to\b", following, re.I):
            kinds[i] = "byline"
            return


def _mark_teasers(lines: list[str], kinds: list[str]) -> None:
    """A paragraph cut short with '...' or '…' whose words open a later paragraph is a teaser of
    it: marked 'repeated', so the full paragraph is the one indexed."""
    for i, line in enumerate(lines):
        if kinds[i] != "content" or not re.search(r"(\.\.\.|…)\s*$", line):
            continue
        stem = re.sub(r"\s*(\.\.\.|…)\s*$", "", line)
        if len(stem.split()) < 8:
            continue
        if any(kinds[j] == "content" and lines[j].startswith(stem) and len(lines[j]) > len(stem) for j in range(i + 1, len(lines))):
            kinds[i] = "repeated"
