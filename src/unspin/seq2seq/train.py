"""``unspin train CONFIG``: build data (if needed), train the span restorer, save it.

Fixed order, as in the transformers translation example: seed -> data -> tokenizer ->
tokenised datasets -> model -> train (resumable, metrics to JSONL) -> evaluate -> save.

    python -m unspin.seq2seq.train configs/seq2seq-tiny.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .data import build_datasets, upgrade_source
from .model import BOS, EOS, PAD, ModelSize, SpanRestorer, build_model, load_tokenizer, \
    train_tokenizer


@dataclass
class TrainConfig:
    """All settings of one training run; every path is relative to the config's folder's
    parent (the repo root) unless absolute."""

    name: str = "unspin-span-small"
    corpora_dir: str = "../shared/corpora"
    data_dir: str = "data/build/seq2seq"
    output_dir: str = "models/unspin-span-small"
    work_dir: str = "data/build/runs/unspin-span-small"
    seed: int = 0
    max_docs_per_corpus: int | None = None
    max_pos: int = 12
    max_neg: int = 8
    left_words: int = 10
    right_words: int = 6
    min_spun: int = 3
    min_ratio: float = 0.1
    num_proc: int = 1
    tokenizer_texts: int = 20000
    size: ModelSize = field(default_factory=ModelSize)
    max_source_tokens: int = 64
    max_target_tokens: int = 16
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 300
    max_steps: int = 20000
    max_minutes: float = 60.0
    eval_every: int = 500
    save_every: int = 250
    eval_examples: int = 2000
    threads: int = 2
    save_dtype: str = "float16"
    fixture: str | None = None  # a JSONL of clean documents instead of the corpora (tests)
    kind: str = "classifier"  # "classifier" (shipped) or "seq2seq" (encoder-decoder)
    min_class_count: int = 2
    max_classes: int = 20000

    @classmethod
    def from_json(cls, path: str | Path, **overrides) -> "TrainConfig":
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        d.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        bad = sorted(set(d) - known)
        if bad:
            raise ValueError(f"{path}: unknown config keys {bad}; known: {sorted(known)}")
        if isinstance(d.get("size"), dict):
            d["size"] = ModelSize(**d["size"])
        return cls(**d)


def _resolve(root: Path, p: str | None) -> Path | None:
    if p is None:
        return None
    q = Path(p)
    return q if q.is_absolute() else root / q


def _log_jsonl(path: Path, **rec) -> None:
    rec["time"] = round(time.time(), 1)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


def _start_run(cfg: "TrainConfig", root: Path, log):
    """Seed, threads, work folder, data and tokenizer: what both model kinds start from."""
    import torch

    torch.set_num_threads(max(1, cfg.threads))
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    work = _resolve(root, cfg.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    dd, data_dir = prepare_data(cfg, root, log)
    tok_path = work / "tokenizer.json"
    if not tok_path.exists():
        tr = dd["train"]
        n = min(len(tr), cfg.tokenizer_texts)
        texts = (t for r in tr.select(range(n)) for t in (r["source"], r["target"]))
        train_tokenizer(texts, cfg.size.vocab_size, tok_path)
    return work, work / "metrics.jsonl", dd, data_dir, load_tokenizer(tok_path)


def _adamw(model, cfg: "TrainConfig"):
    """The optimiser both model kinds train with."""
    import torch

    return torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay,
                             betas=(0.9, 0.98))


def _lr_at(cfg: "TrainConfig", step: int, elapsed: float = 0.0) -> float:
    """Warm-up, then cosine decay over whichever budget (steps or minutes) runs out first."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    frac = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
    if cfg.max_minutes:
        frac = max(frac, elapsed / (cfg.max_minutes * 60))
    return cfg.lr * max(0.05, 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))


def _optimizer_step(opt, params, loss) -> None:
    """One optimiser step with gradient clipping (both model kinds train this way)."""
    import torch

    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()


