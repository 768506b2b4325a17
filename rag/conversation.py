"""A follow-up -> a question that stands on its own, before anything is searched.

A follow-up that leans on the conversation ("what did he say?") is rewritten so it can be
searched on its own: 'he/she/his/her' becomes the person the last answer is about, 'it/its' the
thing named in both the last question and its answer, 'that day/morning' the day the last answer
names; with no pronoun to replace, the names of the last turn are added in brackets. The question
is cleaned first: control characters stripped, an empty or oversized question refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from rag.errors import InputError
from rag.question import proper_names, time_words
from rag.settings import Settings

PRONOUNS = re.compile(r"\b(he|she|him|his|her|hers|they|them|their|it|its|this|that|these|those)\b", re.I)


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


def clean_question(question: str, settings: Settings) -> str:
    """Strip control characters and white space; refuse empty or oversized questions."""
    cleaned = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", question or "")
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if not cleaned:
        raise InputError("the question is empty; type a question about the articles")
    if len(cleaned) > settings.max_question_chars:
        raise InputError(
            f"the question is {len(cleaned):,} characters; the limit is {settings.max_question_chars:,}: shorten it"
        )
    return cleaned


_PERSONAL = re.compile(r"\b(he|she|him)\b", re.I)
_POSSESSIVE = re.compile(r"\b(his|her)\b", re.I)
_THING = re.compile(r"\b(it|its)\b", re.I)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘[^’]*’")
_OWN_POSSESSIVE = re.compile(r"\b(his|her|its|their)\b", re.I)
_THAT_TIME = re.compile(r"\bthat (day|morning|afternoon|evening|night)\b", re.I)


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """Rewrite a follow-up that leans on the conversation so it can be searched on its own.

    'he/she/his/her' becomes the person the last answer is about (a name that opens it, or one
    that speaks in it); 'it/its' the thing named in both the last question and its answer (else
    the answer's first name); 'that day/morning' the day the last answer names. A question whose
    possessive follows a name of its own ('How much will Alibaba raise in its listing?') stands
    alone: the possessive points back to that name, not to the conversation. Words in quotation
    marks are never rewritten: they are what a quote check looks for.
    """
    quoted = _QUOTED.findall(question)
    if quoted:  # the words in quotation marks are checked as written; the rest may be a follow-up
        masked = _QUOTED.sub("\x00", question)
        rewritten = standalone_question(masked, history)
        for words in quoted:
            rewritten = rewritten.replace("\x00", words, 1)
        return rewritten
    if not history or not (PRONOUNS.search(question) or _THAT_TIME.search(question)):
        return question
    possessive = _OWN_POSSESSIVE.search(question)
    if possessive and proper_names(question[: possessive.start()]):
        return question
    last_answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    last_question = next((t.content for t in reversed(history) if t.role == "user"), "")
    rewritten = question
    person = _person_in(last_answer) or _person_in(last_question)
    if person and _PERSONAL.search(rewritten):
        rewritten = _PERSONAL.sub(person, rewritten, count=1)
        rewritten = _POSSESSIVE.sub(f"{person}'s", rewritten, count=1)
    elif person and _POSSESSIVE.search(rewritten):
        rewritten = _POSSESSIVE.sub(f"{person}'s", rewritten, count=1)
    thing = _thing_in(last_question, last_answer, person)
    if thing and _THING.search(rewritten):
        rewritten = re.sub(r"\bits\b", f"{thing}'s", rewritten, count=1, flags=re.I)
        rewritten = re.sub(r"\bit\b", thing, rewritten, flags=re.I)
    day = next(iter(sorted(time_words(last_answer)[0])), None)
    if day:
        rewritten = _THAT_TIME.sub(lambda m: f"{day.capitalize()} {m.group(1)}", rewritten)
    if rewritten == question:
        names = [n for n in proper_names(last_answer) + proper_names(last_question) if n.lower() not in question.lower()]
        if names:
            rewritten = f"{question} ({'; '.join(dict.fromkeys(names[:3]))})"
    return rewritten


def _person_in(text: str) -> str | None:
    """A person's name in `text`: the run of two to four capitalised words that opens it, one
    followed by a speech verb ('Pete Buttigieg said'), or one a relation introduces ('He lived with
    his girlfriend, Marilou Danley': the person the answer tells about)."""
    opening = re.match(r"\s*([A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+){1,3})\b(?!\s+[a-z]+\s+[A-Z])", text)
    if opening and not re.match(r"(The|A|An)\b", opening.group(1)):
        return opening.group(1)
    speaking = re.search(r"\b([A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+){1,3})\s+(said|says|told|wrote|added|announced)\b", text)
    if speaking:
        return speaking.group(1)
    related = re.search(r"\b(?:his|her|their)\s+[a-z-]+,?\s+([A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+){1,3})\b", text)
    return related.group(1) if related else None


def _thing_in(last_question: str, last_answer: str, person: str | None) -> str | None:
    names = [n for n in proper_names(last_answer) if not person or n not in person]
    shared = [n for n in proper_names(last_question) if any(n.lower() in a.lower() for a in names)]
    return (shared or names or [None])[0]
