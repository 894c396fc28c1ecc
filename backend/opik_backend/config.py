"""Backend settings: defaults, overridden by a TOML file, then env vars, then CLI flags.

Every setting has one name used everywhere: the dataclass field ``data_dir`` is the
TOML key ``data_dir``, the env var ``OPIK_JUPYTER_DATA_DIR`` and the flag ``--data-dir``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "OPIK_JUPYTER_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"
DEFAULT_CONFIG_FILE = Path("~/.config/opik-jupyter/config.toml")
DEFAULT_DATA_DIR = Path("~/.opik-jupyter")


class ConfigError(ValueError):
    """A setting has a value the backend cannot use; the message names it."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the backend process needs to start."""

    host: str = "127.0.0.1"
    port: int = 5173
    data_dir: Path = DEFAULT_DATA_DIR
    clickhouse_url: str = ""  # "" means chdb:///<data_dir>/clickhouse
    metadata_url: str = ""  # "" means sqlite:///<data_dir>/metadata.sqlite3
    redis_url: str = ""  # "" means in-process cache
    redis_prefix: str = "opik-jupyter"  # keys of this deployment (several may share a Redis)
    clickhouse_database: str = "opik"
    max_body_mb: int = 64
    log_level: str = "info"
    optimize_idle_seconds: float = 30.0
    auth: bool = False  # require an API key on every route but the health ping
    allow_unauthenticated_bind: bool = False  # serve a non-loopback address without auth
    rate_limit_per_second: int = 0  # events a workspace may send per second; 0: no limit
    online_workers: int = 1  # online-evaluation scorer threads; 0: this process scores nothing
    online_retry_seconds: float = 10.0  # a failed or abandoned event is retried after this
    online_max_attempts: int = 3  # then it goes to the dead-letter list
    judge_base_url: str = ""  # OpenAI-compatible endpoint for LLM-as-judge rules
    judge_api_key: str = ""  # sent only to judge_base_url and judge_allowed_base_urls
    judge_allowed_base_urls: str = ""  # comma-separated endpoints rules may name (with the key)
    judge_allow_private_network: str = "local"  # rules' endpoints may be internal: local|on|off
    metric_timeout_seconds: float = 10.0  # a Python metric is killed after this
    metric_memory_mb: int = 512
    allow_unsandboxed_metrics: bool = False  # run Python metrics without bubblewrap (one user)
    require_token: bool = False  # local mode: even the backend's own user must send the token
    allowed_hosts: str = ""  # comma-separated Host names the local backend also answers to
    idle_timeout_seconds: float = 60.0  # a connection silent this long (or slow headers) closes
    body_timeout_seconds: float = 120.0  # a request body must arrive within this
    attachments_url: str = ""  # "" means files under <data_dir>/attachments; or s3://bucket/prefix
    s3_endpoint_url: str = ""  # an S3-compatible store's endpoint (MinIO, ...); "" means AWS
    s3_region: str = ""
    max_attachment_mb: int = 256  # larger attachments get 413

    @property
    def resolved_clickhouse_url(self) -> str:
        """The ClickHouse DSN, defaulting to an embedded chDB store in the data dir."""
        return self.clickhouse_url or f"chdb://{self.data_dir / 'clickhouse'}"

    @property
    def resolved_metadata_url(self) -> str:
        """The metadata DSN, defaulting to a SQLite file in the data dir."""
        return self.metadata_url or f"sqlite:///{self.data_dir / 'metadata.sqlite3'}"

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_mb * 1024 * 1024

    @property
    def allowed_host_names(self) -> list[str]:
        """``allowed_hosts`` as a list, with the address the server binds."""
        names = [name.strip() for name in self.allowed_hosts.split(",") if name.strip()]
        return [*names, self.host]

    @property
    def judge_private_network_allowed(self) -> bool:
        """Whether a rule's own judge endpoint may be an internal address: ``local`` (the
        default) allows it when no ``--auth`` is set, where every caller is the backend's own
        user and could reach those addresses anyway; ``on``/``off`` decide outright."""
        value = str(self.judge_allow_private_network).strip().lower()
        if value == "local":
            return not self.auth
        try:
            return _boolean(value)
        except ValueError:
            raise ConfigError(
                f"judge_allow_private_network must be local, on or off, got {value!r}"
            ) from None

    @property
    def max_attachment_bytes(self) -> int:
        return self.max_attachment_mb * 1024 * 1024


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def load_settings(
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Merge defaults, the TOML config file, ``OPIK_JUPYTER_*`` env vars and CLI values."""
    env = os.environ if env is None else env
    cli = {k: v for k, v in (cli or {}).items() if v is not None}
    values: dict[str, Any] = {"data_dir": DEFAULT_DATA_DIR}
    values.update(_read_config_file(_config_path(config_file, env)))
    values.update(_read_env(env))
    values.update(cli)
    return _build(values)


def _config_path(explicit: Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit is not None:
        if not explicit.expanduser().is_file():
            raise ConfigError(f"config file {explicit} does not exist")
        return explicit.expanduser()
    if CONFIG_ENV in env:
        path = Path(env[CONFIG_ENV]).expanduser()
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV}={env[CONFIG_ENV]} does not name a file")
        return path
    default = DEFAULT_CONFIG_FILE.expanduser()
    return default if default.is_file() else None


def _read_config_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    section = data.get("server", data)
    unknown = sorted(set(section) - set(FIELDS))
    if unknown:
        raise ConfigError(f"config file {path} has unknown settings: {', '.join(unknown)}")
    return dict(section)


def _read_env(env: Mapping[str, str]) -> dict[str, str]:
    return {
        name: env[ENV_PREFIX + name.upper()] for name in FIELDS if ENV_PREFIX + name.upper() in env
    }


def _build(values: Mapping[str, Any]) -> Settings:
    converted = {name: _convert(name, value) for name, value in values.items()}
    settings = Settings(**converted)
    if not 0 <= settings.port <= 65535:
        raise ConfigError(f"port must be between 0 and 65535, got {settings.port}")
    if settings.max_body_mb <= 0:
        raise ConfigError(f"max_body_mb must be positive, got {settings.max_body_mb}")
    if settings.max_attachment_mb <= 0:
        raise ConfigError(f"max_attachment_mb must be positive, got {settings.max_attachment_mb}")
    return settings


def _convert(name: str, value: Any) -> Any:
    kind = FIELDS[name].type
    try:
        if kind == "bool":
            return _boolean(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "Path":
            return Path(str(value)).expanduser().absolute()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name} must be a {kind}, got {value!r}") from exc
    return str(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {value!r}")
