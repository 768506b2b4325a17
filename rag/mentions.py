"""What the articles mention, computed once per index, and the question read against it.

`corpus_words` collects once per index the words of the articles (whole texts, captions and
credit lines too, and their outlets, titles and URLs), the words written capitalised in
mid-sentence, and the dates, months and years they mention or are published on. Against it:
- `read_question` reads what the question asks (`rag.question.analyse`) and keeps the names an
  answer must mention (`key_names`): a name nearly every article carries tells no article apart;
- refusal learns what the question names that no article mentions (`missing_names`, spelling
  variants allowed) and the time it asks about that no article mentions or is from
  (`unmentioned_time`): then the articles do not answer, whatever the evidence.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rag.evidence import names_missing, plain
from rag.retrieve import acronyms
from rag.question import Asked, analyse, mid_sentence_capitals, month_years_in, time_words, weekday_of
from rag.store import Index

_CORPUS: dict[str, dict[str, set]] = {}


def corpus_words(index: Index) -> dict[str, set]:
    """The words of the articles (whole texts, captions and credit lines too, and their outlets,
    titles and URLs), without accents; the words written capitalised in mid-sentence; the
    (month, day) dates, months and years they mention or are published on. Once per index."""
    key = str(index.path)
    if key not in _CORPUS:
        documents = index.documents().values()
        article_texts = [index.document_text(d.source) for d in documents]
        texts = article_texts + [" ".join(filter(None, (d.outlet, d.title, d.url, d.source))) for d in documents]
        words: set[str] = set()
        per_document = [" ".join(set(re.findall(r"[^\W_]+", plain(text)))) for text in article_texts]
        days: set[tuple[int, int]] = set()
        months: set[int] = set()
        years: set[int] = set()
        lower: set[str] = set()
        initials: set[str] = set()
        weekdays: set[str] = set()
        years_named = []
        for text in texts:
            words.update(w.lower() for w in re.findall(r"[^\W_]+", plain(text)))
            lower.update(re.findall(r"\b[a-z][a-z-]+\b", plain(text)))
            initials.update(acronyms(plain(text)))
            text_weekdays, text_days, text_months, text_years = time_words(text)
            weekdays |= text_weekdays
            days |= text_days
            months |= text_months
            years |= text_years
            years_named.append(text_years)
        undated_from = set()
        month_years: set[tuple[int, int | None]] = set()
        for d, text, named in zip(documents, article_texts, years_named):
            if not d.published:  # an undated article is no older than the latest year it names
                undated_from.add(max(named, default=0))
            month_years |= month_years_in(text, int(d.published[:4]) if d.published else None)
            if d.published and len(d.published) >= 10:
                weekdays.add(weekday_of(d.published))
                days.add((int(d.published[5:7]), int(d.published[8:10])))
                months.add(int(d.published[5:7]))
                years.add(int(d.published[:4]))
        _CORPUS[key] = {
            "words": words, "capitalised": mid_sentence_capitals(texts), "days": days, "months": months, "years": years,
            "undated_from": undated_from, "per_document": per_document, "lower": lower, "weekdays": weekdays,
            "month_years": month_years, "initials": initials,
        }
    return _CORPUS[key]


def key_names(asked: Asked, index: Index, share: float = 0.6) -> tuple[tuple[str, ...], frozenset[str]]:
    """The question's names an answer must mention, and which of them are made of ordinary words.

    A proper name counts only when at most `share` of the articles mention it: one that nearly
    every article carries ('US' in American coverage, the company at the centre of the story)
    tells no article apart, and news copy often leaves it to a pronoun or 'the airline'. It keeps
    its own words ('Carter Center' -> 'Carter', 'New York Blood Center' -> 'York'). A name made
    only of words the articles also write in lower case ('National Electoral Council') always
    counts, whole: its words turn up everywhere, so most of them must stand near the answer.
    """
    words = corpus_words(index)
    per_document, lower = words["per_document"], words["lower"]
    kept, common = [], set()
    for name in asked.names:
        own = [w for w in name.split() if plain(w).lower() not in lower]
        if not own:  # an institution named in ordinary words: most of them must stand in the context
            kept.append(name)
            common.add(name)
            continue
        key = " ".join(own)
        probe = replace(asked, key_names=(key,), common_names=frozenset())
        mentioning = sum(1 for document in per_document if not names_missing(probe, document))
        if per_document and mentioning <= share * len(per_document):
            kept.append(key)
    return tuple(kept), frozenset(common)


# Common English first names and their usual short forms, both ways: a question may write the
# name one way and the article the other.
_FIRST_NAME_FORMS = (
    "charles chuck charlie", "william bill billy will", "robert bob bobby rob", "michael mike", "james jim jimmy",
    "joseph joe", "thomas tom tommy", "richard dick rick rich", "edward ed ted eddie", "anthony tony",
    "elizabeth liz beth betsy", "katherine kate kathy katie", "catherine cathy kate", "david dave", "daniel dan danny",
    "stephen steve", "steven steve", "christopher chris", "nicholas nick", "patricia pat patty", "samuel sam",
    "alexander alex", "benjamin ben", "andrew andy drew", "matthew matt", "jeffrey jeff", "jonathan jon",
    "gregory greg", "lawrence larry", "henry hank", "margaret peggy maggie meg", "susan sue", "rebecca becky",
    "jennifer jenny jen", "frederick fred", "albert al", "ronald ron", "donald don", "gerald jerry", "kenneth ken",
    "timothy tim", "peter pete", "philip phil", "douglas doug", "raymond ray", "walter walt", "theodore ted teddy",
)


def _other_forms(groups: tuple[str, ...]) -> dict[str, set[str]]:
    """Each form -> the other forms of the same name ('steve' -> stephen, steven)."""
    forms: dict[str, set[str]] = {}
    for group in groups:
        for name in group.split():
            forms.setdefault(name, set()).update(set(group.split()) - {name})
    return forms


_SAME_FIRST_NAME = _other_forms(_FIRST_NAME_FORMS)


def missing_names(asked: Asked, index: Index) -> list[str]:
    """Words of the question's names that no article mentions in any form: spelling variants,
    the user's own file names, and short forms count ('HK' for the articles' 'Hong Kong', 'United
    Nations' for their 'UN'). A word ahead of a full name the articles carry ('Congresswoman Ilhan
    Omar') is a title or description, not another name, and a first name's usual short or long
    form counts ('Chuck' for the articles' 'Charles')."""
    from rapidfuzz import fuzz, process

    known = corpus_words(index)
    vocabulary, initials = known["words"], known["initials"]
    file_names = [re.sub(r"[\W_]+", "", d.source.lower()) for d in index.documents().values()]

    def mentioned(word: str) -> bool:
        key = word.lower()
        if len(word) < 2 or not word[0].isupper() or key in vocabulary:
            return True
        if word.isupper() and key in initials:
            return True
        if len(key) >= 3 and any(key in name for name in file_names):
            return True  # the user's own name for the file: 'fox5atlanta-delta.txt' mentions FOX
        if any(alias in vocabulary for alias in _SAME_FIRST_NAME.get(key, ())):
            return True  # 'Chuck Schumer' is the articles' 'Charles E. Schumer'
        return process.extractOne(key, vocabulary, scorer=fuzz.ratio, score_cutoff=85) is not None

    missing = []
    for name in asked.names:
        words = re.findall(r"[^\W_]+", plain(name))
        if len(words) >= 2 and "".join(acronyms(name)) in vocabulary:
            continue
        unknown = [w for w in words if not mentioned(w)]
        if unknown == words[:1] and len(words) >= 3:
            continue
        missing += unknown
    return missing


def unmentioned_time(asked: Asked, index: Index) -> str | None:
    """A weekday, date, month or year the question asks about that no article mentions or is
    published on; for a year, also one that no undated article could be from (an undated article
    is no older than the latest year it names, and could be from any year when it names none).
    A question about several days, or several years, is answered for the ones the articles cover
    ('on August 1 and on August 6'): it is refused only when none of them is covered."""
    known = corpus_words(index)
    unknown_days = [weekday.capitalize() for weekday in sorted(asked.weekdays) if weekday not in known["weekdays"]]
    unknown_days += [f"{MONTH_NAMES[month - 1]} {day}" for month, day in sorted(asked.days) if (month, day) not in known["days"]]
    if unknown_days and len(unknown_days) == len(asked.weekdays) + len(asked.days):
        return " or ".join(unknown_days)
    for month in sorted(asked.months):
        if month not in known["months"]:
            return MONTH_NAMES[month - 1]
        if asked.years and not any((month, year) in known["month_years"] for year in (*asked.years, None)):
            return " or ".join(f"{MONTH_NAMES[month - 1]} {year}" for year in sorted(asked.years))
    unknown = [year for year in sorted(asked.years)
               if year not in known["years"] and not any(bound <= year for bound in known["undated_from"])]
    if unknown and len(unknown) == len(asked.years):
        return " or ".join(map(str, unknown))
    return None


MONTH_NAMES = "January February March April May June July August September October November December".split()


def read_question(question: str, index: Index) -> Asked:
    """What the question asks (`rag.question.analyse`), with the names an answer must mention."""
    asked = analyse(question, index.documents(), corpus_words(index)["capitalised"])
    names, common = key_names(asked, index)
    return replace(asked, key_names=names, common_names=common)


def read_parts(asked: Asked, index: Index) -> list[Asked]:
    return [read_question(part, index) for part in asked.parts]
