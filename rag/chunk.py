"""Documents -> sentences and chunks, each with exact character offsets into the original file.

Sentences come from pysbd, a rule-based splitter that knows abbreviations ("U.N.", "Feb.").
Its spans are re-anchored with `str.find` so that `text[start:end] == sentence` always holds,
whatever the splitter did to white space. A chunk is a run of whole sentences of one article,
closed once it holds `max_words` words, repeating the last `overlap` sentences of the chunk
before it. A chunk never reaches across boilerplate, so no chunk text contains a caption or an
appeal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.ingest import Document, Span


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    source: str
    ord: int
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...]


VERSION = 17  # bump when chunking or metadata reading changes what an index holds: older indexes are then refused
BULLETS = "•◦▪‣*·–—-"


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentences of `text[start:end]`, with offsets into `text`, stripped of outer white space."""
    end = len(text) if end is None else end
    piece = text[start:end]
    if not piece.strip():
        return []
    sentences: list[Sentence] = []
    cursor = 0
    for raw in _segmenter().segment(piece):
        body = raw.strip().lstrip(BULLETS).strip()
        if not body:
            continue
        found = piece.find(body, cursor)
        if found < 0:
            # The splitter changed the text; keep the rest whole rather than guess offsets.
            break
        sentences.append(Sentence(start + found, start + found + len(body), body))
        cursor = found + len(body)
    rest = piece[cursor:]
    if rest.strip().lstrip(BULLETS).strip():
        body = rest.strip().lstrip(BULLETS).strip()
        lead = rest.find(body)
        sentences.append(Sentence(start + cursor + lead, start + cursor + lead + len(body), body))
    return _rejoined([part for sentence in sentences for part in _unglued(sentence)], text)


_ENDS_WITH_TIME = re.compile(r"\b\d{1,2}(:\d\d)?\s*[ap]\.m\.$", re.I)
_CARRIES_ON = re.compile(
    r"^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|"
    r"September|October|November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.|local|ET|EDT|EST|CT|CDT|MT|PT|PDT|PST|"
    r"GMT|UTC|BST|CET|CEST|IST|JST)\b|^[a-z]"
)


_ENDS_WITH_ABBREVIATION = re.compile(r"\b[A-Z][A-Za-z]{0,5}\.$")
_NO_SENTENCE_STARTS = re.compile(r"^[,;:)\]]")


def _rejoined(sentences: list[Sentence], text: str) -> list[Sentence]:
    """Pieces the splitter cut that are one sentence (`_continues`)."""
    joined: list[Sentence] = []
    for sentence in sentences:
        if joined and _continues(joined[-1].text, sentence.text):
            joined[-1] = Sentence(joined[-1].start, sentence.end, text[joined[-1].start : sentence.end])
        else:
            joined.append(sentence)
    return joined


def _continues(before: str, piece: str) -> bool:
    """'... landed at 2:42 a.m. Thursday at Andrews.' is one sentence: the splitter ends one at a
    time's 'a.m.' when a capitalised day, month or time zone follows. So is 'Rep. Doug LaMalfa,
    R-Calif., joined them': no sentence starts with a comma, nor in lower case after an abbreviation."""
    if _NO_SENTENCE_STARTS.match(piece):
        return True
    if _ENDS_WITH_TIME.search(before) and _CARRIES_ON.match(piece):
        return True
    return bool(_ENDS_WITH_ABBREVIATION.search(before)) and piece[:1].islower()


_GLUED = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])|(?<=[a-z]{2}[.!?][”\"’])(?=[A-Z][a-z])")


def _unglued(sentence: Sentence) -> list[Sentence]:
    """A sentence split where copied page text ran two paragraphs together without a space
    ('...amidst the disruption.The fallout...'): a full stop after a lower-case word, then a
    capitalised word. The splitter sees one sentence there."""
    cuts = [m.start() for m in _GLUED.finditer(sentence.text)]
    if not cuts:
        return [sentence]
    parts, begin = [], 0
    for cut in cuts + [len(sentence.text)]:
        text = sentence.text[begin:cut]
        if text.strip():
            parts.append(Sentence(sentence.start + begin, sentence.start + cut, text))
        begin = cut
    return parts


def content_runs(doc: Document) -> list[list[Span]]:
    """Consecutive content paragraphs, split wherever boilerplate stands between them."""
    runs: list[list[Span]] = []
    current: list[Span] = []
    for paragraph in doc.paragraphs:
        if paragraph.kind == "content":
            current.append(paragraph)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def pack_sentences(sentences: list[Sentence], max_words: int, overlap: int) -> list[list[Sentence]]:
    """Group sentences into windows of about `max_words` words, sharing `overlap` sentences."""
    if max_words < 1 or overlap < 0:
        raise ValueError("max_words must be >= 1 and overlap >= 0")
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    words = 0
    for sentence in sentences:
        current.append(sentence)
        words += len(sentence.text.split())
        if words >= max_words:
            groups.append(current)
            current = current[len(current) - overlap :] if 0 < overlap < len(current) else []
            words = sum(len(s.text.split()) for s in current)
    if current and (not groups or current[-1] is not groups[-1][-1]):
        groups.append(current)
    return groups


def chunk_document(doc: Document, max_words: int = 90, overlap: int = 1) -> list[Chunk]:
    """All chunks of one document, in reading order."""
    chunks: list[Chunk] = []
    for run in content_runs(doc):
        sentences = [s for paragraph in run for s in split_sentences(doc.text, paragraph.start, paragraph.end)]
        for group in pack_sentences(sentences, max_words, overlap):
            start, end = group[0].start, group[-1].end
            chunks.append(Chunk(doc.doc_id, doc.source, len(chunks), start, end, doc.text[start:end], tuple(group)))
    return chunks
