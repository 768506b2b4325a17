"""Quote checking: where do these words stand, who said them, and who reports them?

1. Words are compared after normalising case, quote marks, apostrophes, dashes and punctuation:
   a quote and an article are both reduced to word tokens that keep their character offsets.
2. Verbatim: the quote's tokens as a contiguous run in an article's content (boilerplate is
   never searched). Close: the best window of about the quote's length, scored with rapidfuzz
   on word tokens; word-level differences come from rapidfuzz's edit opcodes.
3. Attribution: in the paragraph holding the words, a speech verb next to a name ("X said",
   "said X", "X told reporters", "X wrote", "according to X"; after "told" stands the one
   spoken to, and a "he said" inside quotation marks attributes nothing); a pronoun ("he said")
   is resolved to the last person named before it, or to a person named by role after that name
   ("the pilot can be heard ... 'We are an emergency,' she said" is the pilot's); with no
   attribution in the paragraph, the previous one (a quote that follows "X told the assembly:").
   Second-hand chains ("as quoted by Fox News", "per news outlet Al Jazeera") are recorded as
   `reported_by`. Surnames are expanded to the
   full name the article uses, and names match across spellings (Zelensky, Zelenskyy).
4. Verdicts (../shared/eval/README.md): verified, misattributed, altered, not_found.

Large corpora are narrowed first with the FTS5 index (phrase, then word match) before the scan.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from rag.errors import InputError
from rag.evidence import TITLES
from rag.retrieve import Filters
from rag.settings import Settings
from rag.store import DocumentInfo, Index

CLOSE_ENOUGH = 0.75
VERBATIM = 0.999
SCAN_ALL_UP_TO = 200

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A capitalised word, or one after an Arabic article ('al-Jubeir'); a name's words stand on one line.
_CAPITAL = r"(?:[A-ZÀ-Ý]|(?:al|el)-[A-ZÀ-Ý])"
_WORD = rf"{_CAPITAL}[\w'’.-]*"
_NAME = rf"((?:{_WORD})(?:[ \t]+(?:{_WORD}|(?:de|van|von|bin)\b)){{0,5}})"
_SPEECH = (r"(said|says|told|tells|wrote|writes|added|adds|asked|stated|declared|tweeted|posted|warned|noted|insisted|"
           r"urged|stressed|called|described)")
_NAME_VERB = re.compile(_NAME + r"(?:,\s([^,“”\"]{1,120}))?,?\s+" + _SPEECH + r"\b")  # 'Dib, the director of ... (WOLA), told
_FULL_NAME = re.compile(rf"{_WORD}(?:[ \t]+{_WORD}){{1,3}}")
# Inverted, after a quote: '," said Kuleba'. Only verbs whose subject may follow them: after 'told',
# 'asked' or 'urged' stands the one spoken to ('told Channel 4 News').
_INVERTED_SPEECH = (r"(said|says|wrote|writes|added|adds|stated|declared|tweeted|posted|noted|insisted|stressed|explained|"
                    r"continued|asked|asks|replied|recalled|answered)")
_VERB_NAME = re.compile(r"[,”\"]\s*" + _INVERTED_SPEECH + r"\s+" + _NAME)

_ACCORDING = re.compile(r"\baccording to\s+" + _NAME)
# A name that leads into a quotation with a colon or a comma, whatever its verb: 'Spohr agreed: "..."',
# 'Merkel told reporters: "..."', 'Roger Stone predicted, "..."'.
_NAME_INTO_QUOTE = re.compile(_NAME + r"(?:\s+[a-z]+){1,3}[:,]\s*(?=[“\"])")
_PRONOUN_VERB = re.compile(r"\b(he|she)\s+" + _SPEECH + r"\b|\b" + _SPEECH + r"\s+(he|she)\b", re.I)
_REPORTED_BY = re.compile(r"\b(?:as quoted by|quoted by|as reported by|reported by|per(?: news outlet| the outlet)?)\s+" + _NAME)
NOT_NAMES = frozenset(
    "The A An This That It In On At But And Or If When While As However Meanwhile Despite Unhappily He She They We I "
    "Thursday Wednesday Monday Tuesday Friday Saturday Sunday Speaking Representing One You Our Their His Her Its "
    "There Here Some Many Others Another Both Each".split()
    + [form for word in "We've We're We'll I'm I've You're They're It's".split() for form in (word, word.replace("'", "’"))]
)
_ROLES = (r"pilot|captain|co-pilot|driver|officer|official|spokes(?:man|woman|person)|passenger|witness|resident|"
          r"doctor|nurse|teacher|mother|father|woman|man|girl|boy|student|worker|employee|lawyer|attorney|judge|"
          r"prosecutor|source|survivor|victim|neighbou?r|wife|husband|son|daughter|sister|brother|owner|manager|"
          r"controller|dispatcher|agent|soldier|commander|firefighter|rescuer|volunteer|analyst|expert|engineer")
_ROLE_SUBJECT = re.compile(rf"(?:^|[.!?:;,”\"]\s+|\n)\s*((?:the|a|an|one)\s+(?:[a-z-]+\s+){{0,2}}?(?:{_ROLES}))\b(?!['’]s)", re.I)
"""A person named by role as the subject of a sentence or clause ('In an audio clip, the pilot can
be heard ...'): what a following 'she said' refers to when no name stands after it."""


@dataclass(frozen=True)
class Token:
    word: str
    start: int
    end: int


@dataclass
class QuoteMatch:
    source: str
    start: int
    end: int
    text: str
    similarity: float
    speaker: str | None
    differences: list[str]
    outlet: str | None = None
    published: str | None = None
    reported_by: str | None = None

    def to_json(self) -> dict:
        return {
            "source": self.source, "start": self.start, "end": self.end, "text": self.text,
            "similarity": round(self.similarity, 3), "speaker": self.speaker, "differences": self.differences,
            "outlet": self.outlet, "published": self.published, "reported_by": self.reported_by,
        }


@dataclass
class QuoteCheck:
    quote: str
    speaker: str | None
    verdict: str
    matches: list[QuoteMatch]
    variants: list[str] = field(default_factory=list)
    explanation: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "quote": self.quote, "speaker": self.speaker, "verdict": self.verdict,
            "matches": [m.to_json() for m in self.matches], "variants": self.variants,
            "explanation": self.explanation, "timings_ms": self.timings_ms,
        }


