"""A question -> what it asks for: the kind of answer, the thing counted, the names, outlets,
days and dates that bound it, and its parts when it asks two things at once.

Everything here reads the wording of the question only (and the articles' outlets and titles,
to tell an outlet from a subject); it holds no knowledge of any news subject. The rules:

- kind: "number" (how many/much, what share, how old/long...), "date" (when, what date/day/
  time), "person" (who..., which official...), "place" (where), "reason" (why), "list" (which
  countries/companies..., list, name the...), "wording" (what did X say, how did X describe...),
  "name" (which casino did..., what is the name of the guard/ship...: `named_thing`), "role"
  (what is X's job / role / title, what does X do for a living), else None.
- focus: the words a number counts ("flights" in "how many Delta flights were cancelled"), so
  that an answer must hold a figure of those things, not any figure.
- names: runs of capitalised words that are not question words; a capitalised first word counts
  only when the articles also write it capitalised in mid-sentence ("Delta", not "Roughly").
- outlets: the articles whose outlet (or title) the question names ("according to CNN").
- days, dates, months, years: the time the question is about ("on Monday", "by August 5"); a
  day that dates a report ("FOX 5's Tuesday report", "its July 30 explainer") is `published`,
  the day of the article, not of the event.
- parts: "how many X ... and how many Y ...", "how does A compare with B", "how did X change
  between A and B / from A to B" are split so that each part gets its own evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rag.store import DocumentInfo
from rag.words import AUXILIARIES, IRREGULAR_PAST, MONTH_PATTERN, PREPOSITIONS, QUESTION_WORDS, WEEKDAYS, month_number

# 'what was the (final) attendance', "what was Dennis Muilenburg's (annual) salary"
_WHAT_WAS_THE = r"\bwhat (?:was|is|were|are|will be) (?:the|[A-Z][\w.-]*(?: [A-Z][\w.-]*){0,2}['’]s) (?:\w+ )?"
_QUANTITY_NOUNS = "attendance|turnout|toll|population|budget|revenue|salary|fine"  # nouns that name a figure
# Sums of money of one kind: 'how much bail', 'how much did the FAA fine Boeing' count the sum so named.
_NAMED_SUM = re.compile(r"\bhow much\b.*?\b(fine|bail|salary|ransom|compensation|bonus|settlement|severance|damages|reward|bribe)s?\b", re.I)
_NUMBER_KIND = re.compile(
    r"\bhow (many|much|old|long|far|big|large|high|tall|fast|often|deep|wide|heavy|hot|cold|warm)\b|\bwhat (share|percentage|proportion|fraction|"
    r"percent|number|figures?|amount|total|sum|price|cost|rate|age|margin|count|toll|score)s?\b|\bhow many\b"
    rf"|{_WHAT_WAS_THE}({_QUANTITY_NOUNS}|price|cost|margin|total|age|size|value|worth|ransom)\b",
    re.I,
)
_QUANTITY_NOUN = re.compile(rf"{_WHAT_WAS_THE}({_QUANTITY_NOUNS})\b", re.I)
_DATE_KIND = re.compile(r"\bwhen\b|\bwhat (date|day|time|year|month|hour)\b|\bwhich (date|day|year|month|night|morning|evening|afternoon|week|weekend)\b|\bsince when\b", re.I)
_REASON_KIND = re.compile(r"\bwhy\b|\bwhat (caused|led to|prompted|was the reason|were the reasons|reason)\b|\bfor what reason\b", re.I)
_PLACE_KIND = re.compile(r"\bwhere\b|\bin which (city|country|town|state|place|region)\b", re.I)
_WORDING_KIND = re.compile(
    r"\bwhat did .{1,60}? (say|said|tell|told|write|wrote|post|posted|call|called|warn|promise|describe)\b"
    r"|\bhow (did|does|do) .{1,60}? (say|describe|put it|word|call|characteri[sz]e|react|respond|answer)\b"
    r"|\bin what words\b|\bwhat words\b",
    re.I,
)
_ROLE_KIND = re.compile(
    r"\bwhat (?:is|was|are|were) (?:the )?[\w .’'-]+?['’]s? (?:job|role|occupation|profession|position|title)\b"
    r"|\bwhat (?:job|role|position|title|occupation|profession) (?:does|did) [\w .’'-]+? (?:have|hold|do)\b|\bdo for a living\b",
    re.I,
)
_PERSON_KIND = re.compile(
    r"^(?:and\s+)?who\b|\bwhich (official|minister|judge|leader|person|executive|spokesperson|spokesman|spokeswoman|"
    r"player|president|candidate|chief|head|member|coach|lawyer|official)\b|\bwhose\b"
    r"|\bwhat (?:is|was) the (?:full )?name of (?:the |a |an )?(?:[\w’'-]+\s+){0,2}(?:captain|pilot|driver|suspect|victim|"
    r"officer|official|minister|judge|leader|spokesperson|spokesman|spokeswoman|chief|head|founder|owner|author|director|"
    r"coach|player|president|candidate|winner|gunman|shooter|attacker)\b"
    r"|\bwhat (?:is|was) the (?:full )?name of (?:the|a|an) (?:[\w’'-]+\s+){0,2}?[\w-]+ who\b",  # '... of the woman who was arrested'
    re.I,
)
_NAME_KIND = re.compile(
    r"\bnames? of (?:the|a|an|his|her|its|their)\s+(?:[\w’'-]+\s+){0,3}?([a-z-]+)(?=\s+(?:who|whom|that|which|where|of|at|for|in|on|he|she|they|(?-i:[A-Z])\w*)\b|\s*\?|$)"
    r"|^\s*(?:(?:at|in|on|from|to|for|by|with|into)\s+)?which\s+([a-z-]+)\s+(?:did|does|do|was|is|were|has|had|will|would|could)\b"
    r"|^\s*who (?:was|is) the ([a-z-]+)(?=\s+(?:of|for|in|at|on|aboard)\b|\s*\?|$)",  # 'Who was the pilot of flight ET302?'
    re.I,
)
_LIST_KIND = re.compile(r"\blist\b|\bname (the|all|some)\b|\bwho (were|are) (the|some)\b|\bwhat (else|other)\b", re.I)
_WHICH_PLURAL = re.compile(r"\b(?:which|what)\s+((?:[\w’'-]+\s+){0,7})", re.I)
_OTHER_QUESTION_WORD = re.compile(r"\b(which|what|who|whom|whose|how|where)\b", re.I)


_IRREGULAR_PLURALS = frozenset("people children men women staff police media criteria".split())


def _asks_for_several(question: str) -> bool:
    """'Which US carriers...', 'what measures...', 'which state and local officials did...':
    which/what before a plural noun asks for a list. A later word in -s is a plural noun when a
    verb follows it ('officials did', 'civil liberties groups criticised'), not when an object
    does ('which judge leads the audit')."""
    for match in _WHICH_PLURAL.finditer(question):
        words, first = match.group(1).split(), True
        for i, word in enumerate(words):
            lowered = word.lower()
            if lowered in AUXILIARIES:
                break
            if lowered in ("of", "the", "and", "other") or word[0].isupper() or re.search(r"[’']s$", lowered):
                continue  # 'which of Venezuela's allies', 'which US carriers', 'which other festivals'
            plural = lowered in _IRREGULAR_PLURALS or (len(lowered) > 3 and bool(re.search(r"[^su]s$", lowered)))
            following = words[i + 1].lower() if i + 1 < len(words) else ""
            verb = following in AUXILIARIES or following in ("who", "that") or following in IRREGULAR_PAST or following.endswith("ed")
            if plural and (first or verb):
                return True
            first = False
    return False


_COMPARE = re.compile(
    r"\bcompare[sd]?\b|\bcomparison\b|\bdiffer(s|ed|ent|ence)?\b|\bchange[sd]?\b|\bagree\b|\bdisagree\b|\bboth\b|\bversus\b|\bvs\.?\b"
    r"|\bbetween\b.+\band\b|\beach (outlet|source|article|report)\b|\b(the same way|differently)\b",
    re.I,
)
_SPLIT_SECOND_QUESTION = re.compile(r",?\s+and\s+(?=(how|what|who|when|where|which|why|do|does|did|is|are)\b)", re.I)
_COMPARED_WITH = re.compile(r"^(.*?)\b(?:compare[sd]?|differ(?:s|ed)?)(?:\s+in\s+\w+)?\s+(?:with|to|from)\s+(.+)$", re.I)
_BETWEEN = re.compile(r"^(.*?)\b(?:between\s+(.+?)\s+and|from\s+(.+?)\s+to)\s+(.+?)\??$", re.I)
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_REPORT_DAY = re.compile(
    rf"\b((?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|{MONTH_PATTERN}\s+\d{{1,2}}|\d{{1,2}}\s+{MONTH_PATTERN})(?:’s|'s)?"
    r"\s+(report|article|story|piece|update|explainer|edition|statement|briefing|account|coverage|timeline|dispatch)\b",
    re.I,
)


def _published_key(phrase: str) -> object:
    """'Tuesday' -> 'tuesday'; 'July 30' -> (7, 30)."""
    mentions = day_mentions(phrase)
    return mentions[0][1] if mentions else None


def day_mentions(text: str) -> list[tuple[int, object]]:
    """(position, weekday name or (month, day)) of each day the text names: 'Monday', 'July 30',
    '30 July', 'the 30th of July'."""
    found: list[tuple[int, object]] = [(m.start(), m.group().lower()) for m in re.finditer(rf"\b({'|'.join(WEEKDAYS)})\b", text, re.I)]
    for match in _DAY_OF_MONTH.finditer(text):
        month_word, day = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        month = month_number(month_word)
        if month and 1 <= int(day) <= 31:
            found.append((match.start(), (month, int(day))))
    return found


def time_words(text: str) -> tuple[set[str], set[tuple[int, int]], set[int], set[int]]:
    """The weekdays, (month, day) dates, months and years a text names. A month counts when written
    capitalised ('May' the month, not 'may' the verb) or with its day."""
    mentions = [m for _, m in day_mentions(text)]
    weekdays = {m for m in mentions if isinstance(m, str)}
    days = {m for m in mentions if isinstance(m, tuple)}
    months = {month for month, _ in days} | {month_number(w) for w in re.findall(r"\b[A-Z][a-z]+\b\.?", text) if month_number(w)}
    years = {int(m.group()) for m in _YEAR.finditer(text)}
    return weekdays, days, months, years


def month_years_in(text: str, published_year: int | None) -> set[tuple[int, int | None]]:
    """(month, year) of each month a text names: the year written with it ('March 11, 2022'),
    else the article's year, else None (an undated article's month could be of any year)."""
    found = set()
    for match in _MONTH_YEAR.finditer(text):
        month = month_number(match.group(1) or match.group(3))
        if month and (match.group(1) or match.group(3)[0].isupper()):
            found.add((month, int(match.group(2)) if match.group(2) else published_year))
    return found


_MONTH_YEAR = re.compile(rf"\b({MONTH_PATTERN})(?:\s+\d{{1,2}}(?:st|nd|rd|th)?,?)?\s+((?:19|20)\d\d)\b|\b({MONTH_PATTERN})")
_DAY_OF_MONTH = re.compile(rf"\b({MONTH_PATTERN})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH_PATTERN})", re.I)


@dataclass(frozen=True)
class Asked:
    """What a question asks for (see the module docstring)."""

    text: str
    kind: str | None = None
    focus: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    key_names: tuple[str, ...] = ()  # the names an answer must mention (see rag.mentions.key_names)
    common_names: frozenset[str] = frozenset()  # key names made of words also used in lower case
    outlets: frozenset[str] = frozenset()  # ids of the articles it names by outlet, author or file name
    sources_named: int = 0  # how many outlets or authors those are: 'according to CNN' is 1 however many CNN articles
    source_words: frozenset[str] = frozenset()  # the lower-cased words that name them ('rediff', 'setopati')
    weekdays: frozenset[str] = frozenset()
    days: frozenset[tuple[int, int]] = frozenset()  # (month, day)
    months: frozenset[int] = frozenset()
    years: frozenset[int] = frozenset()
    figures: frozenset[str] = frozenset()
    published: frozenset[object] = frozenset()  # weekdays or (month, day) of the reports it names: 'the Tuesday report'
    compares: bool = False
    parts: tuple[str, ...] = field(default_factory=tuple)


def words(text: str) -> list[str]:
    return re.findall(r"[\w’'-]+", text)


def about_the_subject(asked: "Asked") -> str:
    """The question without the words that name its sources ('How do Rediff and Setopati differ on
    the time the plane crashed?' -> 'How do and differ on the time the plane crashed?'): they
    choose articles, and in the text they would pull its meaning away from the subject."""
    if not asked.source_words:
        return asked.text
    pattern = r"\b(?:" + "|".join(re.escape(w) for w in sorted(asked.source_words, key=len, reverse=True)) + r")(?:[’']s)?\b"
    return re.sub(r"\s+", " ", re.sub(pattern, " ", asked.text, flags=re.I)).strip()


def analyse(question: str, documents: dict[str, DocumentInfo] | None = None, capitalised: set[str] | None = None) -> Asked:
    """What `question` asks for. `documents` tell outlets from subjects; `capitalised` is the set
    of words the articles write capitalised in mid-sentence (see `mid_sentence_capitals`)."""
    documents = documents or {}
    outlets, outlet_words = named_outlets(question, documents)
    names = tuple(n for n in proper_names(question, capitalised) if not set(n.lower().split()) <= outlet_words)
    about_time = _REPORT_DAY.sub(" ", question)  # 'FOX 5's Tuesday report' dates the report, not the event
    weekdays, days, months, years = time_words(about_time)
    published = {_published_key(m.group(1)) for m in _REPORT_DAY.finditer(question)} - {None}
    return Asked(
        text=question,
        kind=answer_kind(question),
        focus=counted_words(question),
        names=names,
        key_names=names,
        outlets=frozenset(outlets),
        sources_named=len({source_key(documents[d]) for d in outlets}),
        source_words=frozenset(outlet_words),
        weekdays=frozenset(weekdays),
        days=frozenset(days),
        months=frozenset(months),
        years=frozenset(years),
        figures=frozenset(figures_in(question)),
        published=frozenset(published),
        compares=bool(_COMPARE.search(question)),
        parts=tuple(split_parts(question)),
    )


_QUANTITY = re.compile(r"\b(death toll|tolls?|turnout|totals?|counts?|figures?|numbers?|shares?|percentages?|prices?|costs?|rates?|scores?)\b", re.I)


def source_key(doc: DocumentInfo) -> str:
    """What 'according to X' names as one source: the article's outlet, else its author, else the
    article itself (an undated, unsigned copy is a source of its own)."""
    return doc.outlet or doc.author or doc.doc_id


def answer_kind(question: str) -> str | None:
    """The kind of answer the question wants (see the module docstring), or None."""
    if _WORDING_KIND.search(question):
        return "wording"
    if _NUMBER_KIND.search(question):
        return "number"
    if _QUANTITY.search(question) and not _DATE_KIND.search(question) and not _REASON_KIND.search(question):
        return "number"  # 'How did the death toll change...', 'What turnout figure did...'

    date, reason = _DATE_KIND.search(question), _REASON_KIND.search(question)
    if date and _opens_a_clause(date, question):
        date = None
    if _ROLE_KIND.search(question):
        return "role"
    if date and reason:  # the question word that comes first asks: 'Why did he survive when the others died?'
        return "date" if date.start() < reason.start() else "reason"
    if date:
        return "date"
    if reason:
        return "reason"
    if _LIST_KIND.search(question) or _asks_for_several(question):
        return "list"
    place = _PLACE_KIND.search(question)
    if place and not _opens_a_clause(place, question):
        return "place"
    if _PERSON_KIND.search(question):
        return "person"
    if named_thing(question):
        return "name"
    return None


def _opens_a_clause(match: re.Match[str], question: str) -> bool:
    """'when' or 'where' after another question word starts a clause, not the question: 'Which book
    was he carrying when he was carried out?', 'What was the name of the store where he bought it?'."""
    return match.group().lower() in ("when", "where") and bool(_OTHER_QUESTION_WORD.search(question[: match.start()]))


def named_thing(question: str) -> str | None:
    """The thing whose name a question asks for: 'At which casino did she work?' -> 'casino',
    'What is the name of the hotel security guard whom he shot?' -> 'guard', 'Who was the pilot of
    the flight?' -> 'pilot'."""
    match = _NAME_KIND.search(question)
    if not match:
        return None
    thing = next(g for g in match.groups() if g).lower()
    return None if thing in QUESTION_WORDS or thing in AUXILIARIES else thing


_SPEAKER_ASKED = re.compile(
    r"\b(?:what|how) (?:did|does|do|has|have) (.{1,60}?) (?:say|said|tell|told|write|wrote|post|posted|warn|promise|describe|call)\b",
    re.I,
)


def asked_speaker(asked: Asked) -> str | None:
    """The person a wording question asks about: 'What did Southgate tell the BBC?' -> 'Southgate'."""
    match = _SPEAKER_ASKED.search(asked.text)
    if not match:
        return None
    names = [n for n in asked.names if n in match.group(1)]
    return names[0] if names else None


def counted_words(question: str) -> tuple[str, ...]:
    """The nouns a 'how many' question counts: the words after 'how many' up to a verb or a
    preposition ('how many Delta flights were...' -> flights, Delta), last word first; or the word
    before 'figure' ('what turnout figure' -> turnout); or a quantity noun ('what was the attendance'),
    or the sum a 'how much' question names ('how much bail' -> bail)."""
    match = re.search(r"\bhow many\s+(.+)", question, re.I) or re.search(
        r"\b(?:what|the) (?:number|share|percentage|proportion|fraction|total) of\s+(.+)", question, re.I
    )
    if not match:
        named = (re.search(r"\bwhat ([a-z]+) (?:figure|number|total|count|rate)s?\b", question, re.I) or _QUANTITY_NOUN.search(question)
                 or _NAMED_SUM.search(question))
        return (named.group(1).lower(),) if named and named.group(1).lower() not in QUESTION_WORDS else ()
    taken = []
    for word in words(match.group(1))[:5]:
        lowered = re.sub(r"[’']s$", "", word.lower())
        if lowered in AUXILIARIES or lowered in PREPOSITIONS or lowered in ("that", "which", "who"):
            break
        if taken and (re.search(r"(ing|ed)$", lowered) or lowered in IRREGULAR_PAST):  # a verb: 'calls went'
            break
        if lowered not in ("the", "a", "an", "of", "and", "or"):
            taken.append(lowered)
    return tuple(w for w in reversed(taken) if w != "times")  # 'how many times': how often, not a thing counted


def proper_names(question: str, capitalised: set[str] | None = None) -> list[str]:
    """Runs of capitalised words ('George Kurtz', 'New York Blood Center'), question words left out.

    The question's first word is capitalised anyway: it counts as a name only when the articles
    write it capitalised in mid-sentence (`capitalised`), so 'Delta' counts and 'Roughly' does not.
    """
    names = []
    for match in re.finditer(r"\b[A-Z][\w’'.-]*(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w’'.-]*)*", question):
        run = [w for w in re.sub(r"[’']s\b", "", match.group()).split() if w.lower() not in QUESTION_WORDS]
        if match.start() == 0 and run and run[0] == match.group().split()[0]:
            first = run[0].strip(".-")
            if capitalised is None or first.lower() not in capitalised:
                run = run[1:]
        piece: list[str] = []
        for word in run + [""]:
            if word and word.lower() not in WEEKDAYS and not month_number(word):
                piece.append(word)
            elif piece:  # a day or month ends a name: 'FOX 5 Atlanta Tuesday report'
                names.append(" ".join(piece).strip(".-"))
                piece = []
    return [n for n in names if n]


def mid_sentence_capitals(texts: list[str]) -> set[str]:
    """Lower-cased words that the texts write capitalised after the first word of a sentence."""
    found: set[str] = set()
    for text in texts:
        found.update(w.lower() for w in re.findall(r"(?<=[\w,;:’'\")] )[A-Z][\w’'-]+", text))
    return found


def named_outlets(question: str, documents: dict[str, DocumentInfo]) -> tuple[set[str], set[str]]:
    """Documents whose outlet the question names, and the lower-cased words of those names.

    An outlet is named when all its words stand in the question in a row ('FOX 5 Atlanta',
    'the AP report'), or its short form does ('Associated Press' as 'AP'); an article is also
    named by its author's surname, and one whose outlet is unknown by its file name (see
    `_named_by_file_name`).
    """
    lowered = " " + re.sub(r"[^\w\s]", " ", question.lower()) + " "
    found, outlet_words = set(), set()
    for doc in documents.values():
        if not doc.outlet:
            continue
        for form in outlet_forms(doc.outlet):
            if f" {form} " in lowered:
                found.add(doc.doc_id)
                outlet_words.update(form.split())
    by_author, author_words = _named_by_author(question, documents)
    by_file_name, file_words = _named_by_file_name(question, documents)
    return found | by_author | by_file_name, outlet_words | author_words | file_words


def _named_by_author(question: str, documents: dict[str, DocumentInfo]) -> tuple[set[str], set[str]]:
    """Documents the question names by their author's surname, capitalised as a name
    ('What do Kolbert and The Economist ...' names Elizabeth Kolbert's article)."""
    capitalised = set(re.findall(r"\b[A-Z][\w’'-]{2,}", question))
    found, words = set(), set()
    for doc in documents.values():
        for author in re.split(r",|\band\b|/", doc.author or ""):
            names = author.split()
            if len(names) >= 2 and names[-1] in capitalised:
                found.add(doc.doc_id)
                words.add(names[-1].lower())
    return found, words


def _named_by_file_name(question: str, documents: dict[str, DocumentInfo]) -> tuple[set[str], set[str]]:
    """Documents the question names as the user named their files, outlet first
    ('12_fox5atlanta-delta-cancels.txt', '08_indulgexpress-bug-hit.txt'): a run of capitalised words
    (digits allowed) that, squashed, is the file name's first word after any number ('FOX 5
    Atlanta' -> 'fox5atlanta'; 'Indulge Express' -> 'indulgexpress', nearly), or an acronym of four
    letters or more that ends it ('OCHA' -> '13_unocha-flash-update.txt', an agency's own page).
    A word is the articles' subject, not their source, when the title of an article it does not
    name holds it, or when it names several and one's title holds it ('florence-landfall.html' is
    not named by a question about Florence when another article is titled 'Florence makes landfall')."""
    from rapidfuzz import fuzz

    first_words = {}
    for doc in documents.values():
        words = [w for w in re.split(r"[\W_]+", Path(doc.source).stem.lower()) if w and not w.isdigit()]
        if words and len(words[0]) >= 3:
            first_words[doc.doc_id] = words[0]
    titles = {doc.doc_id: re.sub(r"[\W_]+", "", (doc.title or "").lower()) for doc in documents.values()}
    found, outlet_words = set(), set()
    for run in re.finditer(r"\b[A-Z][\w’'-]*(?:\s+(?:\d+|[A-Z][\w’'-]*))*", question):
        words = [re.sub(r"[’']s$", "", w) for w in run.group().split()]
        for i in range(len(words)):
            for j in range(len(words), i, -1):
                piece = words[i:j]
                squashed = re.sub(r"[\W_]+", "", "".join(piece).lower())
                if len(squashed) < 3 or all(w.lower() in QUESTION_WORDS for w in piece):
                    continue
                acronym = len(piece) == 1 and piece[0].isupper() and len(squashed) >= 4
                named = {d for d, first in first_words.items()
                         if squashed == first or (len(squashed) >= 8 and fuzz.ratio(squashed, first) >= 90)
                         or (acronym and first.endswith(squashed))}
                titled = {d for d, title in titles.items() if squashed in title}
                if titled - named or (len(named) > 1 and titled):
                    continue  # the subject of the articles, not their source
                if named:
                    found |= named
                    outlet_words.update(w.lower() for w in piece)
    return found, outlet_words


def outlet_forms(outlet: str) -> set[str]:
    """'Associated Press' -> {'associated press', 'ap'}; 'CNN' -> {'cnn'}; 'BBC News' -> {'bbc news',
    'bbc', 'bn'}; 'Reuters (via The Star)' -> {'reuters', 'the star', 'star'}: ways a question may
    name the outlet."""
    forms = set()
    for part in re.split(r"[(),;/]|\bvia\b|\bon\b", outlet):
        clean = re.sub(r"[^\w\s]", " ", part.lower()).split()
        if not clean:
            continue
        forms.add(" ".join(clean))
        if clean[0] == "the" and len(clean) > 1:
            forms.add(" ".join(clean[1:]))
        if len(clean) > 1:
            forms.add("".join(w[0] for w in clean if w not in ("the", "of")))
        if len(clean) == 2 and clean[1] in ("news", "online"):
            forms.add(clean[0])  # 'BBC News' is 'the BBC', 'Fox News' 'Fox'
    return {f for f in forms if len(f) >= 2}


def figures_in(text: str) -> set[str]:
    """The figures written in `text` as digits, without separators ('5,500' -> '5500'); years and
    the days of dates ('July 30') left out."""
    found = set()
    for match in re.finditer(r"\d[\d,.]*\d|\d", _DAY_OF_MONTH.sub(" ", text)):
        value = match.group().replace(",", "")
        if not _YEAR.fullmatch(value):
            found.add(value)
    return found


def split_parts(question: str) -> list[str]:
    """The questions within a question, when it asks two things ('how many X..., and how many Y...')
    or sets two things against each other ('how does A compare with B', 'between A and B')."""
    parts = [p.strip(" ,?") for p in _SPLIT_SECOND_QUESTION.split(question) if p and not re.fullmatch(r"\w+", p.strip())]
    if len(parts) == 1:
        compared = _COMPARED_WITH.match(question)
        between = _BETWEEN.match(question)
        if compared:
            subject = re.sub(r"^(how|in what way)\s+(does|do|did|is|are|was|were)\s+", "", compared.group(1).strip(), flags=re.I)
            other = compared.group(2).strip(" ?")
            topic = re.sub(r"^.*?\b(account|report|version|story|coverage|article|figure|description)s?\s+of\s+", "", subject, flags=re.I)
            if topic != subject and not re.search(r"\bof\b", other):  # 'A's account of X' vs 'B's report': B on X
                other = f"{other} of {topic}"
            parts = [subject, other]
        elif between and re.search(r"\b(chang|differ|compar|rose|rise|fell|fall|grew|grow|drop|shift|move|went|go)\w*", between.group(1), re.I):
            first = between.group(2) or between.group(3)
            parts = [f"{between.group(1)} {first}".strip(), f"{between.group(1)} {between.group(4)}".strip()]
    parts = [p for p in parts if sum(w.lower() not in QUESTION_WORDS and w.lower() not in _VAGUE for w in words(p)) >= 2]
    return parts if len(parts) > 1 else []


_VAGUE = frozenset("they them it its agree disagree differ same way differently articles article outlets sources reports".split())


def weekday_of(published: str | None) -> str | None:
    """'2024-07-23' -> 'tuesday'."""
    try:
        return WEEKDAYS[date.fromisoformat((published or "")[:10]).weekday()]
    except ValueError:
        return None
