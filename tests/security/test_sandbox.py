"""Python metric rules run code sent by any workspace: in the sandbox it cannot read the
backend's environment, data directory or processes, reach the network, or change the
backend's installed code; where no sandbox can be made, code rules are refused."""

from __future__ import annotations

import os
import shutil
import socket
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opik_backend.online import sandbox
from opik_backend.online.sandbox import MetricFailed, run_metric
from opik_backend.online.scoring import ScoringSettings
from tests.testlib.online_rules import python_rule
from tests.testlib.rest import assert_error

pytestmark = pytest.mark.skipif(
    not sandbox.isolation_available(), reason="bubblewrap cannot make namespaces here"
)

PROBE = """
import os

def attempt(action):
    try:
        return ["done", repr(action())[:200]]
    except BaseException as exc:
        return ["refused", type(exc).__name__]

def score(**arguments):
    return {name: attempt(action) for name, action in ACTIONS.items()}
"""


def probe(actions: str, **arguments: object) -> dict[str, list[str]]:
    """What each of ``actions`` (a dict literal of lambdas) did inside the sandbox."""
    source = PROBE + f"\nACTIONS = {actions}\n"
    return run_metric(source, dict(arguments), timeout=20, memory_mb=512)  # type: ignore[no-any-return]


def test_the_metric_sees_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPIK_JUPYTER_JUDGE_API_KEY", "sk-canary-judge-key")
    found = probe('{"env": lambda: dict(os.environ), "uid": lambda: (os.getuid(), os.getgid())}')
    assert "sk-canary" not in found["env"][1]
    assert "OPIK" not in found["env"][1]
    assert found["uid"] == ["done", "(65534, 65534)"]  # nobody


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data directory any user could read, holding a secret: only the sandbox's mount
    namespace keeps the metric from it."""
    parent = Path(tempfile.mkdtemp(prefix="opik-jupyter-sandbox-"))
    parent.chmod(0o755)
    (parent / "metadata.sqlite3").write_text("workspace A's projects")
    (parent / "metadata.sqlite3").chmod(0o644)
    yield parent
    shutil.rmtree(parent, ignore_errors=True)


def test_the_metric_cannot_read_the_data_directory(data_dir: Path) -> None:
    found = probe(
        '{"file": lambda: open(arguments_path + "/metadata.sqlite3").read(),'
        ' "listing": lambda: os.listdir(arguments_path)}'.replace(
            "arguments_path", repr(str(data_dir))
        )
    )
    assert found["file"][0] == "refused"
    assert found["listing"][0] == "refused"


def test_the_metric_cannot_see_the_backends_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPIK_JUPYTER_JUDGE_API_KEY", "sk-canary-judge-key")
    backend = os.getpid()  # this process plays the backend that runs the metric
    found = probe(
        f'{{"backend": lambda: open("/proc/{backend}/environ", "rb").read(),'
        ' "parent": lambda: open(f"/proc/{os.getppid()}/environ", "rb").read(),'
        ' "pids": lambda: sorted(p for p in os.listdir("/proc") if p.isdigit())}'
    )
    assert found["backend"][0] == "refused"
    assert "sk-canary" not in found["parent"][1]
    assert str(backend) not in found["pids"][1].split("'")


def test_the_metric_has_no_network() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        found = probe(
            "{"
            f'"loopback": lambda: __import__("socket").create_connection(("127.0.0.1", {port}), 3),'
            ' "outside": lambda: __import__("socket").create_connection(("1.1.1.1", 53), 3),'
            ' "dns": lambda: __import__("socket").getaddrinfo("pypi.org", 443)'
            "}"
        )
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing reached the host's port
    assert found["loopback"][0] == "refused"
    assert found["outside"][0] == "refused"
    assert found["dns"][0] == "refused"


def test_the_metric_cannot_change_the_installed_code() -> None:
    site_packages = Path(sysconfig.get_paths()["purelib"])
    target = site_packages / "opik_metric_was_here.pth"
    found = probe(
        f'{{"site": lambda: open({str(target)!r}, "w").write("import os"),'
        ' "usr": lambda: open("/usr/lib/evil", "w").write("x")}'
    )
    assert found["site"][0] == "refused"
    assert found["usr"][0] == "refused"
    assert not target.exists()


def test_the_metric_still_scores() -> None:
    source = "def score(output, reference):\n    return float(output == reference)\n"
    assert run_metric(source, {"output": "a", "reference": "a"}, 20, 512) == 1.0


def test_a_metric_past_its_time_is_killed() -> None:
    source = "import time\ndef score(**_):\n    time.sleep(60)\n"
    with pytest.raises(MetricFailed, match="longer than"):
        run_metric(source, {}, timeout=2, memory_mb=512)


# -- no sandbox available ------------------------------------------------------------------------


@pytest.fixture
def no_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine where bwrap is not on the PATH."""
    monkeypatch.setenv("PATH", "/nonexistent")
    sandbox.isolation_available.cache_clear()
    yield
    monkeypatch.undo()
    sandbox.isolation_available.cache_clear()


def test_without_a_sandbox_code_rules_are_refused(
    no_bubblewrap: None, api: httpx.Client, workspace: str
) -> None:
    rule = python_rule("refused", "def score(**_):\n    return 1.0\n")
    response = api.post("v1/private/automations/evaluators", json=rule)
    assert_error(response, 422, "bubblewrap", "allow_unsandboxed_metrics")
    with pytest.raises(MetricFailed, match="no sandbox"):
        run_metric("def score(**_):\n    return 1\n", {}, 10, 512)


def test_an_operator_may_allow_unsandboxed_metrics(
    no_bubblewrap: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed = ScoringSettings("", 10, 512, allow_unsandboxed_metrics=True)
    allowed.vet("user_defined_metric_python", {})  # no error
    monkeypatch.setenv("OPIK_JUPYTER_JUDGE_API_KEY", "sk-canary-judge-key")
    source = "import os\ndef score(**_):\n    return {'value': len(os.environ), 'reason': ''}\n"
    found = run_metric(source, {}, 10, 512, allow_unsandboxed=True)
    assert found["value"] <= 1  # still no inherited environment (LC_CTYPE at most)
