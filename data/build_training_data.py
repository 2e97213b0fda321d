#!/usr/bin/env python
"""Build the seq2seq training data: spin the permissive corpora, cut flagged-span examples.

    .venv/bin/python data/build_training_data.py configs/seq2seq-small.json

Uses the data settings of a training config (``unspin train`` runs this step itself when its
``data_dir`` is empty). Writes ``<data_dir>/spun/{train,dev,test}.jsonl.gz`` (spun segments
with the spinner's alignment), ``<data_dir>/examples/`` (Arrow ``DatasetDict``),
``<data_dir>/flags.json`` and ``<data_dir>/build.json``. Reads only UN General Debates,
Wikipedia and OneStopEnglish; never Reuters or BBC text.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from unspin.seq2seq.train import TrainConfig, prepare_data  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: build_training_data.py CONFIG.json", file=sys.stderr)
        return 2
    cfg = TrainConfig.from_json(argv[0])
    root = Path(argv[0]).resolve().parent.parent
    dd, data_dir = prepare_data(cfg, root)
    print(f"{data_dir}: " + ", ".join(f"{k}={len(v)}" for k, v in dd.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
