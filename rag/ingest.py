"""Files -> documents: read articles, find boilerplate, extract metadata.

Formats:

- `.txt` and `.md`: the `Document` keeps the file's text exactly as read (UTF-8, universal
  newlines), so every offset computed downstream points into the file a reader can open. YAML
  front matter at the top is read for metadata and marked as boilerplate, not removed.
- `.html` and `.htm`: a saved web page's bytes are not the article's text. The text is what
  trafilatura extracts (`rag.webpage`); offsets point into that text, which the index keeps and
  `rag show SOURCE` prints.

Boilerplate (menus, bylines, share and ad lines, appeals, captions, link lists, bare URLs,
comment sections, repeated lines) is not removed from the text: it is recorded as spans
(`rag.boilerplate`), and `content_paragraphs` gives what is left to index. Metadata (title,
outlet, date, author, URL) comes from, in increasing precedence: the text (`rag.metadata`), the
front matter or the page's metadata, and a sidecar `NAME.meta.json` written by the user or the
Library tab. What cannot be found stays None.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from rag.boilerplate import Span, classify_lines
from rag.dates import parse_date
from rag.errors import CorpusError
from rag.metadata import Metadata, front_matter, read_metadata
from rag.outlets import load_outlet_table

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
ARTICLE_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
MAX_FILE_BYTES = 10 * 1024 * 1024
METADATA_FIELDS = ("title", "outlet", "published", "author", "url")

__all__ = ["Document", "Skipped", "Span", "load_corpus", "parse_document", "read_text"]


@dataclass
class Document:
    doc_id: str
    source: str
    text: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None
    format: str = "text"  # text, markdown or html (text extracted from the page)
    aliases: list[str] = field(default_factory=list)
    boilerplate: list[Span] = field(default_factory=list)
    paragraphs: list[Span] = field(default_factory=list)

    @property
    def content_paragraphs(self) -> list[Span]:
        return [p for p in self.paragraphs if p.kind == "content"]

    @property
    def kept_chars(self) -> int:
        return sum(p.end - p.start for p in self.content_paragraphs)

    @property
    def boilerplate_chars(self) -> int:
        return sum(b.end - b.start for b in self.boilerplate)

    def missing(self) -> list[str]:
        """The metadata a reader expects but the article did not give: title, outlet, date."""
        return [name for name, value in (("title", self.title), ("outlet", self.outlet), ("date", self.published)) if not value]

    def summary_line(self) -> str:
        """One line for `rag index`: file, title, outlet, date, kept/boilerplate characters."""
        title = f"“{self.title}”" if self.title else "(no title)"
        return (
            f"{self.source}: {title} · {self.outlet or '(no outlet)'} · {self.published or '(no date)'} · "
            f"kept {self.kept_chars:,} chars, boilerplate {self.boilerplate_chars:,}"
        )


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"too large ({len(data) / 1e6:.0f} MB, the limit is {MAX_FILE_BYTES / 1e6:.0f} MB); split it")
    if not data.strip():
        raise ValueError("empty file")
    return data


def read_text(path: Path) -> str:
    """Decode an article file or raise ValueError saying why it cannot be used.

    Newlines are normalised as Python's text mode does, so offsets match `open(path).read()`.
    """
    data = _read_bytes(path)
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
    """The article files under `corpus_dir`; hidden files and folders (`.removed/`) are not read."""
    for path in sorted(corpus_dir.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(corpus_dir).parts)
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES and not hidden:
            yield path


def read_document(path: Path, name: str, table: dict[str, str] | None = None) -> Document:
    """One article file as a `Document`, or ValueError saying why it cannot be used."""
    sidecar = read_sidecar(path)
    if path.suffix.lower() in HTML_SUFFIXES:
        from rag.webpage import extract_page

        data = _read_bytes(path)
        if b"\x00" in data:
            raise ValueError("binary file (or UTF-16), not a web page; save the page again as UTF-8 HTML")
        page = extract_page(data, table)
        return parse_document(page.text, name, sidecar, table, page=page.metadata, format="html")
    text = read_text(path)
    return parse_document(text, name, sidecar, table, format="markdown" if path.suffix.lower() == ".md" else "text")


def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[Skipped]]:
    """Read every article under `corpus_dir`. Identical texts become one document with aliases."""
    try:
        table = load_outlet_table(corpus_dir)
    except ValueError as exc:
        raise CorpusError(str(exc)) from None
    documents: dict[str, Document] = {}
    skipped: list[Skipped] = []
    for path in iter_article_files(corpus_dir):
        name = path.relative_to(corpus_dir).as_posix()
        try:
            doc = read_document(path, name, table)
        except (ValueError, OSError) as exc:
            skipped.append(Skipped(name, str(exc)))
            continue
        if doc.doc_id in documents:
            documents[doc.doc_id].aliases.append(name)
            continue
        if not doc.content_paragraphs:
            skipped.append(Skipped(name, "only boilerplate, nothing to index"))
            continue
        documents[doc.doc_id] = doc
    return list(documents.values()), skipped


def sidecar_path(path: Path) -> Path:
    """Where `path`'s sidecar is: an existing `NAME.meta.json` or `NAME.txt.meta.json`, else the
    first of them (the second when another article shares the stem)."""
    short, long = path.with_suffix(".meta.json"), path.with_name(path.name + ".meta.json")
    for candidate in (short, long):
        if candidate.is_file():
            return candidate
    siblings = [p for p in path.parent.glob(path.stem + ".*") if p.suffix.lower() in ARTICLE_SUFFIXES and p != path]
    return long if siblings else short


def read_sidecar(path: Path) -> dict[str, str]:
    """Metadata from `NAME.meta.json` (or `NAME.txt.meta.json`) beside the article, if any.

    Known keys: title, outlet, published (YYYY-MM-DD), author, url; others are ignored, and so
    is a date that is not a date.
    """
    candidate = sidecar_path(path)
    if not candidate.is_file():
        return {}
    try:
        data = json.loads(candidate.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return {}
    if not isinstance(data, dict):
        return {}
    values = {k: str(v).strip() for k, v in data.items() if k in METADATA_FIELDS and v and str(v).strip()}
    if "published" in values:
        day = parse_date(values["published"])
        if day:
            values["published"] = day.isoformat()
        else:
            del values["published"]
    return values


def parse_document(
    text: str,
    source: str,
    sidecar: dict[str, str] | None = None,
    table: dict[str, str] | None = None,
    page: Metadata | None = None,
    format: str = "text",
) -> Document:
    """Classify the text's lines and read its metadata: sidecar, then front matter or the page's
    metadata, then what the text itself says (see `rag.metadata`)."""
    paragraphs: list[Span] = []
    start = 0
    declared = Metadata()
    site = None
    matter = front_matter(text, table) if format != "html" else None
    if matter:
        declared, start = matter
        paragraphs.append(Span(0, len(text[:start].rstrip()), "metadata"))
    elif page is not None:
        declared = Metadata(page.title, None, page.published, page.author, page.url)
        site = page.outlet
    paragraphs += classify_lines(text, start)
    found = read_metadata(text, paragraphs, table, url=declared.url, site=site)
    doc = Document(doc_id=content_hash(text), source=source, text=text, paragraphs=paragraphs, format=format)
    doc.boilerplate = [p for p in paragraphs if p.kind != "content"]
    for name in METADATA_FIELDS:
        value = (sidecar or {}).get(name) or getattr(declared, name) or getattr(found, name)
        setattr(doc, name, value)
    return doc


# --- adding and removing articles (the chat app's library) ---------------------------------------

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
_SAFE_NAME = re.compile(r"^[\w][\w .-]{0,120}$")


def safe_article_name(name: str) -> str:
    """A plain file name for the corpus folder, or ValueError: no folders, no '..', and one of
    .txt, .md, .html or .htm."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name.strip() != base or ".." in base or not _SAFE_NAME.match(base):
        raise ValueError(f"unsafe file name {name!r}: use letters, digits, spaces, '.', '-' or '_' and no folders")
    if Path(base).suffix.lower() not in ARTICLE_SUFFIXES:
        raise ValueError(f"{base}: only .txt, .md, .html and .htm articles can be added")
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
        if Path(base).suffix.lower() in HTML_SUFFIXES:
            from rag.webpage import extract_page

            extract_page(_read_bytes(staging))
        else:
            read_text(staging)
    except ValueError as exc:
        staging.unlink()
        raise ValueError(f"{base}: {exc}") from None
    staging.rename(target)
    return target


