"""Hits -> candidate sentences for the question, ranked, and the few the answer is built from.

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

`relevance` (meaning + wording, no bonuses) is what refusal compares with its threshold.

`gather` ranks the sentences of the retrieved chunks once for the question and once for each of
its parts, and for a question that names several sources also within each source's own articles
(sentences written to an AI assistant are set aside), then chooses the model's
evidence: the sentences that answer what is asked first, then the best of the rest spread across
articles (`spread`, maximal marginal relevance), or each article's best for a question that
compares outlets (`per_article`), or for a list the sentences that each add an item
(`list_items`); each with the sentence it leads into (`with_continuations`), the items after a
lead-in (`with_listed_items`) and the outcome of 'what happened' (`with_outcome`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Callable, Sequence

import numpy as np

from rag.answerability import ANSWER_DEPTH, adding_items, answers_kind, context_of, is_heading, is_lead_in, satisfies, scope
from rag.embed import Embedder, embed_texts
from rag.evidence import (
    DAY_OF_MONTH, FULL_DATE, RELATIVE_DAY, TIME_OF_DAY, YEAR, Evidence, addresses_an_assistant, coverage, gives_reason,
    has_full_date, names_missing, word_weights,
)
from rag.figures import figures
from rag.mentions import read_parts
from rag.question import Asked, about_the_subject, named_thing, source_key
from rag.retrieve import Filters, Hit, fts_query, search, search_sentences
from rag.settings import Settings
from rag.store import DocumentInfo, Index

WORDING_WEIGHT = 0.5
KIND_BONUS = 0.15
_CONTINUES = re.compile(r"^([“\"‘]|(he|she|it|they|this|that|these|but|however|instead)\b)", re.I)


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
        return [m.span() for p in (DAY_OF_MONTH, TIME_OF_DAY, YEAR, RELATIVE_DAY) for m in p.finditer(text)]
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
            score += 0.1 if FULL_DATE.search(sentence.text) else 0.05 if has_full_date(sentence.text, doc) or DAY_OF_MONTH.search(sentence.text) else 0.0
        if asked.outlets:
            score += 0.3 if doc.doc_id in asked.outlets else -0.1
        score += {1: 0.1, 0: 0.0, -1: -0.3}[scope(asked, sentence.text, doc)]
        if is_heading(sentence.text) or _is_title(sentence.text, doc) or sentence.text.rstrip().endswith("?"):
            score -= 0.3
        elif is_lead_in(sentence.text) and asked.kind != "list":
            score -= 0.2
        scored.append(Evidence(doc, sentence.start, sentence.end, sentence.text, score, float(sim), covered, relevance, sentence.id))
    if asked.key_names:
        scored = [_with_name_penalty(asked, e, index) for e in scored]
    scored.sort(key=lambda e: -e.score)
    return _distinct(scored)[:limit]


def _is_title(text: str, doc: DocumentInfo) -> bool:
    """The article's headline repeated in its text: it names the story, it does not answer."""
    return bool(doc.title) and re.findall(r"\w+", text.lower()) == re.findall(r"\w+", doc.title.lower())


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
    with_digits = [i for i in nearest_first if re.search(r"\d", DAY_OF_MONTH.sub(" ", article[i].text))]
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


def per_article(
    evidence: list[Evidence], each: int = 2, limit: int = 8, min_score_ratio: float = 0.7,
    answers: Callable[[Evidence], bool] | None = None, by_source: bool = False,
) -> list[Evidence]:
    """The best `each` sentences of every article that has a good one, best article first: a
    question that compares outlets needs each outlet's own words side by side. With `answers`,
    the sentences that give what is asked (a figure of the counted things for 'how many according
    to A and to B') come before better-scored ones that do not, and are kept however low they
    score. With `by_source`, the outlets take turns, so that one outlet's many articles do not
    crowd out another's one."""
    if not evidence:
        return []
    floor = max(e.score for e in evidence) * min_score_ratio
    by_article: dict[str, list[Evidence]] = {}
    marked = [(bool(answers and answers(e)), e) for e in evidence]
    for answering, e in sorted(marked, key=lambda m: (not m[0], -m[1].score)):
        if is_heading(e.text):
            continue  # an outlet's name or a section heading standing alone says nothing
        if (e.score >= floor or answering) and len(by_article.setdefault(e.doc.doc_id, [])) < each:
            by_article[e.doc.doc_id].append(e)
    chosen = [e for sentences in by_article.values() for e in sentences]
    if by_source:
        turns: dict[str, list[Evidence]] = {}
        for e in chosen:
            turns.setdefault(source_key(e.doc), []).append(e)
        chosen = [e for turn in zip_longest(*turns.values()) for e in turn if e is not None]
    return chosen[:limit]


def list_items(asked: Asked, ranked: list[Evidence], index: Index, most: int = 8, ratio: float = 0.75) -> list[Evidence]:
    """For a list question, the sentences that each add an item (`adding_items`), de-duplicated,
    among the best (relevance within `ratio` of the best)."""
    if not ranked:
        return []
    floor = max(e.relevance for e in ranked[:ANSWER_DEPTH]) * ratio
    return adding_items(asked, [e for e in ranked[: 2 * ANSWER_DEPTH] if e.relevance >= floor], index)[:most]


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


# --- evidence for a question --------------------------------------------------------------------


@dataclass
class Gathered:
    """The ranked sentences for the question and for each of its parts, and what the model sees."""

    ranked: list[Evidence]
    parts: list[list[Evidence]]
    evidence: list[Evidence]
    set_aside: list[Evidence]


