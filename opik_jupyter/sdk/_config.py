"""SDK settings: ``configure()`` arguments, then ``OPIK_JUPYTER_*``, then ``OPIK_*`` env vars,
then the Opik SDK's config file (``~/.opik.config`` or ``$OPIK_CONFIG_PATH``), then defaults.

Nothing is read at import. :func:`current` resolves the settings on first use and caches
them until :func:`configure` (or :func:`reset`) changes them.
"""

from __future__ import annotations

import configparser
import dataclasses
import os
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path("~/.opik-jupyter")
DEFAULT_PROJECT = "Default Project"
DEFAULT_WORKSPACE = "default"

# setting -> env vars, ours first (ours win over the official SDK's)
ENV_VARS: dict[str, tuple[str, ...]] = {
    "url": ("OPIK_JUPYTER_URL", "OPIK_URL_OVERRIDE"),
    "project": ("OPIK_JUPYTER_PROJECT", "OPIK_PROJECT_NAME"),
    "workspace": ("OPIK_JUPYTER_WORKSPACE", "OPIK_WORKSPACE"),
    "api_key": ("OPIK_JUPYTER_API_KEY", "OPIK_API_KEY"),
    "data_dir": ("OPIK_JUPYTER_DATA_DIR",),
    "spill_dir": ("OPIK_JUPYTER_SPILL_DIR",),
    "enabled": ("OPIK_JUPYTER_ENABLED",),
    "max_field_bytes": ("OPIK_JUPYTER_MAX_FIELD_BYTES",),
}
_DISABLE_VARS = ("OPIK_JUPYTER_TRACK_DISABLE", "OPIK_TRACK_DISABLE")
CONFIG_FILE = "~/.opik.config"
CONFIG_PATH_VAR = "OPIK_CONFIG_PATH"
# setting -> its key in the [opik] section of the Opik SDK's config file
FILE_KEYS = {
    "url": "url_override",
    "project": "project_name",
    "workspace": "workspace",
    "api_key": "api_key",
}


class ConfigError(ValueError):
    """A setting has a value the SDK cannot use; the message names it."""


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything the tracing SDK needs; see ``docs/sdk.md`` for each setting."""

    url: str | None = None
    """Base URL of the Opik REST API, ending in ``/api``; None means the local backend."""
    project: str = DEFAULT_PROJECT
    workspace: str = DEFAULT_WORKSPACE
    api_key: str | None = None
    data_dir: Path = DEFAULT_DATA_DIR
    spill_dir: Path | None = None
    """Where undeliverable events wait on disk; None means ``<data_dir>/spill``."""
    enabled: bool = True
    max_queue: int = 10_000
    batch_max_items: int = 5_000
    batch_max_bytes: int = 8 * 1024 * 1024
    flush_interval: float = 0.5
    max_field_bytes: int = 1024 * 1024
    max_string_chars: int = 100_000
    max_spill_bytes: int = 1024 * 1024 * 1024
    retry_base_delay: float = 0.25
    retry_max_delay: float = 30.0
    inline_retries: int = 2
    request_timeout: float = 30.0
    exit_flush_timeout: float = 10.0

    @property
    def resolved_spill_dir(self) -> Path:
        return (self.spill_dir or self.data_dir / "spill").expanduser()

    @property
    def target(self) -> str:
        """What the events are for; spill files of another target are never replayed here."""
        where = self.url or f"local:{self.data_dir.expanduser().absolute()}"
        return f"{where}#{self.workspace}"


FIELDS = {f.name: f for f in dataclasses.fields(Config)}

_lock = threading.Lock()
_overrides: dict[str, Any] = {}
_cached: Config | None = None


def current() -> Config:
    """The settings in force (resolved once, then cached)."""
    global _cached  # noqa: PLW0603 - the one module-level cache of resolved settings
    cached = _cached
    if cached is not None:
        return cached
    with _lock:
        if _cached is None:
            _cached = resolve(_overrides, os.environ)
        return _cached


def set_overrides(values: Mapping[str, Any]) -> Config:
    """Remember ``configure()`` values (None leaves a setting alone) and re-resolve."""
    global _cached  # noqa: PLW0603
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(unknown)}")
    with _lock:
        new = {**_overrides, **{k: v for k, v in values.items() if v is not None}}
        config = resolve(new, os.environ)
        _overrides.clear()
        _overrides.update(new)
        _cached = config
        return config


def reset() -> None:
    """Forget ``configure()`` values and cached settings (tests)."""
    global _cached  # noqa: PLW0603
    with _lock:
        _overrides.clear()
        _cached = None


def resolve(overrides: Mapping[str, Any], env: Mapping[str, str]) -> Config:
    """Merge defaults, the config file, env vars and ``overrides`` (highest) into a checked
    :class:`Config`."""
    values: dict[str, Any] = file_settings(env)
    for name, names in ENV_VARS.items():
        for var in names:
            if env.get(var):
                values[name] = env[var]
                break
    if any(_truthy(env.get(var, "")) for var in _DISABLE_VARS):
        values["enabled"] = False
    values.update(overrides)
    return Config(**{name: _convert(name, value) for name, value in values.items()})


def file_settings(env: Mapping[str, str]) -> dict[str, str]:
    """Settings from the ``[opik]`` section of the Opik SDK's config file (``OPIK_CONFIG_PATH``
    or ``~/.opik.config``); none when it does not exist."""
    given = env.get(CONFIG_PATH_VAR)
    path = Path(given or CONFIG_FILE).expanduser()
    if not path.is_file():
        if given:
            warnings.warn(
                f"{CONFIG_PATH_VAR} names {path}, which does not exist; it is ignored",
                stacklevel=3,
            )
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigError(f"{path} is not a valid INI file: {exc}; fix or remove it") from exc
    if not parser.has_section("opik"):
        return {}
    section = parser["opik"]
    return {name: section[key] for name, key in FILE_KEYS.items() if section.get(key)}


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def _convert(name: str, value: Any) -> Any:
    kind = FIELDS[name].type
    try:
        if name == "url":
            return _normalise_url(str(value))
        if kind == "bool":
            return value if isinstance(value, bool) else _truthy(str(value))
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if "Path" in kind:
            return Path(str(value)).expanduser()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name} must be a {kind}, got {value!r}") from exc
    return str(value)


def _normalise_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"url must start with http:// or https://, got {url!r}")
    return url
