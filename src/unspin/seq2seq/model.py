"""The span restorer: a small BART-style encoder-decoder trained from scratch, its tokenizer,
safetensors save/load and batched greedy decoding with a sequence probability.

Everything heavy (torch, transformers, tokenizers) is imported inside the functions, so that
importing :mod:`unspin.seq2seq` stays cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .data import SPAN_CLOSE, SPAN_OPEN

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
SPECIAL_TOKENS = [PAD, BOS, EOS, UNK, SPAN_OPEN, SPAN_CLOSE]


@dataclass
class ModelSize:
    """Architecture of the encoder-decoder (a ``transformers.BartConfig`` subset)."""

    vocab_size: int = 8000
    d_model: int = 256
    encoder_layers: int = 3
    decoder_layers: int = 3
    attention_heads: int = 4
    ffn_dim: int = 1024
    max_positions: int = 96
    dropout: float = 0.1
    arch: str = "mbart"  # "mbart": pre-layer-norm (trains from scratch stably); "bart": post-LN
    scale_embedding: bool = False  # True drowns the position signal: copying learns slowly


def train_tokenizer(texts: Iterable[str], vocab_size: int, path: str | Path | None = None):
    """Train a byte-level BPE vocabulary (``tokenizers``) on ``texts``; save it to ``path``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2,
                                  special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    if path is not None:
        tok.save(str(path))
    return tok


def load_tokenizer(path: str | Path):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(path))


def build_model(size: ModelSize, tokenizer):
    """A randomly initialised encoder-decoder (mBART/BART architecture) of ``size``."""
    from transformers import (BartConfig, BartForConditionalGeneration, MBartConfig,
                              MBartForConditionalGeneration)

    if size.arch not in ("bart", "mbart"):
        raise ValueError(f"arch must be 'bart' or 'mbart', not {size.arch!r}")
    config_cls = MBartConfig if size.arch == "mbart" else BartConfig
    model_cls = MBartForConditionalGeneration if size.arch == "mbart" else \
        BartForConditionalGeneration
    cfg = config_cls(
        vocab_size=tokenizer.get_vocab_size(), d_model=size.d_model,
        encoder_layers=size.encoder_layers, decoder_layers=size.decoder_layers,
        encoder_attention_heads=size.attention_heads,
        decoder_attention_heads=size.attention_heads,
        encoder_ffn_dim=size.ffn_dim, decoder_ffn_dim=size.ffn_dim,
        max_position_embeddings=size.max_positions, dropout=size.dropout,
        attention_dropout=0.0, activation_dropout=0.0,
        pad_token_id=tokenizer.token_to_id(PAD), bos_token_id=tokenizer.token_to_id(BOS),
        eos_token_id=tokenizer.token_to_id(EOS),
        decoder_start_token_id=tokenizer.token_to_id(BOS),
        forced_eos_token_id=None, scale_embedding=size.scale_embedding,
        tie_word_embeddings=True,
    )
    return model_cls(cfg)


class _Restorer:
    """What both model kinds hold: the network (in eval mode), its tokenizer, the flag table
    (phrase -> [times spun, times unspun]) and the input settings (``unspin.json``)."""

    def __init__(self, model, tokenizer, flags: dict, settings: dict, name: str = "model"):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.flags = flags
        self.settings = settings
        self.name = name
        self.pad_id = tokenizer.token_to_id(PAD)
        self.eos_id = tokenizer.token_to_id(EOS)

    def encode_sources(self, sources: Sequence[str], max_len: int):
        """Token ids and attention mask of ``sources``, each cut to ``max_len`` with EOS."""
        return encode_batch(self.tokenizer, sources, max_len, self.eos_id, self.pad_id)


