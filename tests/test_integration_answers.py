"""Real models, real seeds, real CLI: the contract of `rag ask` and `rag quote`, and the dev set."""

import json
import subprocess
import sys

import pytest

from rag.generate import is_installed

from conftest import DEV_SET, ROOT, SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("answers") / "index"
    done = subprocess.run([sys.executable, "-m", "rag", "index", "--corpus", str(SEEDS), "--index", str(path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return path


def rag(index_dir, *args):
    done = subprocess.run(
        [sys.executable, "-m", "rag", *args, "--corpus", str(SEEDS), "--index", str(index_dir)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    return done


def check_citations(citations):
    for c in citations:
        assert (SEEDS / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["text"]


@pytest.mark.parametrize("mode", ["extractive", "llm"])
def test_ask_json_contract(index_dir, mode, tmp_path):
    if mode == "llm" and not is_installed("qwen2.5-0.5b"):
        pytest.skip("model package not installed")
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "Who is the EU's foreign policy chief?"}, {"role": "assistant", "content": "Josep Borrell."}]))
    done = rag(index_dir, "ask", "What did he say about Putin?", "--history", str(history), "--mode", mode, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"question", "answer", "refused", "citations", "timings_ms"} <= set(result)
    assert result["question"] == "What did he say about Putin?" and not result["refused"]
    assert {"retrieve", "generate", "total"} <= set(result["timings_ms"])
    markers = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", result["answer"])}
    assert markers == {c["n"] for c in result["citations"]}
    assert any(c["source"].startswith("000_") for c in result["citations"])
    check_citations(result["citations"])


def test_unanswerable_is_refused_without_citations(index_dir):
    result = json.loads(rag(index_dir, "ask", "How did Brazil vote on the 2023 resolution?", "--json").stdout)
    assert result["refused"] is True and result["citations"] == []


def test_quote_json_contract(index_dir):
    done = rag(index_dir, "quote", "This resolution is a powerful signal of growing global support for Ukraine", "--speaker", "Volodymyr Zelensky", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["verdict"] == "altered" and result["speaker"] == "Volodymyr Zelensky"
    match = result["matches"][0]
    assert {"source", "start", "end", "text", "similarity", "speaker", "differences"} <= set(match)
    check_citations(result["matches"])


def test_dev_set_extractive_regression(index_dir):
    """The CI regression gate: extractive mode must keep passing what it passes today."""
    done = rag(index_dir, "eval", str(DEV_SET), "--mode", "extractive", "--json", "--min-score", "0.7")
    assert done.returncode == 0, done.stderr + done.stdout[-2000:]
    summary = json.loads(done.stdout)["summary"]
    assert summary["citation_valid"] == 1.0
    assert summary["refusal_accuracy"] == 1.0 and summary["quote_verdict_accuracy"] == 1.0
