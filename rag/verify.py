"""A model's draft -> the sentences a reader may see, checked one by one as the draft streams.

A small model's draft cannot be shown as it comes: it may list passage numbers, loop ("75
countries 75 countries ..."), write the refusal sentinel, or state what no passage says. So the
draft is read by `DraftReader`, which hands over a sentence only once it is complete (the next
sentence has begun, or the draft has ended) and notices a draft that repeats itself; each
sentence is then checked by `Verifier` against the numbered passages the model was given. Only
a sentence that passes is shown, with its citation markers renumbered in order of first use by
`Numbering`, so the text a reader saw streaming is exactly the start of the final answer.

The checks of one sentence against one passage are plain functions at the end: its years
(`years_agree`), its figures with the words beside them (`figures_agree`), its names with their
qualifiers (`names_agree`), and what it claims beyond the passage (`new_words`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Collection, Sequence

import numpy as np

from rag.chunk import split_sentences
from rag.embed import Embedder, embed_texts
from rag.evidence import YEAR, Evidence, coverage, plain, stems, without_acronym_dots
from rag.figures import NUMBER_WORDS
from rag.words import WEEKDAYS, month_number
from rag.retrieve import STOPWORDS

_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_RUN = re.compile(r"\s*\[\d+\](?:\s*\[\d+\])*")
_PARTIAL_MARKER = re.compile(r"\[\d*$")


def normalise_markers(text: str) -> str:
    """'[1, 2]' -> '[1] [2]', and markers written after a sentence's full stop moved before it
    ('It passed. [1] Then' -> 'It passed [1]. Then'), so that a marker stays with its sentence."""
    text = re.sub(r"\[(\d+(?:\s*,\s*\d+)+)\]", lambda m: " ".join(f"[{n.strip()}]" for n in m.group(1).split(",")), text)
    return re.sub(r"([.!?])((?:\s*\[\d+\])+)", lambda m: m.group(2) + m.group(1), text)


def repeats_itself(words: Sequence[str], times: int = 3, longest: int = 12) -> bool:
    """True when some run of 1..`longest` words comes `times` times in a row anywhere in `words`."""
    n = len(words)
    for size in range(1, longest + 1):
        for start in range(0, n - size * times + 1):
            unit = words[start : start + size]
            if all(words[start + k * size : start + (k + 1) * size] == unit for k in range(1, times)):
                return True
    return False


def only_markers(text: str, at_least: int = 4) -> bool:
    """True once a draft is nothing but citation markers ('[1] [2] [3] [4]'), a small model's loop."""
    return len(_MARKER.findall(text)) >= at_least and not re.sub(r"[\[\]\d\s.,;]", "", text)


class DraftReader:
    """Takes a draft piece by piece and hands over each sentence once it is complete.

    A sentence is complete when a later one has begun with a word (so the markers that follow
    its full stop have arrived) or when the draft ends.
    """

    def __init__(self) -> None:
        self.text = ""
        self._released = 0

    def add(self, piece: str) -> list[str]:
        self.text += piece
        return self._take(final=False)

    def finish(self) -> list[str]:
        return self._take(final=True)

    def looping(self, tail_words: int = 60) -> str | None:
        """Why the draft should be stopped: it is only passage numbers, or its last words repeat a
        run three times in a row. None while it reads as prose."""
        if only_markers(self.text):
            return "the model only listed passage numbers; stopped it"
        if repeats_itself(re.findall(r"\S+", self.text)[-tail_words:]):
            return "the model's draft started repeating itself; stopped it"
        return None

    def _take(self, final: bool) -> list[str]:
        text = normalise_markers(re.sub(r"\s+", " ", self.text))
        sentences = [s for s in split_sentences(text) if s.end > self._released]
        if not final:
            while sentences and not re.search(r"\w", _PARTIAL_MARKER.sub("", _MARKER.sub("", sentences[-1].text))):
                sentences.pop()  # a trailing marker or half a marker, not yet a new sentence
            sentences = sentences[:-1]  # the last one may still grow
        if sentences:
            self._released = sentences[-1].end
        return [s.text for s in sentences]


_ASKS_FOR_A_NAME = re.compile(r"\s*(who|whom|whose|which|where|what (outlet|newspaper|agency|site|channel|broadcaster|team|country|city|company))\b", re.I)