REMOVED_FOLDER = ".removed"


def remove_article(corpus_dir: Path, name: str) -> Path:
    """Take an article (and its sidecar) out of the corpus into `corpus_dir/.removed/`, which is
    never indexed: nothing is lost, and moving the file back restores it. Returns where it went."""
    base = safe_article_name(name)
    path = corpus_dir / base
    if not path.is_file():
        raise ValueError(f"{base} is not in {corpus_dir}/")
    trash = corpus_dir / REMOVED_FOLDER
    trash.mkdir(exist_ok=True)
    target, n = trash / base, 2
    while target.exists():
        target, n = trash / f"{Path(base).stem}-{n}{Path(base).suffix}", n + 1
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        sidecar.rename(trash / f"{target.name}.meta.json")
    path.rename(target)
    return target


def correct_metadata(corpus_dir: Path, name: str, **changes: str | None) -> Path:
    """Record a reader's correction of an article's title, outlet, date (published) or author
    in its sidecar `NAME.meta.json`, which wins over what the text says. None leaves a field as
    it is; an empty string removes the correction. Returns the sidecar's path.

    The next `rag index` (or any command) finds the index stale and reads the article again.
    """
    base = safe_article_name(name)
    path = corpus_dir / base
    if not path.is_file():
        raise ValueError(f"{base} is not in {corpus_dir}/")
    unknown = sorted(set(changes) - set(METADATA_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; corrections can change {', '.join(METADATA_FIELDS)}")
    sidecar = sidecar_path(path)
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else {}
    except (ValueError, OSError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    for key, value in changes.items():
        if value is None:
            continue
        value = " ".join(str(value).split())
        if key == "published" and value:
            day = parse_date(value)
            if day is None:
                raise ValueError(f"date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-07-31")
            value = day.isoformat()
        if value:
            data[key] = value
        else:
            data.pop(key, None)
    staging = sidecar.with_name(f".{sidecar.name}.tmp")
    staging.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(staging, sidecar)
    return sidecar
