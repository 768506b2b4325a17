"""Files -> documents: read articles, find boilerplate, extract metadata.

A `Document` keeps the file's text exactly as read (UTF-8, universal newlines), so every offset
computed downstream points into the file a reader can open. Boilerplate (copyright, cookie and
donation text, link lists, photo captions, repeated lines) is not removed from the text: it is
recorded as spans, and `content_paragraphs` gives what is left to index.

Metadata comes from the text itself (datelines, copyright lines, captions) and from an optional
sidecar `NAME.meta.json`; what cannot be found stays None.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

ARTICLE_SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str = "content"


@dataclass
class Document:
    doc_id: str
    source: str
    text: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    aliases: list[str] = field(default_factory=list)
    boilerplate: list[Span] = field(default_factory=list)
    paragraphs: list[Span] = field(default_factory=list)

    @property
    def content_paragraphs(self) -> list[Span]:
        return [p for p in self.paragraphs if p.kind == "content"]


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_text(path: Path) -> str:
    """Decode an article file or raise ValueError saying why it cannot be used.

    Newlines are normalised as Python's text mode does, so offsets match `open(path).read()`.
    """
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"too large ({len(data) / 1e6:.0f} MB, the limit is {MAX_FILE_BYTES / 1e6:.0f} MB); split it")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("UTF-16 text; convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)")
    if b"\x00" in data:
        raise ValueError("binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not UTF-8 (byte {exc.start}); convert it, e.g. iconv -f LATIN1 -t UTF-8"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ValueError("empty file")
    return text


def iter_article_files(corpus_dir: Path) -> Iterator[Path]:
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES and not path.name.startswith("."):
            yield path


def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[Skipped]]:
    """Read every article under `corpus_dir`. Identical texts become one document with aliases."""
    documents: dict[str, Document] = {}
    skipped: list[Skipped] = []
    for path in iter_article_files(corpus_dir):
        name = path.relative_to(corpus_dir).as_posix()
        try:
            text = read_text(path)
        except (ValueError, OSError) as exc:
            skipped.append(Skipped(name, str(exc)))
            continue
        doc_id = content_hash(text)
        if doc_id in documents:
            documents[doc_id].aliases.append(name)
            continue
        doc = parse_document(text, name, sidecar=read_sidecar(path))
        if not doc.content_paragraphs:
            skipped.append(Skipped(name, "only boilerplate, nothing to index"))
            continue
        documents[doc_id] = doc
    return list(documents.values()), skipped


def read_sidecar(path: Path) -> dict[str, str]:
    """Metadata from `NAME.meta.json` (or `NAME.txt.meta.json`) beside the article, if any."""
    for candidate in (path.with_suffix(".meta.json"), path.with_name(path.name + ".meta.json")):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                return {}
            if isinstance(data, dict):
                return {k: str(v) for k, v in data.items() if k in ("title", "outlet", "published", "url") and v}
    return {}


def parse_document(text: str, source: str, sidecar: dict[str, str] | None = None) -> Document:
    """Classify the text's lines and read its metadata."""
    paragraphs = classify_lines(text)
    doc = Document(doc_id=content_hash(text), source=source, text=text, paragraphs=paragraphs)
    doc.boilerplate = [p for p in paragraphs if p.kind != "content"]
    doc.title = find_title(text, doc.content_paragraphs)
    doc.outlet = find_outlet(text)
    doc.published = find_published(text)
    for key, value in (sidecar or {}).items():
        setattr(doc, key, value)
    return doc


# --- boilerplate -------------------------------------------------------------------------------

