"""The cache file on disk: where it is, who may touch it, and what its failures mean.

The cache holds personal data (names, emails, phone numbers), and a file someone else can
write to could be made to hold records that were never fetched. So, before SQLite opens it
(:func:`secure_cache_file`):

- The path is resolved: ``~`` expanded, symbolic links followed, ``.sqlite`` added when the
  name has no suffix (as requests-cache does). Every rule below applies to the real file.
- A new file is created empty with mode 0600 (``O_CREAT | O_EXCL``), so it is never readable
  by others, not even for a moment; SQLite gives its ``-wal`` and ``-shm`` files the mode of
  the database file. Missing folders are created 0700.
- An existing file (and its ``-wal`` and ``-shm``) must belong to the user and not be
  writable by group or others; one readable by them is made private (0600). The folder must
  belong to the user (or root) and not be writable by group or others, unless it has the
  sticky bit (``/tmp``), where nobody else can replace or remove the user's files.

On Windows, where POSIX modes do not apply, only the resolution and folder creation happen.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from knock_data._exceptions import ConfigurationError

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "cache_errors",
    "cache_file_path",
    "is_locked",
    "secure_cache_file",
    "while_locked",
]

#: Milliseconds to wait for another connection's lock before giving up.
DEFAULT_BUSY_TIMEOUT = 30_000
_SIDE_FILES = ("-wal", "-shm")
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH
_OTHERS_READ = stat.S_IRGRP | stat.S_IROTH
_ELSEWHERE = (
    "Use a cache file in a folder of your own (cache=... or $KNOCK_DATA_CACHE; --cache on the "
    "command line), or turn caching off (cache=False; --no-cache)."
)
_T = TypeVar("_T")


def is_locked(error: BaseException) -> bool:
    """True when a SQLite error means another connection holds the lock (busy or locked)."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


@contextlib.contextmanager
def cache_errors(path: str | os.PathLike[str], doing: str) -> Iterator[None]:
    """Turn SQLite and file-system failures on the cache file into a :class:`ConfigurationError`.

    A corrupt file, a file that is not a cache, a read-only file or folder or a full disk
    mean the same to the user: this cache file cannot be used as it is. A lock held past the
    busy timeout means something else: another process is using the file, which is fine.
    Either way the error says which file, what SQLite or the system said, and what to do.

    Examples
    --------
    >>> import sqlite3
    >>> with cache_errors("c.sqlite", "opening"):
    ...     raise sqlite3.DatabaseError("file is not a database")
    Traceback (most recent call last):
    ...
    knock_data.ConfigurationError: Error opening the cache file c.sqlite: ...
    """
    try:
        yield
    except (sqlite3.Error, OSError) as error:
        if is_locked(error):
            raise ConfigurationError(
                f"The cache file {os.fspath(path)} is in use by another process, which kept "
                f"it locked for too long while knock-data was {doing} it.",
                hint="Nothing is wrong with the file: wait for the other knock-data run (a "
                "fetch, a notebook) to finish and try again, or use another cache file "
                "(cache=... or $KNOCK_DATA_CACHE; --cache on the command line).",
            ) from error
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        reason = reason.rstrip(".")
        raise ConfigurationError(
            f"Error {doing} the cache file {os.fspath(path)}: {reason}.",
            hint="The cache only holds copies of Knock's answers: delete the file, or use "
            "another one (cache=... or $KNOCK_DATA_CACHE; --cache on the command line), or "
            "turn caching off (cache=False; --no-cache).",
        ) from error


def cache_file_path(path: str | os.PathLike[str]) -> Path:
    """The file a cache path names: ``~`` expanded, absolute, ``.sqlite`` added when it has
    no suffix (as requests-cache does). Symbolic links are not followed here.

    Examples
    --------
    >>> cache_file_path("/tmp/knock").name
    'knock.sqlite'
    """
    resolved = Path(path).expanduser().absolute()
    return resolved if resolved.suffix else resolved.with_name(resolved.name + ".sqlite")


def while_locked(action: Callable[[], _T], deadline: float) -> _T:
    """Run ``action``, again and again while SQLite says the file is locked, until ``deadline``
    (a :func:`time.monotonic` value)."""
    wait = 0.001
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            if not is_locked(error) or time.monotonic() >= deadline:
                raise
        time.sleep(wait)
        wait = min(wait * 2, 0.05)


def secure_cache_file(path: str | os.PathLike[str]) -> Path:
    """Resolve a cache path and make sure only its user can read or change the file.

    Creates the file (empty, 0600) and its missing folders (0700) when they do not exist.
    Returns the real path, symbolic links resolved.

    Raises
    ------
    ConfigurationError
        The file or its folder belongs to someone else or is writable by others, or the
        path is not a file.
    OSError
        A folder or the file cannot be created (wrap the call in :func:`cache_errors`).
    """
    real = cache_file_path(path).resolve()
    _make_folder(real.parent)
    if os.name != "posix":
        return real
    _check_folder(real.parent)
    # There already, or another process made it a moment ago: either way, checked below.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(real, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    for part in (real, *(Path(f"{real}{suffix}") for suffix in _SIDE_FILES)):
        _check_file(part, shown=path)
    return real


def _make_folder(folder: Path) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process, a moment ago
            created.mkdir(mode=0o700)
    if not folder.is_dir() and not missing:
        raise NotADirectoryError(f"{folder} is a file, not a directory")


def _check_folder(folder: Path) -> None:
    info = folder.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(f"{folder} is a file, not a directory")
    sticky = bool(info.st_mode & stat.S_ISVTX)
    if info.st_mode & _OTHERS_WRITE and not sticky:
        raise ConfigurationError(
            f"The cache folder {folder} can be written by other users "
            f"(mode {stat.filemode(info.st_mode)}): they could replace the cache file and "
            "plant records in it.",
            hint=f"Make it private (chmod go-w '{folder}'), or: {_ELSEWHERE}",
        )
    if info.st_uid not in (os.getuid(), 0):
        raise ConfigurationError(
            f"The cache folder {folder} belongs to another user, who could replace the "
            "cache file and plant records in it.",
            hint=_ELSEWHERE,
        )


def _check_file(part: Path, *, shown: str | os.PathLike[str]) -> None:
    try:
        info = part.lstat()
    except FileNotFoundError:
        return  # a -wal or -shm that SQLite has not made yet
    if not stat.S_ISREG(info.st_mode):
        raise ConfigurationError(
            f"The cache path {os.fspath(shown)} leads to {part}, which is not a regular file.",
            hint=_ELSEWHERE,
        )
    if info.st_uid != os.getuid():
        raise ConfigurationError(
            f"The cache file {part} belongs to another user: its records could have been "
            "planted, and knock-data will not read or add to them.",
            hint=_ELSEWHERE,
        )
    if info.st_mode & _OTHERS_WRITE:
        raise ConfigurationError(
            f"The cache file {part} can be written by other users "
            f"(mode {stat.filemode(info.st_mode)}): its records could have been planted.",
            hint=f"If you trust its contents, make it private (chmod 600 '{part}'); or delete "
            f"it and let knock-data make a new one; or: {_ELSEWHERE}",
        )
    if info.st_mode & _OTHERS_READ:
        part.chmod(0o600)  # ours, but readable by others (an older knock-data made it): fix
