"""Answer kinds in extractive form: which sentences are quoted, and how they are labelled and cited.

The quoted answer gives evidence sentences verbatim, one per line, each led by its article and
followed by its marker ('- “Title” (Kyodo, 2023-02-23): ... [1]'; `quoted_lines`): first one
that answers what is asked (and one per part of the question), every article's best sentences
for a list, each named outlet's own words for a question that compares outlets it names, then
the best of the rest; sentences about another year or day than the question asks come last, set
apart. A quote question ('did X say ...', 'who said "..."') is answered with the quote check's
verdict (`rag.quotes.check_quote`) and every article that carries the words. Cited articles from
different years, or different figures for the same thing on the same day, get a note that cites
each side. The model's passages are labelled the same way. Every citation is an exact sentence
span: `text[start:end] == citation text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rag.answerability import ANSWER_DEPTH, answers_kind, satisfies, scope, time_phrase
from rag.candidates import (
    Gathered, across_sources, list_items, merge, per_article, spread, with_continuations, with_listed_items, with_outcome,
)
from rag.evidence import Evidence, resolve_relative_dates, same_time
from rag.figures import has_figure_of, sentence_figures
from rag.mentions import read_parts
from rag.question import Asked
from rag.settings import Settings
from rag.store import DocumentInfo, Index

if TYPE_CHECKING:
    from rag.answer import Answer


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str | None
    outlet: str | None
    published: str | None
    start: int
    end: int
    text: str
    url: str | None = None

    def to_json(self) -> dict:
        return {
            "n": self.n, "source": self.source, "title": self.title, "outlet": self.outlet,
            "published": self.published, "start": self.start, "end": self.end, "text": self.text, "url": self.url,
        }


def source_label(doc: DocumentInfo) -> str:
    """How a reader knows the article: 'CNN, 2024-07-29'; without an outlet, its title; the file
    name only when the article states neither."""
    name = doc.outlet or (_short(doc.title) if doc.title else doc.source)
    return f"{name}, {doc.published[:10]}" if doc.published else name


def _short(title: str, words: int = 10) -> str:
    parts = title.split()
    return f"“{' '.join(parts[:words])}{'…' if len(parts) > words else ''}”"


def evidence_label(e: Evidence) -> str:
    return source_label(e.doc)


def prompt_label(e: Evidence) -> str:
    """The passage's outlet and date for the model: '(CNN, 2024-07-29)'; short on purpose, since
    every prompt token costs time on a CPU."""
    parts = [p for p in (e.doc.outlet, e.doc.published[:10] if e.doc.published else None) if p]
    return f"({', '.join(parts)})" if parts else "(undated)"


def disagreement_note(asked: Asked, cited: list[tuple[int, Evidence]], index: Index) -> str | None:
    """Say so when cited articles are from different years, or give different figures for the same
    thing on the same day.

    Figures are compared only between sentences of different articles that count what the
    question counts, say much the same (embedding similarity >= 0.6) and report the same day, so
    Friday's cancellations are not set against Monday's.
    """
    if len({e.doc.doc_id for _, e in cited}) < 2:
        return None
    years = {e.year for _, e in cited if e.year}
    if len(years) > 1:
        first: dict[str, tuple[int, Evidence]] = {}
        for n, e in cited:
            if e.year:  # an undated article is of no year: listing it says nothing
                first.setdefault(e.doc.doc_id, (n, e))
        parts = [f"{evidence_label(e)} [{n}]" for n, e in first.values()]
        return "The cited articles are from different years and may describe different events: " + "; ".join(parts) + "."
    if asked.kind != "number":
        return None
    for i, (n, a) in enumerate(cited):
        for m, b in cited[i + 1:]:
            if a.doc.doc_id == b.doc.doc_id or not has_figure_of(a.text, asked) or not has_figure_of(b.text, asked):
                continue
            if not same_time(a, b):
                continue
            alike = float(index.sentence_vectors[a.sentence_id] @ index.sentence_vectors[b.sentence_id])
            if alike >= 0.6 and not sentence_figures(a.text) & sentence_figures(b.text):
                return f"The sources give different figures: {evidence_label(a)} [{n}]; {evidence_label(b)} [{m}]."
    return None


def article_label(doc: DocumentInfo) -> str:
    """How a quoted line names its article: '“Title” (CNN, 2024-07-29)'; without a title, the
    outlet and date (`source_label`)."""
    if not doc.title:
        return source_label(doc)
    about = ", ".join(x for x in (doc.outlet, doc.published[:10] if doc.published else None) if x)
    return f"{_short(doc.title, 12)} ({about})" if about else _short(doc.title, 12)


def by_time(asked: Asked, chosen: list[Evidence]) -> list[Evidence]:
    """The sentences that name no other time than the question asks first, then the ones that
    name another year or day, in their order otherwise."""
    return sorted(chosen, key=lambda e: _names_another_time(asked, e))


def _names_another_time(asked: Asked, e: Evidence) -> bool:
    """The sentence itself names a year, day or weekday other than the asked one. Its article's
    date does not count: an article from 2019 may well announce a tour's 2020 dates."""
    return scope(asked, e.text, replace(e.doc, published=None)) < 0