@dataclass
class Verifier:
    """Checks one model sentence at a time against the numbered passages it was given.

    A sentence is kept when a passage supports it (see `support`): its own markers first, else
    the best passage when that one is strong enough. It is removed when no passage supports it,
    when it repeats a sentence already kept, when it repeats a run of words three times, when it
    has fewer than two words ('32 32.' is no claim a reader can check), or when it is only a
    passage label or holds the refusal sentinel.
    """

    evidence: list[Evidence]
    embedder: Embedder
    question_names: set[str] = field(default_factory=set)
    question: str = ""
    labels: set[str] = field(default_factory=set)
    ignore: tuple[str, ...] = ()
    min_support: float = 0.45
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._vectors = embed_texts(self.embedder, [e.text for e in self.evidence])
        self._names = self.question_names | {
            w for e in self.evidence for w in re.findall(r"(?<=[a-z,] )[A-Z][\w’'-]+", e.text)
        }
        self._contexts = [with_preceding(e, self.evidence) for e in self.evidence]
        self._kept_keys: set[str] = set()
        self._kept_vectors: list[np.ndarray] = []

    def check(self, sentence: str) -> tuple[str, list[int]] | None:
        """(sentence without markers, supporting passage numbers 1..n), or None when it is removed."""
        markers = [int(m) for m in _MARKER.findall(sentence)]
        valid = [m for m in dict.fromkeys(markers) if 1 <= m <= len(self.evidence)]
        if len(valid) < len(set(markers)):
            self.notes.append(f"dropped citation markers that point at no passage: {sorted(set(markers) - set(valid))}")
        body = _MARKER_RUN.sub("", sentence).strip()
        short = self.short_answer(body, valid)  # before labels go: 'Reuters' may be one
        if short:
            return body, short
        for label in self.labels:
            body = body.replace(label, "").strip()
        if any(word.lower() in body.lower() for word in self.ignore):
            return None
        if len(re.findall(r"[^\W\d_]{2,}", body)) < 2:
            if re.search(r"\w", body):
                self.notes.append(f"removed a fragment that is not a sentence: {body[:80]!r}")
            return None
        key = " ".join(re.findall(r"\w+", body.lower()))
        if repeats_itself(key.split()):
            self.notes.append(f"removed a sentence that repeats itself: {body[:80]!r}")
            return None
        vector = embed_texts(self.embedder, [body])[0]
        if key in self._kept_keys or any(float(vector @ other) > 0.95 for other in self._kept_vectors):
            self.notes.append(f"removed a repeated sentence: {body[:80]!r}")
            return None
        scores = [self.support(body, vector, m) for m in range(1, len(self.evidence) + 1)]
        supported = [m for m in valid if scores[m - 1] >= self.min_support]
        if not supported:
            best = int(np.argmax(scores)) + 1 if scores else 0
            if not scores or scores[best - 1] < self.min_support:
                self.notes.append(f"removed a sentence no passage supports: {body[:80]!r}")
                return None
            if valid:
                self.notes.append(f"moved citation {valid} -> [{best}]: the cited passage did not support the sentence")
            supported = [best]
        self._kept_keys.add(key)
        self._kept_vectors.append(vector)
        return body, supported

    def short_answer(self, body: str, markers: list[int]) -> list[int]:
        """The cited passages that hold a one-name answer ('Reuters' to 'which outlet reported...',
        'Rodri' to 'who was named player of the tournament'): the name stands in the passage or
        is its outlet. Empty for anything else."""
        name = body.strip(" .,;:")
        if not re.fullmatch(r"[A-Z][\w’'.&-]*(?: [A-Z][\w’'.&-]*){0,3}", name) or not _ASKS_FOR_A_NAME.match(self.question):
            return []
        return [m for m in markers
                if re.search(rf"\b{re.escape(name)}\b", self.evidence[m - 1].text) or name == self.evidence[m - 1].doc.outlet]

    def support(self, sentence: str, vector: np.ndarray, number: int) -> float:
        """How well passage `number` supports `sentence`: embedding similarity and word overlap, and
        none at all when the passage lacks a figure, year or name of the sentence, qualifies a name
        otherwise (the names of the sentences before it in the same article count), puts other
        words around a figure ('paid $500 million' for 'cost $500 million'), or when the sentence
        claims more than a third of its content words, and at least three, beyond the passage
        and the question."""
        evidence = self.evidence[number - 1]
        context = self._contexts[number - 1]
        if not years_agree(sentence, evidence) or not figures_agree(sentence, evidence.text, self.question):
            return 0.0
        if not names_agree(sentence, context, self._names):
            return 0.0
        beyond = new_words(sentence, context, self.question)
        if len(beyond) >= 3 and len(beyond) > len(stems(sentence)) / 3:
            return 0.0
        words = dict.fromkeys(stems(sentence), 1.0)
        return 0.6 * float(vector @ self._vectors[number - 1]) + 0.4 * coverage(words, evidence.text)


def with_preceding(e: Evidence, evidence: list[Evidence], reach: int = 1000) -> str:
    """The passage with the evidence sentences of its article just before it: who 'he' is in
    'He said "that's reality"' stands in the sentence before, and the model may name him."""
    before = sorted(
        (o for o in evidence if o.doc.doc_id == e.doc.doc_id and o.end <= e.start and e.start - o.end <= reach),
        key=lambda o: o.start,
    )
    return " ".join([o.text for o in before] + [e.text])


class Numbering:
    """Renumbers passages in order of first use, so streamed sentences keep their numbers."""

    def __init__(self) -> None:
        self.order: list[int] = []

    def render(self, body: str, markers: list[int]) -> str:
        """'It passed.' with passages [4, 2] -> 'It passed [1] [2].' (new numbers as first used)."""
        for m in markers:
            if m not in self.order:
                self.order.append(m)
        tags = "".join(f" [{self.order.index(m) + 1}]" for m in markers)
        if body[-1:] in ".!?":
            return body[:-1].rstrip() + tags + body[-1]
        return body.rstrip() + tags


