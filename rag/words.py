"""The closed-class words the question reading knows: weekdays and months, question words,
auxiliaries, prepositions and irregular past tenses. English, and no news subject's."""

from __future__ import annotations

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MONTH_ABBREVIATIONS = {m[:3]: i for i, m in enumerate(MONTHS, 1)} | {"sept": 9}
MONTH_PATTERN = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"

QUESTION_WORDS = frozenset(
    "what who whom whose when where which why how did does do is are was were can could should would will "
    "has have had according in on at the a an and or of for to please tell list name give by from with "
    "summarise summarize summary explain describe compare outline show find quote briefly if i we you "
    "after before since during between both each every all any other".split()
)
IRREGULAR_PAST = frozenset(
    "went came got saw made took ran fell rose left lost won paid said told spent kept held began died fled sold "
    "bought brought caught fought flew grew hit hurt led met put read sent set shut stood struck threw wrote".split()
)
AUXILIARIES = frozenset("is are was were did do does has have had will would could can should may might been be being".split())
PREPOSITIONS = frozenset(
    "in on at by for of to from with after before during since over under about into per outside inside near across "
    "through within beyond against between".split()
)


def month_number(word: str) -> int | None:
    """'July' -> 7, 'Aug.' -> 8, 'Sept' -> 9; None for any other word."""
    key = word.lower().rstrip(".")
    if key in MONTHS:
        return MONTHS.index(key) + 1
    return _MONTH_ABBREVIATIONS.get(key)