def quoted_lines(asked: Asked, numbered: list[tuple[int, Evidence]], dates: bool = False) -> str:
    """One line per quoted sentence, verbatim, led by its article and followed by its marker:
    '- “Title” (Kyodo, 2023-02-23): ... [1]'; a later line from the same article is led by its
    outlet and date only. Sentences that name another year or day than the question asks come
    last, under a line that says so. With `dates`, relative dates are read against the article's
    date: '(“last year”: 2022)'."""
    labelled: set[str] = set()

    def line(n: int, e: Evidence) -> str:
        label = source_label(e.doc) if e.doc.doc_id in labelled else article_label(e.doc)
        labelled.add(e.doc.doc_id)
        resolved = resolve_relative_dates(e.text, e.doc.published) if dates else []
        gloss = " (" + "; ".join(f"“{phrase}”: {value}" for phrase, value in resolved) + ")" if resolved else ""
        return f"- {label}: {e.text} [{n}]{gloss}"

    here, elsewhere = [], []
    for n, e in numbered:
        (elsewhere if _names_another_time(asked, e) else here).append((n, e))
    here, elsewhere = [line(n, e) for n, e in here], [line(n, e) for n, e in elsewhere]
    if elsewhere:
        here += [f"Passages that name another time (the question asks about {time_phrase(asked)}):"] + elsewhere
    return "\n".join(here)


def build_citations(numbered: list[Evidence], first: int = 1) -> list[Citation]:
    return [
        Citation(n, e.doc.source, e.doc.title, e.doc.outlet, e.doc.published, e.start, e.end, e.text, e.doc.url)
        for n, e in enumerate(numbered, first)
    ]


def format_passages(evidence: list[Evidence]) -> str:
    return "\n".join(f"[{n}] {prompt_label(e)} {e.text}" for n, e in enumerate(evidence, 1))


def choose_quotes(asked: Asked, gathered: Gathered, index: Index, settings: Settings) -> list[Evidence]:
    """The sentences an extractive answer quotes: first one that answers what is asked (and one
    per part), then the best of the rest spread across articles, with continuations; two more for
    a comparison or a question in parts, whose sides each need their own. A list question gets
    the sentences that each add an item (`list_items`), then every article's best sentences
    (`per_article`): the items of a list are spread over sentences and articles. A question that
    compares outlets it names gets the best sentences of each named outlet's articles, however
    weak, and of no other ("How do Rediff and Setopati differ ...": one side each); in each article,
    the sentences that give what is asked (a figure for 'how many') come first."""
    ranked, count = gathered.ranked, settings.extractive_sentences
    if asked.compares or asked.parts:
        count += 2  # each side of a comparison needs its own sentences

    def gives_what_is_asked(e: Evidence) -> bool:
        return answers_kind(asked, e.text)

    if asked.sources_named > 1:
        named = [e for e in merge(gathered.evidence, ranked) if e.doc.doc_id in asked.outlets]
        if len({e.doc.doc_id for e in named}) > 1:
            return per_article(named, limit=settings.evidence_sentences + 2, min_score_ratio=0.0, answers=gives_what_is_asked,
                               by_source=True)
    if asked.sources_named > 1 or across_sources(asked):
        return per_article(gathered.evidence, limit=settings.evidence_sentences + 2, answers=gives_what_is_asked)
    answering = [e for e in ranked[:ANSWER_DEPTH] if satisfies(asked, e, index)][:1]
    per_part = [next((e for e in pool[:ANSWER_DEPTH] if satisfies(part, e, index)), pool[0]) for part, pool in
                zip(read_parts(asked, index), gathered.parts) if pool] if asked.parts else []
    if asked.kind == "list":
        limit = settings.evidence_sentences + 2
        answering = merge(list_items(asked, ranked, index), per_article(ranked, limit=limit))[:limit]
    chosen = merge(answering, per_part, spread(ranked, count, index))[: max(count, len(answering), len(per_part) + 1)]
    chosen = with_outcome(asked, chosen, index)
    chosen = with_listed_items(chosen, index) if asked.kind == "list" else chosen
    return with_continuations(chosen, ranked, index, len(chosen) + 1)


