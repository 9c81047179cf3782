"""Files written so that nothing is lost: a reader (or a crash) sees the old file or the new one.

Every results file, curriculum state, report and model in the project goes through
``atomic_write``; ``write_json`` is its JSON form.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` all at once: a temporary file in the same folder, flushed to
    disk, then renamed over ``path``. Creates missing folders; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: str | os.PathLike, data: Any, indent: int = 1, **dumps: Any) -> Path:
    """``data`` as JSON, written atomically (``dumps`` go to ``json.dumps``, e.g. ``default``)."""
    return atomic_write(path, json.dumps(data, indent=indent, **dumps) + "\n")
