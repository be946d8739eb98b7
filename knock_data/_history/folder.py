"""A history folder on disk: its layout, its manifest and owner, and crash-safe chunk writes.

Layout (Hive partitioning, which DuckDB, Spark, Polars and pyarrow read as they are)::

    history/
      _knock_data_history.json        format, version, salt, personal-data rule
      _knock_data_owner.json          the key scope of the first key that wrote here
      observed_date=2021-11-02/
        part-20211102T000000Z-3fa94c1e-00000.parquet
        part-20211102T000000Z-3fa94c1e-00001.parquet
        .part-20211109T000000Z-9b0e77d2-00000.tmp     (a chunk being written)

Names starting with ``_`` or ``.`` are skipped by those engines. The manifest and the owner
file are each created once, atomically (written under a temporary name, then hard-linked into
place, which fails when another process got there first), so two processes starting on a new
folder agree on its salt and owner.

A chunk is written under a temporary name that starts with ``.`` and does not end in
``.parquet``, fsynced, renamed into place, and the partition folder fsynced: ``kill -9`` at any
moment leaves whole chunks or nothing visible. While it writes, the writer holds an exclusive
``flock`` on its temporary; a temporary nobody holds that is more than a minute old was left
by a process that died, and the next append deletes it.

The owner is a *key scope*, derived by the fetch layer's one function
(:func:`knock_data._fetch.scope.key_scope`, scrypt and slow on purpose) under the folder's own
random salt, so the same key has unrelated scopes in a history and in a cache file; the key
itself is never written.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from knock_data._exceptions import HistoryError
from knock_data._fetch.scope import key_scope, new_salt
from knock_data._history.columns import FORMAT, FORMAT_VERSION

__all__ = [
    "MANIFEST",
    "OWNER",
    "Folder",
    "Manifest",
]

MANIFEST = "_knock_data_history.json"
OWNER = "_knock_data_owner.json"
_PARTITION = re.compile(r"observed_date=(?P<day>\d{4}-\d{2}-\d{2})")
_CHUNK = re.compile(r"part-(?P<run>[0-9TZ]+-[0-9a-f]+)-(?P<n>\d{5})\.parquet")
_MANIFEST_TEMPORARY = re.compile(r"\._knock_data_\w+\.json\.[0-9a-f]+\.tmp")
_TEMPORARY = re.compile(r"\.part-[0-9TZ]+-[0-9a-f]+-\d{5}\.tmp")
# What file managers and sync tools leave in folders: never an analyst's data.
_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".directory"})
_STALE_SECONDS = 60.0
_WHAT_TO_DO = (
    "A history folder holds only what knock-data writes there: move that file elsewhere "
    "(nothing of the history is lost), or point knock-data at another folder."
)


@dataclass(frozen=True)
class Manifest:
    """What a folder says about itself."""

    salt: bytes
    pii: str
    created_at: str


@dataclass(frozen=True)
class Chunk:
    """One committed chunk file."""

    path: Path
    day: str
    run_id: str
    number: int


class Folder:
    """The files of one history folder (nothing is created until the first write).

    Examples
    --------
    >>> import tempfile
    >>> folder = Folder(Path(tempfile.mkdtemp()) / "history")
    >>> folder.manifest() is None                       # no history there yet
    True
    >>> manifest = folder.create(pii="keep")
    >>> folder.claim("syndication-prospect-TEST-KEY", manifest)   # the first key owns it
    >>> sorted(p.name for p in folder.path.iterdir())
    ['_knock_data_history.json', '_knock_data_owner.json']
    >>> import shutil; shutil.rmtree(folder.path.parent)
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    # -- manifest and owner ----------------------------------------------------------------

    def manifest(self) -> Manifest | None:
        """The folder's manifest, or ``None`` for a folder that holds no history yet.

        Raises
        ------
        HistoryError
            The path is a file, or the folder holds files but no manifest (not a history),
            or the manifest is unreadable.
        """
        if self.path.exists() and not self.path.is_dir():
            raise HistoryError(
                f"{self.path} is a file, not a history folder.",
                hint="A history is a folder: name a new one (created on the first append) "
                "or an existing history.",
            )
        data = self._read_json(self.path / MANIFEST)
        if data is None and self.path.is_dir():
            names = sorted(
                entry.name
                for entry in self.path.iterdir()
                if entry.name not in _LITTER and not _MANIFEST_TEMPORARY.fullmatch(entry.name)
            )
            if MANIFEST in names:  # another process created it a moment ago
                data = self._read_json(self.path / MANIFEST)
            elif names:
                raise HistoryError(
                    f"{self.path} is not a knock-data history: it holds {names[0]} "
                    f"but no {MANIFEST}.",
                    hint="Use an empty or new folder for a history, or the folder "
                    "of an existing one.",
                )
        if data is None:
            return None
        try:
            if data["format"] != FORMAT:
                raise ValueError(f"format {data['format']!r}")
            if data["version"] > FORMAT_VERSION:
                raise HistoryError(
                    f"{self.path} was written by a newer knock-data (history format "
                    f"{data['version']}; this one reads {FORMAT_VERSION}).",
                    hint="Upgrade knock-data: pip install --upgrade knock-data.",
                )
            return Manifest(bytes.fromhex(data["salt"]), str(data["pii"]), str(data["created_at"]))
        except (KeyError, TypeError, ValueError) as error:
            raise self._corrupt(self.path / MANIFEST, f"unexpected content ({error})") from None

    def create(self, pii: str) -> Manifest:
        """The manifest, created now unless another process created it first."""
        existing = self.manifest()
        if existing is not None:
            return existing
        self._make_dirs(self.path)
        data = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "salt": new_salt().hex(),
            "pii": pii,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._create_once(self.path / MANIFEST, data)
        manifest = self.manifest()
        assert manifest is not None
        return manifest

    def claim(self, api_key: str, manifest: Manifest) -> None:
        """Make sure the folder belongs to this key: claim it when nobody has.

        Raises
        ------
        HistoryError
            Another key owns the folder.
        """
        scope = key_scope(api_key, manifest.salt)
        owner = self._owner()
        if owner is None:
            self._create_once(self.path / OWNER, {"scope": scope})
            owner = self._owner()
        if owner is None or not hmac.compare_digest(owner, scope):
            raise HistoryError(
                f"The history in {self.path} belongs to another API key: its observations "
                "were fetched with a different key, and one key's data never joins another's.",
                hint="Keep one history folder per key (per portfolio): pass another folder "
                "(history=... or --history DIR), or use the key this history was made with.",
            )

    def _owner(self) -> str | None:
        data = self._read_json(self.path / OWNER)
        if data is None:
            return None
        scope = data.get("scope") if isinstance(data, dict) else None
        if not isinstance(scope, str):
            raise self._corrupt(self.path / OWNER, "no key scope in it")
        return scope

    def _read_json(self, path: Path) -> Any:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._unusable(path, "reading", error) from error
        try:
            return json.loads(text)
        except ValueError:
            raise self._corrupt(path, "not JSON") from None

    def _create_once(self, path: Path, data: dict[str, Any]) -> None:
        """Write ``data`` to ``path`` atomically, unless ``path`` exists (another process won)."""
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with _private_file(temporary) as file:
                file.write(json.dumps(data, indent=2).encode())
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
            _fsync_folder(path.parent)
        except OSError as error:
            raise self._unusable(path, "writing", error) from error
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()

    # -- chunks ----------------------------------------------------------------------------

    def chunks(self) -> list[Chunk]:
        """Every committed chunk, sorted by day, run and number.

        Raises
        ------
        HistoryError
            A file or folder that knock-data did not write is in the folder.
        """
        if not self.path.is_dir():
            return []
        found: list[Chunk] = []
        try:
            for entry in self.path.iterdir():
                name = entry.name
                if name in (MANIFEST, OWNER) or name in _LITTER:
                    continue
                if _MANIFEST_TEMPORARY.fullmatch(name):
                    continue  # a manifest being written
                match = _PARTITION.fullmatch(name)
                if match is None or not entry.is_dir():
                    raise self._foreign(entry)
                for item in entry.iterdir():
                    chunk = _CHUNK.fullmatch(item.name)
                    if chunk is not None and item.is_file():
                        found.append(Chunk(item, match["day"], chunk["run"], int(chunk["n"])))
                    elif not (_TEMPORARY.fullmatch(item.name) or item.name in _LITTER):
                        raise self._foreign(item)
        except OSError as error:
            raise self._unusable(self.path, "reading", error) from error
        found.sort(key=lambda c: (c.day, c.run_id, c.number))
        return found

    def write_chunk(self, day: str, run_id: str, number: int, write: Any) -> Path:
        """Write one chunk crash-safely; ``write(file)`` writes the Parquet bytes to ``file``.

        Returns the committed path.
        """
        partition = self.path / f"observed_date={day}"
        name = f"part-{run_id}-{number:05d}"
        temporary = partition / f".{name}.tmp"
        final = partition / f"{name}.parquet"
        try:
            self._make_dirs(partition)
            with _private_file(temporary) as file:
                _lock(file)
                write(file)
                file.flush()
                os.fsync(file.fileno())
                os.replace(temporary, final)
            _fsync_folder(partition)
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise self._unusable(final, "writing", error) from error
        return final

    def clean_temporaries(self) -> int:
        """Delete the temporaries of writers that died (unlocked, over a minute old)."""
        removed = 0
        if not self.path.is_dir():
            return removed
        now = time.time()
        for partition in self.path.iterdir():
            if not (_PARTITION.fullmatch(partition.name) and partition.is_dir()):
                continue
            for item in partition.iterdir():
                if not _TEMPORARY.fullmatch(item.name):
                    continue
                with contextlib.suppress(OSError):
                    if now - item.stat().st_mtime > _STALE_SECONDS and _abandoned(item):
                        item.unlink()
                        removed += 1
        return removed

    def size_bytes(self) -> int:
        """Bytes of every committed chunk."""
        return sum(chunk.path.stat().st_size for chunk in self.chunks())

    # -- errors -----------------------------------------------------------------------------

    def _make_dirs(self, path: Path) -> None:
        created = not self.path.exists()
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if created and os.name == "posix":
            self.path.chmod(0o700)  # the history holds names, emails and phone numbers

    def _foreign(self, entry: Path) -> HistoryError:
        kind = "folder" if entry.is_dir() else "file"
        return HistoryError(
            f"{entry} is not part of the knock-data history in {self.path}: a {kind} that "
            "knock-data did not write.",
            hint=_WHAT_TO_DO,
        )

    def _corrupt(self, path: Path, reason: str) -> HistoryError:
        return HistoryError(
            f"{path} is corrupt: {reason}.",
            hint="Restore it from a backup, or move it out of the folder (the observations "
            "it holds are then left out).",
        )

    def _unusable(self, path: Path, doing: str, error: OSError) -> HistoryError:
        reason = (error.strerror or str(error) or type(error).__name__).rstrip(".")
        return HistoryError(
            f"Error {doing} {path}: {reason}.",
            hint="Check that the history folder is writable and the disk has room; "
            "what was written before is kept.",
        )


@contextlib.contextmanager
def _private_file(path: Path) -> Iterator[IO[bytes]]:
    """A new file readable by its owner only, opened for writing."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        yield file


def _lock(file: IO[bytes]) -> None:
    """Hold an exclusive lock on a temporary while it is written (released when it closes,
    also when the process dies): how a cleaner tells a live writer from a dead one."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: the age alone decides
        return
    fcntl.flock(file.fileno(), fcntl.LOCK_EX)


def _abandoned(path: Path) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return True
    with open(path, "rb") as file:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live writer holds it
        return True


def _fsync_folder(path: Path) -> None:
    """Make a rename in ``path`` durable (POSIX; elsewhere the rename itself is enough)."""
    if os.name != "posix":  # pragma: no cover
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
