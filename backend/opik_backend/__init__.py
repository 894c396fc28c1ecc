"""The opik-jupyter backend: the Opik REST API on ClickHouse, MySQL/SQLite and Redis."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("opik-jupyter")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
