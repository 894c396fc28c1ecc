"""Settings: defaults < config file < OPIK_JUPYTER_* env vars < command-line flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from opik_backend.config import ConfigError, load_settings


def test_defaults_bind_loopback_and_embed_everything(tmp_path: Path) -> None:
    settings = load_settings(env={}, config_file=None)
    assert settings.host == "127.0.0.1"
    assert settings.port == 5173
    assert settings.data_dir == Path("~/.opik-jupyter").expanduser()
    assert settings.resolved_clickhouse_url.startswith("chdb://")
    assert settings.resolved_metadata_url.startswith("sqlite:///")
    assert settings.redis_url == ""


def test_precedence_file_then_env_then_cli(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[server]\nport = 1111\nhost = "127.0.0.2"\nlog_level = "debug"\n')
    settings = load_settings(
        cli={"port": 3333, "host": None},
        env={"OPIK_JUPYTER_PORT": "2222", "OPIK_JUPYTER_HOST": "127.0.0.3"},
        config_file=config,
    )
    assert settings.port == 3333
    assert settings.host == "127.0.0.3"
    assert settings.log_level == "debug"


def test_config_file_from_env_var(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'data_dir = "{tmp_path / "d"}"\n')
    settings = load_settings(env={"OPIK_JUPYTER_CONFIG": str(config)})
    assert settings.data_dir == tmp_path / "d"
    assert settings.resolved_clickhouse_url == f"chdb://{tmp_path / 'd' / 'clickhouse'}"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OPIK_JUPYTER_PORT": "eighty"}, "port must be a int"),
        ({"OPIK_JUPYTER_PORT": "70000"}, "between 0 and 65535"),
        ({"OPIK_JUPYTER_MAX_BODY_MB": "0"}, "max_body_mb must be positive"),
        ({"OPIK_JUPYTER_CONFIG": "/nonexistent/c.toml"}, "does not name a file"),
    ],
)
def test_bad_values_name_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env)


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("port = = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env={}, config_file=config)