class SpanRestorer(_Restorer):
    """Model + tokenizer + flag table, loaded from a model folder.

    The folder holds ``model.safetensors``, ``config.json`` (transformers), ``tokenizer.json``,
    ``flags.json`` (phrase -> [times spun, times unspun]) and ``unspin.json`` (how inputs are
    built: context sizes, the flag thresholds).
    """

    def __init__(self, model, tokenizer, flags: dict, settings: dict, name: str = "model"):
        super().__init__(model, tokenizer, flags, settings, name)
        self.bos_id = tokenizer.token_to_id(BOS)

    # -------------------------------------------------------------------------- io
    def save(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().to("cpu").contiguous() for k, v in self.model.state_dict().items()}
        # tied embeddings: keep one copy (safetensors refuses shared tensors)
        for k in ("lm_head.weight", "model.encoder.embed_tokens.weight",
                  "model.decoder.embed_tokens.weight"):
            state.pop(k, None)
        dtype = self.settings.get("save_dtype", "float32")
        if dtype == "float16":
            import torch

            state = {k: (v.to(torch.float16) if v.is_floating_point() else v)
                     for k, v in state.items()}
        save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
        self.model.config.to_json_file(str(folder / "config.json"))
        self.tokenizer.save(str(folder / "tokenizer.json"))
        with open(folder / "flags.json", "w", encoding="utf-8") as f:
            json.dump(self.flags, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        with open(folder / "unspin.json", "w", encoding="utf-8") as f:
            json.dump(self.settings, f, indent=2, sort_keys=True)

    @classmethod
    def load(cls, folder: str | Path, threads: int | None = None) -> "SpanRestorer":
        """Load a model folder (safetensors only; never a pickle, never the network)."""
        import torch
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModelForSeq2SeqLM

        folder = Path(folder)
        if not (folder / "model.safetensors").exists():
            raise FileNotFoundError(f"no model.safetensors in {folder}: train one with "
                                    "`unspin train configs/seq2seq-small.json`")
        cfg = AutoConfig.from_pretrained(str(folder), local_files_only=True)
        if cfg.model_type not in ("bart", "mbart"):
            raise ValueError(f"{folder}: unexpected model type {cfg.model_type!r}")
        model = AutoModelForSeq2SeqLM.from_config(cfg)
        state = load_file(str(folder / "model.safetensors"))
        state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
        emb = state["model.shared.weight"]
        state.setdefault("model.encoder.embed_tokens.weight", emb)
        state.setdefault("model.decoder.embed_tokens.weight", emb)
        state.setdefault("lm_head.weight", emb)
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [m for m in missing if not m.endswith("final_logits_bias")]
        if missing or unexpected:
            raise ValueError(f"{folder}: weights do not fit the config "
                             f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
        model.tie_weights()
        if threads:
            torch.set_num_threads(threads)
        tok = load_tokenizer(folder / "tokenizer.json")
        with open(folder / "flags.json", encoding="utf-8") as f:
            flags = json.load(f)
        with open(folder / "unspin.json", encoding="utf-8") as f:
            settings = json.load(f)
        return cls(model, tok, flags, settings, name=folder.name)

    # -------------------------------------------------------------------------- inference
    def generate(self, sources: Sequence[str], max_new_tokens: int = 12,
                 batch_size: int = 64) -> list[tuple[str, float]]:
        """Greedy outputs for ``sources`` with their sequence probabilities.

        Runs under ``torch.inference_mode``; stops each row at its end-of-sequence token.
        """
        import torch

        out: list[tuple[str, float]] = []
        max_len = int(self.settings.get("max_source_tokens", 64))
        # sort by length so batches pad little; restore the order at the end
        order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
        results: dict[int, tuple[str, float]] = {}
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b:b + batch_size]
                input_ids, mask = self.encode_sources([sources[i] for i in idx], max_len)
                enc = self.model.get_encoder()(input_ids=input_ids, attention_mask=mask)
                n = len(idx)
                dec = torch.full((n, 1), self.bos_id, dtype=torch.long)
                logp = torch.zeros(n)
                done = torch.zeros(n, dtype=torch.bool)
                past = None
                toks: list[list[int]] = [[] for _ in range(n)]
                for _ in range(max_new_tokens):
                    o = self.model(encoder_outputs=enc, attention_mask=mask,
                                   decoder_input_ids=dec[:, -1:], cache=past,
                                   use_cache=True)
                    past = getattr(o, "cache", None) or o.past_key_values
                    lp = torch.log_softmax(o.logits[:, -1, :].float(), dim=-1)
                    best_lp, best = lp.max(dim=-1)
                    logp = logp + torch.where(done, torch.zeros_like(best_lp), best_lp)
                    for r in range(n):
                        if not done[r] and best[r].item() != self.eos_id:
                            toks[r].append(best[r].item())
                    done = done | (best == self.eos_id)
                    dec = torch.cat([dec, best[:, None]], dim=1)
                    if bool(done.all()):
                        break
                for r, i in enumerate(idx):
                    text = self.tokenizer.decode(toks[r]).strip() if done[r] else ""
                    results[i] = (text, float(torch.exp(logp[r])) if done[r] else 0.0)
        out = [results[i] for i in range(len(sources))]
        return out


# ---------------------------------------------------------------------------------------------
# The span classifier: an encoder that picks the original of a flagged span from the originals
# the spinner was seen to replace by it (or KEEP). It measured better than the encoder-decoder
# under the 2-core budget (see the model card): no copying has to be learned.

KEEP = "<keep>"


def build_classifier(size: ModelSize, tokenizer, n_classes: int):
    """A randomly initialised :class:`SpanClassifierNet` of ``size``."""
    from transformers import BertConfig

    cfg = BertConfig(
        vocab_size=tokenizer.get_vocab_size(), hidden_size=size.d_model,
        num_hidden_layers=size.encoder_layers, num_attention_heads=size.attention_heads,
        intermediate_size=size.ffn_dim, max_position_embeddings=size.max_positions,
        hidden_dropout_prob=size.dropout, attention_probs_dropout_prob=0.0,
        pad_token_id=tokenizer.token_to_id(PAD), type_vocab_size=1, num_labels=n_classes)
    return SpanClassifierNet(cfg)


def _net_class():
    import torch

    class _Net(torch.nn.Module):
        def __init__(self, config):
            super().__init__()
            from transformers import BertModel

            self.config = config
            self.bert = BertModel(config, add_pooling_layer=False)
            self.drop = torch.nn.Dropout(config.hidden_dropout_prob)
            self.head = torch.nn.Linear(config.hidden_size, config.num_labels)

        def forward(self, input_ids, attention_mask, span_mask):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            w = span_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * w).sum(1) / w.sum(1).clamp(min=1.0)
            return self.head(self.drop(torch.cat([pooled], dim=-1)))

    return _Net


