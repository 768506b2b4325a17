"""Outlet names: news agencies, a table of web domains, and the user's own additions.

An article names its outlet in a wire tag ('(AP)'), a byline ('By Reuters Staff'), a copyright
line, or only by the address it was saved from. This module turns those into one spelling per
outlet, so that 'according to the Associated Press' and `--outlet "Associated Press"` find the
same articles whether the text said 'AP', 'apnews.com' or 'The Associated Press'.

The domain table below is deliberately short: widely read outlets and wire services. A user
extends it with an `outlets.json` file in the corpus folder, a JSON object of domain -> name
(`{"oilnow.gy": "OilNOW", "presentng.com": "Present NG"}`); its entries win over the built-in
ones. A domain in neither table gives the domain itself ('example.com'), which is at least
true. Nothing here guesses an outlet from the words of an article.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

OUTLET_TABLE_FILE = "outlets.json"

# Wire services as their tags and bylines write them -> the name used everywhere else.
AGENCIES = {
    "AP": "Associated Press",
    "The Associated Press": "Associated Press",
    "Associated Press": "Associated Press",
    "Reuters": "Reuters",
    "AFP": "AFP",
    "Agence France-Presse": "AFP",
    "Kyodo": "Kyodo",
    "Kyodo News": "Kyodo",
    "Xinhua": "Xinhua",
    "Yonhap": "Yonhap",
    "dpa": "dpa",
    "PTI": "PTI",
    "IANS": "IANS",
    "ANI": "ANI",
    "TASS": "TASS",
    "UPI": "UPI",
    "ANSA": "ANSA",
    "EFE": "EFE",
    "CNN": "CNN",
    "AFP-JIJI": "AFP-JIJI",
    "Jiji": "Jiji Press",
    "Bloomberg": "Bloomberg",
}

# Company names that copyright lines use for an outlet.
ALIASES = {
    "Cable News Network": "CNN",
    "Thomson Reuters": "Reuters",
    "WP Company": "The Washington Post",
    "Guardian News & Media": "The Guardian",
    "British Broadcasting Corporation": "BBC",
    "WSJ": "The Wall Street Journal",
    "NYT": "The New York Times",
    "WaPo": "The Washington Post",
}

# Registered domain -> outlet name. Subdomains ('edition.cnn.com', 'uk.reuters.com') match.
DOMAINS = {
    "apnews.com": "Associated Press",
    "reuters.com": "Reuters",
    "afp.com": "AFP",
    "bbc.com": "BBC",
    "bbc.co.uk": "BBC",
    "cnn.com": "CNN",
    "nytimes.com": "The New York Times",
    "washingtonpost.com": "The Washington Post",
    "wsj.com": "The Wall Street Journal",
    "theguardian.com": "The Guardian",
    "aljazeera.com": "Al Jazeera",
    "npr.org": "NPR",
    "nbcnews.com": "NBC News",
    "cbsnews.com": "CBS News",
    "abcnews.go.com": "ABC News",
    "foxnews.com": "Fox News",
    "usatoday.com": "USA Today",
    "bloomberg.com": "Bloomberg",
    "ft.com": "Financial Times",
    "economist.com": "The Economist",
    "politico.com": "Politico",
    "politico.eu": "Politico",
    "axios.com": "Axios",
    "latimes.com": "Los Angeles Times",
    "independent.co.uk": "The Independent",
    "telegraph.co.uk": "The Telegraph",
    "dailymail.co.uk": "Daily Mail",
    "news.sky.com": "Sky News",
    "skysports.com": "Sky Sports",
    "espn.com": "ESPN",
    "dw.com": "DW",
    "france24.com": "France 24",
    "euronews.com": "Euronews",
    "lemonde.fr": "Le Monde",
    "spiegel.de": "Der Spiegel",
    "elpais.com": "El País",
    "kyodonews.net": "Kyodo",
    "xinhuanet.com": "Xinhua",
    "news.cn": "Xinhua",
    "yna.co.kr": "Yonhap",
    "tass.com": "TASS",
    "ansa.it": "ANSA",
    "upi.com": "UPI",
    "ptinews.com": "PTI",
    "timesofindia.indiatimes.com": "The Times of India",
    "hindustantimes.com": "Hindustan Times",
    "thehindu.com": "The Hindu",
    "ndtv.com": "NDTV",
    "scmp.com": "South China Morning Post",
    "japantimes.co.jp": "The Japan Times",
    "abc.net.au": "ABC News (Australia)",
    "cbc.ca": "CBC News",
    "theglobeandmail.com": "The Globe and Mail",
    "newsweek.com": "Newsweek",
    "cnbc.com": "CNBC",
    "voanews.com": "Voice of America",
    "rferl.org": "Radio Free Europe/Radio Liberty",
    "euromaidanpress.com": "Euromaidan Press",
    "kyivindependent.com": "The Kyiv Independent",
    "newsmax.com": "Newsmax",
    "miamiherald.com": "Miami Herald",
    "theathletic.com": "The Athletic",
    "thehill.com": "The Hill",
    "townhall.com": "Townhall",
    "csmonitor.com": "The Christian Science Monitor",
    "vox.com": "Vox",
    "theatlantic.com": "The Atlantic",
    "nationalreview.com": "National Review",
    "washingtontimes.com": "The Washington Times",
    "nypost.com": "New York Post",
    "huffpost.com": "HuffPost",
    "buzzfeednews.com": "BuzzFeed News",
    "breitbart.com": "Breitbart News",
    "msnbc.com": "MSNBC",
    "pbs.org": "PBS",
    "businessinsider.com": "Business Insider",
    "thedailybeast.com": "The Daily Beast",
}


def load_outlet_table(corpus_dir: Path | None) -> dict[str, str]:
    """The built-in domain table updated with `outlets.json` from the corpus folder, if any.

    A malformed file raises ValueError naming the file and the shape it should have.
    """
    table = dict(DOMAINS)
    if corpus_dir is None:
        return table
    path = Path(corpus_dir) / OUTLET_TABLE_FILE
    if not path.is_file():
        return table
    try:
        extra = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not readable JSON ({exc}); write an object such as {{\"example.com\": \"Example News\"}}") from None
    if not isinstance(extra, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in extra.items()):
        raise ValueError(f"{path}: expected a JSON object of domain -> outlet name, e.g. {{\"example.com\": \"Example News\"}}")
    table.update({host_of(k) or k.lower(): v.strip() for k, v in extra.items()})
    return table


def host_of(url: str) -> str | None:
    """'https://www.Example.com/a/b' -> 'example.com'; 'example.com/x' works too; else None."""
    url = url.strip().strip("<>()[]\"'")
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "http://" + url
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    host = re.sub(r"^(www\d?|m|amp|mobile)\.", "", host)
    return host if "." in host and re.fullmatch(r"[a-z0-9.-]+", host) else None


def outlet_from_url(url: str, table: dict[str, str] | None = None) -> str | None:
    """The outlet a URL belongs to: the table's name for its domain (or a parent domain), else
    the domain itself ('oilnow.gy'). None when the text is not a URL."""
    table = DOMAINS if table is None else table
    host = host_of(url)
    if host is None:
        return None
    parts = host.split(".")
    for i in range(len(parts) - 1):
        name = table.get(".".join(parts[i:]))
        if name:
            return name
    return host


def known_names(table: dict[str, str] | None = None) -> dict[str, str]:
    """Every spelling of a known outlet (agency tags, table names) -> its name, lower-cased keys."""
    table = DOMAINS if table is None else table
    names = {k.lower(): v for k, v in {**AGENCIES, **ALIASES}.items()}
    for name in table.values():
        names.setdefault(name.lower(), name)
        if name.lower().startswith("the "):
            names.setdefault(name[4:].lower(), name)
    return names


def known_in(words: str, table: dict[str, str] | None = None) -> str | None:
    """The longest known outlet name standing as whole words in `words`: 'Guardian News & Media
    Limited' -> 'The Guardian', 'Thomson Reuters' -> 'Reuters'; None when there is none."""
    known = known_names(table)
    lowered = words.lower()
    for key in sorted(known, key=len, reverse=True):
        if len(key) > 2 and re.search(rf"(?<![\w&]){re.escape(key)}(?![\w&])", lowered):
            return known[key]
    return None


def canonical(name: str, table: dict[str, str] | None = None) -> str:
    """One spelling per outlet: 'AP' -> 'Associated Press', 'reuters.com' -> 'Reuters'; an
    unknown name is returned as given ('Space.com'; 'www.example.org' -> 'example.org')."""
    name = name.strip()
    known = known_names(table).get(name.lower())
    if known:
        return known
    if re.fullmatch(r"(www\.)?[\w-]+(\.[\w-]+)+", name, re.I):
        named = outlet_from_url(name, table) or name
        unknown = named.lower() == name.lower().removeprefix("www.")
        return name if unknown and name != name.lower() else named  # 'Space.com' as the site writes itself
    return name
