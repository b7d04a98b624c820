"""Bench-only: Ralph 5.1's LRS (FastAPI) with its file-system backend, the xAPI peer of issue 21.

Served by `uvicorn bench.peer_ralph:app --workers 2` with RALPH_RUNSERVER_BACKEND=fs; its files (the
statements file, the auth file) live in var/peers/ralph/ (gitignored).

The append fix, applied here at import time and nowhere else (site-packages stays as installed): the
LRS file backend writes every POST to the same file (DEFAULT_LRS_FILE) with the data backend's default
operation, CREATE, which refuses an existing file, so every POST after the first answers 500
("... already exists and overwrite is not allowed"). Ralph's own APPEND operation ("ab") is what an
LRS needs; this wrapper passes it when the caller names none.
"""

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

_write = FSLRSBackend.write


def _append_write(self, data, target=None, chunk_size=None, ignore_errors=False, operation_type=None):
    return _write(self, data, target, chunk_size, ignore_errors, operation_type or BaseOperationType.APPEND)


FSLRSBackend.write = _append_write

from ralph.api import app  # noqa: E402

__all__ = ["app"]