_LINE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("copyright", re.compile(r"copyright|©|\(c\)\s*\d{4}|all rights reserved", re.I)),
    (
        "policy",
        re.compile(
            r"cookie|privacy polic|terms of (use|service)|referencing our materials|written permission"
            r"|active hyperlink|is supported by the .*(foundation|fund)",
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
        "site",
        re.compile(
            r"suggest a correction|ctrl \+ enter|leave your suggestions|sign up for (our|the)|newsletter"
            r"|share this (article|story)|click here|you could close this page",
            re.I,
        ),
    ),
    (
        "caption",
        re.compile(
            r"\((AP|AFP|Reuters|EPA)?\s*Photo\b|\bPhoto:\s|Photo courtesy|\bPhoto/|\(File\)|^FILE\s*[–—-]"
            r"|Getty Images|via AP\)?$",
            re.I,
        ),
    ),
    ("credits", re.compile(r"^(The )?(Associated Press|AP|Reuters)\b.{0,200}\bcontributed\b", re.I)),
]
_LINK_LIST_HEADER = re.compile(
    r"^(read (also|more)|related( coverage| articles| stories| news)?|see also|more on this( story)?)\s*:?\s*$", re.I
)
_CREDIT_ONLY = re.compile(r"^(Reuters|AFP|AP|Getty Images|EPA|Shutterstock|Associated Press|Bloomberg)$", re.I)
_SENTENCE_END = re.compile(r"[.!?:\"”’)]\s*$")


def iter_lines(text: str) -> Iterator[Span]:
    """Non-blank lines as spans, without surrounding white space."""
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        stripped = line.strip()
        if not stripped:
            continue
        start = match.start() + (len(line) - len(line.lstrip()))
        yield Span(start, start + len(stripped))


def _looks_like_headline(line: str) -> bool:
    return len(line.split()) <= 25 and not _SENTENCE_END.search(line)


def classify_lines(text: str) -> list[Span]:
    """Every non-blank line as a span whose kind is 'content' or a boilerplate kind.

    News copy puts one paragraph on a line, so a line is the unit: a caption or an appeal is
    never half of a line with real content.
    """
    lines = list(iter_lines(text))
    kinds = ["content"] * len(lines)
    seen: dict[str, int] = {}
    in_link_list = False
    for i, span in enumerate(lines):
        line = text[span.start : span.end]
        if _LINK_LIST_HEADER.match(line):
            kinds[i], in_link_list = "links", True
            continue
        if in_link_list and _looks_like_headline(line):
            kinds[i] = "links"
            continue
        in_link_list = False
        for kind, pattern in _LINE_PATTERNS:
            if pattern.search(line):
                kinds[i] = kind
                break
        if _CREDIT_ONLY.match(line):
            kinds[i] = "caption"
            if i > 0 and kinds[i - 1] == "content" and _looks_like_headline(text[lines[i - 1].start : lines[i - 1].end]):
                kinds[i - 1] = "caption"
        key = re.sub(r"\W+", " ", line).strip().lower()
        if key in seen and kinds[i] == "content":
            kinds[i] = "repeated"
        seen.setdefault(key, i)
    return [Span(s.start, s.end, k) for s, k in zip(lines, kinds)]


# --- metadata ----------------------------------------------------------------------------------

_AGENCIES = {
    "AP": "Associated Press",
    "Reuters": "Reuters",
    "AFP": "AFP",
    "Kyodo": "Kyodo",
    "Xinhua": "Xinhua",
    "Yonhap": "Yonhap",
    "dpa": "dpa",
    "PTI": "PTI",
    "IANS": "IANS",
    "TASS": "TASS",
    "UPI": "UPI",
    "ANSA": "ANSA",
    "EFE": "EFE",
    "CNN": "CNN",
    "AFP-JIJI": "AFP-JIJI",
}
_AGENCY_TAG = re.compile(r"\((" + "|".join(map(re.escape, _AGENCIES)) + r")\)")
_COPYRIGHT_OWNER = re.compile(r"(?:copyright|©)\s*(?:©\s*)?(?:\d{4}\s*[-–]?\s*)*([A-Z][\w.&' -]{1,60})", re.I)
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
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)"
_DATE_MDY = re.compile(rf"({_WEEKDAY})?\b{_MONTH}\s+(\d{{1,2}}),\s+(\d{{4}})")
_DATE_DMY = re.compile(rf"({_WEEKDAY})?\b(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}})")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def find_title(text: str, content: list[Span]) -> str | None:
    """The first content line, when it reads as a headline (short, no sentence end, not a label)."""
    if not content:
        return None
    line = text[content[0].start : content[0].end]
    if line.isupper() or line.startswith(("•", "-", "*")) or not _looks_like_headline(line):
        return None
    return line if len(line.split()) <= 20 else None


