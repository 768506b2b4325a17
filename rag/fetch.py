"""Web addresses and feeds -> saved pages in the corpus folder (`rag add`, the Library tab).

A page is fetched once, checked, and kept as the saved `.html` it was, with a sidecar
`NAME.meta.json` holding the address it came from and when it was fetched; from then on it is
indexed like any saved page (`rag.webpage`). Nothing is written unless every check passes, so
a failure leaves the corpus as it was and says why in one line:

- not an http(s) address, an unreachable host, no answer within the timeout, an HTTP error,
  a redirect loop (or more than `MAX_REDIRECTS` redirects), a body over `MAX_PAGE_BYTES`;
- not a web page (content type), a page with no article text, a paywall stub;
- a duplicate: the same canonical address or the same article text as one already in the corpus.

Fetching is httpx's, not trafilatura's: trafilatura's `fetch_url` returns None for every kind
of failure, and a reader needs to know which one happened. A feed (RSS, Atom or JSON Feed) is
read by trafilatura's feed parser; each linked article not already in the corpus is added.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urljoin, urlsplit, urlunsplit

from rag.ingest import ARTICLE_SUFFIXES, content_hash, iter_article_files, sidecar_path
from rag.webpage import Page, extract_page

USER_AGENT = "rag-news/0.1 (local news archive; fetches one page at a time)"
TIMEOUT_SECONDS = 20.0
MAX_PAGE_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_FEED_ITEMS = 100
SENTENCE_WORDS = 8
ARTICLE_WORDS = 30
"""A page is an article when its lines of `SENTENCE_WORDS` words or more hold `ARTICLE_WORDS` words."""
STUB_WORDS = 150
"""A page with fewer words than this that asks the reader to subscribe or log in is a paywall stub."""

_PAYWALL = re.compile(
    r"\b(subscribe (now )?to (continue|read)|subscribers? only|for subscribers|already a subscriber|"
    r"(sign|log) ?in to (continue|read)|to continue reading|create a free account to|this (article|content) is "
    r"(only )?(available|reserved) (to|for) (subscribers|members)|unlock (this|the full) (article|story))",
    re.I,
)
_NOT_FREE = re.compile(r"[\"']isAccessibleForFree[\"']\s*:\s*[\"']?false", re.I)


class FetchError(ValueError):
    """A page or feed that cannot be added; the message is the one line a reader sees."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the address asked for
    final_url: str  # after redirects
    body: bytes
    content_type: str
    fetched_at: str  # ISO 8601, UTC


@dataclass
class Known:
    """What the corpus already holds, to recognise a duplicate: canonical addresses and texts."""

    urls: dict[str, str] = field(default_factory=dict)  # canonical address -> file name
    texts: dict[str, str] = field(default_factory=dict)  # content hash -> file name

    def duplicate_of(self, urls: Iterable[str | None], text: str | None = None) -> str | None:
        for url in filter(None, urls):
            if canonical_url(url) in self.urls:
                return self.urls[canonical_url(url)]
        return self.texts.get(content_hash(text)) if text else None

    def add(self, name: str, urls: Iterable[str | None], text: str) -> None:
        for url in filter(None, urls):
            self.urls.setdefault(canonical_url(url), name)
        self.texts.setdefault(content_hash(text), name)


@dataclass(frozen=True)
class Added:
    """The outcome for one address: `path` when it was added, else `skipped` (a duplicate) or
    `error` (why it failed)."""

    url: str
    path: Path | None = None
    title: str | None = None
    skipped: str | None = None
    error: str | None = None

    def line(self) -> str:
        if self.path:
            return f"added {self.path.name}: “{self.title or '(no title)'}” from {self.url}"
        if self.skipped:
            return f"skipped {self.url}: {self.skipped}"
        return f"failed {self.url}: {self.error}"


