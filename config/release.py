"""Which release of the code is serving: part of every cached page's key and ETag.

A deploy that changes a template, a view or a stylesheet must not keep serving the
pages the old code rendered until the next submission. `RELEASE` from the
environment names the release (a commit, a tag); without it, a digest of the
app's own source and templates stands in, the same on every host running the
same files.
"""

import hashlib
import os
from pathlib import Path

SOURCE_DIRS = ("config", "campaign", "innovations", "organisations", "templates", "static")
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".svg", ".xml", ".css", ".js"}


def source_digest(base_dir):
    digest = hashlib.sha256()
    for folder in SOURCE_DIRS:
        for path in sorted(Path(base_dir, folder).rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(base_dir)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def identify(base_dir):
    return os.environ.get("RELEASE", "").strip() or source_digest(base_dir)
