"""What figures a sentence holds, and whether one of them answers a number question.

- `figures`: the spans of the figures that could answer (not years, days of dates, times of day,
  a figure the question gives, or a number that names a thing: 'Flight 1282', 'Boeing 737');
- `has_figure_of`: a figure of what the question counts, within a few words of a counted word
  ('690 flights'), in the state or act it asks ('still missing', 'lost'), of the day it asks; a
  percent for 'what share', money for 'how much ... paid', a unit for 'how old / tall / long';
- `sentence_figures`: a sentence's figures as digits, for comparing two sources' numbers.

The rules read the wording of the question and the sentence only; they hold for news on any subject.
"""

from __future__ import annotations

import functools
import re

from rag.evidence import (
    DAY_OF_MONTH, SYNONYM_OF, TIME_OF_DAY, TITLES, YEAR, american_spelling, content_words, name_key, plain, stemmer,
)
from rag.question import Asked, day_mentions, figures_in
from rag.words import IRREGULAR_PAST, WEEKDAYS, month_number

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "dozens": 24, "hundred": 100, "hundreds": 200,
    "thousand": 1000, "thousands": 2000, "million": 10**6, "millions": 2 * 10**6, "billion": 10**9,
}
_AMOUNT = r"(?:\d[\d,.]*|\b(?:" + "|".join(NUMBER_WORDS) + r"))"  # '990', 'ninety' (figures written out too)
_FIGURE = re.compile(r"[$€£¥]?\d[\d,.]*\d%?|[$€£¥]?\d%?|\b(" + "|".join(NUMBER_WORDS) + r")\b", re.I)
_PERCENT = re.compile(r"\d\s*%|\bper\s?cent\b|\bpercentage\b|\b(half|third|quarter|fifth|tenth)s?\b|\bone in \w+\b", re.I)
_MONEY = re.compile(
    r"[$€£¥₹]\s?\d|\b\d[\d,.]*\s*((thousand|million|billion|trillion|bn|crore|lakh)\s+)?"
    r"(dollars|euros|pounds|yen|yuan|rupees|pesos)\b|\b(usd|eur|gbp|inr)\b",
    re.I,
)
_MEASURES = {
    "old": r"\d+-year-old|\baged? \d+|, \d{1,3},|\d+ years? old",
    "tall": _AMOUNT + r"\s*(m|metres?|meters?|ft|feet|foot|storeys?|stories|km)\b",
    "high": _AMOUNT + r"\s*(m|metres?|meters?|ft|feet|foot|storeys?|stories|km|%|percent)\b",
    "long": _AMOUNT + r"\s*(seconds?|minutes?|hours?|days?|weeks?|months?|years?(?![\s-]+old)|m|metres?|meters?|km|miles?|ft|feet)\b",
    "far": _AMOUNT + r"\s*(m|metres?|meters?|km|kilometres?|kilometers?|miles?|ft|feet)\b",
    "deep": _AMOUNT + r"\s*(m|metres?|meters?|km|kilometres?|kilometers?|miles?|ft|feet|fathoms?)\b",
    "wide": _AMOUNT + r"\s*(m|metres?|meters?|km|kilometres?|kilometers?|miles?|ft|feet|inches|cm)\b",
    "heavy": _AMOUNT + r"\s*(kg|kilos?|kilograms?|tonnes?|tons?|pounds?|lbs?|grams?|g)\b",
    "fast": _AMOUNT + r"\s*(mph|km/h|kph|knots|miles per hour|kilometres per hour|kilometers per hour|%|percent)",
    "hot": _AMOUNT + r"\s*(°|degrees?\b)",
    "cold": _AMOUNT + r"\s*(°|degrees?\b)",
    "warm": _AMOUNT + r"\s*(°|degrees?\b)",
    "often": r"\b(\d+|once|twice|three|four|five|six|seven|eight|nine|ten) (times?|a (day|week|month|year)|per)\b",
}
"""What 'how old / tall / long / far / deep / heavy / hot / fast / often' asks a figure to come with: a unit of
that measure (the figure in digits or written out: 'nine hundred and ninety metres')."""
_HOW_MEASURE = re.compile(r"\bhow (" + "|".join(_MEASURES) + r")\b", re.I)
_UNITS = {
    "celsius": r"celsius|°\s?c\b", "fahrenheit": r"fahrenheit|°\s?f\b", "metres": r"metres?|meters?|m\b",
    "feet": r"feet|foot|ft\b", "kilometres": r"kilomet(?:re|er)s?|km\b|km2|km²", "miles": r"miles?\b",
    "kilograms": r"kilo(?:gram)?s?\b|kg\b", "tonnes": r"tonnes?|tons?\b", "acres": r"acres?\b", "hectares": r"hectares?|ha\b",
    "gallons": r"gallons?\b", "litres": r"lit(?:re|er)s?\b", "barrels": r"barrels?\b|bbl\b",
    "dollars": r"dollars?\b|usd\b", "euros": r"euros?\b|eur\b", "pounds": r"pounds?\b|lbs?\b",
}
_UNIT_FORMS = {"meters": "metres", "meter": "metres", "metre": "metres", "foot": "feet", "kilometers": "kilometres",
               "kilometre": "kilometres", "kilometer": "kilometres", "km": "kilometres", "mile": "miles", "kilos": "kilograms",
               "kg": "kilograms", "tons": "tonnes", "ton": "tonnes", "acre": "acres", "hectare": "hectares",
               "liters": "litres", "gallon": "gallons", "barrel": "barrels"}