def find_outlet(text: str) -> str | None:
    """The outlet named by a dateline tag such as '(AP) —' or '(Kyodo)', else by a copyright line."""
    tag = _AGENCY_TAG.search(text)
    if tag:
        return _AGENCIES[tag.group(1)]
    for span in iter_lines(text):
        line = text[span.start : span.end]
        owner = _COPYRIGHT_OWNER.search(line)
        if owner and re.search(r"copyright|©", line, re.I):
            return _spelled_as_in_text(owner.group(1).strip(" .-"), text)
    return None


def _spelled_as_in_text(owner: str, text: str) -> str:
    """'Euromaidanpress.com' -> 'Euromaidan Press' when the text spells the name in words."""
    stem = re.sub(r"\.(com|org|net|co\.uk|info|news)$", "", owner, flags=re.I)
    key = re.sub(r"\W", "", stem).lower()
    for match in re.finditer(r"\b[A-Z]\w*(?: [A-Z]\w*){1,3}", text):
        words = match.group().split()
        for n in range(len(words), 1, -1):
            if "".join(words[:n]).lower() == key:
                return " ".join(words[:n])
    return stem


def _iter_dates(text: str) -> Iterator[tuple[date, bool]]:
    """(date, has_weekday) for every full date written in the text."""
    for match in _DATE_MDY.finditer(text):
        weekday, month, day, year = match.groups()
        yield from _safe_date(int(year), _MONTHS[month.lower()], int(day), bool(weekday))
    for match in _DATE_DMY.finditer(text):
        weekday, day, month, year = match.groups()
        yield from _safe_date(int(year), _MONTHS[month.lower()], int(day), bool(weekday))
    for match in _DATE_ISO.finditer(text):
        year, month, day = map(int, match.groups())
        yield from _safe_date(year, month, day, False)


def _safe_date(year: int, month: int, day: int, weekday: bool) -> Iterator[tuple[date, bool]]:
    try:
        yield date(year, month, day), weekday
    except ValueError:
        return


def find_published(text: str) -> str | None:
    """The first date written with its weekday (datelines, captions), else the latest full date.

    News copy dates its own day with a weekday ('Thursday Feb. 23, 2023'); dates of earlier
    events usually come without one. An article with no full date gets None.
    """
    dates = list(_iter_dates(text))
    if not dates:
        return None
    with_weekday = [d for d, has_weekday in dates if has_weekday]
    chosen = with_weekday[0] if with_weekday else max(d for d, _ in dates)
    return chosen.isoformat()


# --- adding and removing articles (the chat app's library) ---------------------------------------

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
_SAFE_NAME = re.compile(r"^[\w][\w .-]{0,120}$")


def safe_article_name(name: str) -> str:
    """A plain file name for the corpus folder, or ValueError: no folders, no '..', .txt or .md only."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name.strip() != base or ".." in base or not _SAFE_NAME.match(base):
        raise ValueError(f"unsafe file name {name!r}: use letters, digits, spaces, '.', '-' or '_' and no folders")
    if Path(base).suffix.lower() not in ARTICLE_SUFFIXES:
        raise ValueError(f"{base}: only .txt and .md articles can be added")
    return base


def save_article(corpus_dir: Path, name: str, data: bytes) -> Path:
    """Write an uploaded or pasted article into the corpus after checking name, size and text."""
    base = safe_article_name(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{base} is {len(data) / 1e6:.1f} MB; the upload limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB")
    target = corpus_dir / base
    if target.exists():
        raise ValueError(f"{base} already exists in {corpus_dir}/; remove it first or choose another name")
    staging = corpus_dir / f".{base}.upload"
    staging.write_bytes(data)
    try:
        read_text(staging)
    except ValueError as exc:
        staging.unlink()
        raise ValueError(f"{base}: {exc}") from None
    staging.rename(target)
    return target


def remove_article(corpus_dir: Path, name: str) -> None:
    base = safe_article_name(name)
    path = corpus_dir / base
    if not path.is_file():
        raise ValueError(f"{base} is not in {corpus_dir}/")
    path.unlink()
    for sidecar in (path.with_suffix(".meta.json"), path.with_name(path.name + ".meta.json")):
        if sidecar.is_file():
            sidecar.unlink()
