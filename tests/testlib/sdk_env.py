"""The SDK's settings in the environment, and fresh interpreters started without them."""

from __future__ import annotations

import os
import subprocess
import sys

# the settings of our SDK and of the official one that no test may inherit
SDK_ENV = (
    "OPIK_JUPYTER_URL",
    "OPIK_JUPYTER_PROJECT",
    "OPIK_JUPYTER_WORKSPACE",
    "OPIK_JUPYTER_API_KEY",
    "OPIK_JUPYTER_SPILL_DIR",
    "OPIK_JUPYTER_ENABLED",
    "OPIK_JUPYTER_MAX_FIELD_BYTES",
    "OPIK_JUPYTER_TRACK_DISABLE",
    "OPIK_URL_OVERRIDE",
    "OPIK_PROJECT_NAME",
    "OPIK_WORKSPACE",
    "OPIK_API_KEY",
    "OPIK_TRACK_DISABLE",
    "OPIK_CONFIG_PATH",
)


def env_without_sdk_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SDK_ENV}


def run_python(code: str, timeout: float = 120) -> str:
    """Run ``code`` in a fresh interpreter without SDK settings; its stdout, stripped."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env_without_sdk_settings(),
        timeout=timeout,
        check=True,
    )
    return out.stdout.strip()
