"""Names a package exports lazily: the module defining each is imported on first use, so
importing the package stays cheap (anywidget, pandas and the evaluation code load only when
asked for), and ``dir()`` and completion still list them."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, modules: Mapping[str, str], public: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose names in ``modules`` come from the
    module each maps to (relative to ``package``); ``public`` is its ``__all__``."""
    listed = frozenset(public)

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook of PEP 562
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module, package), name)

    def __dir__() -> list[str]:  # noqa: N807
        """The public API, lazily exported names included."""
        return sorted({*vars(sys.modules[package]), *listed})

    return __getattr__, __dir__
