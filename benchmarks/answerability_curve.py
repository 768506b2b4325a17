"""Answerability as a trade-off: answerable questions refused against near misses answered.

    python benchmarks/answerability_curve.py [--judge qwen2.5-1.5b] [--sets DEV.jsonl[=CORPUS] ...]

For every question item of every set (the seed dev set and each corpus; see eval_corpora.py) the
answer stage's own decision is taken apart: the checks of what a question states (a name, a
time, the kind of answer, `rag.answerability.refusal_reason` with no relevance floor) and the
relevance of the best evidence sentence. The curve moves the relevance floor
(`Settings.refuse_below`) and prints, per half (development / held-out), how many answerable
questions are refused and how many near misses are answered.

With `--judge MODEL`, a packaged local model is also asked, for each of the three best evidence
sentences, "does the sentence answer the question?", reading the probabilities of "yes" and
"no" in one forward pass (no generation); p(none) = 1 - the best p(yes). A second curve adds
"refuse when p(none) > j" to the answer stage's decision at the default floor, and the script
prints how often the judge's best sentence holds the item's evidence against the ranking's
first sentence (sentence recall@1), and the judge's time per question.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from typing import Callable

import numpy as np

from compare_models import default_sets, each_set, parse_set
from rag.answerability import refusal_reason
from rag.candidates import gather
from rag.conversation import Turn, standalone_question
from rag.embed import SentenceTransformerEmbedder
from rag.evaluate import SPLITS, normalise, split_of
from rag.mentions import read_question
from rag.settings import Settings

JUDGE_SYSTEM = "You check whether a sentence from a news article answers a question."
JUDGE_USER = "Question: {question}\nSentence: {sentence}\n\nDoes the sentence answer the question? Reply yes or no."


class LogitJudge:
    """p(yes) that a sentence answers a question, from the next-token logits of a packaged model."""

    def __init__(self, name: str) -> None:
        import llama_cpp

        from rag.generate import gguf_path

        self._llama_cpp = llama_cpp
        self.llama = llama_cpp.Llama(model_path=str(gguf_path(name)), n_ctx=1024, n_threads=2, verbose=False)
        self.yes = self.llama.tokenize(b"yes", add_bos=False, special=False)[0]
        self.no = self.llama.tokenize(b"no", add_bos=False, special=False)[0]

    def p_yes(self, question: str, sentence: str) -> float:
        prompt = (f"<|im_start|>system\n{JUDGE_SYSTEM}<|im_end|>\n<|im_start|>user\n"
                  f"{JUDGE_USER.format(question=question, sentence=sentence)}<|im_end|>\n<|im_start|>assistant\n")
        self.llama.reset()
        self.llama.eval(self.llama.tokenize(prompt.encode(), special=True))
        pointer = self._llama_cpp.llama_get_logits_ith(self.llama._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(pointer, shape=(self.llama.n_vocab(),))
        return float(1 / (1 + np.exp(logits[self.no] - logits[self.yes])))


def print_curve(rows: list[tuple], label: str, points: list[tuple[float, Callable[[tuple], bool]]]) -> None:
    """One table row per point: per half, answerable questions refused and near misses answered."""
    print(f"| {label} | " + " | ".join(f"{s}: answerable refused | {s}: near misses answered" for s in SPLITS) + " |")
    print("|---|" + "---|---|" * len(SPLITS))
    for value, refused in points:
        cells = []
        for split in SPLITS:
            answerable = [r for r in rows if r[0] == split and r[1]]
            near = [r for r in rows if r[0] == split and not r[1]]
            cells += [f"{sum(map(refused, answerable))}/{len(answerable)}", f"{sum(not refused(r) for r in near)}/{len(near)}"]
        print(f"| {value} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--judge", help="packaged model that judges the best sentences (e.g. qwen2.5-1.5b)")
    parser.add_argument("--sets", nargs="*", type=parse_set, help="DEV.jsonl[=CORPUS]; default: every set")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    judge = LogitJudge(args.judge) if args.judge else None
    rows = []  # (split, answerable, checks refuse, best relevance, p_none, ranking's first holds, judge's pick holds)
    judge_seconds = []
    with tempfile.TemporaryDirectory() as scratch:
        for _, settings, index, items in each_set(args.sets or default_sets(), embedder, scratch):
            for item in items:
                if item.get("kind") == "quote":
                    continue
                history = [Turn(t["role"], t["content"]) for t in item.get("history", [])]
                question = standalone_question(item["question"], history)
                asked = read_question(question, index)
                gathered = gather(asked, index, embedder, settings)
                checks = refusal_reason(asked, gathered.ranked, gathered.parts, index, settings.with_overrides(refuse_below=0.0))
                best = max((e.relevance for pool in [gathered.ranked, *gathered.parts] for e in pool), default=0.0)
                evidence = [normalise(e) for e in item.get("evidence", [])]
                top = gathered.ranked[:3]
                holds = [any(x in normalise(e.text) for x in evidence) for e in top]
                p_none, pick_holds = None, None
                if judge and top:
                    started = time.perf_counter()
                    p_yes = [judge.p_yes(question, e.text) for e in top]
                    judge_seconds.append(time.perf_counter() - started)
                    p_none = 1 - max(p_yes)
                    pick_holds = holds[int(np.argmax(p_yes))]
                rows.append((split_of(item["id"]), not item.get("refuse"), checks is not None, best, p_none,
                             bool(holds and holds[0]), pick_holds))
    print("Relevance floor (Settings.refuse_below) with the answer stage's checks, per half:")
    print_curve(rows, "floor", [(floor, lambda r, f=floor: r[2] or r[3] < f) for floor in (0.0, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)])
    if not judge:
        return
    floor = Settings().refuse_below
    print(f"\nJudge {args.judge} added to the answer stage's decision (floor {floor}), per half:")
    print_curve(rows, "refuse when p(none) >", [
        (limit, lambda r, j=limit: r[2] or r[3] < floor or (r[4] is not None and r[4] > j))
        for limit in (1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)
    ])
    for split in SPLITS:
        answerable = [r for r in rows if r[0] == split and r[1] and r[4] is not None]
        print(f"{split}: sentence recall@1 ranking {sum(r[5] for r in answerable)}/{len(answerable)}, "
              f"judge's pick {sum(r[6] for r in answerable)}/{len(answerable)}")
    print(f"judge time per question (3 sentences): median {statistics.median(judge_seconds):.2f} s")


if __name__ == "__main__":
    main()
