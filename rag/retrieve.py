"""Index -> hits: hybrid retrieval for a question.

Dense search (FAISS, cosine) and keyword search (SQLite FTS5, BM25) each rank candidate chunks;
reciprocal rank fusion merges the rankings. A third ranking re-scores the candidates by the
similarity of their best sentence to the question, which favours chunks holding one sentence
that answers over chunks that are broadly on topic. Results are then spread across articles,
and may be filtered by outlet and publication date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np
from breame.spelling import AMERICAN_ENGLISH_SPELLINGS, BRITISH_ENGLISH_SPELLINGS

from rag.embed import Embedder, embed_texts
from rag.store import DocumentInfo, Index
from rag.settings import Settings

STOPWORDS = frozenset(
    """a about again all am an and any are as at be because been being
    between both but by can could did do does doing down during each for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me many much my myself
    of off on once only or other our ours ourselves out own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours yourself yourselves say
    said says tell told according did does article articles name names mention mentions mentioned
    summarise summarize summary explain briefly go goes went happen happened happens outcome result""".split()
)


@dataclass(frozen=True)
class Filters:
    outlet: str | None = None
    published_from: str | None = None
    published_to: str | None = None
    doc_ids: frozenset[str] | None = None  # only these articles: one source a question names

    def allows(self, doc: DocumentInfo) -> bool:
        if self.doc_ids is not None and doc.doc_id not in self.doc_ids:
            return False
        if self.outlet and (not doc.outlet or self.outlet.lower() not in doc.outlet.lower()):
            return False
        if self.published_from and (not doc.published or doc.published < self.published_from):
            return False
        if self.published_to and (not doc.published or doc.published > self.published_to):
            return False
        return True

    def __bool__(self) -> bool:
        return bool(self.outlet or self.published_from or self.published_to or self.doc_ids is not None)

    @classmethod
    def of(cls, settings: Settings) -> "Filters":
        """The limits a question is answered within (`Settings.outlet`, `published_from`, `published_to`)."""
        return cls(settings.outlet, settings.published_from, settings.published_to)

    def describe(self, documents: Iterable[DocumentInfo] = ()) -> str:
        """'outlet “CNN”, published from 2024-07-01 to 2024-07-31', for notes and errors; with the
        articles, also how many a date limit leaves out only for want of a date (a reader should
        know an undated article was not read)."""
        days = " ".join(
            [f"from {self.published_from}"] * bool(self.published_from) + [f"to {self.published_to}"] * bool(self.published_to)
        )
        described = ", ".join([f"outlet “{self.outlet}”"] * bool(self.outlet) + [f"published {days}"] * bool(days))
        undated = sum(1 for d in documents if not d.published and Filters(self.outlet).allows(d)) if days else 0
        if undated:
            described += f" ({undated} undated article{'s' * (undated > 1)} left out: `rag library` lists them)"
        return described

    def sentence_ids(self, index: Index) -> set[int] | None:
        """The ids of the sentences of the articles these filters allow; None when they allow all."""
        if not self:
            return None
        allowed = [doc_id for doc_id, doc in index.documents().items() if self.allows(doc)]
        return {s.id for doc_id in allowed for s in index.sentences_in(doc_id)}


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    doc: DocumentInfo
    start: int
    end: int
    text: str
    score: float
    dense: float
    best_sentence: float

    @property
    def source(self) -> str:
        return self.doc.source


def keywords(text: str) -> list[str]:
    """Content words of a question, lower-cased, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in re.findall(r"\w+", text.lower()):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(word, None)
    return list(seen)


def american_spelling(word: str) -> str:
    """'favour' -> 'favor', 'defence' -> 'defense': British and American copy compare equal."""
    return BRITISH_ENGLISH_SPELLINGS.get(word, word)


def acronyms(text: str) -> list[str]:
    """Initials of each run of two or more capitalised content words: 'United States' -> 'us',
    so that a question about the United States finds 'the US said' and 'U.S. envoy'."""
    runs = re.findall(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+", text)
    words = ([w for w in run.split() if w.lower() not in STOPWORDS] for run in runs)
    return ["".join(w[0] for w in run).lower() for run in words if len(run) >= 2]


def fts_query(text: str) -> str:
    """An FTS5 expression that matches any content word of `text` in either spelling, or the acronym of a name
    in it (BM25 ranks the matches)."""
    words = keywords(text) + acronyms(text)
    variants = (v for w in words for v in (w, BRITISH_ENGLISH_SPELLINGS.get(w), AMERICAN_ENGLISH_SPELLINGS.get(w)) if v)
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(variants))


_DATE_IN_TEXT = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|\b(19|20)\d\d\b"
)
_NUMBER_IN_TEXT = re.compile(r"\b\d+\b|\b(two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand)\b", re.I)


_NAME = r"(?:the\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*"
_ENUMERATION = re.compile(rf"{_NAME}(?:\s*,\s*(?:and\s+)?{_NAME}|\s+and\s+{_NAME}|\s+along with\s+{_NAME}){{2,}}")


def listed_names(text: str) -> list[str]:
    """The capitalised words of each run of three or more names in `text`."""
    return [w for run in _ENUMERATION.finditer(text) for w in re.findall(r"\b[A-Z][\w'’-]+", run.group())]