class _LossLog:
    """Mean training loss over each 50 steps, to ``metrics.jsonl`` and the log."""

    EVERY = 50

    def __init__(self, metrics_path: Path, log) -> None:
        self.path, self.log = metrics_path, log
        self.total, self.n = 0.0, 0

    def add(self, loss: float, step: int, epoch: int, seen: int, lr: float,
            elapsed: float) -> None:
        self.total += loss
        self.n += 1
        if step % self.EVERY == 0:
            mean = self.total / self.n
            _log_jsonl(self.path, event="train", step=step, epoch=epoch, seen=seen,
                       loss=round(mean, 4), lr=lr, elapsed_s=round(elapsed, 1))
            self.log(f"step {step} loss {mean:.4f} ({elapsed:.0f}s)")
            self.total, self.n = 0.0, 0


class _Run:
    """What both model kinds share around their loss: the optimiser, resuming from and
    saving the checkpoint, the step loop (learning-rate schedule, loss log, periodic saves and
    dev evaluations, step and time budgets) and the final evaluation and export.

    ``state`` gives the tensors to checkpoint and ``load`` puts them back, so each kind keeps
    its own notion of which weights are tied.
    """

    def __init__(self, cfg: "TrainConfig", root: Path, work: Path, metrics_path: Path, net,
                 state, load, log) -> None:
        self.cfg, self.root, self.metrics_path, self.log = cfg, root, metrics_path, log
        self.net, self.state, self.load = net, state, load
        self.opt = _adamw(net, cfg)
        self.ckpt = work / "checkpoint"
        self.step, self.epoch, self.seen, self.elapsed = 0, 0, 0, 0.0

    def resume(self) -> None:
        """Continue from the checkpoint in the work folder, if there is one."""
        import torch
        from safetensors.torch import load_file

        if not (self.ckpt / "state.pt").exists():
            return
        self.load(load_file(str(self.ckpt / "model.safetensors")))
        st = torch.load(self.ckpt / "state.pt", weights_only=True)
        self.opt.load_state_dict(st["optimizer"])
        self.step, self.epoch, self.seen, self.elapsed = (st["step"], st["epoch"], st["seen"],
                                                          st["elapsed"])
        self.log(f"resumed from step {self.step}")

    def save(self) -> None:
        """Write the checkpoint atomically (weights, then optimiser state and counters)."""
        import torch
        from safetensors.torch import save_file

        self.ckpt.mkdir(exist_ok=True)
        save_file({k: v.contiguous() for k, v in self.state().items()},
                  str(self.ckpt / "model.safetensors.tmp"))
        os.replace(self.ckpt / "model.safetensors.tmp", self.ckpt / "model.safetensors")
        torch.save({"optimizer": self.opt.state_dict(), "step": self.step, "epoch": self.epoch,
                    "seen": self.seen, "elapsed": self.elapsed}, self.ckpt / "state.pt.tmp")
        os.replace(self.ckpt / "state.pt.tmp", self.ckpt / "state.pt")

    def loop(self, n_examples: int, loss_of, make_restorer, dev_ds, eval_limit: int) -> None:
        """Train until ``max_steps`` or ``max_minutes``; ``loss_of(indices)`` is one batch's
        loss, ``make_restorer()`` what the periodic dev evaluation runs."""
        cfg = self.cfg
        rng = random.Random(cfg.seed + self.step)
        batches = _batches(n_examples, cfg.batch_size, rng, self.epoch)
        self.net.train()
        t_start = time.time() - self.elapsed
        losses = _LossLog(self.metrics_path, self.log)
        while self.step < cfg.max_steps and (time.time() - t_start) < cfg.max_minutes * 60:
            self.epoch, idx = next(batches)
            for g in self.opt.param_groups:
                g["lr"] = _lr_at(cfg, self.step, time.time() - t_start)
            loss = loss_of(idx)
            _optimizer_step(self.opt, self.net.parameters(), loss)
            self.step += 1
            self.seen += len(idx)
            self.elapsed = time.time() - t_start
            losses.add(loss.item(), self.step, self.epoch, self.seen,
                       _lr_at(cfg, self.step, self.elapsed), self.elapsed)
            if self.step % cfg.save_every == 0:
                self.save()
            if cfg.eval_every and self.step % cfg.eval_every == 0 and len(dev_ds):
                self.net.eval()
                ev = evaluate_spans(make_restorer(), dev_ds, min(cfg.eval_examples, eval_limit))
                self.net.train()
                _log_jsonl(self.metrics_path, event="eval", step=self.step, **ev)
                self.log(f"eval step {self.step}: {ev}")
        self.save()
        self.net.eval()

    def finish(self, restorer, dev_ds, **extra) -> dict:
        """Evaluate on dev, save the model folder with its ``train_metrics.json``."""
        cfg = self.cfg
        final = evaluate_spans(restorer, dev_ds, cfg.eval_examples) if len(dev_ds) else {}
        final.update(step=self.step, seen=self.seen, elapsed_s=round(self.elapsed, 1), **extra)
        _log_jsonl(self.metrics_path, event="final", **final)
        out = _resolve(self.root, cfg.output_dir)
        restorer.save(out)
        with open(out / "train_metrics.json", "w") as f:
            json.dump({"dev": final, "config": asdict(cfg)}, f, indent=2)
        self.log(f"saved {out}: {final}")
        return final