ANSWER_SHAPES = ("fact", "number", "date", "wording", "list", "reason", "compare")


def answer_shape(asked: Asked) -> str:
    """The kind of answer a question wants, as the chat decides whether the model runs for it:
    'compare' for a question about several outlets or in several parts, else the question's kind
    (number, date, wording, list, reason), else 'fact'."""
    if asked.sources_named > 1 or across_sources(asked) or asked.compares or asked.parts:
        return "compare"
    return asked.kind if asked.kind in ANSWER_SHAPES else "fact"


_QUOTED = re.compile(r"[“\"‘]([^”\"’]{8,})[”\"’]|(?<!\w)'([^']{8,})'(?!\w)")
_DID_SAY = re.compile(r"^(?:did|has|was it)\s+(.+?)\s+(?:really\s+|actually\s+|ever\s+)?(?:say|said|write|wrote|tell|told)\s+(?:\w+\s+)??(?:that\s+)?(.+?)\??$", re.I)
_WHO_SAID = re.compile(r"^who\s+(?:said|says)\s+(?:that\s+)?(.+?)\??$", re.I)
VERDICT_PHRASES = {
    "verified": "verified: the words stand in the articles",
    "misattributed": "misattributed: the articles give these words to someone else",
    "altered": "altered: the articles carry a different wording",
    "not_found": "not found: nothing in the articles is close to these words",
}


def quote_request(question: str) -> tuple[str, str | None] | None:
    """(words, speaker) when the question asks to check a quote, else None.

    Only words in quotation marks, 'did X say (that) ...' with the words that follow, or 'who said
    ...' with four or more words after it are a quote to check: 'Who wrote that blog post?' and
    'What did X say about Y?' are ordinary questions.
    """
    found = _QUOTED.search(question)
    quoted = (found.group(1) or found.group(2)) if found else None
    did = _DID_SAY.match(question)
    who = _WHO_SAID.match(question)
    if did and (quoted or len(did.group(2).split()) >= 3):
        return (quoted or did.group(2)).strip(" ?.'\"“”‘’"), did.group(1).strip()
    if who and (quoted or len(who.group(1).split()) >= 4):
        return (quoted or who.group(1)).strip(" ?.'\"“”‘’"), None
    if quoted and len(quoted.split()) >= 4:
        return quoted, None
    return None


def quote_answer(answer: "Answer", words: str, speaker: str | None, index: Index, settings: Settings) -> None:
    """Lead the answer with the quote check's verdict and cite every article that carries the words."""
    from rag.quotes import check_quote

    check = check_quote(words, index, settings, speaker=speaker)
    documents = {d.source: d for d in index.documents().values()}
    lines = [f"Quote check: {VERDICT_PHRASES[check.verdict]} ({check.explanation})."]
    citations = []
    for n, match in enumerate(check.matches, 1):
        doc = documents[match.source]
        who = f", attributed to {match.speaker}" if match.speaker else ""
        via = f" as reported by {match.reported_by}" if match.reported_by else ""
        lines.append(f"{source_label(doc)}: “{match.text}”{who}{via} [{n}].")
        citations.append(Citation(n, match.source, doc.title, doc.outlet, doc.published, match.start, match.end, match.text, doc.url))
    answer.answer = " ".join(lines)
    answer.citations = citations
    answer.refused = check.verdict == "not_found"
    if answer.refused:
        answer.citations = []
    answer.mode = "quote"
