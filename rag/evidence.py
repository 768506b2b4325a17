"""What one sentence holds, read by plain functions that hold for news on any subject.

`Evidence` is a candidate sentence with its article and its scores for the question. The rest
reads one sentence (or its context) and judges nothing:
- words: the Snowball stems of its content words (British and American spellings, accents,
  common news abbreviations such as CEO / chief executive, a short list of synonyms), and the
  weighted share of the question's stems it holds, each weighted by how rare it is in the
  articles (`word_weights`, `coverage`);
- dates (`has_date`, `has_full_date`, `resolve_relative_dates`), names (`names_in`,
  `person_named`, and `names_missing`: the question's key names a text lacks), a stated cause
  (`gives_reason`).

Sentences written to an AI assistant ("ignore your previous instructions...", "SYSTEM: ...") are
recognised by `addresses_an_assistant`: article text is data. They stay in the index, so
`rag quote` and `rag search` still find them. Ranking is in `rag.candidates`, whether a sentence
answers in `rag.answerability`, the checks of a model's sentence in `rag.verify`; figures are
read in `rag.figures`.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Sequence

import snowballstemmer

from rag.question import Asked, named_thing, time_words, weekday_of
from rag.retrieve import STOPWORDS, acronyms, american_spelling
from rag.store import DocumentInfo, Index
from rag.words import MONTH_PATTERN, QUESTION_WORDS, WEEKDAYS, month_number

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
_TO_AN_ASSISTANT = re.compile(
    r"^\W*(system|assistant|user|developer)\s*:"
    r"|<\|?im_(start|end)\|?>|\[/?INST\]"
    r"|\b(ignore|disregard|forget)\b[^.;]{0,30}\b(previous|prior|above|earlier|your|system)\b[^.;]{0,20}\b(instructions?|prompts?)\b"
    r"|\byou are (now )?an? (ai|assistant|language model|chatbot|llm)\b",
    re.I,
)
YEAR = re.compile(r"\b(19|20)\d\d\b")
FULL_DATE = re.compile(
    rf"\b{MONTH_PATTERN}\s+\d{{1,2}},?\s+(19|20)\d\d\b|\b\d{{1,2}}\s+{MONTH_PATTERN},?\s+(19|20)\d\d\b", re.I
)
DAY_OF_MONTH = re.compile(
    rf"\b({MONTH_PATTERN})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH_PATTERN})", re.I
)
TIME_OF_DAY = re.compile(
    r"\b\d{1,2}(:\d\d)?\s*(a\.?m\.?|p\.?m\.?)|\b\d{1,2}:\d\d\b|\b(noon|midnight)\b|\b\d{4}\s*(GMT|UTC|BST|CET|CEST)\b", re.I
)  # '10:15 a.m.', '22:08', 'noon', '0900 GMT'
_ASKS_TIME_OF_DAY = re.compile(r"\bwhat time\b|\bat what hour\b|\bwhat hour\b", re.I)
RELATIVE_DAY = re.compile(r"\b(yesterday|today|tonight|this (morning|afternoon|evening|week)|last (night|week))\b", re.I)
_ELAPSED_TIME = re.compile(  # 'in the 47th minute', 'two hours later', 'minutes after the update'
    r"\b\d{1,3}(st|nd|rd|th)\s+minute\b|\b(minutes?|hours?|days?|weeks?)\s+(later|after|before|earlier|into)\b", re.I
)
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


SYNONYM_OF = {stem: min(group) for group in SYNONYMS for stem in group}


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
    stemmed = [SYNONYM_OF.get(s, s) for s in stemmer().stemWords(words)]
    return list(dict.fromkeys(stemmed + acronyms(text)))


def stemmer():
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
        if (stem in frequencies or (stem not in about and stem not in optional)) and not YEAR.fullmatch(stem)
    }


def coverage(weights: dict[str, float], text: str) -> float:
    """Weighted share of the question's stems found in `text` (0..1)."""
    if not weights:
        return 0.0
    present = set(stems(text))
    return sum(w for s, w in weights.items() if s in present) / sum(weights.values())


# --- what a sentence holds ---------------------------------------------------------------------------