def canonical_url(url: str) -> str:
    """An address in the form two copies of one article share: lower-case scheme and host, no
    'www.', no fragment, no trailing slash, no tracking parameters (utm_*, fbclid, gclid)."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    query = "&".join(q for q in parts.query.split("&") if q and not re.match(r"(utm_\w+|fbclid|gclid)=", q))
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/") or "/", query, ""))


def fetch(url: str, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_PAGE_BYTES) -> Fetched:
    """GET `url` politely (our user agent, `MAX_REDIRECTS` redirects at most), reading at most
    `max_bytes`, or FetchError saying what went wrong."""
    import httpx

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url!r} is not a web address; give one that starts with http:// or https://")
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5"}
    try:
        with httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout, headers=headers) as client:
            with client.stream("GET", url.strip()) as response:
                if response.status_code >= 400:
                    raise FetchError(f"the server answered HTTP {response.status_code} {response.reason_phrase}; check the address, "
                                     "or open it in a browser and save the page")
                declared = int(response.headers.get("content-length") or 0)
                if declared > max_bytes:
                    raise FetchError(f"the page is {declared / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB")
                body = bytearray()
                for piece in response.iter_bytes():
                    body += piece
                    if len(body) > max_bytes:
                        raise FetchError(f"the page is over the {max_bytes / 1e6:.0f} MB limit")
                return Fetched(url.strip(), str(response.url), bytes(body), response.headers.get("content-type", ""),
                               datetime.now(timezone.utc).isoformat(timespec="seconds"))
    except httpx.TooManyRedirects:
        raise FetchError(f"a redirect loop, or more than {MAX_REDIRECTS} redirects; open the address in a browser "
                         "and add the page it ends on") from None
    except httpx.TimeoutException:
        raise FetchError(f"no answer from {parts.hostname} within {timeout:g} s; try again later") from None
    except httpx.ConnectError as exc:
        raise FetchError(f"cannot reach {parts.hostname} ({_reason(exc)}); check the address and the connection") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"the download from {parts.hostname} failed ({_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return re.sub(r"^\[Errno -?\d+\]\s*", "", text.splitlines()[0])[:120]


def read_page(fetched: Fetched) -> Page:
    """The article of a fetched page, or FetchError: not HTML, no article text, a paywall stub."""
    kind = fetched.content_type.split(";")[0].strip().lower()
    if kind and kind not in ("text/html", "application/xhtml+xml"):
        raise FetchError(f"not a web page but {kind}; give the address of the article's web page, or paste its text "
                         "into a .txt file and add that")
    try:
        page = extract_page(fetched.body)
    except ValueError as exc:
        raise FetchError(str(exc)) from None
    in_sentences = sum(len(line.split()) for line in page.text.splitlines() if len(line.split()) >= SENTENCE_WORDS)
    if in_sentences < ARTICLE_WORDS:
        raise FetchError("no article text found in this page, only short lines (a menu, a list of links); "
                         "give the address of the article's own page")
    words = len(page.text.split())
    if words < STUB_WORDS and (_PAYWALL.search(page.text) or _NOT_FREE.search(fetched.body.decode("utf-8", "replace"))):
        raise FetchError(f"a paywall stub ({words} words of the article); save the page from a browser where you can "
                         "read it whole, and add the file")
    return page


def declared_url(body: bytes) -> str | None:
    """The address a page gives for itself (`<link rel="canonical">`, else `og:url`), when
    trafilatura's metadata has none."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None
    for found in (tree.xpath('//link[@rel="canonical"]/@href'), tree.xpath('//meta[@property="og:url"]/@content')):
        if found and urlsplit(found[0].strip()).scheme in ("http", "https"):
            return found[0].strip()
    return None


