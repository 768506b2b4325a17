"""The catalogue of bad input and faults (README, 'What happens when…'): each row has a test here
or in test_ingest / test_store / test_answer / test_ui."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rag.answer import answer_question
from rag.build import build_index
from rag.errors import IndexBusyError, InputError
from rag.ingest import MAX_UPLOAD_BYTES, load_corpus, safe_article_name, save_article
from rag.manifest import current_generation
from rag.quotes import check_quote
from rag.store import open_index

from conftest import ROOT

SLOW_BUILD = textwrap.dedent(
    """
    import sys, time
    sys.path[:0] = [{root!r}, {tests!r}]
    from conftest import HashEmbedder
    from rag.build import build_index
    from rag.settings import Settings

    class SlowEmbedder(HashEmbedder):
        def embed_batch(self, texts):
            time.sleep(2.0)
            return super().embed_batch(texts)

    print("started", flush=True)
    build_index(Settings(corpus_dir={corpus!r}, index_dir={index!r}), SlowEmbedder())
    print("finished", flush=True)
    """
)


def slow_build(settings) -> subprocess.Popen:
    code = SLOW_BUILD.format(root=str(ROOT), tests=str(ROOT / "tests"), corpus=str(settings.corpus_dir), index=str(settings.index_dir))
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_mid_build_keeps_the_previous_index_and_lock_is_freed(settings, fake_embedder):
    build_index(settings, fake_embedder)
    before = current_generation(settings.index_dir)
    for i in range(60):
        (settings.corpus_dir / f"extra-{i}.txt").write_text(f"Article {i} about vote number {i} in the assembly.\n" * 20, encoding="utf-8")
    process = slow_build(settings)
    assert process.stdout.readline().strip() == "started"
    time.sleep(1.0)
    with pytest.raises(IndexBusyError):  # two builds at once: the second is refused
        build_index(settings, fake_embedder)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert current_generation(settings.index_dir) == before
    index = open_index(settings)
    assert len(index.documents()) == 5
    assert check_quote("not only our compassion", index, settings).verdict == "verified"
    report = build_index(settings, fake_embedder)  # the next run completes and cleans up
    assert report.documents == 65
    assert [p.name for p in settings.index_dir.glob("gen-*")] == [current_generation(settings.index_dir).name]


def test_fifty_megabyte_file_is_skipped_with_a_reason(tmp_path):
    (tmp_path / "huge.txt").write_bytes(b"word " * (10 * 1024 * 1024))
    (tmp_path / "ok.txt").write_text("A normal article.\n", encoding="utf-8")
    docs, skipped = load_corpus(tmp_path)
    assert [d.source for d in docs] == ["ok.txt"]
    assert "too large (52 MB" in skipped[0].reason


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd.txt", "sub/dir.txt", "..", "x.exe", "", ".hidden.txt", "a\x00b.txt"])
def test_unsafe_upload_names_are_rejected(name):
    with pytest.raises(ValueError):
        safe_article_name(name)


def test_safe_upload_is_saved_and_oversized_or_binary_refused(tmp_path):
    assert safe_article_name("My article-2.md") == "My article-2.md"
    save_article(tmp_path, "ok.txt", b"Text.\n")
    with pytest.raises(ValueError, match="already exists"):
        save_article(tmp_path, "ok.txt", b"Again.\n")
    with pytest.raises(ValueError, match="upload limit"):
        save_article(tmp_path, "big.txt", b"x" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(ValueError, match="binary"):
        save_article(tmp_path, "bin.txt", b"\x00\x01")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.txt"]


@pytest.fixture
def index(settings, fake_embedder):
    build_index(settings, fake_embedder)
    return open_index(settings)


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 100_000])
def test_empty_and_huge_questions_get_a_clear_error(index, fake_embedder, settings, question):
    with pytest.raises(InputError):
        answer_question(question, index, fake_embedder, settings)


def test_question_in_another_language_gets_an_answer_or_a_refusal(index, fake_embedder, settings):
    answer = answer_question("¿Cuántos países se abstuvieron en la votación?", index, fake_embedder, settings)
    assert answer.refused or answer.citations


def test_one_word_quote_is_checked(index, settings):
    result = check_quote("Kremlin", index, settings)
    assert result.verdict == "verified" and result.matches
    assert check_quote("Zanzibar", index, settings).verdict == "not_found"


def test_cli_errors_are_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "rag", "ask", "  ", "--index", str(tmp_path / "index"), "--corpus", str(tmp_path / "none")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 2 and done.stderr.strip() == "error: the question is empty; type a question about the articles"
    done = subprocess.run(
        [sys.executable, "-m", "rag", "search", "vote", "--index", str(tmp_path / "index"), "--corpus", str(tmp_path / "none")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: corpus folder") and "not found" in done.stderr


def test_output_cut_short_by_its_reader_is_no_error(index, settings):
    """'rag library | head': the reader closes the pipe; the command ends quietly, exit code 0."""
    command = [sys.executable, "-m", "rag", "library", "--index", str(settings.index_dir), "--corpus", str(settings.corpus_dir)]
    reader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    reader.stdout.close()
    _, errors = reader.communicate(timeout=120)
    assert reader.returncode == 0 and b"Traceback" not in errors, errors.decode()
