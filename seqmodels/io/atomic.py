"""Outputs appear whole or not at all.

Every output is written to a temporary ``.NAME.PID.XXXX.part`` beside it and renamed when
complete, so the final path never holds a partial file. A process killed mid-write leaves its
``.part`` behind; the next write to the same path removes the leftovers of processes that are
no longer running. A full disk becomes one line naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from seqmodels.errors import SeqmodelsError

WRITE_ERRORS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    The file gets the permissions a plain ``open`` would give it (``0o666`` less the umask),
    not the owner-only ones of a temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_prefix(path), suffix=".part")
    os.close(fd)
    try:
        with named_write_errors(path):
            yield Path(tmp)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_paths(paths: list[str | Path]) -> Iterator[list[Path]]:
    """:func:`atomic_path` for outputs that belong together (the tracks of one prediction):
    a temporary path beside each, all renamed only once the block has written every one;
    should a rename fail, those already made are undone."""
    paths = [Path(p) for p in paths]
    tmps: list[Path] = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(path)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_prefix(path), suffix=".part")
            os.close(fd)
            tmps.append(Path(tmp))
        with named_write_errors(", ".join(map(str, paths))):
            yield tmps
            done: list[Path] = []
            try:
                for tmp, path in zip(tmps, paths, strict=True):
                    os.chmod(tmp, 0o666 & ~_umask())
                    os.replace(tmp, path)
                    done.append(path)
            except OSError:
                for path in done:
                    path.unlink(missing_ok=True)
                raise
    finally:
        for tmp in tmps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator:
    """Open a temporary file for writing; it replaces ``path`` only if the block succeeds."""
    with atomic_path(path) as tmp, open(tmp, mode) as handle:
        yield handle


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``path``; it replaces ``path`` (and whatever an
    earlier run left there) only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=_prefix(path), suffix=".part"))
    try:
        with named_write_errors(path):
            yield tmp
            os.chmod(tmp, 0o777 & ~_umask())
            if path.is_dir():
                old = Path(tempfile.mkdtemp(dir=path.parent, prefix=_prefix(path), suffix=".part"))
                os.replace(path, old / path.name)
                os.replace(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scratch_file(path: str | Path, suffix: str) -> Path:
    """A name for a scratch file beside ``path`` that :func:`remove_leftovers` knows."""
    path = Path(path)
    remove_leftovers(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=_prefix(path), suffix=f"{suffix}.part")
    os.close(fd)
    return Path(name)


def remove_leftovers(path: str | Path) -> list[Path]:
    """Remove the ``.part`` files and folders that dead processes left beside ``path``."""
    path = Path(path)
    removed = []
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        pid = leftover.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            removed.append(leftover)
    return removed


def check_output_file(path: str | Path, suffixes: dict[str, str] | None = None) -> str | None:
    """Check, before any work, that ``path`` can be written: its folder exists and it is not
    a folder itself; with ``suffixes`` (suffix → format), return the format its suffix names.
    """
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "no such folder"
        raise SeqmodelsError(f"{path}: cannot write it: {parent} {what}")
    if path.is_dir():
        raise SeqmodelsError(f"{path}: is a folder; give a file name")
    if suffixes is None:
        return None
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else ""
    fmt = suffixes.get(suffix) or suffixes.get(path.suffix.lower())
    if fmt is None:
        raise SeqmodelsError(f"{path}: unknown output suffix; use {', '.join(suffixes)}")
    return fmt


def check_output_directory(path: str | Path) -> None:
    """A folder output: it may exist (as a folder) or not, but nothing on its way is a file."""
    path = Path(path)
    for above in [path, *path.parents]:
        if above.exists():
            if not above.is_dir():
                raise SeqmodelsError(f"{path}: cannot make the folder: {above} is a file")
            return


def _prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


@contextlib.contextmanager
def named_write_errors(path: str | Path) -> Iterator[None]:
    """A full disk, a quota or a read-only file system: one line naming the output."""
    try:
        yield
    except OSError as err:
        if err.errno not in WRITE_ERRORS:
            raise
        raise SeqmodelsError(f"{path}: cannot write it ({err.strerror})") from None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
