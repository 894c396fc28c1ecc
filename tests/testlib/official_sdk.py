"""The official ``opik`` SDK, unmodified, run in a child process against a test backend.

A scenario runs in its own interpreter (the SDK keeps global state and threads), configured
only through the SDK's documented environment variables, and prints what it created as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

PRELUDE = """
import json, opik
from opik import track, opik_context
"""


def run_sdk(backend, workspace: str, project: str, body: str) -> dict:
    """Run ``body`` after ``PRELUDE`` with the SDK logging to ``backend`` (anything with a
    ``url``) in ``workspace`` and ``project``; the JSON its last line of output holds."""
    env = {
        **os.environ,
        "OPIK_URL_OVERRIDE": backend.url,
        "OPIK_WORKSPACE": workspace,
        "OPIK_PROJECT_NAME": project,
        "OPIK_SENTRY_ENABLE": "false",
        "OPIK_ANALYTICS_ENABLE": "false",
        "OPIK_CHECK_TLS_CERTIFICATE": "false",
    }
    script = PRELUDE + textwrap.dedent(body)
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