def normalise_word(word: str) -> str:
    return word.lower().replace("’", "'")


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Word tokens with offsets; quote marks, dashes and punctuation fall between tokens."""
    return [Token(normalise_word(m.group()), offset + m.start(), offset + m.end()) for m in _TOKEN.finditer(text)]


# --- finding the words ---------------------------------------------------------------------------


_TOKENS: dict[tuple[str, str], tuple[Token, ...]] = {}


def article_tokens(index: Index, doc_id: str) -> tuple[Token, ...]:
    """An article's content tokens (its indexed sentences), cached per index generation."""
    key = (str(index.path), doc_id)
    if key not in _TOKENS:
        _TOKENS[key] = tuple(t for s in index.sentences_in(doc_id) for t in tokenize(s.text, s.start))
    return _TOKENS[key]


def candidate_documents(index: Index, words: list[str], documents: dict[str, DocumentInfo]) -> list[str]:
    """Every document when the corpus is small; else those whose sentences match the words."""
    if len(documents) <= SCAN_ALL_UP_TO:
        return list(documents)
    phrase = '"' + " ".join(w.replace('"', "") for w in words) + '"'
    rows = index.keyword_search(phrase, 50, table="sentences_fts")
    if not rows:
        rows = index.keyword_search(" OR ".join(f'"{w}"' for w in set(words) if len(w) > 3), 100, table="sentences_fts")
    ids = [r for r, _ in rows]
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return sorted({d for (d,) in index.query(f"SELECT DISTINCT doc_id FROM sentences WHERE id IN ({marks})", tuple(ids))})


