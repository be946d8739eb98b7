"""The cache file is private: created 0600 with no readable moment, and refused when others
could write to it (they could plant records), symbolic links resolved."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from knock_data import ConfigurationError, KnockClient
from knock_data._fetch.cache import open_cache
from tests.unit.fake_transport import BASE, FAST, KEY, FakeAdapter, prospect

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """A umask that lets everyone read and write new files: the cache must not rely on it."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def _fetch_into(path: Path) -> KnockClient:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    client = KnockClient(KEY, base_url=BASE, cache=path, retry=FAST, adapter=adapter)
    client.fetch_prospects([1, 2], progress=False)
    return client


@pytest.mark.parametrize("name", ["c.sqlite", "mycache", "cache.db"])
def test_new_files_and_folders_are_private_whatever_the_umask_and_suffix(
    tmp_path: Path, loose_umask: None, name: str
) -> None:
    path = tmp_path / "new" / "deeper" / name
    client = _fetch_into(path)
    real = client.cache_path
    assert real is not None
    assert real.parent == tmp_path / "new" / "deeper"
    # Checked while the client holds the file open: -wal and -shm exist now.
    for part in (real, Path(f"{real}-wal"), Path(f"{real}-shm")):
        assert _mode(part) == 0o600, part
    assert _mode(tmp_path / "new") == 0o700
    assert _mode(tmp_path / "new" / "deeper") == 0o700
    client.close()
    leftovers = {p.name for p in real.parent.iterdir()} - {real.name}
    assert leftovers <= {f"{real.name}-wal", f"{real.name}-shm"}


def test_an_existing_file_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _fetch_into(path).close()
    path.chmod(0o644)
    open_cache(path).close()
    assert _mode(path) == 0o600


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_a_file_others_can_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "c.sqlite"
    _fetch_into(path).close()
    path.chmod(mode)
    with pytest.raises(ConfigurationError, match="can be written by other users") as info:
        open_cache(path)
    assert str(path) in str(info.value)
    assert "chmod 600" in str(info.value)
    assert _mode(path) == mode  # refused, not changed


def test_a_side_file_others_can_write_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _fetch_into(path).close()
    wal = Path(f"{path}-wal")
    wal.write_bytes(b"")
    wal.chmod(0o666)
    with pytest.raises(ConfigurationError, match=r"c\.sqlite-wal can be written by other users"):
        open_cache(path)


def test_a_folder_others_can_write_is_refused_unless_sticky(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(ConfigurationError, match=r"folder .* can be written by other users"):
        open_cache(shared / "c.sqlite")
    assert not (shared / "c.sqlite").exists()  # refused before anything was created
    shared.chmod(0o777 | stat.S_ISVTX)  # like /tmp: nobody can replace another's file
    open_cache(shared / "c.sqlite").close()
    assert _mode(shared / "c.sqlite") == 0o600


def test_a_file_of_another_user_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.sqlite"
    _fetch_into(path).close()
    owner = path.stat().st_uid
    monkeypatch.setattr(os, "getuid", lambda: owner + 4242)  # as another user would see it
    with pytest.raises(ConfigurationError, match="belongs to another user"):
        open_cache(path)


def test_a_symlinked_path_is_resolved_and_the_same_rules_apply(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir(mode=0o700)
    link = tmp_path / "link.sqlite"
    link.symlink_to(real_dir / "c.sqlite")
    client = _fetch_into(link)
    assert client.cache_path == real_dir / "c.sqlite"  # the real file, -wal and -shm beside it
    client.close()
    assert link.is_symlink()
    assert _mode(real_dir / "c.sqlite") == 0o600
    (real_dir / "c.sqlite").chmod(0o666)
    with pytest.raises(ConfigurationError, match=r"real/c\.sqlite can be written"):
        open_cache(link)


def test_a_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "c.sqlite").mkdir()
    with pytest.raises(ConfigurationError, match="not a regular file"):
        open_cache(tmp_path / "c.sqlite")
