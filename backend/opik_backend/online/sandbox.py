"""Running a user's Python metric in a separate, isolated and limited process.

A metric is code sent by any workspace, so it runs in a sandbox made with bubblewrap
(``bwrap``, Debian's ``bubblewrap`` package, the sandbox Flatpak uses): new user, PID,
network, IPC, UTS and cgroup namespaces, as uid/gid 65534 (nobody) without capabilities,
with an empty environment, no network (a namespace with only its own loopback), a root
file system that holds only the system's ``/usr`` and the interpreter, read-only, a
private ``/proc`` (the backend's processes are not in it) and a small ``/tmp``. The data
directory, the backend's configuration and its secrets are not there at all. The child caps
its own memory and CPU time (hard limits) before running the metric, is killed at the time
limit (with everything it started), and only the arguments go in (JSON on stdin) and only
the score comes out (behind a random marker on stdout).

Where bubblewrap is missing or cannot make namespaces, code metrics are refused
(:func:`check_allowed`) unless the operator allows unsandboxed metrics, for a single-user
install: then the child is only a fresh interpreter with an empty environment and limits.
"""

from __future__ import annotations

import functools
import json
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..errors import ValidationFailed

NOBODY = 65534
TMP_BYTES = 16 * 1024 * 1024
"""Size of the sandbox's ``/tmp`` (memory that the address-space limit does not count)."""

_RUNNER = r"""
import json, resource, sys
job = json.loads(sys.stdin.read())
memory = job["memory_mb"] * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (job["cpu_seconds"], job["cpu_seconds"]))
resource.setrlimit(resource.RLIMIT_FSIZE, (job["file_bytes"], job["file_bytes"]))
namespace = {"__name__": "opik_metric"}
exec(compile(job["source"], "<metric>", "exec"), namespace)
score = namespace.get("score")
if not callable(score):
    raise SystemExit("the metric source must define a function score(**arguments)")
result = score(**job["arguments"])
sys.stdout.write("\n" + job["marker"] + json.dumps(result) + "\n")
"""


class MetricFailed(Exception):
    """The metric did not produce a result; the message says why."""


def run_metric(
    source: str,
    arguments: dict[str, Any],
    timeout: float,
    memory_mb: int,
    allow_unsandboxed: bool = False,
) -> Any:
    """Call ``score(**arguments)`` defined by ``source`` in an isolated, limited child."""
    command = _command(allow_unsandboxed)
    marker = f"@@opik-result-{secrets.token_hex(8)}@@"
    job = {
        "source": source,
        "arguments": arguments,
        "marker": marker,
        "memory_mb": memory_mb,
        "cpu_seconds": max(1, int(timeout) + 1),
        "file_bytes": TMP_BYTES,
    }
    try:
        done = subprocess.run(  # noqa: S603 - bwrap and our interpreter; the metric is data
            command,
            input=json.dumps(job),
            text=True,
            capture_output=True,
            timeout=timeout,
            check=False,
            env={},
            cwd="/",
        )
    except subprocess.TimeoutExpired:
        raise MetricFailed(f"the metric ran longer than {timeout:g}s and was killed") from None
    results = [line[len(marker) :] for line in done.stdout.splitlines() if line.startswith(marker)]
    if done.returncode != 0 or not results:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise MetricFailed(f"the metric failed (exit {done.returncode}): {tail[0][:500]}")
    try:
        return json.loads(results[-1])
    except ValueError as exc:
        raise MetricFailed(f"the metric returned something that is not JSON: {exc}") from exc


def check_allowed(allow_unsandboxed: bool) -> None:
    """422 unless code metrics can run here: isolated, or allowed without isolation."""
    if not allow_unsandboxed and not isolation_available():
        raise ValidationFailed(
            "type: Python metric rules need a sandbox, and this server has none: install "
            "bubblewrap (the bwrap command) where user namespaces are allowed, or, on a "
            "single-user install only, set allow_unsandboxed_metrics"
        )


def _command(allow_unsandboxed: bool) -> list[str]:
    interpreter = [sys.executable, "-I", "-c", _RUNNER]
    if isolation_available():
        return [*_bwrap_prefix(), *interpreter]
    if allow_unsandboxed:
        return interpreter
    raise MetricFailed(
        "no sandbox is available for Python metrics (install bubblewrap, or set "
        "allow_unsandboxed_metrics on a single-user install)"
    )


@functools.cache
def isolation_available() -> bool:
    """Whether bubblewrap is installed and can make its namespaces here (tried once)."""
    if shutil.which("bwrap") is None:
        return False
    try:
        probe = subprocess.run(  # noqa: S603 - bwrap with fixed arguments
            [*_bwrap_prefix(), sys.executable, "-I", "-c", "pass"],
            capture_output=True,
            timeout=30,
            check=False,
            env={},
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@functools.cache
def _bwrap_prefix() -> tuple[str, ...]:
    """``bwrap`` and its options, up to the command it runs."""
    options = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--uid",
        str(NOBODY),
        "--gid",
        str(NOBODY),
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(TMP_BYTES),
        "--tmpfs",
        "/tmp",  # noqa: S108 - the sandbox's own small tmpfs
        "--chdir",
        "/tmp",  # noqa: S108
    ]
    for path in _system_paths():
        if path.is_symlink():
            options += ["--symlink", str(path.readlink()), str(path)]
        else:
            options += ["--ro-bind", str(path), str(path)]
    return tuple(options)


def _system_paths() -> list[Path]:
    """What the interpreter needs, read-only: ``/usr`` (with ``/bin``, ``/lib``... as the
    host has them), the interpreter's own prefixes (a venv, a pyenv build) and the Python
    packages that editable installs put on its path (packages and modules only: a data
    directory beside them is not a package and stays out)."""
    roots = [Path(p) for p in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")]
    prefixes = sorted({Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
    bound = [p for p in roots if p.exists() or p.is_symlink()]
    bound += [p for p in prefixes if not p.is_relative_to("/usr")]
    return bound + _editable_code(bound)


def _editable_code(bound: list[Path]) -> list[Path]:
    found = subprocess.run(
        [sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={},
        cwd="/",
    )
    entries = {Path(p) for p in json.loads(found.stdout) if p and Path(p).is_dir()}
    code: list[Path] = []
    for entry in sorted(entries):
        if any(entry.resolve().is_relative_to(root) for root in bound):
            continue
        code += [
            child
            for child in sorted(entry.iterdir())
            if (child / "__init__.py").is_file() or (child.suffix == ".py" and child.is_file())
        ]
    return code