_CURRENCY_SIGNS = {"dollars": "$", "euros": "€", "pounds": "£"}
_ASKED_UNIT = re.compile(r"\b(?:in|measured in|expressed in) (?:degrees |square |cubic )?([a-z]+)\b", re.I)
_SUM = re.compile(  # a whole amount of money: '$50 million', '£3m', '200 euros'
    r"[$€£¥₹]\s?\d[\d,.]*(?:\s*(?:thousand|million|billion|trillion|bn|m)\b)?"
    r"|\b\d[\d,.]*\s*(?:(?:thousand|million|billion|trillion|bn|crore|lakh)\s+)?(?:dollars|euros|pounds|yen|yuan|rupees|pesos)\b",
    re.I,
)
_MONEY_QUESTION = re.compile(
    r"\bhow much\b.*\b(pay|paid|cost|worth|spend|spent|earn|raise|owe|price|fine|compensation|lose|lost|charge"
    r"|(?:money|funding|funds|revenue|profit|salary|ransom|bail|debt|loans?|grants?)\b)"
    r"|\bwhat (?:was|is|were|are|will be) (?:the|[A-Z][\w.-]*(?: [A-Z][\w.-]*){0,2}['’]s) (?:\w+ ){0,2}?"
    r"(?:value|worth|price|salary|fine|bail|ransom|revenue)s?\b",
    re.I,
)
_IDENTIFIER_QUESTION = re.compile(
    r"\bwhat (?:is|was) (?:the|its|his|her|their|[\w-]+['’]s) (?:[\w-]+ )?([a-z]+) number\b"
    r"|\bthe number of (?:(?:the|a|an|his|her|its|their) )?(?:[\w-]+['’]s )?(?:[\w-]+ ){0,2}?([a-z]+)(?=\s+(?:at|in|on|of|where|that|which|did|was|is)\b|\s*\?|$)",
    re.I,
)
_SHARE_QUESTION = re.compile(r"\bwhat (share|percentage|proportion|fraction|percent)\b", re.I)


def figures(text: str, asked: Asked | None = None) -> list[tuple[int, int]]:
    """Spans of the figures in `text` that could answer: not years, not days of dates, not times of
    day, and not a figure the question itself gives ('911' in 'how many 911 calls')."""
    blocked = [m.span() for pattern in (DAY_OF_MONTH, TIME_OF_DAY, YEAR) for m in pattern.finditer(text)]
    spans = []
    for match in _FIGURE.finditer(text):
        if any(a <= match.start() < b for a, b in blocked):
            continue
        value = re.sub(r"[^\d.]", "", match.group()).rstrip(".")
        if asked and value and value in asked.figures:
            continue
        if match.group().lower() == "one":
            continue  # 'one of the...' is seldom a count
        if match.group()[0].isdigit() and _names_a_thing(text, match.start()):
            continue
        spans.append(match.span())
    return spans


# A number right after a capitalised word in mid-sentence, or glued to letters, names a thing; it
# counts nothing: 'Flight 1282', 'Boeing 737', 'Windows 10', 'Article 5', 'FOX 5', 'AS1282'.
# A word of time or amount before it does not ('by Thursday 183 deaths', 'About 300').
_GLUED = re.compile(r"(?:[A-Za-z#№]|[A-Za-z]-)$")
_NAMED_NUMBER = re.compile(r"(?<=[\w,;:’'\"”)] )([A-Z][\w-]*)\s+$")
_NOT_A_NAME = frozenset(
    "about nearly some only around almost more over under just roughly approximately up than exactly another all "
    "at by to from of in on and or".split()
)


def _names_a_thing(text: str, start: int) -> bool:
    """Whether the number at `start` is part of a name or code (see `_NAMED_NUMBER`)."""
    if _GLUED.search(text[max(0, start - 2): start]):
        return True
    named = _NAMED_NUMBER.search(text[max(0, start - 40): start])
    if not named:
        return False
    word = named.group(1)
    return word.lower() not in _NOT_A_NAME and word.lower() not in WEEKDAYS and month_number(word) is None


