import sys
import types

import pytest

from rag import generate
from rag.generate import GeneratorUnavailable, PackagedModel, gguf_path, make_generator


@pytest.fixture
def fake_parts(tmp_path, monkeypatch):
    """Three installed 'packages' whose parts join into a GGUF file."""
    payloads = [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 3]
    for i, payload in enumerate(payloads, 1):
        part = tmp_path / f"part{i}.bin"
        part.write_bytes(payload)
        module = types.ModuleType(f"fake_part{i}")
        module.get_part_path = lambda part=part: str(part)
        monkeypatch.setitem(sys.modules, f"fake_part{i}", module)
    monkeypatch.setitem(generate.PACKAGED_LLMS, "fake", PackagedModel("fake", ("fake_part1", "fake_part2", "fake_part3")))
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    return b"".join(payloads)


def test_parts_are_joined_once_in_order(fake_parts, tmp_path):
    path = gguf_path("fake")
    assert path.read_bytes() == fake_parts
    stamp = path.stat().st_mtime_ns
    assert gguf_path("fake").stat().st_mtime_ns == stamp  # reused, not rewritten


def test_a_file_that_is_not_gguf_is_refused(fake_parts, tmp_path, monkeypatch):
    (tmp_path / "part1.bin").write_bytes(b"JUNK" + b"a" * 10)
    with pytest.raises(GeneratorUnavailable, match="not a GGUF"):
        gguf_path("fake")


def test_missing_model_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(generate.PACKAGED_LLMS, "ghost", PackagedModel("ghost", ("no_such_part1", "no_such_part2")))
    with pytest.raises(GeneratorUnavailable, match="pip install no-such-part1"):
        gguf_path("ghost")
    assert make_generator("ghost") is None
    with pytest.raises(GeneratorUnavailable, match="unknown model"):
        gguf_path("nonexistent")



@pytest.mark.slow
def test_the_real_model_answers_a_prompt_the_same_way_whatever_was_asked_before(tmp_path):
    """llama.cpp's reuse of a cached prompt prefix once turned an answer into a refusal, depending on the question before."""
    import json

    from conftest import DEV_SET, SEEDS
    from rag.answer import answer_question
    from rag.build import build_index
    from rag.embed import SentenceTransformerEmbedder
    from rag.settings import Settings
    from rag.store import open_index

    generator = make_generator("qwen2.5-0.5b", "llama.cpp")
    if generator is None:
        pytest.skip("the qwen2.5-0.5b model package is not installed")
    settings = Settings(corpus_dir=SEEDS, index_dir=tmp_path / "index", answer_mode="llm")
    embedder = SentenceTransformerEmbedder(settings.embed_model)
    build_index(settings, embedder)
    index = open_index(settings)
    items = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [i["question"] for i in items if not i.get("refuse") and not i.get("history") and "quote" not in i["kind"]][:6]
    prompts, replies = [], []
    original = generator.generate

    def recording(messages, max_tokens=160):
        prompts.append(messages)
        reply = "".join(original(messages, max_tokens))
        replies.append(reply)
        return iter([reply])

    generator.generate = recording
    for question in questions:
        answer_question(question, index, embedder, settings, generator=generator)
    for messages, reply in zip(prompts, replies):
        fresh = make_generator("qwen2.5-0.5b", "llama.cpp")
        assert "".join(fresh.generate(messages)) == reply, "asked after another question, the reply differed"


# --- the worker process ------------------------------------------------------------------------

import functools
import signal as signals

from fake_models import FailingToLoad, ScriptedGenerator
from rag.generate import GeneratorCrashed, WorkerGenerator

MESSAGES = [{"role": "system", "content": "s"}, {"role": "user", "content": "Passages: ...\n\nQuestion: how many?"}]


def scripted_worker(reply="Seven countries voted no [1].", **options) -> WorkerGenerator:
    return WorkerGenerator(functools.partial(ScriptedGenerator, reply, **options), "scripted", timeout=30)


def test_the_worker_streams_the_reply_of_the_model_it_runs():
    worker = scripted_worker()
    try:
        pieces = list(worker.generate(MESSAGES))
        assert "".join(pieces) == "Seven countries voted no [1]." and len(pieces) == 5
        assert worker._process.pid != __import__("os").getpid()
    finally:
        worker.close()


@pytest.mark.parametrize("number", [signals.SIGILL, signals.SIGSEGV])
def test_a_worker_killed_by_a_signal_raises_and_the_next_request_gets_a_fresh_worker(number):
    worker = scripted_worker(crash_on="boom", crash_signal=number)
    crashing = [MESSAGES[0], {"role": "user", "content": "Question: boom?"}]
    try:
        with pytest.raises(GeneratorCrashed, match=signals.Signals(number).name):
            list(worker.generate(crashing))
        assert "".join(worker.generate(MESSAGES)) == "Seven countries voted no [1]."
        assert worker.starts == 2
    finally:
        worker.close()


def test_a_reply_stopped_early_does_not_leak_into_the_next_one():
    worker = scripted_worker("one two three four five six seven eight", delay=0.01)
    try:
        stream = worker.generate(MESSAGES)
        assert next(stream) == "one "
        stream.close()
        assert "".join(worker.generate(MESSAGES)) == "one two three four five six seven eight"
        assert worker.starts == 1
    finally:
        worker.close()


def test_a_model_that_cannot_load_is_reported_as_unavailable():
    worker = WorkerGenerator(FailingToLoad, "broken", timeout=30)
    with pytest.raises(GeneratorUnavailable, match="weights.gguf"):
        worker.load()


# --- the installed llama.cpp build -------------------------------------------------------------


def test_the_installed_llama_cpp_holds_no_instruction_another_cpu_may_trap():
    """install.sh builds for a portable x86-64 level: a native build emitted AMX tile loads
    (`tileloadd`) that a user's OS trapped as SIGILL. objdump lists every instruction."""
    import re
    import shutil
    import subprocess
    from pathlib import Path

    llama_cpp = pytest.importorskip("llama_cpp")
    if shutil.which("objdump") is None:
        pytest.skip("objdump (binutils) is not installed")
    library = next((Path(llama_cpp.__file__).parent / "lib").glob("libggml-cpu.so*"))
    listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(library)], capture_output=True, text=True, check=True).stdout
    assert len(listing) > 100_000, "objdump listed too little to be the CPU backend"
    assert re.search(r"\bvfmadd\w+", listing), "the AVX2/FMA kernels are there"
    assert not re.search(r"\b(tileloadd\w*|tdpb\w+|ldtilecfg|tilezero)\b", listing), "AMX instructions"
    assert not re.search(r"%zmm\d", listing), "AVX-512 instructions"
