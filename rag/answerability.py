"""Does a sentence answer what the question asks, and when none does, why not.

`satisfies` says whether a sentence meets everything the question asks: the kind of answer
(`answers_kind`: a figure of the things a number question counts, a date, a person's full name,
a name beside the thing for 'which casino', several names for a list, a quotation), the
question's key names (in the sentence, the two before it, or its article's title, outlet or
address), and the asked time (`scope`: a sentence about another day, month, year or ordinal does
not answer). A partial figure does not answer a
question about the whole, nor words said elsewhere one about a given call or speech, nor someone
else's words one about what X said, nor another owner's thing one about X's ('Denmark's
exports' for 'Finland's exports'); when the question names one outlet or author ('according to
ABC News'), only that source's articles, or sentences that credit it, answer. Headings, lead-ins
and questions are not answers.

Refusal (`refusal_reason`): the articles do not answer when the question names someone,
something or some time no article mentions (`rag.mentions`); when the best evidence is weak
(threshold measured on dev sets, see `Settings.refuse_below`); or when none of the best sentences
holds what the question asks (`unmet`: a near miss; a list spread over sentences counts when two
sentences each add an item, `adding_items`) or the articles give only what may happen
for a question about what did (`outcome_unreported`), and the reason is said in words. A model's
refusal never overrules the quoted answer (`rag.answer`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from rag.evidence import (
    Evidence, content_words, given_name_keys, has_time_of_day, holds_role, name_key, names_in, names_missing, person_named,
    stems, thing_named,
)
from rag.figures import has_figure_of
from rag.mentions import MONTH_NAMES, missing_names, read_parts, unmentioned_time
from rag.question import Asked, asked_speaker, named_thing, time_words, weekday_of
from rag.retrieve import has_enumeration
from rag.settings import Settings
from rag.store import DocumentInfo, Index

_QUOTATION = re.compile(r"[“\"][^”\"]*\s[^”\"]*[”\"]|‘[^’]+\s[^’]+’")
_SPAN_OF_YEARS = re.compile(
    r"\b(?:over|in|during|for|across) the (?:past|last|previous) (?:\w+ )?(?:decades?|years|\d+ years)\b"
    r"|\bsince (?:19|20)\d\d\b|\bbetween (?:19|20)\d\d and (?:19|20)\d\d\b",
    re.I,
)
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_ORDINAL_PHRASE = re.compile(rf"\b({'|'.join(_ORDINALS)}|\d+(?:st|nd|rd|th))\s+(\w+)", re.I)


def answers_kind(asked: Asked, text: str) -> bool:
    """Whether `text` holds the kind of answer the question asks for (True when it asks no kind)."""
    kind = asked.kind
    if kind == "number":
        return has_figure_of(text, asked)
    if kind == "date":
        return has_time_of_day(asked.text, text)
    if kind == "place":
        known = {w.lower() for name in asked.names for w in name.split()}
        return any(w.lower() not in known for w in names_in(text))
    if kind == "person":  # 'who was the pilot': a person named beside the role
        return bool(person_named(text, asked)) and (named_thing(asked.text) is None or thing_named(text, asked))
    if kind == "role":
        return holds_role(text, asked)
    if kind == "name":
        return thing_named(text, asked)
    if kind == "list":
        return has_enumeration(text) or len(set(names_in(text))) >= 3
    if kind == "wording":
        return bool(_QUOTATION.search(text)) or bool(re.search(r"\b(said|says|told|wrote|called|described)\b", text))
    return True


_EARLIER_WEEKDAY = re.compile(r"\b(?:last|since)\s+(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
"""'the fire that razed the town last Thursday', 'missing since Friday': the day of an earlier
event the sentence looks back to, not the day the sentence reports on."""


def scope(asked: Asked, text: str, doc: DocumentInfo) -> int:
    """+1 when the sentence is about the time (or ordinal) the question asks about, -1 when it is
    about another one, 0 when it does not say ("last Thursday", "since Friday" look back to an
    earlier event: not the day a sentence reports on, unless the question asks about that day). A
    sentence that names no day counts as being about the day its article was published, except
    that an article may look back at an earlier year without naming it (0, not -1). An article published on another day than the
    report the question names ('the Tuesday report') is -1, and so is a sentence about a span of
    years ('over the past decade', 'since 2015') for a question about one year."""
    looked_back = _EARLIER_WEEKDAY.sub(lambda m: m.group() if m.group(1).lower() in asked.weekdays else " ", text)
    weekdays, days, months, years = time_words(looked_back)
    if asked.years and not asked.years & years and _SPAN_OF_YEARS.search(text):
        return -1  # 'over the past decade' does not answer 'during 2022 alone'
    published = doc.published or ""
    if not days and len(published) >= 10:
        days_published = {(int(published[5:7]), int(published[8:10]))}
    else:
        days_published = set()
    verdict = 0
    for unit, wanted, have, fallback in (
        ("weekday", asked.weekdays, weekdays, {weekday_of(published)} - {None} if not weekdays and not days else set()),
        ("day", asked.days, days, days_published if not weekdays else set()),
        ("month", asked.months, months, {int(published[5:7])} if published[5:7].isdigit() and not months else set()),
        ("year", asked.years, years, {int(published[:4])} if published[:4].isdigit() and not years else set()),
    ):
        if not wanted:
            continue
        named = have or fallback
        if not named:
            continue
        if wanted & named:
            verdict = max(verdict, 1)
        elif unit == "year" and not have and min(wanted) < min(named):
            continue  # an article may look back at an earlier year without naming it in every sentence
        else:
            return -1
    if asked.published and published[:10]:
        day = {weekday_of(published), (int(published[5:7]), int(published[8:10]))} if len(published) >= 10 else set()
        if day and not day & asked.published:
            return -1
    asked_ordinals = {m.group(2).lower(): m.group(1).lower() for m in _ORDINAL_PHRASE.finditer(asked.text)}
    for match in _ORDINAL_PHRASE.finditer(text):
        noun = match.group(2).lower()
        if noun in asked_ordinals:
            if match.group(1).lower() != asked_ordinals[noun]:
                return -1
            verdict = 1
    return verdict


def is_heading(text: str) -> bool:
    """A headline or section heading: short, no full stop, no verb-like ending of a sentence."""
    return len(text.split()) <= 14 and not re.search(r"[.!?”\"’)]$", text.strip())


def is_lead_in(text: str) -> bool:
    """A sentence that introduces what follows ('The airlines affected include:')."""
    return text.rstrip().endswith(":")


_WHOLE = re.compile(r"\b(final|every|all (?:the )?(?:\w+ )?(?:results|figures|data|counted)|complete|full|entire|finished)\b", re.I)
_PARTIAL = re.compile(
    r"\b\d+(?:\.\d+)?\s?(?:%|percent|per cent) of (?:the )?(?:\w+ ){1,2}(?:counted|reported|tallied|processed|returned|in|showing|examined|reviewed)\b"
    r"|\bwith \d+(?:\.\d+)?\s?(?:%|percent)"
    r"|\bfrom (?:about |around |nearly |more than |over )?\d+(?:\.\d+)?\s?(?:%|percent|per cent) of\b"
    r"|\b(preliminary|partial|incomplete|provisional|so far|as of|early (?:results|returns|count))\b",
    re.I,
)
_MEDIUM = re.compile(
    r"\b(?:in|during|on) (?:his|her|their|its|the|a|an) ((?:[a-z]+ ){0,1}(?:phone call|call|interview|speech|letter|post|"
    r"statement|press conference|news conference|address|tweet|podcast|broadcast|memo|email))\b",
    re.I,
)


def partial_for_whole(asked: Asked, text: str) -> bool:
    """The question asks about the whole ('the final totals once every ballot was counted', 'for the
    entire outage') and the sentence gives a partial or preliminary figure ('with 80% of the
    ballots counted', 'so far', 'as of Sunday afternoon')."""
    return bool(_WHOLE.search(asked.text)) and bool(_PARTIAL.search(text))


def medium_missing(asked: Asked, context: str) -> bool:
    """'What did X say in their phone call / in his speech?': the words of that medium must stand
    in the sentence or the two before it; what X said elsewhere does not answer."""
    medium = _MEDIUM.search(asked.text)
    if not medium:
        return False
    present = set(stems(context))
    return not all(stem in present for stem in stems(medium.group(1)))


def speaker_differs(asked: Asked, e: Evidence, index: Index) -> bool:
    """Words the article gives to someone else do not answer 'what did X say': a sentence that
    does not name X must have X as its speaker, as the article attributes it
    (`rag.quotes.attribute`), when the article names one."""
    from rag.quotes import attribute, same_person

    wanted = asked_speaker(asked)
    if not wanted or not names_missing(replace(asked, key_names=(wanted,)), e.text):
        return False  # no one asked about, or X is named in the sentence itself
    speaker, _ = attribute(index.document_text(e.doc.source), e.start, e.end)
    return bool(speaker) and not same_person(speaker, wanted)


_GENERIC_SOURCE_WORDS = frozenset(
    "the news times post daily press today tv radio channel network journal herald media online world".split()
)


def from_named_source(asked: Asked, e: Evidence, index: Index) -> bool:
    """'According to ABC News, how many ...': when the question names one outlet or author, only
    that source's articles answer it, or a sentence that credits it ('OCHA said', 'told ABC News',
    here or in the two before it); another outlet's own figure is not what ABC News reported."""
    if asked.sources_named != 1 or not asked.outlets or e.doc.doc_id in asked.outlets:
        return True
    words = set(re.findall(r"\w+", context_of(e, index, about=False).lower()))
    return any(w in words for w in asked.source_words - _GENERIC_SOURCE_WORDS)


_OUTCOME_ASKED = re.compile(
    r"^\s*(?:what|which|how much|how many|how long)\b(.{0,60}?)\b(?:did|was|were)\b.{1,80}?\b"
    r"(receive[d]?|get|got|give|gave|given|pay|paid|win|won|serve[d]?|sentenced|fined|awarded|settle[d]?|agree[d]?)\b",
    re.I,
)
_PROSPECT = re.compile(
    r"\b(?:faces?|facing) (?:up to|a maximum|a possible|as (?:much|many|long) as)\b"
    r"|\b(?:could|might|may|would) (?:face|get|receive|be|pay|win|serve|reach)\b"
    r"|\b(?:is|are) (?:scheduled|set|due|expected) (?:to|for)\b|\bwill be (?:sentenced|decided|announced|paid)\b"
    r"|\bfac(?:es|e|ing) (?:a |an )?(?:\w+ )?(?:sentence|term|fine|penalty) of up to\b"
    r"|\b(?:sentencing|the sentence|the ruling|the verdict|the decision|the award) (?:will|is due|is expected|is scheduled)\b",
    re.I,
)


def outcome_unreported(asked: Asked, texts: list[str]) -> str | None:
    """'What prison sentence did X receive?', 'How much did the airline pay?': the question asks
    what happened. When no sentence among `texts` speaks of the thing it names ('sentence'), or
    every one that speaks of it says only what could or will happen ('faces a maximum of 10 years
    in prison', 'sentencing is scheduled for Feb. 14'), the outcome is not reported: the reason."""
    match = _OUTCOME_ASKED.search(asked.text)
    if not match:
        return None
    thing = set(stems(match.group(1)))
    words_of = [(t, set(stems(t))) for t in texts]
    if thing and not any(thing & words for _, words in words_of):
        return f"no passage reports the {match.group(1).strip()} asked about"
    asked_about = thing | set(stems(match.group(2)))
    about = [t for t, words in words_of if asked_about & words]
    if about and all(_PROSPECT.search(t) for t in about):
        return "the articles report only what could or will happen, not what happened"
    return None


def satisfies(asked: Asked, e: Evidence, index: Index, part: Asked | None = None) -> bool:
    """Whether a sentence meets what the question asks: the kind of answer, the question's key
    names (in the sentence, the two before it, or its article's title, outlet or address), and
    the asked time: a sentence that names another day, or whose article is dated another day, does
    not answer; one that names none in an undated article may. A partial figure does not answer a
    question about the whole, nor words said elsewhere one about a given call or speech, nor
    someone else's words one about what X said."""
    asked = part or asked
    if not answers_kind(asked, e.text) or not from_named_source(asked, e, index):
        return False
    context = context_of(e, index)
    if scope(asked, e.text, e.doc) < 0 or partial_for_whole(asked, context_of(e, index, before=1, about=False)):
        return False
    if asked.key_names and names_missing(asked, context):
        return False
    if asked.kind == "wording" and (medium_missing(asked, context) or speaker_differs(asked, e, index)):
        return False
    if asked.kind == "person" and action_missing(asked, context):
        return False
    if asked.kind == "date" and nothing_of_the_event(asked, context):
        return False
    return not another_owner(asked, e.text)


_ASKING_FOR_A_TIME = frozenset(stems("date day time year month hour week exact happen take place"))


def nothing_of_the_event(asked: Asked, context: str) -> bool:
    """'On what date did FBI Director Christopher Wray resign?': a date answers only beside some
    word of the event asked about ('resign', 'resignation') besides its names; a day from a sentence
    about something else ('agents returned Wednesday') does not, and an event no article reports
    is refused rather than dated."""
    names = {w.lower() for name in asked.names for w in name.split()}
    event = set(stems(" ".join(w for w in content_words(asked.text) if w.lower() not in names))) - _ASKING_FOR_A_TIME
    return bool(event) and not event & set(stems(context))


_OWNED = re.compile(r"\b([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)['’]s\s+((?:[\w-]+\s+){0,2}[\w-]+)")


def another_owner(asked: Asked, text: str) -> bool:
    """'Finland's arms exports' is not answered by 'Denmark's overall exports were $763 million':
    the sentence gives the asked thing of another owner and does not name the question's."""
    owned = _OWNED.search(asked.text)
    if not owned:
        return False
    owner, things = owned.group(1), set(stems(owned.group(2)))
    probe = replace(asked, key_names=(owner,), common_names=frozenset())
    if not names_missing(probe, text):
        return False
    return any(set(stems(m.group(2))) & things and names_missing(probe, m.group(1)) for m in _OWNED.finditer(text))


_WHO_DID = re.compile(r"^\s*(?:and\s+)?who\s+([a-z]+(?:ed|d))\b(?:\s+(?:to\s+)?([a-z]+ing)\b)?", re.I)


def action_missing(asked: Asked, context: str) -> bool:
    """'Who refereed the final?': a name answers only beside the act asked about ('refereed',
    'referee'); a name from a sentence about something else does not. When the act is another
    verb's ('Who admitted threatening ...'), either verb names it: the article may write
    'pleaded guilty to threatening'."""
    match = _WHO_DID.match(asked.text)
    if not match:
        return False
    acts = {stem for verb in match.groups() if verb for stem in stems(verb)[:1]}
    return bool(acts) and not acts & set(stems(context))


def context_of(e: Evidence, index: Index, before: int = 2, about: bool = True) -> str:
    """The sentence with the `before` ones just before it in its article and, with `about`, the
    article's title, outlet, author, address and file name (what a reader knows the article by)."""
    previous = [s.text for s in index.sentences_in(e.doc.doc_id, max(0, e.start - 1500), e.start) if s.end <= e.start][-before:]
    names = [e.doc.title or "", e.doc.outlet or "", e.doc.author or "", e.doc.url or "", re.sub(r"[\W_]+", " ", e.doc.source)] if about else []
    return " ".join([*names, *previous, e.text])


ANSWER_DEPTH = 10  # the best sentences searched for one that answers; deeper ones are not read


def adding_items(asked: Asked, evidence: list[Evidence], index: Index) -> list[Evidence]:
    """For a list question, the sentences that each name something no sentence before them named
    (or list several things), among those that meet everything else the question asks: news copy
    spreads a list over sentences ("Kelmar lost power ...", "And in Pravek, ...") and articles."""
    one_item = replace(asked, kind=None)  # one item is enough: 'which states' is answered by one sentence per state
    seen = given_name_keys(asked)
    adding = []
    for e in evidence:
        if is_heading(e.text) or not satisfies(one_item, e, index):
            continue
        items = {name_key(w) for w in names_in(e.text)} - seen
        if items or has_enumeration(e.text):
            adding.append(e)
            seen |= items
    return adding


_KIND_PHRASES = {
    "number": "a figure for that", "date": "a date for that", "person": "a name for that",
    "place": "a place for that", "list": "a list for that", "name": "a name for that", "role": "a job or role for that",
}


def unmet(asked: Asked, evidence: list[Evidence], index: Index, depth: int = ANSWER_DEPTH) -> str | None:
    """Why none of the best `depth` sentences answers what the question asks, or None when one does.

    Checked only for what a question states plainly: the kind of answer it wants, the names it
    gives and the time it is about. A question that asks two things needs an answer to one of
    them here; each part's own evidence is checked the same way.
    """
    if not (asked.kind in _KIND_PHRASES or asked.names or asked.weekdays or asked.days or asked.months or asked.years):
        return None
    top = evidence[:depth]
    unreported = outcome_unreported(asked, [e.text for e in top])
    if unreported:
        return unreported
    if any(satisfies(asked, e, index) for e in top) or (asked.kind == "list" and len(adding_items(asked, top, index)) > 1):
        return None
    if asked.sources_named == 1 and any(satisfies(replace(asked, sources_named=0), e, index) for e in top):
        return "the articles of the source the question names do not say; other articles do (ask without naming it)"
    untimed = replace(asked, weekdays=frozenset(), days=frozenset())
    if asked.kind in _KIND_PHRASES and not any(answers_kind(untimed, e.text) for e in top):
        what = f"a figure of {' '.join(reversed(asked.focus[:2]))}" if asked.kind == "number" and asked.focus else _KIND_PHRASES[asked.kind].rsplit(" for", 1)[0]
        return f"no passage gives {what}"
    fitting = [e for e in top if answers_kind(untimed, e.text)]
    timed = asked.weekdays or asked.days or asked.months or asked.years
    if fitting and timed and all(scope(asked, e.text, e.doc) < 1 or not answers_kind(asked, e.text) for e in fitting):
        return f"no passage that answers is about {time_phrase(asked)}"
    missing = {n for e in fitting or top for n in names_missing(asked, context_of(e, index))}
    if missing:
        return f"no passage that answers mentions {', '.join(sorted(missing))}"
    if fitting and all(partial_for_whole(asked, context_of(e, index, before=1, about=False)) for e in fitting):
        return "the passages give partial or preliminary figures, not the whole the question asks about"
    if asked.kind == "wording" and all(medium_missing(asked, context_of(e, index)) for e in top):
        return "no passage reports words said where the question asks (that call, speech or interview)"
    return "no passage answers all of the question"


def time_phrase(asked: Asked) -> str:
    """'Thursday', 'August 5', '2031': the time a question asks about, as a reader would write it."""
    parts = [d.capitalize() for d in sorted(asked.weekdays)]
    parts += [f"{MONTH_NAMES[m - 1]} {d}" for m, d in sorted(asked.days)]
    parts += [MONTH_NAMES[m - 1] for m in sorted(asked.months) if m not in {m for m, _ in asked.days}]
    parts += [str(y) for y in sorted(asked.years)]
    return " ".join(parts)


def refusal_reason(asked: Asked, evidence: list[Evidence], parts: list[list[Evidence]], index: Index, settings: Settings) -> str | None:
    missing = missing_names(asked, index)
    if missing:
        return f"no article mentions {', '.join(missing)}"
    time_asked = unmentioned_time(asked, index)
    if time_asked:
        return f"no article mentions {time_asked} or is from then"
    best = max((e.relevance for pool in [evidence, *parts] for e in pool), default=None)
    if best is None or best < settings.refuse_below:
        return "no passage is close enough to the question"
    reasons = [unmet(asked, evidence, index)]
    if asked.parts:
        reasons = [unmet(part, pool, index) for part, pool in zip(read_parts(asked, index), parts)]
        if any(r is None for r in reasons):
            return None
    return reasons[0]
