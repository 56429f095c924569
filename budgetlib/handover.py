"""What a process hands to the report kernel it started, so that the kernel does not work it
out again (issue 12: nothing computed twice).

A report's notebooks run in a Jupyter kernel: a child process, with a memory of its own. A
document's reconciliation, made by the parent for the index row and the Excel workbook, would
be made again there by the pages' banners. So each ``report.Kernel`` has a private folder (its
temporary folder, mode 0700), named in the kernel's environment (``BUDGETLIB_HANDOVER``) and
registered here by the parent: ``give`` writes a result there under a key, and ``take``, in
the kernel, reads it back instead of computing it.

A key names everything its result depends on (a reconciliation's: the digest of the document's
content, value by value, and the language), so an edited document or another language is
another key, never a stale result. The folder lives and dies with its kernel, within one run of
one checkout: nothing from another run, or from another version of the code, is ever read.
Nothing is required of either side: a result not given (or not yet) is computed as before.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from pathlib import Path

ENV = "BUDGETLIB_HANDOVER"

# folder -> id of the process that registered it: a forked batch worker inherits its parent's
# entries, but gives only to the kernels it started itself
_folders: dict[str, int] = {}


def register(folder) -> None:
    """From now on, ``give`` writes to ``folder`` (a kernel's private folder)."""
    _folders[str(folder)] = os.getpid()


def unregister(folder) -> None:
    _folders.pop(str(folder), None)


def _file_name(kind: str, key) -> str:
    return f"{kind}-{hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()}.pickle"


def give(kind: str, key, value) -> None:
    """Write ``value`` under (``kind``, ``key``) to the folder of every kernel this process
    started (none: nothing to do). Written whole or not at all (a kernel never reads half a
    file); a failure only means that the kernel computes the value itself."""
    folders = [f for f, pid in list(_folders.items()) if pid == os.getpid()]
    if not folders:
        return
    try:
        data = pickle.dumps((kind, key, value), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001  (something unpicklable: the kernel computes it)
        return
    for folder in folders:
        path = Path(folder) / _file_name(kind, key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:  # the kernel stopped meanwhile, its folder gone
            tmp.unlink(missing_ok=True)


def take(kind: str, key):
    """In a report kernel: the value its parent gave under (``kind``, ``key``), or None (not
    given, not yet, or this process is not a report kernel)."""
    folder = os.environ.get(ENV)
    if not folder:
        return None
    try:
        with open(Path(folder) / _file_name(kind, key), "rb") as fh:
            got_kind, got_key, value = pickle.load(fh)
    except Exception:  # noqa: BLE001  (absent or unreadable: computed here instead)
        return None
    return value if (got_kind, got_key) == (kind, key) else None
