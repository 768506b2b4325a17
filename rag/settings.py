"""One settings object for the whole pipeline, one level deep.

Every field has a default that works on a fresh machine. The CLI and the UI override fields
with `Settings.with_overrides(...)`, which rejects unknown names. The fields marked `index`
are written into the index manifest: an index built with other values is refused with a
message, never silently reused (see `rag.manifest`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import SettingsError

INDEX_FIELDS = ("embed_model", "chunk_max_words", "chunk_overlap_sentences")


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = field(default=Path("seeds"), metadata={"doc": "folder of .txt/.md articles and saved .html/.htm pages"})
    index_dir: Path = field(default=Path("index"), metadata={"doc": "where the built index lives"})
    embed_model: str = field(
        default="all-MiniLM-L6-v2",
        metadata={"doc": "packaged sentence-transformers model (see rag.embed.PACKAGED_MODELS)", "index": True},
    )
    chunk_max_words: int = field(default=90, metadata={"doc": "a chunk closes once it holds this many words", "index": True})
    chunk_overlap_sentences: int = field(
        default=1, metadata={"doc": "sentences a chunk repeats from the one before", "index": True}
    )
    index_shards: int = field(
        default=0,
        metadata={
            "doc": "split the index into this many shards by article hash (rag.shards); 1: one FAISS index and one "
            "database; 0: as many as the current index has (1 for a new one)"
        },
    )
    top_k: int = field(default=5, metadata={"doc": "hits returned by search"})
    candidates: int = field(default=30, metadata={"doc": "hits taken from each retriever before fusion"})
    rrf_k: int = field(default=60, metadata={"doc": "reciprocal-rank-fusion constant"})
    max_hits_per_article: int = field(default=2, metadata={"doc": "diversity: hits one article may hold in the top k"})
    rerank: bool = field(
        default=False, metadata={"doc": "also rank candidates by their best sentence (off: it lowered dev recall@5)"}
    )
    llm_model: str = field(default="qwen2.5-0.5b", metadata={"doc": "packaged generator (see rag.generate.PACKAGED_LLMS)"})
    llm_runtime: str = field(default="llama.cpp", metadata={"doc": "llama.cpp (4-bit, fast) or transformers (fp32)"})
    answer_mode: str = field(default="auto", metadata={"doc": "llm, extractive, or auto (llm if installed)"})
    model_kinds: tuple[str, ...] | None = field(
        default=None,
        metadata={"doc": "in auto mode, the kinds of question the model writes answers for (rag.kinds.answer_shape); "
                  "None: the kinds the chosen model was measured to add right answers for (rag.generate.PACKAGED_LLMS)"},
    )
    answer_chunks: int = field(default=10, metadata={"doc": "chunks retrieved to pick evidence sentences from"})
    evidence_sentences: int = field(default=6, metadata={"doc": "numbered evidence sentences shown to the model"})
    extractive_sentences: int = field(default=3, metadata={"doc": "sentences quoted by an extractive answer"})
    refuse_below: float = field(
        default=0.55,
        metadata={"doc": "refuse when the best evidence relevance is below this (benchmarks/calibrate_refusal.py)"},
    )
    max_question_chars: int = field(default=2000, metadata={"doc": "longer questions are refused with a message"})
    outlet: str | None = field(default=None, metadata={"doc": "answer only from articles whose outlet contains this"})
    published_from: str | None = field(default=None, metadata={"doc": "answer only from articles published on or after (YYYY-MM-DD)"})
    published_to: str | None = field(default=None, metadata={"doc": "answer only from articles published on or before (YYYY-MM-DD)"})

    def __post_init__(self) -> None:
        for name in ("corpus_dir", "index_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)))

    def with_overrides(self, **changes: object) -> "Settings":
        """Return a copy with `changes` applied; None values are ignored, unknown names rejected."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        given = {k: v for k, v in changes.items() if v is not None}
        if given.get("answer_mode", "auto") not in ("auto", "llm", "extractive"):
            raise SettingsError(f"unknown mode {given['answer_mode']!r}; choose auto, llm or extractive")
        if int(given.get("index_shards", 0)) < 0:
            raise SettingsError(f"--shards must be 1 or more, not {given['index_shards']}")
        for name in ("published_from", "published_to"):
            if given.get(name):
                given[name] = _day(str(given[name]), name)
        changed = dataclasses.replace(self, **given)
        if changed.published_from and changed.published_to and changed.published_from > changed.published_to:
            raise SettingsError(f"the start date {changed.published_from} is after the end date {changed.published_to}; swap them")
        return changed

    def index_signature(self) -> dict[str, object]:
        """The settings an index is tied to, as stored in its manifest."""
        return {name: getattr(self, name) for name in INDEX_FIELDS}


def _day(value: str, name: str) -> str:
    from rag.dates import parse_date

    day = parse_date(value.strip())
    if day is None:
        end = "start" if name == "published_from" else "end"
        raise SettingsError(f"the {end} date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-07-31")
    return day.isoformat()
