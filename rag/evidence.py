"""Hits -> evidence: the sentences of the retrieved chunks that answer the question, best first.

A sentence's score adds up signals that hold for news on any subject:
- meaning: embedding similarity to the question; for a number or date question, also the
  similarity of the few words around each figure or date in the sentence, so that a long
  sentence whose subordinate clause holds the answer is not drowned by its main clause;
- wording: the share of the question's content words (Snowball stems, British and American
  spellings, common news abbreviations such as CEO / chief executive) the sentence holds,
  weighted by how rare each word is in the articles;
- answer shape (`answers_kind`): a number question wants a figure of the things it counts (not a
  figure the question itself gives), a date question a date or day, a person question a name, a
  list question several names, a wording question a quotation, a reason question a cause;
- scope (`scope`): a sentence about another day, month, year or ordinal ("first round" for a
  question about the second) is marked down; one about the asked time is marked up;
- the question's own names and outlets: an article the question names by its outlet is preferred,
  and a sentence whose context lacks a name the question gives is marked down;
- form: headings, lead-ins that end with a colon, and questions are not answers (for a list
  question the items after a lead-in are added instead).

`relevance` (meaning + wording, no bonuses) is what refusal compares with its threshold, and
`satisfies` says whether a sentence meets everything the question asks (kind, names, time).

Sentences written to an AI assistant ("ignore your previous instructions...", "SYSTEM: ...") are
set aside by `addresses_an_assistant`: article text is data. They stay in the index, so
`rag quote` and `rag search` still find them.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Collection, Sequence

import numpy as np
import snowballstemmer

from rag.embed import Embedder, embed_texts
from rag.question import (
    MONTH_PATTERN, QUESTION_WORDS, WEEKDAYS, Asked, asked_speaker, day_mentions, figures_in, month_number, time_words, weekday_of,
)
from rag.retrieve import STOPWORDS, Hit, acronyms, american_spelling, has_enumeration
from rag.store import DocumentInfo, Index

WORDING_WEIGHT = 0.5
KIND_BONUS = 0.15

ABBREVIATIONS = {
    "ceo": "chief executive", "cfo": "chief financial officer", "coo": "chief operating officer",
    "cto": "chief technology officer", "pm": "prime minister", "mp": "member of parliament",
    "gdp": "gross domestic product", "ai": "artificial intelligence", "it": "information technology",
    "faa": "federal aviation administration", "dot": "department of transportation", "govt": "government",
}
"""Abbreviations news copy uses beside their spelled-out form. Initials of capitalised names
('United Nations' / 'UN') are found without a list (`rag.retrieve.acronyms`); this table holds
the ones written in lower case when spelled out. Extend it for a newsroom's own beat."""

SYNONYMS = [
    {"cancel", "scrap", "axe", "ground"}, {"die", "death", "dead", "kill", "fatal", "toll"},
    {"arrest", "detain", "detent", "custodi"}, {"resign", "quit", "step"}, {"fire", "sack", "dismiss", "oust"},
    {"say", "said", "state", "tell", "told"}, {"win", "won", "victori", "victor", "winner", "beat"},
    {"lose", "lost", "defeat", "loser"}, {"comput", "machin", "devic", "pc", "system"}, {"crash", "fail", "outag", "down"},
    {"compani", "firm", "busi"}, {"pay", "paid", "compens", "salari", "earn"}, {"flight", "trip"},
    {"score", "goal"}, {"start", "begin", "began", "launch"}, {"hous", "home"}, {"age", "old", "year"},
]
"""Stems that news copy uses for one another. Kept short and general on purpose: the embedder
covers paraphrase; this only lets the wording signal see 'cancelled' in 'scrapped'."""