def list_lengths(text: str) -> set[int]:
    """How many names each run of three or more names holds: 'Belarus, North Korea and Mali' -> {3}."""
    return {len(re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s+along with\s+", run.group())) for run in _ENUMERATION.finditer(text)}


def has_enumeration(text: str) -> bool:
    """Three or more names in a row ('Belarus, Mali and Syria', 'the US along with Spain and Italy')."""
    return bool(_ENUMERATION.search(text))


def hint_ranking(question: str, chunks: dict, documents: dict[str, DocumentInfo], order: list[int]) -> list[int] | None:
    """Chunks that carry what the question asks for (a date, a number, a list of names; an article
    whose outlet it names) first."""
    from rag.question import answer_kind, named_outlets

    kind, named = answer_kind(question), named_outlets(question, documents)[0]
    if kind not in ("date", "number", "list") and not named:
        return None
    pattern = {"date": _DATE_IN_TEXT, "number": _NUMBER_IN_TEXT, "list": _ENUMERATION}.get(kind)

    def hints(i: int) -> int:
        return int(chunks[i].doc_id in named) * 2 + int(bool(pattern and pattern.search(chunks[i].text)))

    return sorted(order, key=lambda i: -hints(i))


def reciprocal_rank_fusion(rankings: list[list[int]], k: int = 60) -> dict[int, float]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank + 1)
    return scores


def diversify(ranked: list[int], doc_of: dict[int, str], k: int, per_article: int) -> list[int]:
    """Top k, taking at most `per_article` from one article while others remain to choose from."""
    chosen: list[int] = []
    counts: dict[str, int] = {}
    for item in ranked:
        if counts.get(doc_of[item], 0) < per_article:
            chosen.append(item)
            counts[doc_of[item]] = counts.get(doc_of[item], 0) + 1
        if len(chosen) == k:
            return chosen
    for item in ranked:
        if item not in chosen:
            chosen.append(item)
        if len(chosen) == k:
            break
    return chosen


def search(
    question: str,
    index: Index,
    embedder: Embedder,
    settings: Settings,
    k: int | None = None,
    filters: Filters | None = None,
    query_vector: np.ndarray | None = None,
) -> list[Hit]:
    """The k best chunks for `question`, best first."""
    k = settings.top_k if k is None else k
    filters = Filters.of(settings) if filters is None else filters
    if k <= 0 or index.vectors.ntotal == 0 or not question.strip():
        return []
    documents = index.documents()
    vector = embed_texts(embedder, [question])[0] if query_vector is None else query_vector
    depth = settings.candidates if not filters else index.vectors.ntotal
    dense = index.dense_search(vector, depth)
    keyword = index.keyword_search(fts_query(question), depth)
    chunks = index.chunks(sorted({i for i, _ in dense} | {i for i, _ in keyword}))
    if filters:
        chunks = {i: c for i, c in chunks.items() if filters.allows(documents[c.doc_id])}
    dense_scores = dict(dense)
    dense_rank = [i for i, _ in dense if i in chunks]
    keyword_rank = [i for i, _ in keyword if i in chunks]
    best_sentence = {i: _best_sentence_similarity(index, c, vector) for i, c in chunks.items()}
    rankings = [dense_rank, keyword_rank]
    if settings.rerank:
        rankings.append(sorted(chunks, key=lambda i: -best_sentence[i]))
    hinted = hint_ranking(question, chunks, documents, dense_rank + [i for i in chunks if i not in dense_scores])
    if hinted:
        rankings.append(hinted)
    fused = reciprocal_rank_fusion(rankings, settings.rrf_k)
    ranked = sorted(fused, key=lambda i: -fused[i])
    top = diversify(ranked, {i: chunks[i].doc_id for i in ranked}, k, settings.max_hits_per_article)
    return [
        Hit(
            chunk_id=i,
            doc=documents[chunks[i].doc_id],
            start=chunks[i].start,
            end=chunks[i].end,
            text=chunks[i].text,
            score=round(fused[i], 6),
            dense=dense_scores.get(i, 0.0),
            best_sentence=best_sentence[i],
        )
        for i in top
    ]


def _best_sentence_similarity(index: Index, chunk, vector: np.ndarray) -> float:
    sentences = index.sentences_in(chunk.doc_id, chunk.start, chunk.end)
    if not sentences:
        return 0.0
    return float(np.max(index.sentence_vectors[[s.id for s in sentences]] @ vector))


def search_sentences(
    question: str, index: Index, vector: np.ndarray, k: int = 30, rrf_k: int = 60, filters: Filters | None = None
) -> list[int]:
    """Ids of the k sentences that best match the question: dense similarity over every sentence
    vector and BM25 over the sentences, fused by rank. A chunk's vector averages its sentences, so
    a one-sentence answer inside an otherwise unrelated chunk is found here, not by `search`.
    With `filters`, only sentences of the articles they allow."""
    if len(index.sentence_vectors) == 0:
        return []
    similarity = index.sentence_vectors @ np.asarray(vector, dtype=np.float32)
    allowed = filters.sentence_ids(index) if filters else None
    if allowed is not None:
        if not allowed:
            return []
        outside = np.ones(len(similarity), dtype=bool)
        outside[sorted(allowed)] = False
        similarity = np.where(outside, -np.inf, similarity)
    depth = min(k, len(similarity) if allowed is None else len(allowed))
    top = np.argpartition(-similarity, depth - 1)[:depth]
    dense = [int(i) for i in top[np.argsort(-similarity[top])]]
    keyword = [i for i, _ in index.keyword_search(fts_query(question), k if allowed is None else 20 * k, table="sentences_fts")]
    keyword = [i for i in keyword if allowed is None or i in allowed][:k]
    fused = reciprocal_rank_fusion([dense, keyword], rrf_k)
    return sorted(fused, key=lambda i: -fused[i])[:k]