def _fixture_corpus(fixture: Path, tmp: Path) -> Path:
    """Lay a JSONL fixture of clean documents out as a one-corpus corpora folder."""
    import gzip

    d = tmp / "fixture_corpora" / "wikipedia_en_2015"
    d.mkdir(parents=True, exist_ok=True)
    with open(fixture, encoding="utf-8") as f, gzip.open(d / "fixture.jsonl.gz", "wt") as g:
        for line in f:
            g.write(line)
    return d.parent


def prepare_data(cfg: TrainConfig, root: Path, log=print):
    """Build (or reuse) the spun data and examples for ``cfg``; returns a DatasetDict."""
    import datasets

    data_dir = _resolve(root, cfg.data_dir)
    if not (data_dir / "examples" / "dataset_dict.json").exists():
        corpora = _resolve(root, cfg.corpora_dir)
        if cfg.fixture:
            corpora = _fixture_corpus(_resolve(root, cfg.fixture), data_dir)
        kwargs = dict(seed=cfg.seed, max_docs_per_corpus=cfg.max_docs_per_corpus,
                      max_pos=cfg.max_pos, max_neg=cfg.max_neg, left_words=cfg.left_words,
                      right_words=cfg.right_words, min_spun=cfg.min_spun,
                      min_ratio=cfg.min_ratio, num_proc=cfg.num_proc, log=log)
        if cfg.fixture:
            kwargs["corpora"] = ("wikipedia_en_2015",)
        build_datasets(corpora, data_dir, **kwargs)
    return datasets.load_from_disk(str(data_dir / "examples")), data_dir


def _batches(n: int, bs: int, rng: random.Random, start_epoch: int):
    epoch = start_epoch
    while True:
        idx = list(range(n))
        random.Random(rng.random() + epoch).shuffle(idx)
        for b in range(0, n - bs + 1 if n >= bs else 1, bs):
            yield epoch, idx[b:b + bs]
        epoch += 1


def _flatten(seqs):
    import numpy as np

    lens = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    off = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum(lens, out=off[1:])
    flat = np.fromiter((t for s in seqs for t in s), dtype=np.int32, count=int(off[-1]))
    return flat, off