def known_articles(corpus_dir: Path, documents: Iterable = ()) -> Known:
    """The addresses and texts already in the corpus: the index's documents (url, text hash),
    and the address in every sidecar, so pages added since the last index count too."""
    known = Known()
    for doc in documents:
        if doc.url:
            known.urls.setdefault(canonical_url(doc.url), doc.source)
        known.texts.setdefault(doc.doc_id, doc.source)
    for path in iter_article_files(corpus_dir):
        sidecar = sidecar_path(path)
        if sidecar.is_file():
            try:
                record = json.loads(sidecar.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                continue
            if not isinstance(record, dict):
                continue
            for url in (record.get("url"), record.get("fetched_url")):
                if isinstance(url, str) and url:
                    known.urls.setdefault(canonical_url(url), path.relative_to(corpus_dir).as_posix())
    return known


def add_url(corpus_dir: Path, url: str, known: Known, fetcher: Callable[[str], Fetched] = fetch) -> Added:
    """Fetch `url`, check it, and keep it as `NAME.html` with its sidecar; `known` learns it.
    Never raises for a bad page: the outcome says what happened."""
    try:
        fetched = fetcher(url)
        page = read_page(fetched)
    except FetchError as exc:
        return Added(url, error=str(exc))
    declared = page.metadata.url or declared_url(fetched.body)
    addresses = [url, fetched.final_url, declared]
    duplicate = known.duplicate_of(addresses, page.text)
    if duplicate:
        return Added(url, skipped=f"already in the corpus as {duplicate}")
    canonical = declared or fetched.final_url
    path = save_page(corpus_dir, fetched, canonical, page.metadata.title)
    known.add(path.name, addresses, page.text)
    return Added(url, path=path, title=page.metadata.title)


def save_page(corpus_dir: Path, fetched: Fetched, canonical: str, title: str | None) -> Path:
    """Write the page and its sidecar under a new name; the sidecar lands first and the page is
    renamed into place last, so an interrupted save leaves no half-added article."""
    target = _free_name(corpus_dir, page_name(canonical, title))
    sidecar = sidecar_path(target)
    staging = corpus_dir / f".{target.name}.fetch"
    staging.write_bytes(fetched.body)
    try:
        record = {"url": canonical, "fetched_url": fetched.url, "fetched": fetched.fetched_at}
        sidecar.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        staging.rename(target)
    except OSError:
        staging.unlink(missing_ok=True)
        sidecar.unlink(missing_ok=True)
        raise
    return target


def page_name(url: str, title: str | None) -> str:
    """A readable file name: the site, then the title's (or the address's last part's) words."""
    parts = urlsplit(url)
    host = (parts.hostname or "page").removeprefix("www.")
    words = title or parts.path.rstrip("/").rsplit("/", 1)[-1] or "page"
    slug = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")[:60].rstrip("-") or "page"
    return f"{re.sub(r'[^a-z0-9.-]+', '-', host)}-{slug}.html"


def _free_name(corpus_dir: Path, name: str) -> Path:
    stem = name.removesuffix(".html")
    candidate, n = corpus_dir / name, 2
    while candidate.exists() or any(candidate.with_suffix(s).exists() for s in ARTICLE_SUFFIXES):
        candidate, n = corpus_dir / f"{stem}-{n}.html", n + 1
    return candidate


def feed_links(fetched: Fetched) -> list[str]:
    """The article addresses a feed lists, in the feed's order, or FetchError when it lists none."""
    from trafilatura.feeds import FeedParameters, find_links

    text = fetched.body.decode("utf-8", "replace").strip()
    parts = urlsplit(fetched.final_url)
    params = FeedParameters(f"{parts.scheme}://{parts.netloc}", parts.hostname or "", fetched.final_url, external=True)
    links, seen = [], set()
    for link in find_links(text, params):
        absolute = urljoin(fetched.final_url, link.strip())
        if urlsplit(absolute).path.strip("/") and absolute != fetched.final_url and absolute not in seen:
            seen.add(absolute)
            links.append(absolute)
    if not links:
        raise FetchError("not a feed, or a feed that lists no articles; give the address of an RSS, Atom or JSON feed")
    return links[:MAX_FEED_ITEMS]


def add_feed(
    corpus_dir: Path,
    url: str,
    known: Known,
    fetcher: Callable[[str], Fetched] = fetch,
    pause: float = 0.5,
    on_each: Callable[[Added], None] | None = None,
) -> list[Added]:
    """Add each article a feed links to that the corpus does not hold yet, `pause` seconds between
    the pages it fetches (a polite crawler; a link already known is not fetched, so it waits for
    nothing). FetchError when the feed itself cannot be read."""
    outcomes: list[Added] = []
    fetched_one = False
    for link in feed_links(fetcher(url)):
        duplicate = known.duplicate_of([link])
        if duplicate:
            outcome = Added(link, skipped=f"already in the corpus as {duplicate}")
        else:
            if fetched_one and pause:
                time.sleep(pause)
            outcome, fetched_one = add_url(corpus_dir, link, known, fetcher), True
        outcomes.append(outcome)
        if on_each:
            on_each(outcome)
    return outcomes
