"""The portable llama.cpp build that install.sh makes, against a native (-march=native) build.

    python benchmarks/bench_llama_build.py [--native-lib DIR] [--runs 5] [--llm qwen2.5-0.5b]

The baseline is a native build of the same llama-cpp-python version, compiled for this very CPU
(`GGML_NATIVE=ON`); make one with
    CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAVA_BUILD=OFF" pip wheel --no-deps --no-cache-dir \
        --no-binary llama-cpp-python llama-cpp-python==0.3.36 -w /tmp/native-wheel
and unzip the wheel: `--native-lib` is its `llama_cpp/lib` folder. Each build runs in its own
process (llama-cpp-python loads its library from LLAMA_CPP_LIB_PATH), on the same prompt: a dev
question's passages as the app sends them, about 500 tokens. Figures are medians over `--runs`:
prompt evaluation (prompt tokens over the time to the first token) and generation (tokens after
the first over the time after it; at most 64, greedy) in tokens per second.

It also counts, in each build's libggml-cpu.so, the instructions a CPU or its OS may trap:
AVX-512 (any use of a zmm register) and AMX (tile loads and dot products).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import json, sys, time
from llama_cpp import Llama
from rag.generate import gguf_path
model, prompt, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
llama = Llama(model_path=str(gguf_path(model)), n_ctx=2048, n_threads=2, flash_attn=True, verbose=False)
prompt_tokens = len(llama.tokenize(prompt.encode(), special=True))
prompt_rates, generation_rates = [], []
for _ in range(runs):
    llama.reset()
    started = time.perf_counter()
    first, produced = None, 0
    for _ in llama.create_completion(prompt, max_tokens=64, temperature=0.0, stream=True):
        produced += 1
        first = first or time.perf_counter()
    ended = time.perf_counter()
    prompt_rates.append(prompt_tokens / (first - started))
    generation_rates.append((produced - 1) / (ended - first))
print(json.dumps({"prompt_tokens": prompt_tokens, "prompt": prompt_rates, "generation": generation_rates}))
"""

TRAPPABLE = {
    "AVX-512 (zmm)": re.compile(r"%zmm\d"),
    "AMX (tileloadd, tdpb*)": re.compile(r"\b(tileloadd\w*|tdpb\w+|ldtilecfg|tilezero)\b"),
}


def instruction_counts(lib_dir: Path) -> dict[str, int]:
    """How many instructions of each trappable kind libggml-cpu.so holds (objdump -d)."""
    library = next(lib_dir.glob("libggml-cpu.so*"))
    listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(library)], capture_output=True, text=True, check=True).stdout
    return {name: len(pattern.findall(listing)) for name, pattern in TRAPPABLE.items()}


def measure(lib_dir: Path, model: str, prompt: str, runs: int) -> dict:
    env = {**os.environ, "LLAMA_CPP_LIB_PATH": str(lib_dir), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", PROBE, model, prompt, str(runs)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def sample_prompt() -> str:
    """The chat prompt of the first dev question, as the app builds it (system message included)."""
    from rag.answer import SYSTEM_PROMPT, USER_PROMPT
    from rag.candidates import gather
    from rag.kinds import format_passages
    from rag.mentions import read_question
    from rag.build import ensure_index
    from rag.embed import SentenceTransformerEmbedder
    from rag.settings import Settings

    question = "How many countries abstained in the February 2023 vote?"
    settings = Settings()
    embedder = SentenceTransformerEmbedder()
    index = ensure_index(settings, embedder)
    evidence = gather(read_question(question, index), index, embedder, settings).evidence
    user = USER_PROMPT.format(passages=format_passages(evidence), question=question)
    return f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--native-lib", type=Path, help="llama_cpp/lib of a native build (the baseline)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--llm", default="qwen2.5-0.5b")
    args = parser.parse_args()

    import llama_cpp

    builds = {"portable (install.sh)": Path(llama_cpp.__file__).parent / "lib"}
    if args.native_lib:
        builds = {"baseline: native (-march=native)": args.native_lib, **builds}
    flags = sorted(set(re.findall(r"\b(avx512\w*|amx\w*|avx2)\b", Path("/proc/cpuinfo").read_text())))
    print(f"machine: {os.cpu_count()} CPU cores; cpu flags of note: {' '.join(flags) or 'none'}; model {args.llm}, 2 threads")
    prompt = sample_prompt()
    header = f"{'build':34}{'prompt tok/s':>13}{'gen tok/s':>11}" + "".join(f"{name:>24}" for name in TRAPPABLE)
    print(header)
    for name, lib_dir in builds.items():
        result = measure(lib_dir, args.llm, prompt, args.runs)
        counts = instruction_counts(lib_dir)
        print(f"{name:34}{statistics.median(result['prompt']):13.0f}{statistics.median(result['generation']):11.1f}"
              + "".join(f"{counts[n]:>24}" for n in TRAPPABLE))
    print(f"prompt: {result['prompt_tokens']} tokens; medians over {args.runs} runs")


if __name__ == "__main__":
    main()