def best_window(quote: list[str], tokens: tuple[Token, ...]) -> tuple[float, int, int]:
    """(similarity, first, last+1) of the run of `tokens` closest to the quote's words."""
    n = len(quote)
    words = [t.word for t in tokens]
    best = (0.0, 0, 0)
    for size in sorted({max(1, n + d) for d in range(-max(1, n // 4), max(1, n // 4) + 1)}):
        for first in range(0, max(1, len(words) - size + 1)):
            window = words[first : first + size]
            if not window:
                continue
            score = fuzz.ratio(quote, window) / 100
            if score > best[0]:
                best = (score, first, first + len(window))
    return _stretched_to_the_quotes_ends(quote, words, *best)


def _stretched_to_the_quotes_ends(quote: list[str], words: list[str], score: float, first: int, last: int) -> tuple[float, int, int]:
    """Widen the window to the quote's first and last words when they stand within three words of it,
    or, when the quote's last word stands nowhere near, to the quote's length (the changed word).

    Similarity favours short windows: for 'continue to be strengthened and solidified' the best
    window stops at 'consolidated and', one word shy of the article's 'and to be solidified'. A
    reader checking the wording needs the whole of it.
    """
    if not quote or score == 0.0:
        return score, first, last
    if words[last - 1] != quote[-1]:
        last = next((last + k for k in range(1, 4) if last + k <= len(words) and words[last + k - 1] == quote[-1]), last)
    if words[first] != quote[0]:
        first = next((first - k for k in range(1, 4) if first - k >= 0 and words[first - k] == quote[0]), first)
    if words[last - 1] != quote[-1] and 0 < len(quote) - (last - first) <= 3 and last < len(words):
        wider = min(len(words), first + len(quote))  # 'I am furious' against 'I am angry': show 'angry', not nothing
        if fuzz.ratio(quote, words[first:wider]) / 100 >= CLOSE_ENOUGH:
            last = wider
    return fuzz.ratio(quote, words[first:last]) / 100, first, last


def word_differences(quote: list[str], found: list[str]) -> list[str]:
    """'growing -> unflagging'; an added or missing word is shown with its neighbours."""
    differences = []
    for op in Levenshtein.opcodes(quote, found):
        if op.tag == "equal":
            continue
        before, after = quote[op.src_start : op.src_end], found[op.dest_start : op.dest_end]
        if not before or not after:
            lo_q, hi_q = max(0, op.src_start - 1), min(len(quote), op.src_end + 1)
            lo_f, hi_f = max(0, op.dest_start - 1), min(len(found), op.dest_end + 1)
            before, after = quote[lo_q:hi_q], found[lo_f:hi_f]
        differences.append(f"{' '.join(before)} -> {' '.join(after)}")
    return differences


# --- who said it -----------------------------------------------------------------------------------


def _person(run: str) -> str | None:
    words = run.split()
    sentence_ends = [i + 1 for i, w in enumerate(words[:-1]) if w.endswith(".") and len(w) > 4 and not w[:-1].isupper()]
    words = [w for w in words[max(sentence_ends, default=0) :] if w not in NOT_NAMES]  # 'the Wild Boars. Narongsak said
    words = [re.sub(r"['’]s$", "", w) for w in words]
    if words and len(words[-1]) > 2 and words[-1].endswith("."):
        words[-1] = words[-1].rstrip(".")  # '... asked David Hogg.' ends the sentence, not an initial
    if not words:
        return None
    return " ".join(words[-2:]) if len(words) >= 2 else words[0]


def full_name(name: str, text: str) -> str:
    """A surname alone ('Kuleba') becomes the full name the article first gave it ('Dmytro Kuleba'):
    news copy keeps the bare surname for the first person named with it ('President Donald Trump
    and first lady Melania Trump ... Trump said' is Donald Trump); a title before it is no first
    name ('Vice President Pence' leaves 'Pence')."""
    if " " in name:
        return name
    for match in re.finditer(r"([A-ZÀ-Ý][\w'’.-]+)\s+" + re.escape(name) + r"\b", text):
        first = match.group(1)
        if first not in NOT_NAMES and first.strip(".").lower() not in TITLES and not first.endswith(("’s", "'s")):
            return f"{first} {name}"
    return name


# A person's name, a party tag perhaps, and 'of' or 'from' before the name of a place or a body.
_QUALIFIED = re.compile(rf"({_WORD}(?:[ \t]+{_WORD})+)(?:[ \t]+\([^)]{{1,12}}\))?,?[ \t]+(?:of|from)[ \t]+$")


def _attributions(paragraph: str) -> list[tuple[int, str]]:
    """(position, name) for each 'X said' / 'said X' / 'according to X' / 'X agreed: "' / 'X predicted, "' in a paragraph."""
    found = []
    for pattern in (_NAME_VERB, _VERB_NAME, _ACCORDING, _NAME_INTO_QUOTE):
        for match in pattern.finditer(paragraph):
            name_group = 2 if pattern is _VERB_NAME else 1
            named = match.group(name_group)
            if pattern is _NAME_VERB and match.group(2) and _FULL_NAME.fullmatch(match.group(2).strip()):
                named = match.group(2)  # 'China's ambassador to the United Nations, Zhang Jun, called'
            qualified = _QUALIFIED.search(paragraph[: match.start()]) if pattern is _NAME_VERB else None
            if qualified:
                named = qualified.group(1)  # 'Sen. Chris Murphy (D) of Connecticut said' is Chris Murphy
            person = _person(named)
            if person and person[0].isupper():
                at = {_VERB_NAME: match.start(1), _NAME_INTO_QUOTE: match.end()}.get(pattern, match.start())  # the verb, or the colon or comma
                found.append((at, person))
    return found


def _last_person_before(text: str, position: int) -> str | None:
    """The person most recently named before `position`: what 'he said' refers to. A surname on its
    own ('Southgate, desperate to win, ...') stands for the full name written earlier; a name whose
    last word the article never uses on its own ('World Cup') is taken only when no person-like
    name is left; a person named by role after the last name ('the pilot can be heard ...') is
    that role."""
    before = _QUOTED.sub(lambda m: " " * len(m.group()), text[:position])  # a name in quoted words is not who 'he' is
    before = re.sub(r"[^\n]+", lambda m: " " * len(m.group()) if _title_case(m.group()) else m.group(), before)
    speakers = [(p, n) for p, n in _attributions(before) if " " in n]  # someone said or told: a person
    runs = [(m.start(), _person(m.group(1))) for m in _CAPITALISED_RUN.finditer(before)]
    runs = [(p, n) for p, n in runs if n and " " in n]
    alone = {m.group(1) for m in _CAPITALISED_RUN_OR_WORD.finditer(text) if " " not in m.group(1)}
    full_names: dict[str, str] = {}
    for _, name in sorted(speakers + runs):
        full_names.setdefault(name.split()[-1], name)  # the first person named with a surname keeps it bare
    surnames = [(m.start(), full_names[m.group(1)]) for m in _CAPITALISED_RUN_OR_WORD.finditer(before) if m.group(1) in full_names]
    people = speakers + surnames + [(p, n) for p, n in runs if n.split()[-1] in alone]
    window = max(0, len(before) - 600)
    roles = [(window + m.start(1), m.group(1)) for m in _ROLE_SUBJECT.finditer(before[window:])]
    last = max(people or runs) if people or runs else None
    if roles and (last is None or roles[-1][0] > last[0]):
        return roles[-1][1][0].lower() + roles[-1][1][1:]  # 'the pilot', after the last name
    return last[1] if last else None


def _title_case(line: str) -> bool:
    """A headline written in title case ('Storm Forces Thousands To Leave Their Homes'): its
    capitals make runs of words that name no one."""
    words = line.split()
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.75 * len(words) and not line.rstrip().endswith(".")


_CAPITALISED_RUN = re.compile(rf"\b({_WORD}(?:[ \t]+{_WORD})+)\b")
_CAPITALISED_RUN_OR_WORD = re.compile(rf"\b({_CAPITAL}[\w'’-]+(?:[ \t]+{_CAPITAL}[\w'’-]+)*)\b")


def attribute(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    """(speaker, reported_by) for the words at text[start:end], as the article tells it."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    paragraph = text[para_start:para_end]
    reported = _REPORTED_BY.search(paragraph)
    reported_by = reported.group(1).strip(" .,;:") if reported else None
    position = start - para_start

    quoted = _quoted_spans(paragraph)
    outside = lambda at: not any(a < at < b for a, b in quoted)  # words inside quotation marks attribute nothing
    attributions = [(p, n) for p, n in _attributions(paragraph) if n != reported_by and outside(p)]
    pronoun = next((m for m in _PRONOUN_VERB.finditer(paragraph) if outside(m.start())), None)
    if attributions and (not pronoun or min(abs(p - position) for p, _ in attributions) <= abs(pronoun.start() - position)):
        speaker = min(attributions, key=lambda a: abs(a[0] - position))[1]
        return full_name(speaker, text[:para_end]), reported_by
    if pronoun:
        return _last_person_before(text, para_start + pronoun.start()), reported_by
    previous_end = text.rfind("\n", 0, max(0, para_start - 1))
    previous = text[previous_end + 1 : para_start].strip()
    for _ in range(3):  # step back over blank lines to the previous paragraph
        if previous:
            break
        para_start = previous_end + 1
        previous_end = text.rfind("\n", 0, max(0, previous_end - 1))
        previous = text[previous_end + 1 : para_start].strip()
    earlier = _attributions(previous)
    if earlier and previous.endswith((":", "“", '"')) or (earlier and paragraph.lstrip()[:1] in "“\""):
        return full_name(earlier[-1][1], text[:para_start]), reported_by
    return None, reported_by


_QUOTED = re.compile(r"[“\"][^“”\"\n]*[”\"]")


def _quoted_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each passage between double quotation marks, curly or straight, matched or
    not: copy often opens with a curly mark and closes with a straight one (“No one …," he said)."""
    return [m.span() for m in _QUOTED.finditer(paragraph)]


def same_person(a: str | None, b: str | None) -> bool:
    """Name variants match: 'Zelensky' ~ 'Volodymyr Zelenskyy' ~ 'President Zelenskyy'."""
    if not a or not b:
        return False
    words_a = [w.lower().strip(".") for w in re.findall(r"[\w'’.-]+", a)]
    words_b = [w.lower().strip(".") for w in re.findall(r"[\w'’.-]+", b)]
    surname_a, surname_b = words_a[-1], words_b[-1]
    return any(fuzz.ratio(surname_a, w) >= 85 for w in words_b) or any(fuzz.ratio(surname_b, w) >= 85 for w in words_a)


# --- the check -------------------------------------------------------------------------------------


def document_text(index: Index, doc: DocumentInfo) -> str:
    """The text the index keeps for `doc`: offsets of matches point into it."""
    return index.document_text(doc.source)


def check_quote(
    quote: str, index: Index, settings: Settings, speaker: str | None = None, embedder=None, limit: int = 8
) -> QuoteCheck:
    """Find `quote` in the articles, say who they attribute it to, and give the verdict."""
    started = time.perf_counter()
    cleaned = re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f]", " ", quote or "")).strip()
    words = [t.word for t in tokenize(cleaned)]
    if not words:
        raise InputError("the quote has no words; paste the words you want checked")
    if len(cleaned) > settings.max_question_chars:
        raise InputError(f"the quote is {len(cleaned):,} characters; the limit is {settings.max_question_chars:,}")
    speaker = (speaker or "").strip() or None
    scope = Filters.of(settings)
    documents = {doc_id: doc for doc_id, doc in index.documents().items() if scope.allows(doc)}
    matches: list[QuoteMatch] = []
    for doc_id in candidate_documents(index, words, documents):
        if doc_id not in documents:
            continue
        tokens = article_tokens(index, doc_id)
        if not tokens:
            continue
        similarity, first, last = best_window(words, tokens)
        if similarity < CLOSE_ENOUGH or (len(words) == 1 and similarity < VERBATIM):
            continue
        doc = documents[doc_id]
        text = document_text(index, doc)
        start, end = tokens[first].start, tokens[last - 1].end
        said_by, reported_by = attribute(text, start, end)
        found = [t.word for t in tokens[first:last]]
        matches.append(
            QuoteMatch(doc.source, start, end, text[start:end], similarity, said_by, word_differences(words, found),
                       doc.outlet, doc.published, reported_by)
        )
    matches.sort(key=lambda m: (-m.similarity, m.source))
    matches = matches[:limit]
    verdict, explanation = decide(matches, speaker)
    matches = in_publication_order(matches)
    first = next((m for m in matches if m.similarity >= VERBATIM), matches[0] if matches else None)
    if first and first.published and len(matches) > 1:
        wording = "these words were" if first.similarity >= VERBATIM else "the closest wording was"
        same_day = [m for m in matches if m.published and m.published[:10] == first.published[:10] and m.similarity >= first.similarity]
        publishers = " and ".join(dict.fromkeys(m.outlet or m.source for m in same_day))  # a tie is no first
        explanation += f"; {wording} first published by {publishers} on {first.published[:10]}"
    if scope:
        explanation += f" (only articles matching {scope.describe(index.documents().values())} were searched)"
    variants = sorted({m.text for m in matches}) if len({m.text.lower() for m in matches}) > 1 else []
    elapsed = (time.perf_counter() - started) * 1000
    return QuoteCheck(cleaned, speaker, verdict, matches, variants, explanation, {"total": round(elapsed, 1)})


def in_publication_order(matches: list[QuoteMatch]) -> list[QuoteMatch]:
    """Earliest article first, so a reader sees where the words first appeared and who repeated
    or altered them; undated articles last, closest wording first among equals."""
    return sorted(matches, key=lambda m: (m.published or "9999", -m.similarity, m.source))


def decide(matches: list[QuoteMatch], speaker: str | None) -> tuple[str, str]:
    if not matches:
        return "not_found", "nothing in the articles is close to these words"
    verbatim = [m for m in matches if m.similarity >= VERBATIM]
    if not verbatim:
        best = matches[0]
        return "altered", f"closest wording ({best.similarity:.0%} alike) in {best.source}: " + "; ".join(best.differences)
    if not speaker:
        return "verified", f"the words stand in {len(verbatim)} article(s)"
    if any(same_person(speaker, m.speaker) for m in verbatim):
        return "verified", f"the words stand in an article that attributes them to {speaker}"
    others = sorted({m.speaker for m in verbatim if m.speaker})
    if others:
        return "misattributed", f"the articles attribute these words to {', '.join(others)}, not {speaker}"
    return "verified", "the words stand in an article, which does not say who spoke them"
