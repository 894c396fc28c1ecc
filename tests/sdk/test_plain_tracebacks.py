"""What a plain ``python script.py`` prints when a tracked function raises, or when the
backend is down: the user's frames and one error line, none of the SDK's wrappers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from opik_backend.server import free_port
from tests.testlib.sdk_env import env_without_sdk_settings

RAISING = """
    import opik_jupyter as oj
    oj.configure(url="http://127.0.0.1:{port}/api", data_dir={data_dir!r}, enabled={enabled},
                 exit_flush_timeout=0.5)

    @oj.track
    def inner():
        raise ValueError("boom")

    @oj.track(type="tool")
    def middle():
        return inner()

    @oj.track
    async def outer_async():
        return middle()

    @oj.track
    def numbers():
        yield 1
        middle()

    import asyncio, sys
    if sys.argv[1] == "sync":
        middle()
    elif sys.argv[1] == "async":
        asyncio.run(outer_async())
    else:
        list(numbers())
"""


def _run(source: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    env = env_without_sdk_settings()
    return subprocess.run(
        [sys.executable, str(script), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )


def _traceback(stderr: str) -> str:
    start = stderr.index("Traceback (most recent call last)")
    return stderr[start:]


def test_track__a_plain_python_traceback_has_no_wrapper_frames(tmp_path: Path) -> None:
    for mode in ("sync", "async", "generator"):
        for enabled in (True, False):
            source = RAISING.format(port=free_port(), data_dir=str(tmp_path), enabled=enabled)
            done = _run(source, tmp_path, mode)
            assert done.returncode == 1
            text = _traceback(done.stderr)
            assert "ValueError: boom" in text, text
            assert "_decorator.py" not in text, (mode, enabled, text)
            assert "wrapper" not in text, (mode, enabled, text)
            # the user's own frames are all there, innermost last
            assert text.index("in middle") < text.index("in inner"), text
            assert 'raise ValueError("boom")' in text


def test_backend_down__plain_python_prints_one_error_line_and_no_socket_chain(
    tmp_path: Path,
) -> None:
    port = free_port()
    source = f"""
        import opik_jupyter as oj
        with oj.Client(url="http://127.0.0.1:{port}/api") as client:
            client.get_trace("0190e0c0-0000-7000-8000-000000000000")
    """
    done = _run(source, tmp_path)
    assert done.returncode == 1
    text = _traceback(done.stderr)
    last = text.strip().splitlines()[-1]
    assert last.startswith("opik_jupyter.sdk._transport.TransportError: cannot reach the Opik")
    assert f"http://127.0.0.1:{port}/api" in last
    assert "check that it runs" in last
    assert text.count("Traceback (most recent call last)") == 1  # no chained exception
    for noise in ("ConnectionRefusedError", "http/client.py", "socket.py", "urllib3"):
        assert noise not in text, text
    assert text.count('  File "') <= 4, text  # the script's line and the client's 3 steps
