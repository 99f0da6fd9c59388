"""`scaling plan --out DIR`: write the report's own files and nothing else.

Rules (issue 14, "a safe --out"):
- Only the report's files are written (plan.md, plan.json, shard_map.json, charts/*.png) plus the
  manifest `.scaling-report.json` listing them. Nothing else in DIR is deleted, moved or changed;
  DIR's mode and a DIR that is a symlink are kept (the files go where it points).
- A file of the same name that the manifest does not list (so not written by `scaling plan`) is never
  overwritten: the run stops before writing anything and names it (exit 2).
- Each file is complete or absent: everything is first written into a hidden staging directory inside
  DIR (same filesystem), then each file is renamed into place (`os.replace`, atomic); the staging
  directory is removed on success, on error and on Ctrl-C. Files of an earlier report that this run
  does not produce (e.g. the chart of a removed region) stay, still listed as the report's.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Mapping

MANIFEST = ".scaling-report.json"
STAGING_PREFIX = ".scaling-report-tmp-"


class ForeignFileError(FileExistsError):
    """A file the report would overwrite was not written by `scaling plan`."""


def _owned(out: Path) -> set[str]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return {str(name) for name in data.get("files", [])}
    except (OSError, ValueError, AttributeError):
        return set()


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a directory", str(out))
    # mkdir would say "File exists" for a parent that is a file (`/dev/null/x`): name it instead.
    existing = next((parent for parent in out.parents if parent.exists()), None)
    if existing is not None and not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing))


def write_out_dir(out: str | Path, files: Mapping[str, bytes | str],
                  extra_writers: list[Callable[[Path], list[str]]] | None = None) -> list[str]:
    """Write `files` (relative name -> content) and what `extra_writers` write into a directory into
    `out`, as described in the module docstring; return the relative names written."""
    out = Path(out)
    _check_target(out)
    out.mkdir(parents=True, exist_ok=True)
    owned = _owned(out)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        written = []
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
            written.append(name)
        for writer in extra_writers or []:
            written += writer(staging)
        manifest_at = out / MANIFEST
        if manifest_at.is_symlink() or (manifest_at.exists() and not manifest_at.is_file()):
            # Its rename would fail last, after every report file was already in place.
            raise ForeignFileError(errno.EEXIST, "exists and was not written by scaling plan", str(manifest_at))
        for name in written:  # refuse before the first rename: nothing is half-written
            target = out / name
            if (target.exists() or target.is_symlink()) and (name not in owned or target.is_dir()):
                raise ForeignFileError(errno.EEXIST, "exists and was not written by scaling plan", str(target))
            # A file where the report needs a directory (`charts` a file): refused here too, not at
            # its rename after plan.json and plan.md were already in place.
            blocking = next((p for p in target.relative_to(out).parents if p != Path(".")
                             and (out / p).exists() and not (out / p).is_dir()), None)
            if blocking is not None:
                raise ForeignFileError(errno.EEXIST, "exists and was not written by scaling plan", str(out / blocking))
        for name in written:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, out / name)
        manifest = staging / MANIFEST
        manifest.write_text(json.dumps({"written_by": "scaling plan --out", "files": sorted(owned | set(written))},
                                       indent=1) + "\n", encoding="utf-8")
        os.replace(manifest, out / MANIFEST)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
