"""Running the backend: ``opik-jupyter server`` / ``python -m opik_backend``.

Start-up takes the data directory's lock (one backend per directory), opens and migrates
the stores, listens, then publishes where it listens in the runtime file. SIGTERM and
SIGINT stop listening, commit what was accepted, and remove the runtime file.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import tornado.netutil
from clickhouse_connect.driver.exceptions import ClickHouseError

from . import __version__, runtime
from .app import http_server
from .config import ConfigError, Settings, load_settings
from .errors import StorageUnavailable
from .services import Services

log = logging.getLogger("opik_backend")


def parse_args(argv: Sequence[str], prog: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog, description="Serve the Opik REST API on embedded or server storage."
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 5173; 0 picks a free one)")
    parser.add_argument(
        "--data-dir", type=Path, help="where embedded data lives (default ~/.opik-jupyter)"
    )
    parser.add_argument("--config", type=Path, help="a TOML settings file")
    parser.add_argument("--clickhouse-url", help="chdb:///path or http(s)://host:8123")
    parser.add_argument("--metadata-url", help="sqlite:///path or mysql://user:pw@host/db")
    parser.add_argument("--redis-url", help="redis://host:6379/0 (default: in-process cache)")
    parser.add_argument("--log-level", help="debug, info, warning or error")
    parser.add_argument(
        "--auth",
        action="store_const",
        const=True,
        help="require an API key (see `opik-jupyter api-key`) on every route",
    )
    parser.add_argument(
        "--allow-unauthenticated-bind",
        action="store_const",
        const=True,
        help="serve a non-loopback address without --auth (not recommended)",
    )
    return parser.parse_args(argv)


def check_exposure(settings: Settings) -> None:
    """Refuse to serve other machines without authentication, unless told to."""
    if settings.auth or settings.allow_unauthenticated_bind or _is_loopback(settings.host):
        return
    raise ConfigError(
        f"refusing to serve {settings.host} without authentication: anyone who can reach it "
        "could read and write every trace. Add --auth (and create keys with "
        "`opik-jupyter api-key create`), or pass --allow-unauthenticated-bind."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: Sequence[str] | None = None, prog: str = "python -m opik_backend") -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv, prog)
    cli = {k: v for k, v in vars(args).items() if k != "config"}
    try:
        settings = load_settings(cli=cli, config_file=args.config)
        check_exposure(settings)
    except ConfigError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    os.umask(0o077)  # every file the backend makes (stores, logs) is its user's alone
    try:
        lock = runtime.acquire_lock(settings.data_dir)
        runtime.make_private(settings.data_dir)
    except runtime.BackendLocked as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"{prog}: cannot use the data directory {settings.data_dir}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    try:
        return asyncio.run(serve(settings))
    except (StorageUnavailable, OSError, ClickHouseError) as exc:
        print(f"{prog}: cannot start: {exc}", file=sys.stderr)
        return 1
    finally:
        lock.close()


async def serve(settings: Settings) -> int:
    """Run until SIGTERM or SIGINT."""
    services = Services.open(settings)
    server = http_server(services)
    sockets = tornado.netutil.bind_sockets(settings.port, settings.host)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    # What start-up made (modules, stores, app) lives as long as the process: keep it out
    # of the collector's full passes, which otherwise add ~30 ms to a request now and then.
    gc.collect()
    gc.freeze()
    info = runtime.RuntimeInfo(
        pid=os.getpid(),
        host=settings.host,
        port=port,
        data_dir=str(settings.data_dir),
        version=__version__,
        started_at=time.time(),
        token=services.access.token,
    )
    runtime.write(settings.data_dir, info)
    log.info(
        "opik-jupyter backend %s listening on %s (data in %s)",
        __version__,
        info.url,
        settings.data_dir,
    )
    print(f"opik-jupyter backend listening on {info.url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: committing queued writes")
    server.stop()
    await server.close_all_connections()
    services.close()
    runtime.remove(settings.data_dir, os.getpid())
    return 0


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (for tests and tools)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
