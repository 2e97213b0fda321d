"""Reading inputs safely and writing outputs atomically.

Policy: input must be UTF-8. Invalid UTF-8 is rejected with the byte offset of the first bad
byte; a file with a NUL byte is treated as binary and skipped. A BOM, CR/LF and mixed line
ends are kept exactly, because text is decoded without newline translation. Outputs go to a
temporary file in the target folder and are renamed into place only when complete.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import BinaryIO, Iterator

from .text import safe_cut

BLOCK_BYTES = 1 << 20      # read 1 MiB at a time
PIECE_CHARS = 1 << 20      # hand the pipeline about 1M characters at a time
TMP_SUFFIX = ".unspin-tmp"


class InputError(Exception):
    """An input that cannot be restored; ``str()`` is a one-line message naming the file."""

    def __init__(self, path: str, problem: str, kind: str = "error") -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
        self.kind = kind  # "error" or "skipped"


def _open_input(path: str) -> BinaryIO:
    if path == "-":
        import sys

        return sys.stdin.buffer
    p = Path(path)
    if not p.exists():
        raise InputError(path, "no such file or directory")
    if p.is_dir():
        raise InputError(path, "is a directory (pass it as a folder to restore recursively)")
    try:
        return open(p, "rb")
    except PermissionError:
        raise InputError(path, "permission denied: cannot read this file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None


def iter_text_pieces(path: str, piece_chars: int = PIECE_CHARS) -> Iterator[str]:
    """Decode ``path`` (or ``-`` for stdin) and yield pieces cut at safe places.

    Memory stays bounded by ``piece_chars`` plus one line (or, for a single huge line, one
    cut at white space). Raises :class:`InputError` on binary or invalid UTF-8 input.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    consumed = 0
    carry = ""
    f = _open_input(path)
    try:
        while True:
            try:
                block = f.read(BLOCK_BYTES)
            except OSError as exc:
                raise InputError(path, f"read failed: {exc.strerror or exc}") from None
            final = not block
            if b"\x00" in block:
                raise InputError(path, f"binary file (NUL byte at offset "
                                       f"{consumed + block.index(0)}); skipped", "skipped")
            try:
                pending = len(decoder.getstate()[0])
                text = decoder.decode(block, final=final)
            except UnicodeDecodeError as exc:
                raise InputError(path, f"invalid UTF-8 at byte {consumed - pending + exc.start}"
                                       f" (only UTF-8 text is accepted)") from None
            consumed += len(block)
            carry += text
            while len(carry) > piece_chars:
                cut = safe_cut(carry, piece_chars)
                yield carry[:cut]
                carry = carry[cut:]
            if final:
                if carry:
                    yield carry
                return
    finally:
        if path != "-":
            f.close()


def read_text(path: str) -> str:
    """The whole decoded text of ``path`` (for small files and tests)."""
    return "".join(iter_text_pieces(path))


class AtomicWriter:
    """A text file written under a temporary name and renamed into place on ``commit()``.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> w = AtomicWriter(os.path.join(d, "x.txt")); w.write("hi"); w.commit()
    >>> open(os.path.join(d, "x.txt")).read()
    'hi'
    """

    def __init__(self, target: str | Path) -> None:
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.target.with_name(f".{self.target.name}.{os.getpid()}{TMP_SUFFIX}")
        self._f = open(self.tmp, "w", encoding="utf-8", newline="")

    def write(self, s: str) -> None:
        self._f.write(s)

    def commit(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        if not self._f.closed:
            self._f.close()
        try:
            self.tmp.unlink()
        except FileNotFoundError:
            pass


def remove_stale_temps(target: Path) -> None:
    """Delete temporary files a killed run left for ``target``."""
    for p in target.parent.glob(f".{target.name}.*{TMP_SUFFIX}"):
        try:
            p.unlink()
        except OSError:
            pass