def SpanClassifierNet(config):  # noqa: N802 - a factory that looks like a class
    """BERT-style encoder, mean-pooled over the span tokens (before ``</sp>``), linear head."""
    return _net_class()(config)


def span_mask_for(input_ids, close_id: int):
    """1 on the tokens before the first ``</sp>`` of each row (the span comes first)."""
    import torch

    is_close = (input_ids == close_id).long()
    before = (torch.cumsum(is_close, dim=1) == 0).long()
    return before


class SpanClassifierRestorer(_Restorer):
    """Classifier + tokenizer + flag table + candidates (phrase -> class ids seen for it)."""

    kind = "classifier"

    def __init__(self, net, tokenizer, classes: list[str], candidates: dict, flags: dict,
                 settings: dict, name: str = "model"):
        super().__init__(net, tokenizer, flags, settings, name)
        self.classes = classes
        self.candidates = candidates
        self.close_id = tokenizer.token_to_id(SPAN_CLOSE)
        self.keep_id = classes.index(KEEP)

    def save(self, folder: str | Path) -> None:
        import torch
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous() for k, v in self.model.state_dict().items()}
        if self.settings.get("save_dtype") == "float16":
            state = {k: (v.to(torch.float16) if v.is_floating_point() else v)
                     for k, v in state.items()}
        save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
        cfg = self.model.config.to_dict()
        cfg.pop("id2label", None)
        cfg.pop("label2id", None)
        cfg["num_labels"] = len(self.classes)
        with open(folder / "config.json", "w", encoding="utf-8") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)
        self.tokenizer.save(str(folder / "tokenizer.json"))
        for fname, obj in (("classes.json", self.classes), ("candidates.json", self.candidates),
                           ("flags.json", self.flags)):
            with open(folder / fname, "w", encoding="utf-8") as f:
                json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        with open(folder / "unspin.json", "w", encoding="utf-8") as f:
            json.dump({**self.settings, "kind": "classifier"}, f, indent=2, sort_keys=True)

    @classmethod
    def load(cls, folder: str | Path) -> "SpanClassifierRestorer":
        from safetensors.torch import load_file
        from transformers import BertConfig

        folder = Path(folder)
        with open(folder / "config.json", encoding="utf-8") as f:
            d = json.load(f)
        with open(folder / "classes.json", encoding="utf-8") as f:
            n_labels = len(json.load(f))
        d.pop("num_labels", None)
        d.pop("id2label", None)
        d.pop("label2id", None)
        cfg = BertConfig(**d, num_labels=n_labels)
        net = SpanClassifierNet(cfg)
        state = load_file(str(folder / "model.safetensors"))
        net.load_state_dict({k: v.float() if v.is_floating_point() else v
                             for k, v in state.items()})
        tok = load_tokenizer(folder / "tokenizer.json")
        objs = {}
        for fname in ("classes.json", "candidates.json", "flags.json", "unspin.json"):
            with open(folder / fname, encoding="utf-8") as f:
                objs[fname] = json.load(f)
        return cls(net, tok, objs["classes.json"], objs["candidates.json"],
                   objs["flags.json"], objs["unspin.json"], name=folder.name)

    def generate(self, sources: Sequence[str], max_new_tokens: int = 12,
                 batch_size: int = 64) -> list[tuple[str, float]]:
        """For each input, the chosen original (the span itself for KEEP) and its probability,
        renormalised over KEEP and the originals seen for that spun phrase."""
        import torch

        from .data import phrase_key

        max_len = int(self.settings.get("max_source_tokens", 64))
        out: list[tuple[str, float]] = []
        with torch.inference_mode():
            for b in range(0, len(sources), batch_size):
                chunk = list(sources[b:b + batch_size])
                x, m = self.encode_sources(chunk, max_len)
                logits = self.model(x, m, span_mask_for(x, self.close_id))
                for r, src in enumerate(chunk):
                    span = src.split(f" {SPAN_CLOSE}", 1)[0].strip()
                    allowed = [self.keep_id] + list(self.candidates.get(phrase_key(span), []))
                    lp = torch.log_softmax(logits[r, allowed], dim=-1)
                    j = int(lp.argmax())
                    p = float(lp[j].exp())
                    cid = allowed[j]
                    text = span if cid == self.keep_id else _transfer_case(span,
                                                                          self.classes[cid])
                    out.append((text, p))
        return out