def _collate(rows, pad_id: int):
    import torch

    src = [r["input_ids"] for r in rows]
    tgt = [r["labels"] for r in rows]
    ns, nt = max(map(len, src)), max(map(len, tgt))
    x = torch.full((len(rows), ns), pad_id, dtype=torch.long)
    m = torch.zeros((len(rows), ns), dtype=torch.long)
    y = torch.full((len(rows), nt), -100, dtype=torch.long)
    for i, (s, t) in enumerate(zip(src, tgt)):
        x[i, :len(s)] = torch.as_tensor(s, dtype=torch.long)
        m[i, :len(s)] = 1
        y[i, :len(t)] = torch.as_tensor(t, dtype=torch.long)
    return x, m, y


def evaluate_spans(restorer: SpanRestorer, ds, limit: int | None = None,
                   batch_size: int = 64) -> dict:
    """Exact-match accuracy of greedy outputs on span examples, split by spun / unspun, and
    how often a spun span is restored with confidence >= 0.5 (and unspun ones changed)."""
    rows = ds if limit is None or len(ds) <= limit else ds.select(range(limit))
    sources, targets, spans = rows["source"], rows["target"], rows["span"]
    sources = [upgrade_source(x) for x in sources]
    t0 = time.time()
    outs = restorer.generate(sources, batch_size=batch_size)
    dt = time.time() - t0
    ch = [i for i in range(len(sources)) if targets[i] != spans[i]]
    un = [i for i in range(len(sources)) if targets[i] == spans[i]]

    def acc(ix):
        return sum(outs[i][0] == targets[i] for i in ix) / max(1, len(ix))

    fired_ok = sum(outs[i][0] == targets[i] and outs[i][1] >= 0.5 for i in ch)
    fired_bad_changed = sum(outs[i][0] != targets[i] and outs[i][0] != spans[i]
                            and outs[i][1] >= 0.5 for i in ch)
    fired_unspun = sum(outs[i][0] != spans[i] and outs[i][1] >= 0.5 for i in un)
    return {"n": len(sources), "acc_spun": round(acc(ch), 4), "acc_unspun": round(acc(un), 4),
            "restored_at_0.5": round(fired_ok / max(1, len(ch)), 4),
            "wrong_at_0.5": round(fired_bad_changed / max(1, len(ch)), 4),
            "false_fire_unspun_at_0.5": round(fired_unspun / max(1, len(un)), 4),
            "spans_per_s": round(len(sources) / max(dt, 1e-6), 1)}


