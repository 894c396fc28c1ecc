"""The threads an evaluation runs on.

* :class:`DaemonPool` runs sync tasks and metrics. Its threads are daemons, unlike
  ``ThreadPoolExecutor``'s, which the interpreter joins at exit: a task that hangs past its
  timeout keeps one thread (a new one takes its place) and never blocks a kernel's exit.
* :func:`run_blocking` runs the evaluation's coroutine on one background event loop
  (thread ``opik-jupyter-eval-loop``, started on first use and kept). So ``evaluate()``
  never calls ``asyncio.run`` (a notebook's loop is already running), and async clients
  such as ``AsyncOpenAI`` keep working across runs: their connections stay on one loop.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
CLEANUP_SECONDS = 30.0
"""How long an interrupted ``evaluate()`` waits for the finished items to be saved."""
WAKE_SECONDS = 0.2
_Job = tuple[Future[Any], Callable[[], Any]] | None


class DaemonPool:
    """Daemon worker threads fed by a queue (``submit`` returns a concurrent Future)."""

    def __init__(self, size: int, name: str = "opik-jupyter-eval") -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._name = name
        self._count = itertools.count(1)
        self._threads: list[threading.Thread] = []
        for _ in range(size):
            self.add_worker()

    def submit(self, job: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, job))
        return future

    def add_worker(self) -> None:
        """One more thread (in place of one held by a task that timed out)."""
        thread = threading.Thread(
            target=self._work, name=f"{self._name}-{next(self._count)}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, call = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as exc:  # handed to whoever awaits the job
                future.set_exception(exc)

    def close(self, wait: float = 0.0) -> None:
        """Let the threads end once idle; wait up to ``wait`` seconds for them."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(wait / max(len(self._threads), 1) if wait else 0)


_loop_lock = threading.Lock()
_running: tuple[asyncio.AbstractEventLoop, threading.Thread] | None = None


def background_loop() -> asyncio.AbstractEventLoop:
    """The evaluation event loop, running in its own daemon thread."""
    global _running  # noqa: PLW0603 - one loop per process, made on first use
    with _loop_lock:
        if _running is None:
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            thread = threading.Thread(target=run, name="opik-jupyter-eval-loop", daemon=True)
            thread.start()
            started.wait()
            _running = (loop, thread)
        return _running[0]


def stop_background_loop() -> None:
    """Stop and close the evaluation loop (tests; the next evaluation starts a new one)."""
    global _running
    with _loop_lock:
        running, _running = _running, None
    if running is not None:
        loop, thread = running
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on the background loop and wait for it. On ``KeyboardInterrupt``
    it is cancelled, its clean-up (saving finished items) is awaited, then the interrupt
    goes on."""
    finished = threading.Event()

    async def guarded() -> T:
        try:
            return await coroutine
        finally:
            finished.set()

    future = asyncio.run_coroutine_threadsafe(guarded(), background_loop())
    try:
        while not future.done():
            # a wait with a timeout: a SIGINT that another thread received only reaches the
            # main thread when it wakes up, and an endless lock wait would never wake
            finished.wait(WAKE_SECONDS)
        return future.result()
    except KeyboardInterrupt:
        future.cancel()
        finished.wait(CLEANUP_SECONDS)
        raise