def encode_batch(tokenizer, sources: Sequence[str], max_len: int, eos_id: int, pad_id: int):
    """Pad the tokenised ``sources`` (each cut to ``max_len`` ids ending in EOS) into an
    ``(ids, mask)`` pair of long tensors."""
    import torch

    encs = tokenizer.encode_batch(list(sources))
    ids = [e.ids[: max_len - 1] + [eos_id] for e in encs]
    n = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), n), dtype=torch.long)
    for i, x in enumerate(ids):
        input_ids[i, : len(x)] = torch.tensor(x)
        mask[i, : len(x)] = 1
    return input_ids, mask


def _transfer_case(src: str, rep: str) -> str:
    if src.isupper() and len(src) > 1:
        return rep.upper()
    if src[:1].isupper():
        return rep[:1].upper() + rep[1:]
    return rep


def load_restorer(folder: str | Path):
    """Load whichever kind of model ``folder`` holds (classifier or encoder-decoder)."""
    folder = Path(folder)
    if not (folder / "model.safetensors").exists():
        raise FileNotFoundError(f"no model.safetensors in {folder}: train one with "
                                "`unspin train configs/seq2seq-small.json`")
    if (folder / "classes.json").exists():
        return SpanClassifierRestorer.load(folder)
    return SpanRestorer.load(folder)
