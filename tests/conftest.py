"""Shared fixtures: a deterministic fake embedder and temporary corpora and indexes.

Most tests run in milliseconds with `HashEmbedder`; tests marked `slow` load the real packaged
models and the real seeds.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"


class HashEmbedder:
    """Bag of words hashed into a few buckets: similar wording gives similar vectors."""

    name = "all-MiniLM-L6-v2"
    dimension = 256

    def __init__(self) -> None:
        self.calls = 0
        self.texts_embedded = 0

    def embed_batch(self, texts):
        self.calls += 1
        self.texts_embedded += len(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension
                vectors[row, bucket] += 1.0
            vectors[row, 0] += 0.01
        return vectors


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """A private copy of the real seeds, safe to modify."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    return corpus


@pytest.fixture
def settings(tmp_path: Path, seed_corpus: Path) -> Settings:
    return Settings(corpus_dir=seed_corpus, index_dir=tmp_path / "index")