def train(cfg: TrainConfig, root: Path, resume: bool = True, log=print,
          export: Path | None = None) -> dict:
    """Run ``cfg``; returns the final metrics. Safe to re-run: resumes from the checkpoint."""
    if cfg.kind == "classifier":
        return train_classifier(cfg, root, resume, log, export)
    if cfg.kind != "seq2seq":
        raise ValueError(f"kind must be 'classifier' or 'seq2seq', not {cfg.kind!r}")
    import torch

    work, metrics_path, dd, data_dir, tok = _start_run(cfg, root, log)
    pad_id, bos_id, eos_id = (tok.token_to_id(t) for t in (PAD, BOS, EOS))

    def _tokenize(batch):
        src = [e.ids[:cfg.max_source_tokens - 1] + [eos_id]
               for e in tok.encode_batch([upgrade_source(x) for x in batch["source"]])]
        tgt = [[bos_id] + e.ids[:cfg.max_target_tokens - 2] + [eos_id]
               for e in tok.encode_batch(batch["target"])]
        return {"input_ids": src, "labels": tgt}

    dev_ds = dd["dev"]

    model = build_model(cfg.size, tok)
    n_params = sum(p.numel() for p in model.parameters())
    tied = ("lm_head.weight", "model.encoder.embed_tokens.weight",
            "model.decoder.embed_tokens.weight")

    def load(sd):
        model.load_state_dict(sd, strict=False)
        model.tie_weights()

    run = _Run(cfg, root, work, metrics_path, model,
               lambda: {k: v for k, v in model.state_dict().items() if k not in tied},
               load, log)
    if resume:
        run.resume()
    settings = {"left_words": cfg.left_words, "right_words": cfg.right_words,
                "max_source_tokens": cfg.max_source_tokens,
                "max_target_tokens": cfg.max_target_tokens, "save_dtype": cfg.save_dtype,
                "min_spun": cfg.min_spun, "min_ratio": cfg.min_ratio, "name": cfg.name}
    with open(data_dir / "flags.json", encoding="utf-8") as f:
        flags = json.load(f)

    if export is not None:  # write the checkpoint as a model folder, train nothing
        model.eval()
        SpanRestorer(model, tok, flags, settings, name=cfg.name).save(export)
        log(f"exported step {run.step} to {export}")
        return {"step": run.step}
    train_ds = dd["train"].map(_tokenize, batched=True, batch_size=1000,
                               remove_columns=dd["train"].column_names, desc="tokenising train",
                               cache_file_name=str(work / "train-tokenized-v3.arrow"))
    src_flat, src_off = _flatten(train_ds["input_ids"])
    tgt_flat, tgt_off = _flatten(train_ds["labels"])
    log(f"model: {n_params / 1e6:.2f}M parameters; {len(train_ds)} train examples")
    _log_jsonl(metrics_path, event="start", step=run.step, params=n_params,
               train_examples=len(train_ds), config=asdict(cfg))

    def loss_of(idx):
        x, m, y = _collate([{"input_ids": src_flat[src_off[i]:src_off[i + 1]],
                             "labels": tgt_flat[tgt_off[i]:tgt_off[i + 1]]} for i in idx],
                           pad_id)
        dec_in = y[:, :-1].clone()
        dec_in[dec_in == -100] = pad_id
        labels = y[:, 1:]
        outp = model(input_ids=x, attention_mask=m, decoder_input_ids=dec_in,
                     decoder_attention_mask=(labels != -100).long())
        return torch.nn.functional.cross_entropy(
            outp.logits.reshape(-1, outp.logits.size(-1)), labels.reshape(-1),
            ignore_index=-100)

    run.loop(len(train_ds), loss_of, lambda: SpanRestorer(model, tok, flags, settings),
             dev_ds, 500)
    return run.finish(SpanRestorer(model, tok, flags, settings, name=cfg.name), dev_ds,
                      params=n_params)