def gather(asked: Asked, index: Index, embedder: Embedder, settings: Settings) -> Gathered:
    """Rank the sentences of the retrieved chunks for the question and each part, then choose the
    model's evidence: for each part its best sentence, the sentences that answer what is asked
    first, then the best of the rest spread across articles, each with the sentence it leads into."""
    question_vector = embed_texts(embedder, [asked.text])[0]
    ranked, set_aside = _ranked(asked, asked.text, index, embedder, settings, question_vector)
    if asked.source_words and _best_relevance(ranked) < settings.refuse_below:
        subject_ranked, subject_aside = _ranked(asked, about_the_subject(asked), index, embedder, settings)
        if _best_relevance(subject_ranked) > _best_relevance(ranked):  # the source names pulled the meaning away
            ranked, set_aside = subject_ranked, subject_aside
    if asked.sources_named > 1:
        in_each_source = _ranked_in_each_source(asked, index, embedder, settings, question_vector)
        ranked = sorted(merge(ranked, in_each_source), key=lambda e: -e.score)
    parts = []
    for part in read_parts(asked, index) if asked.parts else []:
        part_ranked, part_aside = _ranked(part, part.text, index, embedder, settings)
        parts.append(part_ranked)
        set_aside += part_aside
    limit = settings.evidence_sentences
    if asked.sources_named > 1 or across_sources(asked):
        top = per_article(ranked, limit=limit + 2)
    else:
        answering = [e for e in ranked[:ANSWER_DEPTH] if satisfies(asked, e, index)][:2]
        top = merge(answering, *[p[:2] for p in parts], spread(ranked, limit, index))[:limit]
    top = with_outcome(asked, top, index)
    top = with_listed_items(top, index) if asked.kind == "list" else top
    evidence = with_continuations(top, ranked, index, limit + 2)
    return Gathered(ranked, parts, evidence, set_aside)


def _ranked(
    asked: Asked, query: str, index: Index, embedder: Embedder, settings: Settings, vector: np.ndarray | None = None,
) -> tuple[list[Evidence], list[Evidence]]:
    vector = embed_texts(embedder, [query])[0] if vector is None else vector
    hits = search(query, index, embedder, settings, k=settings.answer_chunks, query_vector=vector)
    sentences = index.sentences_by_id(search_sentences(query, index, vector, filters=Filters.of(settings)))
    thing = named_thing(asked.text)
    if thing:
        sentences += _naming_the_thing(asked, thing, index, settings)
    ranked = select_evidence(asked, hits, index, embedder, vector, limit=40, sentences=sentences)
    return [e for e in ranked if not addresses_an_assistant(e.text)], [e for e in ranked if addresses_an_assistant(e.text)]


def _naming_the_thing(asked: Asked, thing: str, index: Index, settings: Settings, most: int = 50) -> list:
    """For 'Who was the pilot of flight ET302?' or 'At which casino did she work?': the sentences
    that put a name beside the thing ('The pilot was named as Senior Captain Yared Getachew'),
    wherever they rank: such a sentence shares one word with the question, and sentences that
    repeat the question's rarer words crowd it out."""
    allowed = Filters.of(settings).sentence_ids(index)
    found = index.keyword_search(fts_query(thing), most, table="sentences_fts")
    ids = [i for i, _ in found if allowed is None or i in allowed]
    return [s for s in index.sentences_by_id(ids) if answers_kind(asked, s.text)]


def _ranked_in_each_source(
    asked: Asked, index: Index, embedder: Embedder, settings: Settings, vector: np.ndarray, each: int = 10,
) -> list[Evidence]:
    """The best sentences of each source a question names ('according to the BBC and according to
    Reuters'), searched within that source's articles: one side's answer may rank far below the
    other side's sentences, or below the whole corpus's, and still be that side's answer."""
    documents = index.documents()
    sources: dict[str, set[str]] = {}
    for doc_id in asked.outlets:
        sources.setdefault(source_key(documents[doc_id]), set()).add(doc_id)
    found: list[Evidence] = []
    for doc_ids in sources.values():
        within = replace(Filters.of(settings), doc_ids=frozenset(doc_ids))
        sentences = index.sentences_by_id(search_sentences(asked.text, index, vector, k=each, filters=within))
        if asked.kind in ("number", "date"):  # its answer may word the act otherwise: 'hauled out ... shortly after 0900 GMT'
            sentences += [s for d in sorted(doc_ids) for s in index.sentences_in(d) if answers_kind(asked, s.text)]
        found += select_evidence(asked, [], index, embedder, vector, limit=each, sentences=sentences)
    return [e for e in found if not addresses_an_assistant(e.text)]


def _best_relevance(ranked: list[Evidence]) -> float:
    return max((e.relevance for e in ranked), default=0.0)


def merge(*groups: list[Evidence]) -> list[Evidence]:
    merged: dict[tuple[str, int], Evidence] = {}
    for group in groups:
        for e in group:
            merged.setdefault((e.doc.doc_id, e.start), e)
    return list(merged.values())


_ACROSS = re.compile(
    r"\baccording to (the )?(different|various|each|all|both|several) (outlets?|sources?|articles?|reports?|media)\b"
    r"|\b(do|did) (the )?(outlets?|sources?|articles?|reports?|they) (agree|differ|disagree)"
    r"|\b(each|every) (outlet|source|article|report)\b|\bwhich (outlets?|sources?|articles?) (say|report|give)"
    r"|\b(report|describe|tell|give)s?\b.{0,40}\b(the same way|differently)\b",
    re.I,
)


def across_sources(asked: Asked) -> bool:
    """'Do the outlets agree on ...?', 'according to the different sources': each article's own words."""
    return bool(_ACROSS.search(asked.text))
