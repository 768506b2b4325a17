"""Generators for tests of the model's worker process. They live in their own module because the
worker is spawned: it imports the generator's class by name, so a class defined inside a test
function or in conftest would not be found there."""

from __future__ import annotations

import ctypes
import os
import re
import resource
import signal
import time


class ScriptedGenerator:
    """Replays `reply` word by word; crashes its process the way native code does when the
    question (the prompt's last line) contains `crash_on`."""

    name = "scripted"

    def __init__(self, reply: str, crash_on: str | None = None, crash_signal: int = signal.SIGILL, delay: float = 0.0) -> None:
        self.reply = reply
        self.crash_on = crash_on
        self.crash_signal = crash_signal
        self.delay = delay

    def generate(self, messages, max_tokens=160):
        question = messages[-1]["content"].rsplit("Question:", 1)[-1]
        if self.crash_on and self.crash_on in question:
            crash(self.crash_signal)
        for word in re.findall(r"\S+\s*", quoting_passages(self.reply, messages[-1]["content"])):
            time.sleep(self.delay)
            yield word


def quoting_passages(reply: str, prompt: str) -> str:
    """`reply` with each '{passage with WORDS}' replaced by the text of the first numbered passage
    of the prompt that holds WORDS, and its number: a model that copies a passage, whichever
    number the evidence stage gave it."""
    def passage(match: re.Match) -> str:
        for line in prompt.splitlines():
            numbered = re.match(r"\[(\d+)\] \([^)]*\) (.*)", line)
            if numbered and match.group(1) in numbered.group(2):
                return f"{numbered.group(2).rstrip('.')} [{numbered.group(1)}]."
        return "No passage holds it [1]."

    return re.sub(r"\{passage with ([^}]+)\}", passage, reply)


class FailingToLoad:
    name = "broken"

    def load(self):
        raise FileNotFoundError("weights.gguf")


def crash(number: int) -> None:
    """Die as native code would: a real invalid memory read for SIGSEGV, the signal itself otherwise."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file in the working folder
    if number == signal.SIGSEGV:
        ctypes.string_at(0)
    os.kill(os.getpid(), number)