def has_figure_of(text: str, asked: Asked, reach: int = 6) -> bool:
    """A figure of what the question counts: a percent for 'what share', an amount of money for
    'how much ... paid', a figure with a unit of the measure for 'how old / tall / long / far'
    ('61-year-old', '8,849 metres', '12 hours'), else any answering figure, within `reach` words of
    a counted word when the question names the things it counts ('690 flights', 'flights: 690'),
    or of a state or act the question names, in another form ('arrested' -> '749 arrests'). For
    a question about a day, the day named nearest the figure must be that day, when one is named."""
    unit = asked_unit(asked)
    if unit and not _figure_in_unit(text, unit):
        return False
    if _SHARE_QUESTION.search(asked.text):
        return bool(_PERCENT.search(text))
    measure = _HOW_MEASURE.search(asked.text)
    if measure:
        found = [m.start() for m in re.finditer(_MEASURES[measure.group(1).lower()], text, re.I)]
        if measure.group(1).lower() == "old" and asked.names:  # whose age: 'Harding, 58', not 'his 19-year-old son'
            return any(_name_near(asked.names, text, at) for at in found)
        return bool(found)
    if _MONEY_QUESTION.search(asked.text) and not _MONEY.search(text):
        return False
    thing = identified_thing(asked.text)
    if thing:  # 'the number of his hotel room': 'room 135', not '10 guns were found in the room'
        return bool(re.search(rf"\b{re.escape(thing)}s?\s+(?:(?:no\.?|number|#)\s*)?\d", text, re.I))
    spans = figures(text, asked)
    if not spans:
        return False
    states = state_words(asked)
    counting = tuple(w for w in asked.focus if _UNIT_FORMS.get(w, w) != unit)  # the unit is checked above: '8 km'
    if not states and not counting:
        return True
    tokens = [(m.start(), SYNONYM_OF.get(stem, stem), m.group()) for m in re.finditer(r"\w+", plain(text.lower()))
              for stem in [stemmer().stemWord(american_spelling(m.group()))]]
    if states and not any(_state_in(state, tokens) for state in states):
        return False
    if not counting:
        return True
    named = {w.lower() for name in asked.names for w in name.split()}
    counted_things = [w for w in counting if w not in named] or list(counting)  # 'Germanwings flights': flights
    focus = {SYNONYM_OF.get(s, s) for s in stemmer().stemWords([american_spelling(w) for w in counted_things])}
    counted = {w[:4] for w in content_words(asked.text) if len(w) >= 7 and w not in asked.focus and _names_an_act(w)}
    days = day_mentions(text) if asked.weekdays or asked.days else []
    sums = [] if _MONEY_QUESTION.search(asked.text) else [m.span() for m in _SUM.finditer(text)]
    for start, end in spans:
        if any(a <= end and start <= b for a, b in sums):
            continue  # a sum of money counts no things: '$130,000 in overtime' for 'how many overtime hours'
        position = next((i for i, (at, _, _) in enumerate(tokens) if at >= start), len(tokens))
        near = tokens[max(0, position - reach): position + reach + 1]
        if not any(stem in focus or (len(word) >= 7 and word[:4] in counted) for _, stem, word in near):
            continue
        if _counts_something_else(tokens[position + 1: position + 2], asked.focus):
            continue
        if days:  # the figure's own day: '690 on Monday, after 1,300 on Sunday'
            nearest = min(days, key=lambda d: min(abs(d[0] - start), abs(d[0] - end)))[1]
            if nearest not in asked.weekdays and nearest not in asked.days:
                continue
        return True
    return False


def asked_unit(asked: Asked) -> str | None:
    """The unit a question asks its figure in, by name: 'in degrees Celsius', 'in metres', 'how
    many square kilometres', 'how many acres'. Only a figure in that unit answers: '140 square
    miles' is no answer in kilometres (the articles do not give it; converting is not quoting)."""
    named = [m.group(1).lower() for m in _ASKED_UNIT.finditer(asked.text)] + [w.lower() for w in asked.focus]
    for word in named:
        unit = _UNIT_FORMS.get(word, word)
        if unit in _UNITS:
            return unit
    return None


def _figure_in_unit(text: str, unit: str) -> bool:
    """A figure written with `unit` right after it ('140 square miles', '6.4m', '20 °C', '$5 million')."""
    sign = _CURRENCY_SIGNS.get(unit)
    if sign and re.search(rf"{re.escape(sign)}\s?\d", text):
        return True
    return bool(re.search(rf"(?:\d|\b(?:{'|'.join(NUMBER_WORDS)}))\s*(?:-|\s)?(?:degrees?\s+|°\s?|square\s+|sq\.?\s+|cubic\s+|"
                          rf"(?:thousand|million|billion|trillion)\s+)?(?:{_UNITS[unit]})", text, re.I))


