"""Settings: configure() over OPIK_JUPYTER_* over the official SDK's OPIK_* env vars."""

from __future__ import annotations

from pathlib import Path

import pytest

import opik_jupyter as oj
from opik_jupyter.sdk._config import Config, ConfigError, resolve


def test_resolve__defaults() -> None:
    config = resolve({}, {})
    assert config == Config()
    assert config.url is None
    assert config.project == "Default Project"
    assert config.resolved_spill_dir == Path("~/.opik-jupyter/spill").expanduser()


def test_resolve__ours_win_over_official_env_vars() -> None:
    env = {
        "OPIK_URL_OVERRIDE": "http://official:5173/api/",
        "OPIK_PROJECT_NAME": "theirs",
        "OPIK_WORKSPACE": "ws1",
        "OPIK_API_KEY": "k1",
        "OPIK_JUPYTER_PROJECT": "ours",
        "OPIK_JUPYTER_DATA_DIR": "/tmp/oj",
    }
    config = resolve({}, env)
    assert (config.url, config.project, config.workspace, config.api_key) == (
        "http://official:5173/api",
        "ours",
        "ws1",
        "k1",
    )
    assert config.data_dir == Path("/tmp/oj")
    env["OPIK_JUPYTER_URL"] = "http://ours:1/api"
    assert resolve({}, env).url == "http://ours:1/api"


def test_resolve__configure_values_win_over_env() -> None:
    config = resolve(
        {"project": "explicit", "flush_interval": "0.1"}, {"OPIK_JUPYTER_PROJECT": "env"}
    )
    assert config.project == "explicit"
    assert config.flush_interval == 0.1


@pytest.mark.parametrize("var", ["OPIK_TRACK_DISABLE", "OPIK_JUPYTER_TRACK_DISABLE"])
def test_resolve__disable_switches(var: str) -> None:
    assert resolve({}, {var: "true"}).enabled is False
    assert resolve({"enabled": True}, {var: "true"}).enabled is True


def test_configure__rejects_bad_values() -> None:
    with pytest.raises(ConfigError, match="url"):
        oj.configure(url="localhost:5173")
    with pytest.raises(ConfigError, match="unknown settings: colour"):
        oj.configure(colour="blue")
    with pytest.raises(ConfigError, match="max_queue"):
        oj.configure(max_queue="lots")


def test_configure__env_is_read_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPIK_JUPYTER_PROJECT", "late")
    assert oj.configure().project == "late"
