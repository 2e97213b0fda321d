"""Training data for the span restorer: clean documents -> spun documents -> span examples.

Flow (each step a function)::

    read_corpora -> split_of -> spin_documents -> build_flag_table -> span_examples

* Documents come only from the permissively licensed corpora in ``shared/corpora`` (UN
  General Debates CC0, Wikipedia CC BY-SA 3.0, OneStopEnglish CC BY-SA 4.0); Reuters and any
  BBC text are never read. They are split into train/dev/test by document (OneStopEnglish by
  its ``group``, so the three reading levels of one article stay together).
* Each document is spun with :func:`unspin.spinner.spin` (seed style mostly, thesaurus and
  scientific styles too) and saved with the spinner's alignment.
* A *flag table* counts, for every spun-side phrase the spinner produced in the training
  documents, how often it was spun and how often the same phrase stood unspun: inference flags
  only phrases of the table, so train and inference see the same spans.
* A span example is ``span </sp> left context <sp> right context`` -> original span; spans of
  the table that were not spun are examples too, whose target is the span itself (keep).

>>> format_source("we will", "paintings", "with China")
'paintings </sp> we will <sp> with China'
"""

from __future__ import annotations

import gzip
import json
import random
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

SPAN_OPEN = "<sp>"
SPAN_CLOSE = "</sp>"

#: corpus folder -> licence; only these are ever read for training.
PERMISSIVE_CORPORA = {
    "un_general_debates": "CC0 1.0",
    "wikipedia_en_2015": "CC BY-SA 3.0",
    "onestopenglish": "CC BY-SA 4.0",
}
_FORBIDDEN = ("reuters", "bbc")

WORD_RE = re.compile(r"[^\W_](?:[^\W_]|['’\-](?=[^\W_]))*", re.UNICODE)
MAX_SPAN_WORDS = 5
#: fields of one alignment entry as stored (a struct per replaced phrase)
ALIGN_KEYS = ("orig_start", "orig_end", "spun_start", "spun_end", "orig", "spun")


def format_source(left: str, span: str, right: str) -> str:
    """The model's input for one flagged span (contexts already trimmed).

    The span comes first, closed by ``</sp>``, then the left context, ``<sp>`` where the span
    stood, and the right context: with the span at fixed positions the decoder learns to copy
    (and to keep) within a few hundred steps, where a span in the middle took thousands.
    """
    return f"{span} {SPAN_CLOSE} {left} {SPAN_OPEN} {right}".strip()


def upgrade_source(source: str) -> str:
    """Rewrite an input of the first data format (``left <sp> span </sp> right``) in the
    current one; current inputs pass unchanged.

    >>> upgrade_source("we will <sp> paintings </sp> with China")
    'paintings </sp> we will <sp> with China'
    """
    o, c = source.find(f"{SPAN_OPEN} "), source.find(f" {SPAN_CLOSE}")
    if o < 0 or c < 0 or o > c:
        return source
    left = source[:o].strip()
    span = source[o + len(SPAN_OPEN) + 1:c].strip()
    right = source[c + len(SPAN_CLOSE) + 1:].strip()
    return format_source(left, span, right)


def context_window(text: str, start: int, end: int, left_words: int = 10,
                   right_words: int = 6) -> tuple[str, str]:
    """Up to ``left_words`` words before ``start`` and ``right_words`` after ``end``, within
    the same paragraph, as the raw text between them (punctuation kept)."""
    ls = text.rfind("\n", 0, start) + 1
    re_ = text.find("\n", end)
    re_ = len(text) if re_ < 0 else re_
    left = text[max(ls, start - 12 * left_words):start]
    lw = list(WORD_RE.finditer(left))
    if len(lw) > left_words:
        left = left[lw[-left_words].start():]
    right = text[end:min(re_, end + 12 * right_words)]
    rw = list(WORD_RE.finditer(right))
    if len(rw) > right_words:
        right = right[:rw[right_words - 1].end()]
    return " ".join(left.split()), " ".join(right.split())


# ------------------------------------------------------------------------------ corpora


@dataclass(frozen=True)
class SourceDoc:
    id: str
    corpus: str
    group: str
    text: str


def read_corpora(corpora_dir: str | Path, corpora: Iterable[str] | None = None,
                 max_docs_per_corpus: int | None = None) -> Iterator[SourceDoc]:
    """Documents of the permissive corpora under ``corpora_dir`` (never Reuters or BBC)."""
    root = Path(corpora_dir)
    for name in (tuple(PERMISSIVE_CORPORA) if corpora is None else corpora):
        if any(f in name.lower() for f in _FORBIDDEN) or name not in PERMISSIVE_CORPORA:
            raise ValueError(f"corpus {name!r} is not licensed for training the shipped model")
        files = sorted((root / name).glob("*.jsonl.gz"))
        if not files:
            raise FileNotFoundError(f"no *.jsonl.gz in {root / name}")
        n = 0
        for path in files:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    d = json.loads(line)
                    if "bbc" in str(d.get("source", "")).lower():
                        continue
                    yield SourceDoc(str(d["id"]), name, str(d.get("group") or d["id"]),
                                    d["text"])
                    n += 1
                    if max_docs_per_corpus and n >= max_docs_per_corpus:
                        break
            if max_docs_per_corpus and n >= max_docs_per_corpus:
                break