def content_words(question: str) -> list[str]:
    """The question's lower-case content words: 'how many people were arrested' -> people, arrested."""
    return [w for w in re.findall(r"\b[a-z][a-z-]+\b", plain(question)) if w not in STOPWORDS and w not in QUESTION_WORDS]


def has_time_of_day(question: str, text: str) -> bool:
    """'What time was he arrested?' asks for a time of day ('10:15 a.m.', 'shortly after 0900 GMT');
    any other date question is answered by any date (`has_date`)."""
    return bool(TIME_OF_DAY.search(text)) if _ASKS_TIME_OF_DAY.search(question) else has_date(text)


def has_date(text: str) -> bool:
    """A day, a month with its day, a weekday, a time of day, a year, 'yesterday'-like words or a
    time counted from something ('in the 47th minute', 'two hours later')."""
    return bool(
        DAY_OF_MONTH.search(text) or TIME_OF_DAY.search(text) or YEAR.search(text) or RELATIVE_DAY.search(text)
        or _ELAPSED_TIME.search(text)
        or re.search(r"\b(" + "|".join(WEEKDAYS) + r")\b", text, re.I)
    )


def has_full_date(text: str, doc: DocumentInfo) -> bool:
    """A day, month and year: written out, or relative ('Feb. 24 last year') in a dated article."""
    return bool(FULL_DATE.search(text)) or any(
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


# Words that make a capitalised run the name of an organisation, event, place or structure, not a person.
_ORGANISATION_WORDS = frozenset(
    "Agency Airlines Airport Assembly Association Authority Bank Board Championship Church Club Commission Committee "
    "Company Congress Corporation Council Court Cup Department Embassy Federation Festival Foundation Games Government "
    "Group Hospital Institute League Ministry Museum Office Organization Organisation Parliament Party Police Senate "
    "Service Stadium Station Street Tournament Union University "
    "Avenue Bay Bridge Building Canal Center Centre College County Dam District Hall Harbor Harbour Highway Island Lake "
    "Market Mountain Park Port Prison Province Railway River Road School Square Tower Tunnel Valley".split()
)
_PERSON = re.compile(r"\b[A-Z][a-zà-ÿ’'-]+(?:\s+(?:[A-Z]\.\s+)?[A-Z][a-zà-ÿ’'-]+)+")


_WHO_IS_THE = re.compile(
    r"\bwho(?:['’]s|\s+is|\s+was|\s+are|\s+were)\s+(?:the|a|an)\s+(?:[\w-]+\s+){0,2}?([\w-]+)\s+(?:of|at|for|in|on)\b"
    r"|\bname of (?:the|a|an)\s+(?:[\w’'-]+\s+){0,2}?([\w-]+)(?=\s+(?:who|that|of|at|for|in|on)\b|\s*\?|$)",
    re.I,
)


def given_name_keys(asked: Asked) -> set[str]:
    """The keys (`name_key`) of every word of the names the question gives: an answer must name someone else."""
    return {name_key(w) for name in asked.names for w in name.split()}


def person_named(text: str, asked: Asked) -> list[str]:
    """Full names in `text` that the question does not give: runs of two or more capitalised words
    ('George Kurtz', 'Luiz Inácio Lula'), not those with an organisation's word ('European
    Football Championship', 'Electoral Council'). For 'which judge/official ...', 'who is the chair
    of ...' or 'the name of the pilot who ...' the role word must stand near the name ('Judge Ana
    Ruiz', 'Ana Ruiz, the judge')."""
    known = given_name_keys(asked)
    runs = []
    for match in _PERSON.finditer(text):
        words = [w for w in match.group().split() if w not in ("The", "A", "An") and not w.endswith(".")]
        if len(words) >= 2 and not all(name_key(w) in known for w in words) and not _ORGANISATION_WORDS & set(words):
            runs.append(match)
    role = re.search(r"\bwhich (\w+)", asked.text, re.I) or _WHO_IS_THE.search(asked.text)
    role_word = role and next(g for g in role.groups() if g)
    if role_word and role_word.lower() not in QUESTION_WORDS and runs:
        stem = stemmer().stemWord(role_word.lower())
        tokens = [(m.start(), stemmer().stemWord(m.group().lower())) for m in re.finditer(r"\w+", text)]
        runs = [r for r in runs if any(s == stem and (r.start() - 40 <= at <= r.end() + 40) for at, s in tokens)]
    return [r.group() for r in runs]


_JOB_WORDS = frozenset(
    "founder editor reporter journalist correspondent columnist writer photographer spokesman spokeswoman spokesperson "
    "lawyer attorney barrister solicitor prosecutor judge director manager executive chairman chairwoman chair ceo "
    "president minister secretary ambassador official officer detective inspector sheriff mayor governor senator "
    "lawmaker politician diplomat adviser advisor analyst economist professor lecturer teacher researcher scientist "
    "doctor surgeon nurse pilot captain engineer soldier commander general firefighter farmer driver owner head "
    "chief coordinator administrator activist campaigner organiser organizer producer publisher author coach "
    "player referee priest imam rabbi bishop banker broker accountant consultant contractor clerk guard".split()
)
"""Nouns that say what someone does for a living or in office: 'Vaughan Smith, a friend who
visited' gives no job; 'Kristinn Hrafnsson, the site's editor-in-chief' does."""


def holds_role(text: str, asked: Asked, reach: int = 8) -> bool:
    """For 'What is X's job?': a job word (`_JOB_WORDS`) within `reach` words after X's surname
    ('X, the deputy editor of ...') or three before it ('Defence Minister X', 'editor X')."""
    keys = {name_key(name.split()[-1]) for name in asked.names}  # the surname: 'John' alone may be another John
    words = re.findall(r"[\w’'-]+", text)
    for i, word in enumerate(words):
        if name_key(word) not in keys:
            continue
        near = words[max(0, i - 3): i] + words[i + 1: i + 1 + reach]
        if any(w.lower().split("-")[0] in _JOB_WORDS for w in near):
            return True
    return False


_NAME_RUN = re.compile(r"(?<=[\w,;:’'\")] )[A-Z][\w’'.-]+(?:\s+(?:of\s+|de\s+)?[A-Z][\w’'.-]+)*")


def thing_named(text: str, asked: Asked, reach: int = 40) -> bool:
    """For 'At which casino ...?' or 'the name of the guard who ...': a name the question does not
    give within `reach` characters of the thing ('the Bellagio casino', 'a guard, Jesus Campos').
    A name that only describes ('a Nevada casino', 'an Italian hotel') names no particular one, and
    one after a preposition says where it is ('the hospital in Chiang Rai')."""
    thing = named_thing(asked.text)
    if not thing:
        return True
    known = given_name_keys(asked)
    mentions = [m.span() for m in re.finditer(rf"\b{re.escape(thing)}(?:s|es)?\b", text, re.I)]
    describing = [m.span(1) for m in re.finditer(rf"\b(?:[Aa]|[Aa]n)\s+((?:[A-Z][\w’'.-]*\s+)+)(?i:{re.escape(thing)})", text)]
    for run in _NAME_RUN.finditer(text):
        words = [w.strip(".") for w in run.group().split()]
        if any(name_key(w) in known for w in words) or all(w.lower() in QUESTION_WORDS or w.lower() in WEEKDAYS or month_number(w) for w in words):
            continue
        if any(a <= run.start() < b for a, b in describing):
            continue
        for at, end in mentions:
            if abs(run.start() - at) > reach:
                continue
            if run.start() >= at and not _placed(text[end : run.start()]) or run.start() < at and _names_it(text[run.end() : at]):
                return True
    return False


def _names_it(between: str) -> bool:
    """'the Bellagio casino', 'Stephen Paddock, the gunman', 'the cutter Alder, a 225-foot vessel':
    'Kevin Graham, president of ...': a name right before the thing is its name; 'Tewolde
    GebreMariam said the pilot' is not."""
    return bool(re.fullmatch(r"\s*(?:,\s*(?:(?:the|a|an|its|their)\s+)?(?:[a-z0-9][\w-]*\s+){0,2})?", between))


def _placed(between: str) -> bool:
    """'the hospital in Chiang Rai': a name after a preposition says where the thing is, not its name."""
    return bool(re.search(r"\b(in|at|near|outside|inside|from|to|of|on|into|across|for|by|with)\b", between, re.I))


def gives_reason(text: str) -> bool:
    """A cause is stated ('because', 'due to', 'blamed', 'after', 'relies on'...). A bonus for
    'why' questions, never required: news copy often gives a reason without such a word."""
    return bool(_CAUSE.search(text))


TITLES = frozenset(
    "mr mrs ms miss dr prof sir dame lord lady sen senator rep gov governor president vice prime minister "
    "secretary judge justice gen general col capt captain sgt officer sheriff mayor chief pope king queen prince princess "
    "coach manager chairman chairwoman ambassador commissioner inspector detective".split()
)
"""Words that stand before a name as a title, not as part of it ('Vice President Pence', 'Mr. Harding')."""


def name_key(word: str) -> str:
    """'González' ~ 'Gonzalez', 'Venezuela's' ~ 'Venezuelan': lower case, no accents, first five letters."""
    return re.sub(r"[’']s$", "", plain(word)).replace(".", "").lower()[:5]


def names_missing(asked: Asked, context: str) -> list[str]:
    """The question's key names that `context` does not mention: a name is mentioned by one of its
    words (accents, plurals and adjectives aside: 'Venezuela' finds 'Venezuelan'), or its initials
    ('United States' finds 'U.S.', 'FAA' finds 'Federal Aviation Administration'); a name made of
    ordinary words ('National Electoral Council') by most of them, since 'election' alone is not it.
    Initials are those of the name as the question writes it ('ECC' for 'Emergency Coordination
    Center', whose key is 'Coordination Center'); two letters only where the context writes them:
    two people's names spelled out are compared by their words ('Euan McKirdy' is no mention of
    'Elon Musk')."""
    context = without_acronym_dots(context)
    words_and_parts = re.findall(r"[\w’'.-]+", context) + re.findall(r"(?<=-)[\w’'.]+", context)  # 'al-Qahtani' is 'Qahtani' too
    keys = {name_key(w) for w in words_and_parts} | {name_key(a) for a in acronyms(context)}
    written = {w.lower() for w in re.findall(r"\b[A-Z]{2,}(?=s?\b)", context)}  # initials the context writes: 'US', 'ECC'
    missing = []
    for name in asked.key_names:
        words = [w for w in name.split() if len(w) > 1 and w.lower() not in STOPWORDS]
        as_asked = next((n for n in asked.names if name in n), name)  # 'Emergency Coordination Center' for its key 'Coordination Center'
        initials = {_initials(name), _initials(as_asked)}
        present = sum(name_key(w) in keys for w in words)
        needed = 1 if name not in asked.common_names else len(words) if len(words) <= 2 else math.ceil(len(words) / 2)
        if words and present < needed and not any(i in written or (len(i) > 2 and i in keys) for i in initials if len(i) > 1):
            missing.append(name)
    return missing


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if len(w) > 1 and w.lower() not in STOPWORDS and w[0].isupper()).lower()