def train_classifier(cfg: TrainConfig, root: Path, resume: bool = True, log=print,
                     export: Path | None = None) -> dict:
    """The span classifier: same data, same tokenizer; the original is picked from the
    originals seen for the spun phrase (or KEEP) instead of being generated."""
    import numpy as np
    import torch
    from collections import Counter

    from .data import phrase_key
    from .model import KEEP, SPAN_CLOSE, SpanClassifierRestorer, build_classifier, \
        span_mask_for

    work, metrics_path, dd, data_dir, tok = _start_run(cfg, root, log)
    eos_id, pad_id, close_id = (tok.token_to_id(t) for t in (EOS, PAD, SPAN_CLOSE))
    with open(data_dir / "flags.json", encoding="utf-8") as f:
        flags = json.load(f)

    tr = dd["train"]
    targets, spans, changed = tr["target"], tr["span"], tr["changed"]
    counts = Counter(phrase_key(t) for t, c in zip(targets, changed) if c)
    classes = [KEEP] + [k for k, c in counts.most_common(cfg.max_classes)
                        if c >= cfg.min_class_count]
    cid = {k: i for i, k in enumerate(classes)}
    pairs: Counter = Counter()
    labels = np.full(len(tr), -100, dtype=np.int64)
    for i, (t, sp, c) in enumerate(zip(targets, spans, changed)):
        if not c:
            labels[i] = 0
        elif phrase_key(t) in cid:
            labels[i] = cid[phrase_key(t)]
            pairs[(phrase_key(sp), labels[i])] += 1
    candidates: dict[str, list[int]] = {}
    for (sp, c), n in pairs.most_common():
        if sp in flags and n >= 1 and len(candidates.setdefault(sp, [])) < 24:
            candidates[sp].append(int(c))
    settings = {"left_words": cfg.left_words, "right_words": cfg.right_words,
                "max_source_tokens": cfg.max_source_tokens, "save_dtype": cfg.save_dtype,
                "min_spun": cfg.min_spun, "min_ratio": cfg.min_ratio, "name": cfg.name}
    net = build_classifier(cfg.size, tok, len(classes))
    n_params = sum(p.numel() for p in net.parameters())
    run = _Run(cfg, root, work, metrics_path, net, net.state_dict, net.load_state_dict, log)
    if resume:
        run.resume()

    def make_restorer():
        return SpanClassifierRestorer(net, tok, classes, candidates, flags, settings,
                                      name=cfg.name)

    if export is not None:
        net.eval()
        make_restorer().save(export)
        log(f"exported step {run.step} to {export}")
        return {"step": run.step}

    def _tokenize(batch):
        return {"input_ids": [e.ids[:cfg.max_source_tokens - 1] + [eos_id] for e in
                              tok.encode_batch([upgrade_source(x) for x in batch["source"]])]}

    tds = tr.map(_tokenize, batched=True, batch_size=1000, remove_columns=tr.column_names,
                 desc="tokenising train", cache_file_name=str(work / "train-tokenized.arrow"))
    src_flat, src_off = _flatten(tds["input_ids"])
    usable = np.nonzero(labels >= 0)[0]
    log(f"classifier: {n_params / 1e6:.2f}M parameters; {len(classes)} classes; "
        f"{len(usable)} usable train examples of {len(tr)}")
    _log_jsonl(metrics_path, event="start", step=run.step, params=n_params,
               classes=len(classes), train_examples=int(len(usable)), config=asdict(cfg))

    def loss_of(bidx):
        idx = usable[bidx]
        rows = [src_flat[src_off[i]:src_off[i + 1]] for i in idx]
        n = max(len(r) for r in rows)
        x = torch.full((len(rows), n), pad_id, dtype=torch.long)
        m = torch.zeros((len(rows), n), dtype=torch.long)
        for i, r in enumerate(rows):
            x[i, :len(r)] = torch.as_tensor(r, dtype=torch.long)
            m[i, :len(r)] = 1
        logits = net(x, m, span_mask_for(x, close_id))
        return torch.nn.functional.cross_entropy(logits, torch.as_tensor(labels[idx]),
                                                 ignore_index=-100)

    run.loop(len(usable), loss_of, make_restorer, dd["dev"], 1000)
    return run.finish(make_restorer(), dd["dev"], params=n_params, classes=len(classes))


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``unspin train CONFIG``; returns the exit code."""
    p = argparse.ArgumentParser(prog="unspin train",
                                description="Train the seq2seq span restorer from a JSON config.")
    p.add_argument("config", help="JSON config, e.g. configs/seq2seq-small.json")
    p.add_argument("--no-resume", action="store_true", help="start over, ignore checkpoints")
    p.add_argument("--max-minutes", type=float, help="override the time budget")
    p.add_argument("--max-steps", type=int, help="override the step budget")
    p.add_argument("--export", help="only write the latest checkpoint as a model folder here")
    p.add_argument("--root", help="folder relative paths are resolved against "
                   "(default: the config's folder's parent)")
    a = p.parse_args(argv)
    try:
        cfg = TrainConfig.from_json(a.config, max_minutes=a.max_minutes, max_steps=a.max_steps)
    except (OSError, ValueError, TypeError) as e:
        print(f"unspin train: {e}", file=sys.stderr)
        return 1
    root = Path(a.root) if a.root else Path(a.config).resolve().parent.parent
    train(cfg, root, resume=not a.no_resume, export=Path(a.export) if a.export else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