def split_of(group: str, dev: float = 0.05, test: float = 0.05) -> str:
    """Deterministic train/dev/test split by document group.

    >>> split_of("ose-amazon") in ("train", "dev", "test")
    True
    """
    h = zlib.crc32(group.encode("utf-8")) / 2 ** 32
    return "test" if h < test else "dev" if h < test + dev else "train"


def segment(text: str, max_words: int = 400) -> list[str]:
    """Cut a document into segments of whole paragraphs, at most ~``max_words`` words each."""
    segs, cur, n = [], [], 0
    for para in text.split("\n"):
        w = len(para.split())
        if cur and n + w > max_words:
            segs.append("\n".join(cur))
            cur, n = [], 0
        cur.append(para)
        n += w
    if cur:
        segs.append("\n".join(cur))
    return [s for s in segs if s.strip()]


def style_for(doc_id: str, seed: int = 0) -> tuple[str, float]:
    """The spinner style and rate a document gets (mostly the seed spinner's family)."""
    rng = random.Random(zlib.crc32(f"{seed}:{doc_id}".encode()))
    r = rng.random()
    style = "seed" if r < 0.75 else "thesaurus" if r < 0.88 else "scientific"
    return style, rng.uniform(0.2, 0.4)


def spin_documents(docs: Iterable[SourceDoc], seed: int = 0,
                   max_words: int = 400) -> Iterator[dict]:
    """Spin each segment of each document; one record per segment, alignment included."""
    from ..spinner import spin

    for doc in docs:
        style, rate = style_for(doc.id, seed)
        dseed = zlib.crc32(f"{seed}:{doc.id}".encode())
        for k, seg in enumerate(segment(doc.text, max_words)):
            s = spin(seg, style=style, rate=rate, seed=dseed)  # one seed per doc: consistent
            yield {
                "id": f"{doc.id}#{k}", "doc_id": doc.id, "corpus": doc.corpus,
                "group": doc.group, "split": split_of(doc.group), "style": style,
                "rate": round(rate, 3), "source_text": seg, "spun_text": s.text,
                "alignment": [dict(zip(ALIGN_KEYS, a)) for a in s.alignment],
            }


# ------------------------------------------------------------------------------ flag table


def phrase_key(phrase: str) -> str:
    """Lower-cased, apostrophe- and space-normalised phrase used as a table key."""
    return " ".join(phrase.lower().replace("’", "'").split())


def build_flag_table(records: Iterable[dict], min_count: int = 2) -> dict[str, list[int]]:
    """phrase -> [times spun, times seen unspun] over spun training records."""
    spun: Counter = Counter()
    for r in records:
        for a in r["alignment"]:
            k = phrase_key(a["spun"])
            if 1 <= len(k.split()) <= MAX_SPAN_WORDS:
                spun[k] += 1
    table = {k: [c, 0] for k, c in spun.items() if c >= min_count}
    return table


