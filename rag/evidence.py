"""Hits -> evidence: the sentences of the retrieved chunks that answer the question, best first.

A sentence's score adds up signals that each fix a known way to pick the wrong sentence:
- meaning: embedding similarity to the question; for a date or number question, also the
  similarity of the few words around each date or number in the sentence, so that a long
  sentence whose subordinate clause holds the answer ("... since Russia's full-scale invasion on
  Feb. 24, 2022") is not drowned by its main clause;
- wording: the share of the question's content words (Snowball stems) the sentence holds,
  weighted by how rare each word is in the corpus, so "third" in "third anniversary" counts
  for more than "assembly";
- answer shape: a date question prefers full dates, a "which countries" question prefers
  sentences that list names, a question about what someone said or how something is worded
  prefers sentences that quote, a question naming an outlet prefers that outlet's article;
- scope: a sentence about the "first anniversary" is marked down for a question about the
  third, and an article dated 2023 for a question that names only 2025.

`relevance` (meaning + wording, no bonuses) is what refusal compares with its threshold.

Sentences written to an AI assistant ("ignore your previous instructions...", "SYSTEM: ...") are
set aside by `addresses_an_assistant`: article text is data, and a small model given such a
sentence as evidence loses the thread. They stay in the index, so `rag quote` and `rag search`
still find them.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Collection, Sequence

import numpy as np
import snowballstemmer

from rag.embed import Embedder, embed_texts
from rag.retrieve import (
    _DATE_IN_TEXT, _NUMBER_IN_TEXT, STOPWORDS, Hit, acronyms, american_spelling, answer_type, has_enumeration, is_list_question,
    list_lengths, mentioned_documents,
)
from rag.store import DocumentInfo, Index

WORDING_WEIGHT = 0.5
TYPE_BONUS = 0.15
FULL_DATE = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+(19|20)\d\d\b"
    r"|\b\d{1,2}\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?\s+(19|20)\d\d\b"
)
ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_ORDINAL_PHRASE = re.compile(rf"\b({'|'.join(ORDINALS)}|\d+(?:st|nd|rd|th))\s+(\w+)", re.I)
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
                    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b\.?")
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
}
_TALLY = re.compile(r"\b(?!(?:19|20)\d\d-)\d{1,3}-\d{1,3}\b")
_BARE_MONTH = re.compile(_MONTH.pattern + r"(?!\s*\d)")
_MONTH_NUMBER = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_WORDING_QUESTION = re.compile(
    r"\b(say|says|said|describe[sd]?|call(?:s|ed)?|words?|wording|phrase[sd]?|quote[sd]?|answer(?:ed|s)?|respond(?:ed|s)?|repl(?:y|ied))\b",
    re.I,
)
_QUOTATION = re.compile(r"[“\"][^”\"]*\s[^”\"]*[”\"]")
_TO_AN_ASSISTANT = re.compile(
    r"^\W*(system|assistant|user|developer)\s*:"
    r"|<\|?im_(start|end)\|?>|\[/?INST\]"
    r"|\b(ignore|disregard|forget)\b[^.;]{0,30}\b(previous|prior|above|earlier|your|system)\b[^.;]{0,20}\b(instructions?|prompts?)\b"
    r"|\byou are (now )?an? (ai|assistant|language model|chatbot|llm)\b",
    re.I,
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
    inferred_year: int | None = None

    @property
    def year(self) -> int | None:
        return int(self.doc.published[:4]) if self.doc.published else self.inferred_year


def addresses_an_assistant(text: str) -> bool:
    """True for a sentence that gives orders to an AI model rather than reporting news."""
    return bool(_TO_AN_ASSISTANT.search(text))


_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")


def without_acronym_dots(text: str) -> str:
    """'U.S. envoy' -> 'US envoy'."""
    return _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), text)


def stems(text: str) -> list[str]:
    """Snowball stems of the content words of `text` (American spelling), and the acronyms of its
    names ('U.S.' and 'United States' both give 'us'), in order, without repeats."""
    text = without_acronym_dots(text)
    words = [american_spelling(w) for w in re.findall(r"\w+", text.lower()) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return list(dict.fromkeys(_thread_stemmer().stemWords(words) + acronyms(text)))


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

    A stem no sentence holds still weighs half as much as the rarest one: no passage can
    cover it, which keeps 'how did the stock market react to the earnings report?' from
    looking answered, without sinking a question that merely words things differently.
    An acronym made from the question's names ('us' for 'United States') counts only where some
    sentence holds it: it is another way to find the name, not a word the answer must have.
    Outlet and title words are left out: they pick the article (see `mentioned_documents`), and
    so are years: they set the scope (see `scope_mismatch`), and few sentences repeat them.
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


def has_full_date(text: str, doc: DocumentInfo) -> bool:
    """A day, month and year: written out, or relative ('Feb. 24 last year') in a dated article."""
    return bool(FULL_DATE.search(text)) or any(
        _is_day_of_year(phrase) for phrase, _ in resolve_relative_dates(text, doc.published)
    )


def _is_day_of_year(relative: str) -> bool:
    """'Feb. 24 last year' names a day; 'last year' and 'Thursday' do not name one with its year."""
    return bool(re.match(r"[A-Z]", relative)) and relative.lower().endswith("year")


_ANNIVERSARY = re.compile(
    rf"\b({'|'.join(ORDINALS)}|\d+(?:st|nd|rd|th))\s+anniversary\s+of\s+((?:[\w’'-]+\s+){{0,5}}[\w’'-]+)", re.I
)


@dataclass(frozen=True)
class InferredYear:
    year: int
    reason: str


_YEARS: dict[str, dict[str, InferredYear]] = {}


def inferred_years(index: Index) -> dict[str, InferredYear]:
    """Years of undated articles, read from an anniversary they mention.

    'the third anniversary of Russia's full-scale invasion' plus another article's 'Russia's
    invasion on Feb. 24 last year' (dated 2023-02-23, so 2022) gives 2025. Computed once per index.
    """
    key = str(index.path)
    if key in _YEARS:
        return _YEARS[key]
    documents = index.documents()
    sentences = index.all_sentences()
    years: dict[str, InferredYear] = {}
    for doc_id, doc in documents.items():
        if doc.published:
            continue
        for sentence in (s for s in sentences if s.doc_id == doc_id):
            match = _ANNIVERSARY.search(sentence.text)
            if not match:
                continue
            start = _event_year(_event_words(match.group(2)), sentences, documents)
            if start:
                reason = f"“{match.group(0)}”, the event dated {start} in another article"
                years[doc_id] = InferredYear(start + _ordinal_value(match.group(1)), reason)
                break
    for doc_id, doc in documents.items():
        if not doc.published and doc_id not in years:
            found = _year_of_a_dated_day(doc_id, sentences, documents)
            if found:
                years[doc_id] = found
    _YEARS[key] = years
    return years


_DAY_MONTH = re.compile(
    r"\b(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b(?![.,]?\s*(?:19|20)\d\d)"
    r"|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})\b(?![.,]?\s*(?:19|20)\d\d)"
)


def _year_of_a_dated_day(doc_id: str, sentences: list, documents: dict[str, DocumentInfo]) -> InferredYear | None:
    """The year of an undated article that reports a day without its year ('Late on 23 February,
    the UN General Assembly voted') when another article was published on that day ('2023-02-23')."""
    published = {d.published[5:10]: d for d in documents.values() if d.published}
    for sentence in (s for s in sentences if s.doc_id == doc_id):
        for match in _DAY_MONTH.finditer(sentence.text):
            day, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            other = published.get(f"{_MONTH_NUMBER[month.lower()]:02d}-{int(day):02d}")
            if other:
                return InferredYear(int(other.published[:4]), f"“{match.group(0)}”, the day {other.source} was published")
    return None


def _ordinal_value(ordinal: str) -> int:
    """'third' -> 3, '3rd' -> 3."""
    ordinal = ordinal.lower()
    return ORDINALS.index(ordinal) + 1 if ordinal in ORDINALS else int(re.match(r"\d+", ordinal).group())


def _event_words(phrase: str) -> list[str]:
    """Stems that name an event ('Russia's full-scale invasion' -> 'full', 'scale', 'invas'): the
    country, named in most sentences, would match them all."""
    return [w for w in stems(phrase) if not w.startswith("russia")] or stems(phrase)


def _event_year(event: list[str], sentences: list, documents: dict[str, DocumentInfo]) -> int | None:
    """The year most sentences give for an event: a full date near the event's words."""
    if not event:
        return None
    votes: dict[int, int] = {}
    for sentence in sentences:
        if event[-1] not in stems(sentence.text):
            continue
        doc = documents[sentence.doc_id]
        found = [int(m.group()[-4:]) for m in FULL_DATE.finditer(sentence.text)]
        found += [int(v) for phrase, v in resolve_relative_dates(sentence.text, doc.published) if _is_day_of_year(phrase)]
        for year in found:
            votes[year] = votes.get(year, 0) + 1
    return max(votes, key=votes.get) if votes else None


def document_year(doc: DocumentInfo, index: Index | None = None) -> int | None:
    """The year of the article's date, or the year inferred for an undated one."""
    if doc.published:
        return int(doc.published[:4])
    inferred = inferred_years(index).get(doc.doc_id) if index is not None else None
    return inferred.year if inferred else None


def event_year(text: str, doc: DocumentInfo, index: Index | None = None) -> int | None:
    """The year a sentence is about: its article's, unless the sentence names no year and dates its
    event by a month later than the article's ('In October' in an article of February 2023 is 2022)."""
    if doc.published and not _YEAR.search(text):
        months = [_MONTH_NUMBER[m.group(1)[:3].lower()] for m in _BARE_MONTH.finditer(text)]
        if months and all(month > int(doc.published[5:7]) for month in months):
            return int(doc.published[:4]) - 1
    return document_year(doc, index)


def scope_mismatch(question: str, text: str, doc: DocumentInfo, index: Index | None = None) -> bool:
    """True when the sentence is about another occurrence than the one asked about.

    'first anniversary' for a question about the 'third anniversary', 'October' for one about
    February, an article dated 2023 for a question that names years but not 2023.
    """
    asked = {m.group(2).lower(): m.group(1).lower() for m in _ORDINAL_PHRASE.finditer(question)}
    for m in _ORDINAL_PHRASE.finditer(text):
        noun = m.group(2).lower()
        if noun in asked and m.group(1).lower() != asked[noun]:
            return True
    asked_months = {m.group()[:3].lower() for m in _MONTH.finditer(question)}
    months = {m.group()[:3].lower() for m in _MONTH.finditer(text)}
    if asked_months and months and not asked_months & months:
        return True
    years = {int(m.group()) for m in _YEAR.finditer(question)}
    year = event_year(text, doc, index)
    return bool(years and year and year not in years)


_ORDINAL_WORD = rf"(?:{'|'.join(ORDINALS)}|\d+(?:st|nd|rd|th))"
_ANNIVERSARIES = re.compile(
    rf"\b({_ORDINAL_WORD}(?:\s*(?:,|and|or|to)\s*(?:the\s+)?{_ORDINAL_WORD}(?:\s+anniversary)?)*)\s+anniversar(?:y|ies)"
    rf"(?:\s+of\s+((?:[\w’'-]+\s+){{0,5}}[\w’'-]+))?",
    re.I,
)


def asked_years(question: str, index: Index) -> set[int]:
    """The years a question names, and those its anniversaries fall in: 'the first and third
    anniversaries of the invasion', with the invasion dated 2022 in the articles, asks about 2023 and 2025."""
    years = {int(m.group()) for m in _YEAR.finditer(question)}
    for match in _ANNIVERSARIES.finditer(question):
        start = _anniversary_start(index, match.group(2))
        if start:
            years.update(start + _ordinal_value(o) for o in re.findall(_ORDINAL_WORD, match.group(1), re.I))
    return years


_STARTS: dict[tuple[str, str | None], int | None] = {}


def _anniversary_start(index: Index, event: str | None) -> int | None:
    """The year of the event an anniversary counts from; with no event named ('the third anniversary
    vote'), of the first event the articles mark anniversaries of. Computed once per index and event:
    dating an event reads every sentence."""
    key = (str(index.path), event)
    if key not in _STARTS:
        events = [event] if event else [m.group(2) for s in index.all_sentences() for m in [_ANNIVERSARY.search(s.text)] if m]
        dated = (_event_year(_event_words(e), index.all_sentences(), index.documents()) for e in events)
        _STARTS[key] = next((year for year in dated if year), None)
    return _STARTS[key]


def covering_asked_years(question: str, chosen: list[Evidence], pool: list[Evidence], index: Index) -> list[Evidence]:
    """`chosen` plus, for each year the question asks about that no chosen sentence is about, the
    best sentence of `pool` about that year (with its outcome, for a question about what happened
    or how something changed): 'in 2023 and in 2025' needs an answer for each."""
    asked = sorted(asked_years(question, index))
    if len(asked) < 2:
        return chosen
    covered = {event_year(e.text, e.doc, index) for e in chosen}
    added = []
    for year in asked:
        if year in covered:
            continue
        best = next((e for e in pool if event_year(e.text, e.doc, index) == year and e not in chosen), None)
        if best is not None:
            added += with_outcome(question, [best], index)
    return chosen + added


def _answer_windows(text: str, pattern: re.Pattern, before: int = 14, after: int = 4) -> list[str]:
    """The words around each date or number in `text`."""
    windows = []
    for match in pattern.finditer(text):
        head = text[: match.start()].split()[-before:]
        tail = text[match.end() :].split()[:after]
        windows.append(" ".join(head + [match.group()] + tail))
    return windows


def select_evidence(
    question: str, hits: list[Hit], index: Index, embedder: Embedder, query_vector: np.ndarray, limit: int
) -> list[Evidence]:
    """The best sentences of the hits for the question, best first, at most `limit`."""
    weights = word_weights(question, index)
    kind = answer_type(question)
    wants_list = is_list_question(question)
    wants_wording = bool(_WORDING_QUESTION.search(question))
    wants_tally = (kind == "number" or is_event_question(question)) and bool(_VOTE_QUESTION.search(question))
    type_pattern = {"date": _DATE_IN_TEXT, "number": _NUMBER_IN_TEXT}.get(kind)
    asked_sides = vote_sides(question) if kind == "number" else set()
    named = mentioned_documents(question, {h.doc.doc_id: h.doc for h in hits})
    inferred = {doc_id: found.year for doc_id, found in inferred_years(index).items()}
    candidates = []
    seen: set[tuple[str, int]] = set()
    for rank, hit in enumerate(hits):
        for sentence in index.sentences_in(hit.doc.doc_id, hit.start, hit.end):
            if (hit.doc.doc_id, sentence.start) not in seen:
                seen.add((hit.doc.doc_id, sentence.start))
                candidates.append((rank, hit.doc, sentence))
    if not candidates:
        return []
    similarity = index.sentence_vectors[[s.id for _, _, s in candidates]] @ query_vector
    if type_pattern:
        similarity = np.maximum(similarity, _window_similarity(candidates, type_pattern, embedder, query_vector))
    scored = []
    for (rank, doc, sentence), sim in zip(candidates, similarity):
        covered = coverage(weights, sentence.text)
        relevance = float(sim) + WORDING_WEIGHT * covered
        score = relevance + 0.05 / (1 + rank)
        if type_pattern:
            counts = kind == "number" and has_enumeration(sentence.text)
            score += TYPE_BONUS if type_pattern.search(sentence.text) or counts else -2 * TYPE_BONUS
            if kind == "date" and has_full_date(sentence.text, doc):
                score += 0.1
        if wants_list and has_enumeration(sentence.text):
            score += 0.15
        if wants_tally and is_tally(sentence.text):
            score += TYPE_BONUS
        if asked_sides and asked_sides & set().union(*_figure_sides(sentence.text).values()):
            score += TYPE_BONUS
        if wants_wording and _QUOTATION.search(sentence.text):
            score += 0.15
        if doc.doc_id in named:
            score += 0.3
        if scope_mismatch(question, sentence.text, doc, index):
            score -= 0.3
        scored.append(
            Evidence(
                doc, sentence.start, sentence.end, sentence.text, score, float(sim), covered, relevance,
                sentence.id, inferred.get(doc.doc_id),
            )
        )
    scored.sort(key=lambda e: -e.score)
    return _distinct(scored)[:limit]


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


def _window_similarity(candidates: list, pattern: re.Pattern, embedder: Embedder, query_vector: np.ndarray) -> np.ndarray:
    """Per candidate, the best similarity of a window around a date or number (0 without one)."""
    owners, windows = [], []
    for i, (_, _, sentence) in enumerate(candidates):
        for window in _answer_windows(sentence.text, pattern)[:4]:
            owners.append(i)
            windows.append(window)
    best = np.zeros(len(candidates), dtype=np.float32)
    if windows:
        for owner, sim in zip(owners, embed_texts(embedder, windows) @ query_vector):
            best[owner] = max(best[owner], float(sim))
    return best


_CONTINUES = re.compile(r"^([“\"‘]|(he|she|it|they|this|that|these|but|however|instead)\b)", re.I)


def with_continuations(chosen: list[Evidence], pool: list[Evidence], index: Index, limit: int) -> list[Evidence]:
    """Add the sentence that follows a chosen one when it carries on the thought.

    It does when it opens with a quote mark or a pronoun ('“The West didn’t want…”', 'He said…'),
    or when it is itself in the evidence `pool`: news copy often sets up a fact in one sentence
    and gives the detail in the next ('...demand Russia withdraw its troops.' 'The document demands
    that Russia "immediately, completely, and unconditionally" remove its troops').
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
            result.insert(
                result.index(e) + 1,
                scored or replace(e, start=nxt.start, end=nxt.end, text=nxt.text, sentence_id=nxt.id),
            )
    return result


_EVENT_QUESTION = re.compile(
    r"\bwhat (happened|occurred|took place|went on)\b|\bwhat (was|were) the (final )?(outcome|result|tally|count)s?\b"
    r"|\bhow did (it|the (\w+ ){1,3}?)(go|end|turn out)\b"
    r"|\bhow (did|has|have) ([\w’'-]+ ){1,8}?(change|evolve|shift|grow|fall)\b",
    re.I,
)


_FIGURE = re.compile(r"\b(?!(?:19|20)\d\d\b)\d[\d,.]*\b")


def is_event_question(question: str) -> bool:
    return bool(_EVENT_QUESTION.search(question))


def has_count(text: str) -> bool:
    """A figure that is not a year or the day of a date: '141-7', '93 votes', not 'Feb. 23, 2023'."""
    return bool(_FIGURE.search(_DATE_IN_TEXT.sub(" ", FULL_DATE.sub(" ", text))))


def with_outcome(question: str, chosen: list[Evidence], index: Index, window: int = 8) -> list[Evidence]:
    """For 'what happened at ...', add the outcome: the sentence with figures nearest the best one.

    News copy places the occasion in one sentence ('on the third anniversary ... the UN General
    Assembly refused to approve a US-backed resolution') and reports the result, a tally or a
    count, a few sentences away in the same article (after it, or before it in a summary), in
    words that share little with the question. Asked about a vote, the outcome is a tally.
    """
    if not chosen or not is_event_question(question):
        return chosen
    anchor = chosen[0]
    wants_tally = bool(_VOTE_QUESTION.search(question))
    if wants_tally and is_tally(anchor.text):
        return chosen
    article = index.sentences_in(anchor.doc.doc_id, max(0, anchor.start - 3000), anchor.end + 3000)
    position = next((i for i, s in enumerate(article) if s.start == anchor.start), None)
    if position is None:
        return chosen
    nearest_first = sorted(
        (i for i in range(max(0, position - window), min(len(article), position + window + 1)) if i != position),
        key=lambda i: (abs(i - position), i < position),
    )
    for i in nearest_first:
        sentence = article[i]
        if addresses_an_assistant(sentence.text) or not has_count(sentence.text):
            continue
        if wants_tally and not is_tally(sentence.text):
            continue
        if scope_mismatch(question, sentence.text, anchor.doc, index):
            continue
        if any(e.doc.doc_id == anchor.doc.doc_id and e.start == sentence.start for e in chosen):
            return chosen
        outcome = replace(anchor, start=sentence.start, end=sentence.end, text=sentence.text, sentence_id=sentence.id)
        return [anchor, outcome, *chosen[1:]]
    return chosen


_ACROSS_SOURCES = re.compile(
    r"\baccording to (the )?(different|various|each|all|both|several) (outlets?|sources?|articles?|reports?|media)\b"
    r"|\b(do|did) (the )?(outlets?|sources?|articles?|reports?) (agree|differ|disagree)"
    r"|\b(each|every) (outlet|source|article|report)\b|\bwhich (outlets?|sources?|articles?) (say|report|give)"
    r"|\b(report|describe|tell|give)s?\b.{0,40}\b(the same way|differently)\b",
    re.I,
)


def compares_sources(question: str) -> bool:
    """'How many voted against, according to the different outlets?', 'Do the sources agree on ...?'"""
    return bool(_ACROSS_SOURCES.search(question))


def per_article(evidence: list[Evidence], each: int = 2, limit: int = 8, min_score_ratio: float = 0.7) -> list[Evidence]:
    """The best `each` sentences of every article that has a good one, best article first.

    A question that compares outlets needs each outlet's own words side by side; ranked by
    score alone, the two or three sentences of the outlet that words things most like the
    question would crowd the others out.
    """
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


_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
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
            weekday = _WEEKDAYS.index(match.group(4).lower())
            back = (day.weekday() - weekday) % 7
            resolved.append((match.group(4), (day - timedelta(days=back)).isoformat()))
    return resolved


_VOTE_SIDES = {
    "for": ("favor", "favour", "support", "approv", "adopt", "back", "endors", "yes"),
    "against": ("against", "oppos", "reject", "no"),
    "abstain": ("abstain", "abstention"),
}


def _figure_sides(text: str) -> dict[int, set[str]]:
    """Each figure of `text` (not years, not 'one') with the vote sides named near it: in the five
    words after it, else the three before, not past another figure. '93 votes in favour, 18 no
    votes' -> {93: {for}, 18: {against}}; 'won approval by 143 countries' -> {143: {for}}; a
    tally 'passed 141-7' -> {141: {for}, 7: {against}}."""
    words = re.findall(r"\w+", _TALLY.sub(lambda m: m.group().replace("-", " in favor ") + " against", text).lower())
    values = [int(w) if w.isdigit() and len(w) <= 4 else NUMBER_WORDS.get(w) for w in words]
    sides: dict[int, set[str]] = {}
    for i, value in enumerate(values):
        if value is None or value == 1 or 1900 <= value <= 2099:
            continue
        after = _sides_named(words, values, range(i + 1, min(i + 6, len(words))))
        sides.setdefault(value, set()).update(after or _sides_named(words, values, range(i - 1, max(i - 4, -1), -1)))
    return sides


def vote_sides(question: str) -> set[str]:
    """The sides of a vote a question asks about: 'how many voted against?' -> {against}."""
    words = re.findall(r"\w+", question.lower())
    return _sides_named(words, [None] * len(words), range(len(words)))


def _sides_named(words: list[str], values: list[int | None], positions: range) -> set[str]:
    found: set[str] = set()
    for j in positions:
        if values[j] is not None:
            break
        found |= {side for side, prefixes in _VOTE_SIDES.items()
                  if any(words[j] == p or (len(p) > 3 and words[j].startswith(p)) for p in prefixes)}
    return found


def years_agree(sentence: str, evidence: Evidence) -> bool:
    """Every year the sentence names is the passage's (the year of its event or article) or stands
    in it: 'Baerbock spoke at the 2025 vote' is not supported by an article of 2023."""
    named = {int(m.group()) for m in _YEAR.finditer(sentence)}
    if not named:
        return True
    in_passage = {int(m.group()) for m in _YEAR.finditer(evidence.text)}
    return named <= in_passage | {event_year(evidence.text, evidence.doc) or evidence.year}


def figures_agree(sentence: str, passage: str) -> bool:
    """Every figure of the sentence stands in the passage, or counts a list of names there ('six
    countries' for 'Belarus, North Korea, Syria, Eritrea, Mali and Nicaragua'), and is on the same
    side of a vote where both say."""
    passage_sides = _figure_sides(passage)
    for figure, sides in _figure_sides(sentence).items():
        if figure not in passage_sides:
            if figure in list_lengths(passage):
                continue
            return False
        if sides and passage_sides[figure] and not sides & passage_sides[figure]:
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
    """'China's' ~ 'Chinese', 'Russian' ~ 'Russia', 'U.N.' ~ 'UN': the first four letters, lower case."""
    word = re.sub(r"[’']s$", "", word).replace(".", "").lower()
    return word[:4]


def names_agree(sentence: str, passage: str, known_names: Collection[str] = ()) -> bool:
    """Every name of the sentence stands in the passage, with the same qualifiers.

    A small model swaps who is who: 'Russian Foreign Minister Yoshimasa Hayashi' from 'Representing
    Japan, Foreign Minister Yoshimasa Hayashi', or 'China's ambassador ... Vassily Nebenzia' from
    'Russia's ambassador'. A run of capitalised words must find its last word in a run of the
    passage whose words, or the five words before it, hold the others; a lone name must stand in
    the passage. Acronyms match the initials of a passage run ('UN', 'United Nations'). A single
    capitalised word opening the sentence may be an ordinary word ('Despite'): it is checked only
    when it is one of `known_names` (the names of the question and the passages).
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


_VOTE_QUESTION = re.compile(r"\b(vot(e|es|ed|ing)|tally|ballot|resolutions?)\b", re.I)


def is_tally(text: str) -> bool:
    """A vote count: '141-7', or figures on two sides ('93 votes in favour, 18 no votes')."""
    if _TALLY.search(text):
        return True
    return len(set().union(*_figure_sides(text).values())) >= 2
