"""Answers to take away: a conversation (or one answer) as Markdown, every source with its
title, outlet, date, address and the cited passage quoted (`rag ask --format markdown`, the
chat's Export button).

It reads the JSON form of answers (`Answer.to_json()`), which is what the chat keeps in the
browser, so a conversation restored after a reload exports the same way.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Iterable


def answer_markdown(answer: dict, heading: str = "##") -> str:
    """One answer: the question as a heading, the answer's text with its [n] markers, then its
    numbered sources, each with the cited passage as a block quote."""
    lines = [f"{heading} {_one_line(answer.get('question', ''))}", ""]
    if answer.get("error"):
        return "\n".join(lines + [f"*Not answered: {_one_line(answer['error'])}*", ""])
    lines += [f"*{_one_line(n[0].upper() + n[1:])}.*" for n in answer.get("notes", []) if n.startswith("answered only from")]
    lines += [_escape_markup(answer.get("answer", "")), ""]
    if answer.get("refused"):
        reason = next((n.removeprefix("refused: ") for n in answer.get("notes", []) if n.startswith("refused")), "")
        return "\n".join(lines + ([f"*{_one_line(reason)}*", ""] if reason else []))
    citations = answer.get("citations") or []
    if citations:
        lines += ["Sources:", ""]
    for c in citations:
        lines.append(f"{c['n']}. {source_line(c)}")
        lines.append(f"   > {_escape_markup(_one_line(c['text']))}")
        lines.append(f"   (characters {c['start']}–{c['end']} of {c['source']})")
    return "\n".join(lines + [""])


def source_line(citation: dict) -> str:
    """'*Title*, Outlet, 2024-07-29, <https://…>': what a reader needs to find the article."""
    title = f"*{_one_line(citation['title'])}*" if citation.get("title") else f"`{citation['source']}`"
    parts = [title] + [_one_line(citation[k]) for k in ("outlet", "published") if citation.get(k)]
    if citation.get("url"):
        parts.append(f"<{citation['url']}>")
    return ", ".join(parts)


def conversation_markdown(answers: Iterable[dict], title: str = "Questions to the articles") -> str:
    """Every answer of a conversation, in order, under a title and the time of export."""
    answers = list(answers)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"# {title}", "", f"Exported {stamp}; {len(answers)} answer(s). Every [n] points at the numbered source below it.", ""]
    parts += [answer_markdown(a) for a in answers]
    return "\n".join(parts)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _escape_markup(text: str) -> str:
    """Article words are shown as words: no Markdown or HTML they carry takes effect."""
    return re.sub(r"([<>*_`#])", r"\\\1", text)