_CAUSE = re.compile(
    r"\b(because|due to|owing to|as a result|result(ed|s)? (in|from)|caused|causing|cause[sd]?|blam(e|ed|es|ing)|"
    r"so that|in order to|reasons?|led to|leading to|stemm(ed|ing) from|attribut(e|ed|ing)|relies on|rely on|"
    r"depend(s|ed|ing)? on|meant|could not|couldn'?t|unable|failed to|struggl(e|ed|es|ing)|trying to fix|"
    r"take[sn]? time|over what|in protest|in response)\b",
    re.I,
)
_QUOTATION = re.compile(r"[“\"][^”\"]*\s[^”\"]*[”\"]|‘[^’]+\s[^’]+’")
_TO_AN_ASSISTANT = re.compile(
    r"^\W*(system|assistant|user|developer)\s*:"
    r"|<\|?im_(start|end)\|?>|\[/?INST\]"
    r"|\b(ignore|disregard|forget)\b[^.;]{0,30}\b(previous|prior|above|earlier|your|system)\b[^.;]{0,20}\b(instructions?|prompts?)\b"
    r"|\byou are (now )?an? (ai|assistant|language model|chatbot|llm)\b",
    re.I,
)
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_FULL_DATE = re.compile(
    rf"\b{MONTH_PATTERN}\s+\d{{1,2}},?\s+(19|20)\d\d\b|\b\d{{1,2}}\s+{MONTH_PATTERN},?\s+(19|20)\d\d\b", re.I
)
_DAY_OF_MONTH = re.compile(rf"\b({MONTH_PATTERN})\s+(\d{{1,2}})\b|\b(\d{{1,2}})\s+({MONTH_PATTERN})", re.I)
_TIME_OF_DAY = re.compile(r"\b\d{1,2}(:\d\d)?\s*(a\.?m\.?|p\.?m\.?)|\b\d{1,2}:\d\d\b|\b(noon|midnight)\b", re.I)
_RELATIVE_DAY = re.compile(r"\b(yesterday|today|tonight|this (morning|afternoon|evening|week)|last (night|week))\b", re.I)
_ELAPSED_TIME = re.compile(  # 'in the 47th minute', 'two hours later', 'minutes after the update'
    r"\b\d{1,3}(st|nd|rd|th)\s+minute\b|\b(minutes?|hours?|days?|weeks?)\s+(later|after|before|earlier|into)\b", re.I
)
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "dozens": 24, "hundred": 100, "hundreds": 200,
    "thousand": 1000, "thousands": 2000, "million": 10**6, "millions": 2 * 10**6, "billion": 10**9,
}
_FIGURE = re.compile(r"[$€£¥]?\d[\d,.]*\d%?|[$€£¥]?\d%?|\b(" + "|".join(NUMBER_WORDS) + r")\b", re.I)
_PERCENT = re.compile(r"\d\s*%|\bper\s?cent\b|\bpercentage\b|\b(half|third|quarter|fifth|tenth)s?\b|\bone in \w+\b", re.I)
_MONEY = re.compile(r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(dollars|euros|pounds|yen|yuan|rupees|pesos)\b|\b(usd|eur|gbp)\b", re.I)
_MEASURES = {
    "old": r"\d+-year-old|\baged? \d+|, \d{1,3},|\d+ years? old",
    "tall": r"\d[\d,.]*\s*(m|metres?|meters?|ft|feet|foot|storeys?|stories|km)\b",
    "high": r"\d[\d,.]*\s*(m|metres?|meters?|ft|feet|foot|storeys?|stories|km|%|percent)\b",
    "long": r"\d[\d,.]*\s*(seconds?|minutes?|hours?|days?|weeks?|months?|years?|m|metres?|meters?|km|miles?|ft|feet)\b",
    "far": r"\d[\d,.]*\s*(m|metres?|meters?|km|kilometres?|kilometers?|miles?|ft|feet)\b",
    "fast": r"\d[\d,.]*\s*(mph|km/h|kph|knots|miles per hour|kilometres per hour|kilometers per hour|%|percent)",
    "often": r"\b(\d+|once|twice|three|four|five|six|seven|eight|nine|ten) (times?|a (day|week|month|year)|per)\b",
}
"""What 'how old / tall / long / far / fast / often' asks a figure to come with: a unit of that measure."""
_HOW_MEASURE = re.compile(r"\bhow (" + "|".join(_MEASURES) + r")\b", re.I)
_MONEY_QUESTION = re.compile(r"\bhow much\b.*\b(pay|paid|cost|worth|spend|spent|earn|raise|owe|price|fine|compensation|lose|lost|charge)", re.I)
_SHARE_QUESTION = re.compile(r"\bwhat (share|percentage|proportion|fraction|percent)\b", re.I)
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_ORDINAL_PHRASE = re.compile(rf"\b({'|'.join(_ORDINALS)}|\d+(?:st|nd|rd|th))\s+(\w+)", re.I)
_CONTINUES = re.compile(r"^([“\"‘]|(he|she|it|they|this|that|these|but|however|instead)\b)", re.I)
_local = threading.local()


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence with the article it comes from and its scores for the question."""

    doc: DocumentInfo
    start: int
    end: int
    text: str
    score: float
    similarity: float
    coverage: float
    relevance: float = 0.0
    sentence_id: int = -1

    @property
    def year(self) -> int | None:
        return int(self.doc.published[:4]) if self.doc.published else None


def addresses_an_assistant(text: str) -> bool:
    """True for a sentence that gives orders to an AI model rather than reporting news."""
    return bool(_TO_AN_ASSISTANT.search(text))


_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")


def without_acronym_dots(text: str) -> str:
    """'U.S. envoy' -> 'US envoy'."""
    return _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), text)


def plain(text: str) -> str:
    """Without accents: 'González' -> 'Gonzalez', so spellings with and without them compare equal."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_SYNONYM_OF = {stem: min(group) for group in SYNONYMS for stem in group}


def stems(text: str) -> list[str]:
    """Snowball stems of the content words of `text` (American spelling, no accents), the spelled-out
    form of known abbreviations, the acronyms of its names ('U.S.' and 'United States' both give
    'us'), each synonym group reduced to one stem; in order, without repeats."""
    text = plain(without_acronym_dots(text))
    lowered = text.lower()
    for short, long in ABBREVIATIONS.items():
        if re.search(rf"\b{long}\b", lowered):
            lowered += f" {short}"
    words = [american_spelling(w) for w in re.findall(r"\w+", lowered) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    stemmed = [_SYNONYM_OF.get(s, s) for s in _thread_stemmer().stemWords(words)]
    return list(dict.fromkeys(stemmed + acronyms(text)))


def _thread_stemmer():
    """A stemmer per thread: a Snowball stemmer keeps its word in itself, so threads must not share one."""
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("english")
    return _local.stemmer


_FREQUENCIES: dict[str, tuple[dict[str, int], int]] = {}


def _document_frequencies(index: Index) -> tuple[dict[str, int], int]:
    """Sentences holding each stem, and the number of sentences; computed once per index generation."""
    key = str(index.path)
    if key not in _FREQUENCIES:
        frequencies: dict[str, int] = {}
        sentences = index.all_sentences()
        for sentence in sentences:
            for stem in stems(sentence.text):
                frequencies[stem] = frequencies.get(stem, 0) + 1
        _FREQUENCIES[key] = (frequencies, len(sentences))
    return _FREQUENCIES[key]


def word_weights(question: str, index: Index) -> dict[str, float]:
    """Inverse sentence frequency of each question stem.

    A stem no sentence holds still weighs half as much as the rarest one: no passage can cover
    it, which keeps a question about something the articles never mention from looking answered,
    without sinking a question that merely words things differently. An acronym made from the
    question's names counts only where some sentence holds it. Outlet and title words are left
    out (they pick the article), and so are years (they set the scope).
    """
    frequencies, total = _document_frequencies(index)
    about = {stem for d in index.documents().values() for stem in stems(" ".join(filter(None, (d.outlet, d.title))))}
    optional = set(acronyms(question))
    unseen = 0.5 * math.log(1 + total)
    return {
        stem: math.log(1 + total / frequencies[stem]) if stem in frequencies else unseen
        for stem in stems(question)
        if (stem in frequencies or (stem not in about and stem not in optional)) and not _YEAR.fullmatch(stem)
    }


def coverage(weights: dict[str, float], text: str) -> float:
    """Weighted share of the question's stems found in `text` (0..1)."""
    if not weights:
        return 0.0
    present = set(stems(text))
    return sum(w for s, w in weights.items() if s in present) / sum(weights.values())


# --- what a sentence holds ---------------------------------------------------------------------------


def figures(text: str, asked: Asked | None = None) -> list[tuple[int, int]]:
    """Spans of the figures in `text` that could answer: not years, not days of dates, not times of
    day, and not a figure the question itself gives ('911' in 'how many 911 calls')."""
    blocked = [m.span() for pattern in (_DAY_OF_MONTH, _TIME_OF_DAY, _YEAR) for m in pattern.finditer(text)]
    spans = []
    for match in _FIGURE.finditer(text):
        if any(a <= match.start() < b for a, b in blocked):
            continue
        value = re.sub(r"[^\d.]", "", match.group()).rstrip(".")
        if asked and value and value in asked.figures:
            continue
        if match.group().lower() == "one":
            continue  # 'one of the...' is seldom a count
        spans.append(match.span())
    return spans


def has_figure_of(text: str, asked: Asked, reach: int = 4) -> bool:
    """A figure of what the question counts: a percent for 'what share', an amount of money for
    'how much ... paid', a figure with a unit of the measure for 'how old / tall / long / far'
    ('61-year-old', '8,849 metres', '12 hours'), else any answering figure, within `reach` words of
    a counted word when the question names the things it counts ('690 flights', 'flights: 690'),
    or of another long word of the question in another form ('arrested' -> '749 arrests'). For
    a question about a day, the day named nearest the figure must be that day, when one is named."""
    if _SHARE_QUESTION.search(asked.text):
        return bool(_PERCENT.search(text))
    measure = _HOW_MEASURE.search(asked.text)
    if measure:
        return bool(re.search(_MEASURES[measure.group(1).lower()], text, re.I))
    if _MONEY_QUESTION.search(asked.text) and not _MONEY.search(text):
        return False
    spans = figures(text, asked)
    if not spans:
        return False
    if not asked.focus:
        return True
    focus = {_SYNONYM_OF.get(s, s) for s in _thread_stemmer().stemWords([american_spelling(w) for w in asked.focus])}
    counted = {w[:4] for w in _content_words(asked) if len(w) >= 7 and w not in asked.focus}
    tokens = [(m.start(), _SYNONYM_OF.get(stem, stem), m.group()) for m in re.finditer(r"\w+", plain(text.lower()))
              for stem in [_thread_stemmer().stemWord(american_spelling(m.group()))]]
    days = day_mentions(text) if asked.weekdays or asked.days else []
    for start, end in spans:
        position = next((i for i, (at, _, _) in enumerate(tokens) if at >= start), len(tokens))
        near = tokens[max(0, position - reach): position + reach + 1]
        if not any(stem in focus or (len(word) >= 7 and word[:4] in counted) for _, stem, word in near):
            continue
        if days:  # the figure's own day: '690 on Monday, after 1,300 on Sunday'
            nearest = min(days, key=lambda d: min(abs(d[0] - start), abs(d[0] - end)))[1]
            if nearest not in asked.weekdays and nearest not in asked.days:
                continue
        return True
    return False


def _content_words(asked: Asked) -> list[str]:
    """The question's lower-case content words: 'how many people were arrested' -> people, arrested."""
    return [w for w in re.findall(r"\b[a-z][a-z-]+\b", plain(asked.text)) if w not in STOPWORDS and w not in QUESTION_WORDS]


def has_date(text: str) -> bool:
    """A day, a month with its day, a weekday, a time of day, a year, 'yesterday'-like words or a
    time counted from something ('in the 47th minute', 'two hours later')."""
    return bool(
        _DAY_OF_MONTH.search(text) or _TIME_OF_DAY.search(text) or _YEAR.search(text) or _RELATIVE_DAY.search(text)
        or _ELAPSED_TIME.search(text)
        or re.search(r"\b(" + "|".join(WEEKDAYS) + r")\b", text, re.I)
    )


def has_full_date(text: str, doc: DocumentInfo) -> bool:
    """A day, month and year: written out, or relative ('Feb. 24 last year') in a dated article."""
    return bool(_FULL_DATE.search(text)) or any(
        re.match(r"[A-Z]", phrase) and phrase.lower().endswith("year") for phrase, _ in resolve_relative_dates(text, doc.published)
    )


def names_in(text: str) -> list[str]:
    """Capitalised words that are names: not the sentence's first word, not a weekday or month."""
    found = []
    for match in re.finditer(r"(?<=[\w,;:’'\")] )[A-Z][\w’'.-]+", text):
        word = match.group().strip(".")
        if word.lower() not in WEEKDAYS and not month_number(word) and word.lower() not in QUESTION_WORDS:
            found.append(word)
    return found


# Words that make a capitalised run the name of an organisation, event or place, not a person.
_ORGANISATION_WORDS = frozenset(
    "Agency Airlines Airport Assembly Association Authority Bank Board Championship Church Club Commission Committee "
    "Company Congress Corporation Council Court Cup Department Embassy Federation Festival Foundation Games Government "
    "Group Hospital Institute League Ministry Museum Office Organization Organisation Parliament Party Police Senate "
    "Service Stadium Station Street Tournament Union University".split()
)
_PERSON = re.compile(r"\b[A-Z][a-zà-ÿ’'-]+(?:\s+(?:[A-Z]\.\s+)?[A-Z][a-zà-ÿ’'-]+)+")


def person_named(text: str, asked: Asked) -> list[str]:
    """Full names in `text` that the question does not give: runs of two or more capitalised words
    ('George Kurtz', 'Luiz Inácio Lula'), not those with an organisation's word ('European
    Football Championship', 'Electoral Council'). For 'which judge/official ...' the role word must stand
    within three words of the name ('Judge Ana Ruiz', 'Ana Ruiz, the judge')."""
    known = {name_key(w) for name in asked.names for w in name.split()}
    runs = []
    for match in _PERSON.finditer(text):
        words = [w for w in match.group().split() if w not in ("The", "A", "An") and not w.endswith(".")]
        if len(words) >= 2 and not all(name_key(w) in known for w in words) and not _ORGANISATION_WORDS & set(words):
            runs.append(match)
    role = re.search(r"\bwhich (\w+)", asked.text, re.I)
    if role and role.group(1).lower() not in QUESTION_WORDS and runs:
        stem = _thread_stemmer().stemWord(role.group(1).lower())
        tokens = [(m.start(), _thread_stemmer().stemWord(m.group().lower())) for m in re.finditer(r"\w+", text)]
        runs = [r for r in runs if any(s == stem and (r.start() - 40 <= at <= r.end() + 40) for at, s in tokens)]
    return [r.group() for r in runs]


def answers_kind(asked: Asked, text: str) -> bool:
    """Whether `text` holds the kind of answer the question asks for (True when it asks no kind)."""
    kind = asked.kind
    if kind == "number":
        return has_figure_of(text, asked)
    if kind == "date":
        return has_date(text)
    if kind == "place":
        known = {w.lower() for name in asked.names for w in name.split()}
        return any(w.lower() not in known for w in names_in(text))
    if kind == "person":
        return bool(person_named(text, asked))
    if kind == "list":
        return has_enumeration(text) or len(set(names_in(text))) >= 3
    if kind == "wording":
        return bool(_QUOTATION.search(text)) or bool(re.search(r"\b(said|says|told|wrote|called|described)\b", text))
    return True


def gives_reason(text: str) -> bool:
    """A cause is stated ('because', 'due to', 'blamed', 'after', 'relies on'...). A bonus for
    'why' questions, never required: news copy often gives a reason without such a word."""
    return bool(_CAUSE.search(text))


def name_key(word: str) -> str:
    """'González' ~ 'Gonzalez', 'Venezuela's' ~ 'Venezuelan': lower case, no accents, first five letters."""
    return re.sub(r"[’']s$", "", plain(word)).replace(".", "").lower()[:5]


def names_missing(asked: Asked, context: str) -> list[str]:
    """The question's key names that `context` does not mention: a name is mentioned by one of its
    words (accents, plurals and adjectives aside: 'Venezuela' finds 'Venezuelan'), or its initials
    ('United States' finds 'U.S.', 'FAA' finds 'Federal Aviation Administration'); a name made of
    ordinary words ('National Electoral Council') by most of them, since 'election' alone is not it."""
    context = without_acronym_dots(context)
    keys = {name_key(w) for w in re.findall(r"[\w’'.-]+", context)} | {name_key(a) for a in acronyms(context)}
    missing = []
    for name in asked.key_names:
        words = [w for w in name.split() if len(w) > 1 and w.lower() not in STOPWORDS]
        initials = "".join(w[0] for w in words if w[0].isupper()).lower()
        present = sum(name_key(w) in keys for w in words)
        needed = 1 if name not in asked.common_names else len(words) if len(words) <= 2 else math.ceil(len(words) / 2)
        if words and present < needed and not (len(initials) > 1 and initials in keys):
            missing.append(name)
    return missing


def scope(asked: Asked, text: str, doc: DocumentInfo) -> int:
    """+1 when the sentence is about the time (or ordinal) the question asks about, -1 when it is
    about another one, 0 when it does not say. A sentence that names no day counts as being
    about the day its article was published. An article published on another day than the
    report the question names ('the Tuesday report') is -1."""
    weekdays, days, months, years = time_words(text)
    published = doc.published or ""
    if not days and len(published) >= 10:
        days_published = {(int(published[5:7]), int(published[8:10]))}
    else:
        days_published = set()
    verdict = 0
    for wanted, have, fallback in (
        (asked.weekdays, weekdays, {weekday_of(published)} - {None} if not weekdays and not days else set()),
        (asked.days, days, days_published if not weekdays else set()),
        (asked.months, months, {int(published[5:7])} if published[5:7].isdigit() and not months else set()),
        (asked.years, years, {int(published[:4])} if published[:4].isdigit() and not years else set()),
    ):
        if not wanted:
            continue
        named = have or fallback
        if not named:
            continue
        if wanted & named:
            verdict = max(verdict, 1)
        else:
            return -1
    if asked.published and published[:10]:
        day = {weekday_of(published), (int(published[5:7]), int(published[8:10]))} if len(published) >= 10 else set()
        if day and not day & asked.published:
            return -1
    asked_ordinals = {m.group(2).lower(): m.group(1).lower() for m in _ORDINAL_PHRASE.finditer(asked.text)}
    for match in _ORDINAL_PHRASE.finditer(text):
        noun = match.group(2).lower()
        if noun in asked_ordinals:
            if match.group(1).lower() != asked_ordinals[noun]:
                return -1
            verdict = 1
    return verdict


def is_heading(text: str) -> bool:
    """A headline or section heading: short, no full stop, no verb-like ending of a sentence."""
    return len(text.split()) <= 14 and not re.search(r"[.!?”\"’)]$", text.strip())


def is_lead_in(text: str) -> bool:
    """A sentence that introduces what follows ('The airlines affected include:')."""
    return text.rstrip().endswith(":")


_WHOLE = re.compile(r"\b(final|every|all (?:the )?(?:\w+ )?(?:results|figures|data|counted)|complete|full|entire|finished)\b", re.I)
_PARTIAL = re.compile(
    r"\b\d+(?:\.\d+)?\s?(?:%|percent|per cent) of (?:the )?(?:\w+ ){1,2}(?:counted|reported|tallied|processed|returned|in|showing|examined|reviewed)\b"
    r"|\bwith \d+(?:\.\d+)?\s?(?:%|percent)"
    r"|\bfrom (?:about |around |nearly |more than |over )?\d+(?:\.\d+)?\s?(?:%|percent|per cent) of\b"
    r"|\b(preliminary|partial|incomplete|provisional|so far|as of|early (?:results|returns|count))\b",
    re.I,
)
_MEDIUM = re.compile(
    r"\b(?:in|during|on) (?:his|her|their|its|the|a|an) ((?:[a-z]+ ){0,1}(?:phone call|call|interview|speech|letter|post|"
    r"statement|press conference|news conference|address|tweet|podcast|broadcast|memo|email))\b",
    re.I,
)


def partial_for_whole(asked: Asked, text: str) -> bool:
    """The question asks about the whole ('the final totals once every ballot was counted', 'for the
    entire outage') and the sentence gives a partial or preliminary figure ('with 80% of the
    ballots counted', 'so far', 'as of Sunday afternoon')."""
    return bool(_WHOLE.search(asked.text)) and bool(_PARTIAL.search(text))


def medium_missing(asked: Asked, context: str) -> bool:
    """'What did X say in their phone call / in his speech?': the words of that medium must stand
    in the sentence or the two before it; what X said elsewhere does not answer."""
    medium = _MEDIUM.search(asked.text)
    if not medium:
        return False
    present = set(stems(context))
    return not all(stem in present for stem in stems(medium.group(1)))


def speaker_differs(asked: Asked, e: Evidence, index: Index) -> bool:
    """Words the article gives to someone else do not answer 'what did X say': a sentence that
    does not name X must have X as its speaker, as the article attributes it
    (`rag.quotes.attribute`), when the article names one."""
    from rag.quotes import attribute, same_person

    wanted = asked_speaker(asked)
    if not wanted or not names_missing(replace(asked, key_names=(wanted,)), e.text):
        return False  # no one asked about, or X is named in the sentence itself
    speaker, _ = attribute(index.document_text(e.doc.source), e.start, e.end)
    return bool(speaker) and not same_person(speaker, wanted)


def satisfies(asked: Asked, e: Evidence, index: Index, part: Asked | None = None) -> bool:
    """Whether a sentence meets what the question asks: the kind of answer, the question's key
    names (in the sentence, the two before it, or its article's title, outlet or address), and
    the asked time: a sentence that names another day, or whose article is dated another day, does
    not answer; one that names none in an undated article may. A partial figure does not answer a
    question about the whole, nor words said elsewhere one about a given call or speech, nor
    someone else's words one about what X said."""
    asked = part or asked
    if not answers_kind(asked, e.text):
        return False
    context = context_of(e, index)
    if scope(asked, e.text, e.doc) < 0 or partial_for_whole(asked, context_of(e, index, before=1, about=False)):
        return False
    if asked.key_names and names_missing(asked, context):
        return False
    if asked.kind == "wording" and (medium_missing(asked, context) or speaker_differs(asked, e, index)):
        return False
    if asked.kind == "person" and action_missing(asked, context):
        return False
    return True


_WHO_DID = re.compile(r"^\s*(?:and\s+)?who\s+([a-z]+(?:ed|d))\b", re.I)


def action_missing(asked: Asked, context: str) -> bool:
    """'Who refereed the final?': a name answers only beside the act asked about ('refereed',
    'referee'); a name from a sentence about something else does not."""
    match = _WHO_DID.match(asked.text)
    if not match:
        return False
    act = stems(match.group(1))
    return bool(act) and act[0] not in set(stems(context))


def context_of(e: Evidence, index: Index, before: int = 2, about: bool = True) -> str:
    """The sentence with the `before` ones just before it in its article and, with `about`, the
    article's title, outlet, address and file name (what a reader knows the article by)."""
    previous = [s.text for s in index.sentences_in(e.doc.doc_id, max(0, e.start - 1500), e.start) if s.end <= e.start][-before:]
    names = [e.doc.title or "", e.doc.outlet or "", e.doc.url or "", re.sub(r"[\W_]+", " ", e.doc.source)] if about else []
    return " ".join([*names, *previous, e.text])


# --- choosing -----------------------------------------------------------------------------------


def _answer_windows(text: str, spans: list[tuple[int, int]], before: int = 14, after: int = 4) -> list[str]:
    """The words around each figure or date of `text`."""
    windows = []
    for start, end in spans:
        head = text[:start].split()[-before:]
        tail = text[end:].split()[:after]
        windows.append(" ".join(head + [text[start:end]] + tail))
    return windows


def _answer_spans(asked: Asked, text: str) -> list[tuple[int, int]]:
    if asked.kind == "number":
        return figures(text, asked)
    if asked.kind == "date":
        return [m.span() for p in (_DAY_OF_MONTH, _TIME_OF_DAY, _YEAR, _RELATIVE_DAY) for m in p.finditer(text)]
    return []


def select_evidence(
    asked: Asked, hits: list[Hit], index: Index, embedder: Embedder, query_vector: np.ndarray, limit: int,
    sentences: Sequence = (),
) -> list[Evidence]:
    """The best sentences of the hits, and of `sentences` found on their own (see
    `rag.retrieve.search_sentences`), for the question, best first, at most `limit`."""
    weights = word_weights(asked.text, index)
    documents = index.documents()
    candidates = []
    seen: set[tuple[str, int]] = set()
    for rank, hit in enumerate(hits):
        for sentence in index.sentences_in(hit.doc.doc_id, hit.start, hit.end):
            if (hit.doc.doc_id, sentence.start) not in seen:
                seen.add((hit.doc.doc_id, sentence.start))
                candidates.append((rank, hit.doc, sentence))
    for sentence in sentences:
        if (sentence.doc_id, sentence.start) not in seen:
            seen.add((sentence.doc_id, sentence.start))
            candidates.append((len(hits), documents[sentence.doc_id], sentence))
    if not candidates:
        return []
    similarity = index.sentence_vectors[[s.id for _, _, s in candidates]] @ query_vector
    if asked.kind in ("number", "date"):
        similarity = np.maximum(similarity, _window_similarity(asked, candidates, embedder, query_vector))
    scored = []
    for (rank, doc, sentence), sim in zip(candidates, similarity):
        covered = coverage(weights, sentence.text)
        relevance = float(sim) + WORDING_WEIGHT * covered
        score = relevance + 0.05 / (1 + rank)
        if asked.kind == "reason":
            score += KIND_BONUS if gives_reason(sentence.text) else 0.0
        elif asked.kind:
            score += KIND_BONUS if answers_kind(asked, sentence.text) else -KIND_BONUS
        if asked.kind == "date":
            score += 0.1 if _FULL_DATE.search(sentence.text) else 0.05 if has_full_date(sentence.text, doc) or _DAY_OF_MONTH.search(sentence.text) else 0.0
        if asked.outlets:
            score += 0.3 if doc.doc_id in asked.outlets else -0.1
        score += {1: 0.1, 0: 0.0, -1: -0.3}[scope(asked, sentence.text, doc)]
        if is_heading(sentence.text) or sentence.text.rstrip().endswith("?"):
            score -= 0.3
        elif is_lead_in(sentence.text) and asked.kind != "list":
            score -= 0.2
        scored.append(Evidence(doc, sentence.start, sentence.end, sentence.text, score, float(sim), covered, relevance, sentence.id))
    if asked.key_names:
        scored = [_with_name_penalty(asked, e, index) for e in scored]
    scored.sort(key=lambda e: -e.score)
    return _distinct(scored)[:limit]


def _with_name_penalty(asked: Asked, e: Evidence, index: Index) -> Evidence:
    missing = names_missing(asked, context_of(e, index)) if names_missing(asked, e.text) else []
    return replace(e, score=e.score - 0.1 * len(missing)) if missing else e


def _distinct(evidence: list[Evidence]) -> list[Evidence]:
    """The best of sentences with the same words: a key-points bullet often repeats the body verbatim."""
    seen: set[str] = set()
    kept = []
    for e in evidence:
        key = " ".join(re.findall(r"\w+", e.text.lower()))
        if key not in seen:
            seen.add(key)
            kept.append(e)
    return kept


def _window_similarity(asked: Asked, candidates: list, embedder: Embedder, query_vector: np.ndarray) -> np.ndarray:
    """Per candidate, the best similarity of a window around a figure or date (0 without one)."""
    owners, windows = [], []
    for i, (_, _, sentence) in enumerate(candidates):
        for window in _answer_windows(sentence.text, _answer_spans(asked, sentence.text))[:4]:
            owners.append(i)
            windows.append(window)
    best = np.zeros(len(candidates), dtype=np.float32)
    if windows:
        for owner, sim in zip(owners, embed_texts(embedder, windows) @ query_vector):
            best[owner] = max(best[owner], float(sim))
    return best


def with_continuations(chosen: list[Evidence], pool: list[Evidence], index: Index, limit: int) -> list[Evidence]:
    """Add the sentence that follows a chosen one when it carries on the thought.

    It does when it opens with a quote mark or a pronoun ('“The West didn’t want…”', 'He said…'),
    or when it is itself in the evidence `pool`: news copy often sets up a fact in one sentence
    and gives the detail in the next.
    """
    strong = {(e.doc.doc_id, e.start): e for e in pool}
    result = list(chosen)
    for e in chosen:
        if len(result) >= limit:
            break
        following = [s for s in index.sentences_in(e.doc.doc_id, e.end, e.end + 600) if s.start >= e.end][:1]
        if not following or any(r.doc.doc_id == e.doc.doc_id and r.start == following[0].start for r in result):
            continue
        nxt = following[0]
        if addresses_an_assistant(nxt.text):
            continue
        if _CONTINUES.match(nxt.text) or (e.doc.doc_id, nxt.start) in strong:
            scored = strong.get((e.doc.doc_id, nxt.start))
            result.insert(result.index(e) + 1, scored or replace(e, start=nxt.start, end=nxt.end, text=nxt.text, sentence_id=nxt.id))
    return result


def with_listed_items(chosen: list[Evidence], index: Index, most: int = 8) -> list[Evidence]:
    """After a chosen lead-in ('The affected services included:'), the items that follow it, each
    its own short line or sentence (twelve words at most, or no full stop), up to the next
    sentence that reads as prose."""
    result = []
    for e in chosen:
        result.append(e)
        if not is_lead_in(e.text):
            continue
        for sentence in [s for s in index.sentences_in(e.doc.doc_id, e.end, e.end + 3000) if s.start >= e.end][:most]:
            if any(r.doc.doc_id == e.doc.doc_id and r.start == sentence.start for r in result + chosen):
                continue
            if len(sentence.text.split()) > 12 and not is_heading(sentence.text):
                break
            result.append(replace(e, start=sentence.start, end=sentence.end, text=sentence.text, sentence_id=sentence.id))
    return result


_EVENT_QUESTION = re.compile(
    r"\bwhat (happened|occurred|took place|went on)\b|\bwhat (was|were) the (final )?(outcome|result|score)s?\b"
    r"|\bhow did (it|the (\w+ ){1,3}?)(go|end|turn out)\b",
    re.I,
)


def with_outcome(asked: Asked, chosen: list[Evidence], index: Index, window: int = 8) -> list[Evidence]:
    """For 'what happened at ...', add the outcome: the nearest sentence with a figure to the best one.

    News copy places the occasion in one sentence and reports the result (a count, a score, a
    sum) a few sentences away in the same article, in words that share little with the question.
    Results are written in digits, so a sentence with digits comes before one with a number word.
    """
    if not chosen or not _EVENT_QUESTION.search(asked.text) or figures(chosen[0].text, asked):
        return chosen
    anchor = chosen[0]
    article = index.sentences_in(anchor.doc.doc_id, max(0, anchor.start - 3000), anchor.end + 3000)
    position = next((i for i, s in enumerate(article) if s.start == anchor.start), None)
    if position is None:
        return chosen
    nearest_first = sorted(
        (i for i in range(max(0, position - window), min(len(article), position + window + 1)) if i != position),
        key=lambda i: (abs(i - position), i < position),
    )
    with_digits = [i for i in nearest_first if re.search(r"\d", _DAY_OF_MONTH.sub(" ", article[i].text))]
    for i in with_digits + [i for i in nearest_first if i not in with_digits]:
        sentence = article[i]
        if addresses_an_assistant(sentence.text) or not figures(sentence.text, asked):
            continue
        if scope(asked, sentence.text, anchor.doc) < 0:
            continue
        if any(e.doc.doc_id == anchor.doc.doc_id and e.start == sentence.start for e in chosen):
            return chosen
        outcome = replace(anchor, start=sentence.start, end=sentence.end, text=sentence.text, sentence_id=sentence.id)
        return [anchor, outcome, *chosen[1:]]
    return chosen


def per_article(evidence: list[Evidence], each: int = 2, limit: int = 8, min_score_ratio: float = 0.7) -> list[Evidence]:
    """The best `each` sentences of every article that has a good one, best article first: a
    question that compares outlets needs each outlet's own words side by side."""
    if not evidence:
        return []
    floor = max(e.score for e in evidence) * min_score_ratio
    by_article: dict[str, list[Evidence]] = {}
    for e in sorted(evidence, key=lambda e: -e.score):
        if e.score >= floor and len(by_article.setdefault(e.doc.doc_id, [])) < each:
            by_article[e.doc.doc_id].append(e)
    return [e for sentences in by_article.values() for e in sentences][:limit]


def spread(
    evidence: list[Evidence], count: int, index: Index, min_score_ratio: float = 0.75, redundancy: float = 0.3
) -> list[Evidence]:
    """Pick `count` sentences by maximal marginal relevance: good ones that add something new.

    Each pick maximises its score minus `redundancy` times its similarity to the sentences
    already picked, and a small penalty for an article already quoted, so three outlets
    restating the lede give way to the sentence that carries the detail.
    """
    if not evidence:
        return []
    floor = evidence[0].score * min_score_ratio
    pool = [e for e in evidence if e.score >= floor]
    vectors = index.sentence_vectors[[max(e.sentence_id, 0) for e in pool]]
    chosen: list[int] = [0]
    while len(chosen) < min(count, len(pool)):
        def marginal(i: int) -> float:
            overlap = max(float(vectors[i] @ vectors[j]) for j in chosen)
            same_article = any(pool[j].doc.doc_id == pool[i].doc.doc_id for j in chosen)
            return pool[i].score - redundancy * overlap - (0.1 if same_article else 0.0)

        chosen.append(max((i for i in range(len(pool)) if i not in chosen), key=marginal))
    return [pool[i] for i in chosen]


_RELATIVE_DATE = re.compile(
    r"\b((?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\s+)?(last|this|next) year)\b"
    r"|\b(on\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.I,
)


def resolve_relative_dates(text: str, published: str | None) -> list[tuple[str, str]]:
    """('Feb. 24 last year', '2022'), ('Thursday', '2023-02-23'): relative dates read against the article's date."""
    if not published:
        return []
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return []
    resolved = []
    for match in _RELATIVE_DATE.finditer(text):
        if match.group(2):
            offset = {"last": -1, "this": 0, "next": 1}[match.group(2).lower()]
            resolved.append((match.group(1), str(day.year + offset)))
        else:
            weekday = WEEKDAYS.index(match.group(4).lower())
            back = (day.weekday() - weekday) % 7
            resolved.append((match.group(4), (day - timedelta(days=back)).isoformat()))
    return resolved


# --- checks of a model's sentence against a passage ---------------------------------------------------


def years_agree(sentence: str, evidence: Evidence) -> bool:
    """Every year the sentence names stands in the passage or is its article's year."""
    named = {int(m.group()) for m in _YEAR.finditer(sentence)}
    if not named:
        return True
    in_passage = {int(m.group()) for m in _YEAR.finditer(evidence.text)}
    return named <= in_passage | ({evidence.year} if evidence.year else set())


def _figure_words(text: str, reach: int = 3) -> dict[str, set[str]]:
    """Each figure of `text` (digits without separators, or a number word's value) with the stems
    of the lower-case words, not days or months, within `reach` words whose nearest figure it is
    (a figure's relation: 'cost', 'paid', 'scored', 'conceded')."""
    tokens = re.findall(r"[$€£¥]?\d[\d,.]*\d%?|[$€£¥]?\d%?|[\w’'-]+", plain(without_acronym_dots(text)))
    values = []
    for token in tokens:
        digits = re.sub(r"[^\d.]", "", token).rstrip(".")
        if digits and not _YEAR.fullmatch(digits):
            values.append(digits)
        elif token.lower() in NUMBER_WORDS and token.lower() not in ("one", "million", "millions", "billion", "thousand"):
            values.append(str(NUMBER_WORDS[token.lower()]))
        else:
            values.append(None)
    positions = [i for i, v in enumerate(values) if v is not None]
    found: dict[str, set[str]] = {values[i]: set() for i in positions}
    for j, token in enumerate(tokens):
        if values[j] is not None or not token[:1].islower() or token in WEEKDAYS or month_number(token):
            continue
        distances = {i: abs(i - j) for i in positions if abs(i - j) <= reach}
        if distances:
            nearest = min(distances.values())
            for i in (i for i, d in distances.items() if d == nearest):
                found[values[i]].update(stems(token))
    return found


def figures_agree(sentence: str, passage: str, context: str = "") -> bool:
    """Every figure of the sentence stands in the passage (or counts a list of names there: 'six
    countries' for a list of six), with the words right around it: a word the sentence puts next
    to a figure must stand in the passage (or the question, `context`) and, where the passage puts
    it next to a figure, next to the same one. So 'Delta paid $500 million' is not 'the outage cost
    Delta $500 million', and 'conceded 2' is not 'scored 2 and conceded 1'."""
    from rag.retrieve import list_lengths

    passage_figures = _figure_words(passage)
    allowed = set(stems(passage)) | set(stems(context))
    beside_some_figure = set().union(*passage_figures.values()) if passage_figures else set()
    for figure, near in _figure_words(sentence).items():
        if figure not in passage_figures:
            if figure.isdigit() and int(figure) in list_lengths(passage):
                continue
            return False
        if near - allowed:
            return False
        if (near & beside_some_figure) - passage_figures[figure]:
            return False
    return True


_CAPITALISED = re.compile(r"\b[A-Z][\w.’'-]*")


def _name_runs(text: str) -> list[tuple[int, list[str]]]:
    """Runs of capitalised words not broken by punctuation, with the position of their first
    word: 'Japanese Foreign Minister Yoshimasa Hayashi' is one run, 'Belarus, Mali' two."""
    runs: list[tuple[int, list[str]]] = []
    previous_end = None
    for match in _CAPITALISED.finditer(text):
        if previous_end is not None and text[previous_end:match.start()].isspace():
            runs[-1][1].append(match.group())
        else:
            runs.append((match.start(), [match.group()]))
        previous_end = match.end()
    return runs


def _name_key(word: str) -> str:
    """'China's' ~ 'Chinese', 'Spanish' ~ 'Spain', 'U.N.' ~ 'UN': the first four letters, lower case."""
    word = re.sub(r"[’']s$", "", plain(word)).replace(".", "").lower()
    return word[:4]


def names_agree(sentence: str, passage: str, known_names: Collection[str] = ()) -> bool:
    """Every name of the sentence stands in the passage, with the same qualifiers.

    A small model swaps who is who: 'Chinese Foreign Minister Yoshimasa Hayashi' from 'Representing
    Japan, Foreign Minister Yoshimasa Hayashi'. A run of capitalised words must find its last word
    in a run of the passage whose words, or the five words before it, hold the others; a lone
    name must stand in the passage. Acronyms match the initials of a passage run ('UN', 'United
    Nations'). A single capitalised word opening the sentence may be an ordinary word ('Despite'):
    it is checked only when it is one of `known_names` (the names of the question and the passages).
    """
    passage_words = re.findall(r"[\w.’'-]+", passage)
    passage_keys = {_name_key(w) for w in passage_words}
    contexts = []
    for start, run in _name_runs(passage):
        before = re.findall(r"[\w.’'-]+", passage[:start])[-5:]
        initials = {"".join(w[0] for w in run[i:j]).lower() for i in range(len(run)) for j in range(i + 2, len(run) + 1)}
        contexts.append({_name_key(w) for w in run + before} | initials)
        passage_keys |= initials
    for start, run in _name_runs(sentence):
        names = [w for w in run if w.lower() not in STOPWORDS]
        opening_word = start == 0 and len(run) == 1 and not re.search(r"[’']s$", run[0])
        if not names or (opening_word and run[0] not in known_names):
            continue
        keys = [_name_key(w) for w in names]
        if len(keys) == 1:
            if keys[0] not in passage_keys:
                return False
            continue
        if not any(set(keys) <= context for context in contexts if keys[-1] in context):
            return False
    return True


def new_words(sentence: str, passage: str, context: str = "") -> set[str]:
    """Content stems of `sentence` found neither in the passage nor in `context` (the question and
    the sentences around the passage): what the sentence claims beyond its source."""
    return set(stems(sentence)) - set(stems(passage)) - set(stems(context))


def restates(question: str, text: str) -> bool:
    """A sentence that only says the question back (it asks it, or holds nothing else)."""
    rest = set(stems(text)) - set(stems(question))
    return text.rstrip().endswith("?") or len(rest) <= 1


def sentence_figures(text: str) -> set[str]:
    """The figures of a sentence as digits, for comparing two sources' numbers."""
    return figures_in(text) | {str(NUMBER_WORDS[w.lower()]) for w in re.findall(r"\b\w+\b", text) if w.lower() in NUMBER_WORDS and w.lower() != "one"}


def same_time(a: Evidence, b: Evidence) -> bool:
    """Whether two sentences report the same day: the days, dates and years they name, else their
    articles' publication days; a sentence that names no day and an undated article say nothing."""
    def days(e: Evidence) -> set:
        weekdays, dates, _, years = time_words(e.text)
        if weekdays or dates:
            return set(weekdays) | set(dates)
        return {weekday_of(e.doc.published)} - {None}

    first, second = days(a), days(b)
    if first and second:
        return bool(first & second)
    return False


def word_count(texts: Sequence[str]) -> int:
    return sum(len(t.split()) for t in texts)
