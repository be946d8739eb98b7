"""Configuration: the environment, defaults and the missing-key message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from knock_data import ConfigurationError, KnockClient
from knock_data._fetch.config import (
    BASE_URLS,
    STAGE_TEST_KEY,
    default_cache_path,
    resolve_connection,
)


def test_prod_without_key_says_how_to_set_one_or_try_the_sandbox() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_connection(environ={})
    text = str(info.value)
    assert "KNOCK_API_KEY" in text
    assert "knock-data sandbox" in text
    assert "env='stage'" in text


def test_key_and_base_url_from_the_environment() -> None:
    conn = resolve_connection(environ={"KNOCK_API_KEY": "k1", "KNOCK_BASE_URL": "https://h:1/"})
    assert (conn.api_key, conn.base_url, conn.env) == ("k1", "https://h:1", "prod")
    assert "k1" not in repr(conn)


def test_arguments_win_over_the_environment() -> None:
    conn = resolve_connection("k2", base_url="https://a", environ={"KNOCK_API_KEY": "k1"})
    assert (conn.api_key, conn.base_url) == ("k2", "https://a")


def test_stage_defaults_to_the_public_test_key() -> None:
    conn = resolve_connection(env="stage", environ={})
    assert (conn.api_key, conn.base_url) == (STAGE_TEST_KEY, BASE_URLS["stage"])


def test_unknown_env_lists_the_choices() -> None:
    with pytest.raises(ConfigurationError, match=r"\['prod', 'stage'\]"):
        resolve_connection("k", env="dev", environ={})


def test_default_cache_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_cache_path({"KNOCK_DATA_CACHE": str(tmp_path / "c.sqlite")}) == (
        tmp_path / "c.sqlite"
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    path = default_cache_path({})
    assert path.name == "http_cache.sqlite"
    assert path.parent.name == "knock-data"
    assert not path.parent.exists()  # computing the path creates nothing


def test_client_options_are_checked() -> None:
    for bad in ({"max_workers": 0}, {"rate_limit": 0}, {"timeout": 0}, {"max_retries": -1}):
        with pytest.raises(ConfigurationError):
            KnockClient("k", cache=False, **bad)  # type: ignore[arg-type]


def test_client_creates_nothing_until_used(tmp_path: Path) -> None:
    client = KnockClient("secret-key", cache=tmp_path / "sub" / "c.sqlite")
    assert not (tmp_path / "sub").exists()
    assert "secret-key" not in repr(client)


def test_import_has_no_side_effects(tmp_path: Path) -> None:
    code = (
        "import sys, knock_data\n"
        "knock_data.KnockClient, knock_data.read_ids, knock_data.FetchResult\n"
        "heavy = [m for m in ('tqdm', 'ipywidgets', 'matplotlib', 'requests_cache') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path), "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    "url",
    ["knock.test", "ftp://knock.test", "http://", "http://exa mple", "http://[::1", "http://h:x"],
)
def test_a_base_url_without_a_usable_host_is_refused_up_front(url: str) -> None:
    with pytest.raises(ConfigurationError, match="http:// or https:// URL with a host name"):
        resolve_connection("k", base_url=url, environ={})