def verify_draft(
    draft: str, evidence: list[Evidence], embedder: Embedder, question_names: set[str] = frozenset(), **options
) -> tuple[list[tuple[str, list[int]]], list[str]]:
    """A whole draft checked sentence by sentence: the kept (sentence, passage numbers), and notes."""
    reader = DraftReader()
    verifier = Verifier(evidence, embedder, set(question_names), **options)
    sentences = reader.add(draft) + reader.finish()
    kept = [checked for checked in map(verifier.check, sentences) if checked]
    return kept, verifier.notes


# --- checks of a model's sentence against a passage ---------------------------------------------------


def years_agree(sentence: str, evidence: Evidence) -> bool:
    """Every year the sentence names stands in the passage or is its article's year."""
    named = {int(m.group()) for m in YEAR.finditer(sentence)}
    if not named:
        return True
    in_passage = {int(m.group()) for m in YEAR.finditer(evidence.text)}
    return named <= in_passage | ({evidence.year} if evidence.year else set())


def _figure_words(text: str, reach: int = 3) -> dict[str, set[str]]:
    """Each figure of `text` (digits without separators, or a number word's value) with the stems
    of the lower-case words, not days or months, within `reach` words whose nearest figure it is
    (a figure's relation: 'cost', 'paid', 'scored', 'conceded')."""
    tokens = re.findall(r"[$€£¥]?\d[\d,.]*\d%?|[$€£¥]?\d%?|[\w’'-]+", plain(without_acronym_dots(text)))
    values = []
    for token in tokens:
        digits = re.sub(r"[^\d.]", "", token).rstrip(".")
        if digits and not YEAR.fullmatch(digits):
            values.append(digits)
        elif token.lower() in NUMBER_WORDS and token.lower() not in ("one", "million", "millions", "billion", "thousand"):
            values.append(str(NUMBER_WORDS[token.lower()]))
        else:
            values.append(None)
    positions = [i for i, v in enumerate(values) if v is not None]
    found: dict[str, set[str]] = {values[i]: set() for i in positions}
    for j, token in enumerate(tokens):
        if values[j] is not None or not token[:1].islower() or token in WEEKDAYS or month_number(token):
            continue
        distances = {i: abs(i - j) for i in positions if abs(i - j) <= reach}
        if distances:
            nearest = min(distances.values())
            for i in (i for i, d in distances.items() if d == nearest):
                found[values[i]].update(stems(token))
    return found


def figures_agree(sentence: str, passage: str, context: str = "") -> bool:
    """Every figure of the sentence stands in the passage (or counts a list of names there: 'six
    countries' for a list of six), with the words right around it: a word the sentence puts next
    to a figure must stand in the passage (or the question, `context`) and, where the passage puts
    it next to a figure, next to the same one. So 'Delta paid $500 million' is not 'the outage cost
    Delta $500 million', and 'conceded 2' is not 'scored 2 and conceded 1'."""
    from rag.retrieve import list_lengths

    passage_figures = _figure_words(passage)
    allowed = set(stems(passage)) | set(stems(context))
    beside_some_figure = set().union(*passage_figures.values()) if passage_figures else set()
    for figure, near in _figure_words(sentence).items():
        if figure not in passage_figures:
            if figure.isdigit() and int(figure) in list_lengths(passage):
                continue
            return False
        if near - allowed:
            return False
        if (near & beside_some_figure) - passage_figures[figure]:
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
    """'China's' ~ 'Chinese', 'Spanish' ~ 'Spain', 'U.N.' ~ 'UN': the first four letters, lower case."""
    word = re.sub(r"[’']s$", "", plain(word)).replace(".", "").lower()
    return word[:4]


def names_agree(sentence: str, passage: str, known_names: Collection[str] = ()) -> bool:
    """Every name of the sentence stands in the passage, with the same qualifiers.

    A small model swaps who is who: 'Chinese Foreign Minister Yoshimasa Hayashi' from 'Representing
    Japan, Foreign Minister Yoshimasa Hayashi'. A run of capitalised words must find its last word
    in a run of the passage whose words, or the five words before it, hold the others; a lone
    name must stand in the passage. Acronyms match the initials of a passage run ('UN', 'United
    Nations'). A single capitalised word opening the sentence may be an ordinary word ('Despite'):
    it is checked only when it is one of `known_names` (the names of the question and the passages).
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


def new_words(sentence: str, passage: str, context: str = "") -> set[str]:
    """Content stems of `sentence` found neither in the passage nor in `context` (the question and
    the sentences around the passage): what the sentence claims beyond its source."""
    return set(stems(sentence)) - set(stems(passage)) - set(stems(context))


def restates(question: str, text: str) -> bool:
    """A sentence that only says the question back (it asks it, or holds nothing else)."""
    rest = set(stems(text)) - set(stems(question))
    return text.rstrip().endswith("?") or len(rest) <= 1