_RELATIVE_DATE = re.compile(
    r"\b((?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\s+)?(last|this|next) year)\b"
    r"|\b(on\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.I,
)


_AHEAD = re.compile(r"\b(will|expected to|set to|scheduled to|forecast to|due to)\b", re.I)
_DATE_FOLLOWS = re.compile(rf",?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH_PATTERN}|{MONTH_PATTERN}\s+\d{{1,2}}\b)", re.I)


def resolve_relative_dates(text: str, published: str | None) -> list[tuple[str, str]]:
    """('Feb. 24 last year', '2022'), ('Thursday', '2023-02-23'): relative dates read against the
    article's date, back from it, or ahead in a sentence about what will happen ('expected to make
    landfall late Friday or early Saturday'); a weekday the sentence dates itself ('since
    Saturday, June 23') is not relative."""
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
        elif not _DATE_FOLLOWS.match(text, match.end()):
            weekday = WEEKDAYS.index(match.group(4).lower())
            if _AHEAD.search(text):  # 'expected to make landfall late Friday or early Saturday'
                resolved.append((match.group(4), (day + timedelta(days=(weekday - day.weekday()) % 7)).isoformat()))
            else:
                back = (day.weekday() - weekday) % 7
                resolved.append((match.group(4), (day - timedelta(days=back)).isoformat()))
    return resolved


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
