"""The public surface: sorted ``__all__``, and an import with no side effects."""

from __future__ import annotations

import subprocess
import sys

import opik_jupyter
import opik_jupyter.sdk

from .conftest import env_without_sdk_settings


def test_all__is_sorted_and_complete() -> None:
    for module in (opik_jupyter, opik_jupyter.sdk):
        assert module.__all__ == sorted(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)
    sdk_names = set(opik_jupyter.sdk.__all__)
    assert set(opik_jupyter.__all__) - {"__version__"} <= sdk_names


def test_import__starts_no_thread_and_configures_no_logging() -> None:
    code = ("import logging, sys, threading; import opik_jupyter; "
            "assert [t.name for t in threading.enumerate()] == ['MainThread']; "
            "assert not logging.getLogger().handlers; "
            "assert 'pandas' not in sys.modules and 'opik' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env_without_sdk_settings(), timeout=60, check=True)
    assert out.stdout.strip() == "ok"
