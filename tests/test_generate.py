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
