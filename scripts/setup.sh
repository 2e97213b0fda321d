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
echo "unspin set up in .venv ($(.venv/bin/unspin --version))"