def find_flags(text: str, table: dict, max_words: int = MAX_SPAN_WORDS,
               words: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Spans of ``text`` matching a table phrase, longest first, non-overlapping, in order."""
    if words is None:
        words = [(m.start(), m.end()) for m in WORD_RE.finditer(text)]
    out = []
    i = 0
    n = len(words)
    while i < n:
        hit = 0
        for k in range(min(max_words, n - i), 0, -1):
            s, e = words[i][0], words[i + k - 1][1]
            if k > 1 and any(text[words[j][1]:words[j + 1][0]] != " " for j in range(i, i + k - 1)):
                continue
            if phrase_key(text[s:e]) in table:
                out.append((s, e))
                hit = k
                break
        i += hit or 1
    return out


def count_unspun(records: Iterable[dict], table: dict) -> dict:
    """Fill the second count of ``table``: flagged spans that the spinner had not changed."""
    for r in records:
        spun_spans = {(a["spun_start"], a["spun_end"]) for a in r["alignment"]}
        for s, e in find_flags(r["spun_text"], table):
            if (s, e) not in spun_spans:
                table[phrase_key(r["spun_text"][s:e])][1] += 1
    return table


# ------------------------------------------------------------------------------ examples


def span_examples(record: dict, table: dict, max_pos: int = 40, max_neg: int = 30,
                  left_words: int = 10, right_words: int = 6, seed: int = 0) -> list[dict]:
    """Span examples of one spun record: spun spans (target: the original) and flagged spans
    left unspun (target: the span itself)."""
    rng = random.Random(zlib.crc32(f"{seed}:{record['id']}".encode()))
    text = record["spun_text"]
    by_span = {(a["spun_start"], a["spun_end"]): a for a in record["alignment"]}
    pos, neg = [], []
    flagged = find_flags(text, table)
    flagged_set = set(flagged)
    for (s, e), a in by_span.items():
        if len(WORD_RE.findall(a["spun"])) <= MAX_SPAN_WORDS and len(a["orig"].split()) <= 6:
            pos.append((s, e, a["orig"], (s, e) in flagged_set))
    for s, e in flagged:
        if (s, e) not in by_span:
            neg.append((s, e, text[s:e], True))
    rng.shuffle(pos)
    rng.shuffle(neg)
    out = []
    for s, e, target, fl in pos[:max_pos] + neg[:max_neg]:
        left, right = context_window(text, s, e, left_words, right_words)
        out.append({"source": format_source(left, text[s:e], right), "target": target,
                    "span": text[s:e], "changed": target != text[s:e], "flagged": fl,
                    "doc_id": record["doc_id"], "style": record["style"]})
    return out


# ------------------------------------------------------------------------------ the build


def filter_flags(table: dict, min_spun: int = 3, min_ratio: float = 0.1) -> dict:
    """Keep the phrases spun at least ``min_spun`` times and in ``min_ratio`` of sightings."""
    return {k: v for k, v in table.items()
            if v[0] >= min_spun and v[0] / (v[0] + v[1]) >= min_ratio}


def build_datasets(corpora_dir: str | Path, out_dir: str | Path, *, seed: int = 0,
                   max_docs_per_corpus: int | None = None, max_pos: int = 12,
                   max_neg: int = 8, left_words: int = 10, right_words: int = 6,
                   min_spun: int = 3, min_ratio: float = 0.1, num_proc: int = 1,
                   corpora: Iterable[str] | None = None, log=print) -> dict:
    """Read, split, spin and cut the permissive corpora into span examples with ``datasets``.

    Writes ``out_dir/spun/{split}.jsonl.gz`` (spun segments with alignment),
    ``out_dir/examples`` (a ``datasets.DatasetDict`` saved as Arrow), ``out_dir/flags.json``
    and ``out_dir/build.json`` (the settings and counts). Returns the build summary.
    """
    import datasets

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docs = list(read_corpora(corpora_dir, corpora, max_docs_per_corpus=max_docs_per_corpus))
    log(f"read {len(docs)} documents")
    ds = datasets.Dataset.from_list([d.__dict__ for d in docs])

    def _spin(batch):
        rows = [SourceDoc(*(batch[k][i] for k in ("id", "corpus", "group", "text")))
                for i in range(len(batch["id"]))]
        recs = list(spin_documents(rows, seed=seed))
        keys = ["id", "doc_id", "corpus", "group", "split", "style", "rate", "source_text",
                "spun_text", "alignment"]
        return {k: [r[k] for r in recs] for k in keys}

    spun = ds.map(_spin, batched=True, batch_size=16, remove_columns=ds.column_names,
                  num_proc=num_proc, desc="spinning")
    log(f"spun {len(spun)} segments")
    splits = {s: spun.filter(lambda r, s=s: r["split"] == s) for s in ("train", "dev", "test")}
    (out / "spun").mkdir(exist_ok=True)
    for s, d in splits.items():
        with gzip.open(out / "spun" / f"{s}.jsonl.gz", "wt", encoding="utf-8") as f:
            for r in d:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    table = build_flag_table(splits["train"], min_count=min_spun)
    count_unspun(splits["train"], table)
    flags = filter_flags(table, min_spun, min_ratio)
    log(f"flag table: {len(flags)} phrases (of {len(table)})")
    with open(out / "flags.json", "w", encoding="utf-8") as f:
        json.dump(flags, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def _examples(batch):
        rows = [{k: batch[k][i] for k in batch} for i in range(len(batch["id"]))]
        exs = [e for r in rows for e in span_examples(r, flags, max_pos, max_neg, left_words,
                                                       right_words, seed)]
        keys = ["source", "target", "span", "changed", "flagged", "doc_id", "style"]
        return {k: [e[k] for e in exs] for k in keys}

    dd = datasets.DatasetDict({
        s: d.map(_examples, batched=True, batch_size=64, remove_columns=d.column_names,
                 num_proc=num_proc, desc=f"examples {s}")
        for s, d in splits.items()})
    dd["train"] = dd["train"].shuffle(seed=seed)
    dd.save_to_disk(str(out / "examples"))
    summary = {
        "seed": seed, "max_docs_per_corpus": max_docs_per_corpus, "documents": len(docs),
        "segments": {s: len(d) for s, d in splits.items()},
        "examples": {s: len(d) for s, d in dd.items()},
        "changed_examples": {s: int(sum(d["changed"])) if len(d) else 0 for s, d in dd.items()},
        "flags": len(flags), "left_words": left_words, "right_words": right_words,
        "min_spun": min_spun, "min_ratio": min_ratio,
        "corpora": {k: v for k, v in PERMISSIVE_CORPORA.items()},
    }
    with open(out / "build.json", "w") as f:
        json.dump(summary, f, indent=2)
    log(json.dumps(summary))
    return summary
