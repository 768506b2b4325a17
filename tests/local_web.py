"""A local web server for tests and benchmarks: saved-style news pages, a feed, redirects, and
slow, failing and odd responses. Never the internet.

    with LocalWeb() as web:
        web.url("/news/storm.html")
"""

from __future__ import annotations

import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUTLETS = ("The Harbour Gazette", "Northern Post", "Daily Ledger")


def article_page(n: int, subject: str, outlet: str, day: str, canonical: str) -> str:
    """A news page like a saved one: navigation, metadata, an article of several paragraphs."""
    paragraphs = [
        f"The {subject} report number {n} was published on {day}, the {outlet} said in its morning edition, "
        f"after officials confirmed the first figures to reporters gathered outside the town hall.",
        f"Officials said {100 + 17 * n} people had been affected by the {subject}, and that crews had worked "
        f"through the night to reach the villages cut off since the weekend.",
        "“We are doing everything we can,” said Mayor Ana Ruiz, who asked residents to stay away from the river "
        "banks until the water level falls below the warning mark.",
        f"The regional council will meet on Thursday to decide how much money to release for repairs, "
        f"according to a statement issued after the meeting of the {subject} committee.",
    ]
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    title = f"{subject.capitalize()} update {n}: officials count the damage"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(title)} | {escape(outlet)}</title>
<link rel="canonical" href="{escape(canonical)}">
<meta property="og:site_name" content="{escape(outlet)}">
<meta property="og:title" content="{escape(title)}">
<meta name="author" content="Lena Ortiz">
<meta property="article:published_time" content="{day}T08:00:00Z">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article><h1>{escape(title)}</h1>
<p class="byline">By Lena Ortiz</p>
{body}
</article></main>
<footer><p>© {escape(outlet)}. All rights reserved.</p></footer>
</body></html>"""


MENU_PAGE = """<!DOCTYPE html><html><head><title>Home | Northern Post</title></head><body>
<nav><ul><li><a href="/a">World</a></li><li><a href="/b">Business</a></li><li><a href="/c">Sport</a></li>
<li><a href="/d">Culture</a></li><li><a href="/e">Weather</a></li></ul></nav></body></html>"""

LISTING_PAGE = """<!DOCTYPE html><html><head><title>Directory listing for /news/</title></head><body>
<h1>Directory listing for /news/</h1><hr><ul>""" + "".join(
    f'<li><a href="story-{n}.html">story-{n}-flood-update-from-the-river-valley.html</a></li>' for n in range(40)
) + "</ul><hr></body></html>"

PAYWALL_PAGE = """<!DOCTYPE html><html><head><title>Inside the budget talks | Daily Ledger</title>
<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false}</script></head>
<body><article><h1>Inside the budget talks</h1>
<p>Ministers met for six hours on Tuesday as the deadline for a deal drew closer, and aides said the mood was tense.</p>
<p>Subscribe to continue reading. Already a subscriber? Log in to read the full story.</p>
</article></body></html>"""


class LocalWeb:
    """Serves `pages` (path -> (status, content type, body)) and the special paths below on
    127.0.0.1, in a thread. Counts requests per path in `hits`."""

    def __init__(self, articles: int = 3, slow_seconds: float = 3.0) -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.hits: dict[str, int] = {}
        self.slow_seconds = slow_seconds
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        for n in range(1, articles + 1):
            self.pages[self._article_path(n)] = (200, "text/html; charset=utf-8", self._article(n, self.url(self._article_path(n))))
        self.articles = [self._article_path(n) for n in range(1, articles + 1)]
        # the first article again under another address, naming itself as canonical: a mirror
        self.pages["/mirror.html"] = (200, "text/html", self._article(1, self.url("/mirror/copy.html")))
        self.pages["/menu.html"] = (200, "text/html", MENU_PAGE.encode())
        self.pages["/listing/"] = (200, "text/html", LISTING_PAGE.encode())
        self.pages["/paywall.html"] = (200, "text/html", PAYWALL_PAGE.encode())
        self.pages["/report.pdf"] = (200, "application/pdf", b"%PDF-1.4 not a page")
        self.pages["/big.html"] = (200, "text/html", b"<html><body>" + b"<p>word </p>" * 600_000 + b"</body></html>")
        self.pages["/feed.xml"] = (200, "application/rss+xml", self.rss(self.articles).encode("utf-8"))
        self.pages["/empty-feed.xml"] = (200, "application/rss+xml", self.rss([]).encode("utf-8"))

    SUBJECTS = ("flood", "storm", "drought", "wildfire", "landslide")

    def _article_path(self, n: int) -> str:
        return f"/news/{self.SUBJECTS[n % len(self.SUBJECTS)]}-{n}.html"

    def _article(self, n: int, canonical: str) -> bytes:
        day = f"2024-{1 + n % 9:02d}-{10 + n % 18:02d}"
        return article_page(n, self.SUBJECTS[n % len(self.SUBJECTS)], OUTLETS[n % len(OUTLETS)], day, canonical).encode()

    def url(self, path: str) -> str:
        return self.base + path

    def rss(self, paths: list[str]) -> str:
        items = "".join(
            f"<item><title>Story {n}</title><link>{self.url(p)}</link><guid>{self.url(p)}</guid></item>"
            for n, p in enumerate(paths, 1)
        )
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>'
                f"<link>{self.base}/</link><description>Test feed</description>{items}</channel></rss>")

    def _handler(self):
        web = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path
                web.hits[path] = web.hits.get(path, 0) + 1
                if path == "/redirect":
                    return self._redirect(web.articles[0])
                if path in ("/loop-a", "/loop-b"):
                    return self._redirect("/loop-b" if path == "/loop-a" else "/loop-a")
                if path == "/slow.html":
                    time.sleep(web.slow_seconds)
                if path == "/broken":
                    return self._send(500, "text/plain", b"internal error")
                status, kind, body = web.pages.get(path.split("?")[0], (404, "text/plain", b"not found"))
                self._send(status, kind, body)

            def _redirect(self, to: str) -> None:
                self.send_response(302)
                self.send_header("Location", to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _send(self, status: int, kind: str, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler

    def __enter__(self) -> "LocalWeb":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
