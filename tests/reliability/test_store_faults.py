"""Stores going away under a running backend: a clear 503 with a retry hint, never a hang,
and recovery without a restart once they are back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pymysql
import pytest

from opik_backend.config import Settings
from tests.testlib.backends import (
    MYSQL_DATABASE,
    MYSQL_URL,
    REDIS_URL,
    RunningBackend,
    address_of,
    mysql_server_params,
    proxied_url,
    start_backend_in_process,
)
from tests.testlib.builders import trace
from tests.testlib.proxy import FlakyProxy

MAX_FAILURE_SECONDS = 10  # a failing request must answer within this (no hang)


@pytest.fixture
def proxies() -> Iterator[tuple[FlakyProxy, FlakyProxy]]:
    mysql, redis = FlakyProxy(*address_of(MYSQL_URL)), FlakyProxy(*address_of(REDIS_URL))
    yield mysql, redis
    mysql.close()
    redis.close()


@pytest.fixture
def proxied(session_dir: Path, proxies: tuple[FlakyProxy, FlakyProxy]) -> Iterator[RunningBackend]:
    """A backend whose MariaDB and Redis connections go through the proxies."""
    mysql, redis = proxies
    settings = Settings(
        data_dir=session_dir / "data",
        optimize_idle_seconds=0,
        metadata_url=proxied_url(MYSQL_URL, mysql.port),
        redis_url=proxied_url(REDIS_URL, redis.port),
    )
    thread, running = start_backend_in_process(settings)
    yield running
    thread.stop()
    running.services.close()


def timed(call) -> tuple[httpx.Response, float]:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def assert_unavailable(response: httpx.Response, elapsed: float, store: str) -> None:
    assert response.status_code == 503, response.text
    assert elapsed < MAX_FAILURE_SECONDS
    assert int(response.headers["Retry-After"]) >= 1
    assert store in response.json()["message"]


def send(api: httpx.Client, project: str) -> httpx.Response:
    return api.post("v1/private/traces/batch", json={"traces": [trace(project)]})


@pytest.mark.parametrize("store", ["MySQL", "Redis"])
def test_a_store_going_away_is_503_then_recovers(
    proxied: RunningBackend, workspace: str, proxies: tuple[FlakyProxy, FlakyProxy], store: str
) -> None:
    proxy = proxies[0] if store == "MySQL" else proxies[1]
    with proxied.client(workspace) as api:
        assert send(api, "before").status_code == 204
        proxy.cut()
        for attempt in range(3):  # a new project needs both stores; each attempt fails fast
            response, elapsed = timed(lambda n=attempt: send(api, f"during-{n}"))
            assert_unavailable(response, elapsed, store)
        proxy.restore()
        assert send(api, "after").status_code == 204
        names = {p["name"] for p in api.get("v1/private/projects").json()["content"]}
        assert {"before", "after"} <= names
        assert not any(name.startswith("during") for name in names)


def test_mysql_connections_killed_are_replaced_transparently(
    proxied: RunningBackend, workspace: str
) -> None:
    with proxied.client(workspace) as api:
        assert send(api, "k1").status_code == 204
        admin = pymysql.connect(**mysql_server_params(), autocommit=True)
        with admin.cursor() as cur:
            cur.execute(
                "SELECT ID FROM information_schema.PROCESSLIST "
                "WHERE DB = %s AND ID != CONNECTION_ID()",
                (MYSQL_DATABASE,),
            )
            killed = [row[0] for row in cur.fetchall()]
            for connection_id in killed:
                cur.execute(f"KILL {int(connection_id)}")
        admin.close()
        assert killed
        assert send(api, "k2").status_code == 204
        assert api.post("v1/private/projects/retrieve", json={"name": "k2"}).status_code == 200