def identified_thing(question: str) -> str | None:
    """The thing a question asks the number of as its label, not as a count: 'what was the flight
    number' -> 'flight', 'the number of Paddock's hotel room' -> 'room'. A plural or a state ('the
    number of the dead') asks for a count."""
    match = _IDENTIFIER_QUESTION.search(question)
    if not match:
        return None
    thing = next(g for g in match.groups() if g).lower()
    plural = (thing.endswith("s") and not thing.endswith("ss")) or thing in _PERSONS or thing in ("police", "staff")
    return None if plural or thing in _STATES or thing.endswith("ed") else thing


_PERSONS = frozenset("people persons individuals victims residents civilians men women males females children adults".split())
_ANYONE = frozenset("people persons individuals victims".split())


def _counts_something_else(following: list[tuple[int, str, str]], asked_focus: tuple[str, ...]) -> bool:
    """A question that counts one kind of person ('how many children', 'how many women') and a
    figure followed by another noun ('ten people', '40 seats'): that figure counts something else.
    Questions that count anything else keep any figure near their words ('a death toll of 11 people')."""
    kinds = {w.lower() for w in asked_focus} & (_PERSONS - _ANYONE)
    if not kinds or not following:
        return False
    word = following[0][2].lower()
    plural = word in _PERSONS or (len(word) > 3 and word.endswith("s") and not word.endswith("ss"))
    return plural and word not in kinds


def _name_near(names: tuple[str, ...], text: str, at: int, reach: int = 40) -> bool:
    """The name nearest the figure at `at` (within `reach` characters before it or half that
    after it) is one of `names`: '58-year-old Hamish Harding', 'Harding, 58,', 'Nicolas Maduro,
    61' for 'Maduro'. A run of capitalised words names that person when it holds the whole name
    as asked, or only words of it (and titles or acronyms): 'Tony Kim, 59' is not Kim Hak Song's age."""
    start = max(0, at - reach)
    window = text[start: at + reach // 2]
    runs = [r for r in re.finditer(r"[A-Z][\w’'-]*\.?(?:\s+[A-Z][\w’'-]*\.?)*", window) if r.group().lower() not in _NOT_NAMES]
    if not runs:
        return False
    nearest = min(runs, key=lambda r: min(abs(r.start() + start - at), abs(r.end() + start - at)))
    words = {name_key(w.strip(".")): w.strip(".") for w in nearest.group().split()}
    for name in names:
        keys = {name_key(w) for w in name.split() if len(w) > 2}
        if keys & set(words) and (keys <= set(words) or all(k in keys or w.lower() in TITLES or w.isupper() for k, w in words.items())):
            return True
    return False


_NOT_NAMES = frozenset("the a an his her its their this that".split())


_REPORTING = frozenset("said reported told announced stated added estimated cited quoted published according".split())
_STATES = frozenset("missing dead injured wounded homeless displaced alive stranded trapped unemployed infected".split())


@functools.lru_cache(maxsize=256)
def state_words(asked: Asked) -> tuple[str, ...]:
    """The state or act a number question asks about, read after 'how many' when it says so:
    'how many people were killed', '... are still missing', '... deaths had been confirmed', 'how
    much had he lost'. A figure in a sentence with none of those words (125 people displaced, 257
    deaths reported; 'transactions of more than $10,000' for what he lost) does not answer it.
    Reporting verbs ('said', 'reported') are not states."""
    asking = re.split(r"\bhow many\b", asked.text, maxsplit=1, flags=re.I)[-1]
    return tuple(w for w in content_words(asking) if w not in asked.focus and w not in _REPORTING and len(w) >= 4
                 and _names_an_act(w))


def _state_in(state: str, tokens: list[tuple[int, str, str]]) -> bool:
    """The state, or a word of the same stem or synonym, among the sentence's tokens (start, stem, word):
    'killed' ~ 'deaths', 'arrested' ~ 'arrests', 'cancelled' ~ 'scrapped'."""
    stem = stemmer().stemWord(american_spelling(state))
    key = SYNONYM_OF.get(stem, stem)
    return any(token_stem == key or word[:4] == state[:4] for _, token_stem, word in tokens)


def _names_an_act(word: str) -> bool:
    """A state or past participle ('arrested', 'displaced'), whose noun ('749 arrests') can name
    what is counted; a noun of the question's topic ('the landslides') cannot."""
    return word in _STATES or word.endswith("ed") or word in IRREGULAR_PAST


def sentence_figures(text: str) -> set[str]:
    """The figures of a sentence as digits, for comparing two sources' numbers."""
    return figures_in(text) | {str(NUMBER_WORDS[w.lower()]) for w in re.findall(r"\b\w+\b", text) if w.lower() in NUMBER_WORDS and w.lower() != "one"}
