"""Data files shipped inside the package (``unspin/resources/...``), or a path given instead.

The lexicon, the n-gram model, the term list and the SmolLM2 term table are each read the same
way: from a path when one is given (an option or an environment variable), else from the
installed package, with a clear error naming the build command when the file is missing.

>>> exists(None, "rules", "10-seed.jsonl"), exists("/no/such/file", "rules", "10-seed.jsonl")
(True, False)
"""

from __future__ import annotations

import gzip
import json
import os
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["packaged", "exists", "read_bytes", "read_json_gz", "read_npz"]


def packaged(*parts: str) -> Traversable:
    """The shipped file ``unspin/resources/<parts...>``."""
    return resources.files("unspin").joinpath("resources", *parts)


def exists(path: str | os.PathLike | None, *parts: str) -> bool:
    """Whether ``path`` (when given) or the shipped ``resources/<parts...>`` is a file."""
    if path is not None:
        return os.path.isfile(path)
    return packaged(*parts).is_file()


def _shipped(parts: tuple[str, ...], missing: Exception | None) -> Traversable:
    """The shipped file, or ``missing`` raised when it is not there."""
    ref = packaged(*parts)
    if not ref.is_file():
        raise missing if missing is not None else FileNotFoundError(
            f"the packaged resource {'/'.join(parts)} is missing")
    return ref


def read_bytes(path: str | os.PathLike | None, parts: tuple[str, ...],
               missing: Exception | None = None) -> bytes:
    """The bytes of ``path``, or of the shipped ``resources/<parts...>`` when ``path`` is
    ``None`` (raising ``missing`` when that is absent)."""
    if path is not None:
        with open(path, "rb") as f:
            return f.read()
    return _shipped(parts, missing).read_bytes()


def read_json_gz(path: str | os.PathLike | None, parts: tuple[str, ...],
                 missing: Exception | None = None) -> Any:
    """A gzipped JSON file, as :func:`read_bytes` finds it."""
    return json.loads(gzip.decompress(read_bytes(path, parts, missing)).decode("utf-8"))


def read_npz(path: str | os.PathLike | None, parts: tuple[str, ...],
             missing: Exception | None = None) -> dict[str, np.ndarray]:
    """Every array of a ``.npz`` file, as :func:`read_bytes` finds it (read from disk, not
    copied into memory first)."""
    import numpy as np  # only the callers that need arrays pay for numpy

    if path is not None:
        with np.load(path) as z:
            return dict(z)
    with resources.as_file(_shipped(parts, missing)) as p, np.load(p) as z:
        return dict(z)
