"""The stores themselves: migrations, the metadata database, the cache, background merges."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from opik_backend.errors import Conflict
from opik_backend.storage.cache import LocalCache, RedisCache
from opik_backend.storage.maintenance import Optimizer
from opik_backend.storage.migrations import (
    clickhouse_migrations,
    load,
    migrate_clickhouse,
    migrate_metadata,
)
from tests.testlib.backends import REDIS_URL
from tests.testlib.builders import trace


def test_migrations_run_once_and_are_recorded(backend) -> None:
    services = backend.services
    assert migrate_metadata(services.db) == []
    assert migrate_clickhouse(services.ch) == []
    rows = services.db.fetch("SELECT version FROM schema_migrations ORDER BY version")
    shipped = load("metadata", {"table_options": ""})
    assert [row["version"] for row in rows] == [m.version for m in shipped]
    assert len(shipped) >= 2


def test_project_names_are_case_sensitive_and_unique(backend, workspace: str) -> None:
    projects = backend.services.projects
    upper = projects.create(workspace, "Alpha", None)
    lower = projects.create(workspace, "alpha", None)
    assert upper.id != lower.id
    with pytest.raises(Conflict, match="already exists"):
        projects.create(workspace, "Alpha", None)
    assert projects.resolve(workspace, "Alpha") == upper


def test_resolve_creates_once_under_concurrency(backend, workspace: str) -> None:
    projects = backend.services.projects
    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(lambda _: projects.resolve(workspace, "raced").id, range(32)))
    assert len(ids) == 1


def test_local_cache_expires_and_evicts() -> None:
    cache = LocalCache(max_entries=2)
    cache.set("a", "1", ttl=0.05)
    cache.set("b", "2", ttl=60)
    assert cache.get("a") == "1"
    time.sleep(0.06)
    assert cache.get("a") is None
    cache.set("c", "3", ttl=60)
    cache.set("d", "4", ttl=60)
    assert cache.get("b") is None
    assert cache.get("d") == "4"


def test_redis_cache_round_trip_and_expiry() -> None:
    cache = RedisCache(REDIS_URL, prefix="opik-jupyter-test:")
    cache.set("k", "v", ttl=0.2)
    assert cache.get("k") == "v"
    assert redis.Redis.from_url(REDIS_URL).get("opik-jupyter-test:k") == b"v"
    time.sleep(0.3)
    assert cache.get("k") is None
    cache.close()


def test_project_cache_lives_in_redis_only_when_configured(backend, workspace: str) -> None:
    project = backend.services.projects.resolve(workspace, "cached")
    raw = redis.Redis.from_url(REDIS_URL).get(f"opik-jupyter:project:{workspace}:cached")
    if backend.services.settings.redis_url:
        assert raw is not None
        assert project.id.encode() in raw
    else:
        assert raw is None


def test_projects_are_remembered_by_id_and_name_until_this_process_changes_one(
    backend, workspace: str
) -> None:
    projects = backend.services.projects
    kept = projects.create(workspace, "kept", None)
    other = projects.create(workspace, "other", None)
    assert projects.recent(workspace, project_id=kept.id) == kept  # create reads it back
    assert projects.recent("another-workspace", project_id=kept.id) is None
    assert projects.recent(workspace, name="kept") is None
    assert projects.resolve(workspace, "kept") == kept
    assert projects.recent(workspace, name="kept") == kept
    projects.update(workspace, other.id, "renamed", None)
    assert projects.recent(workspace, project_id=kept.id) is None  # any change: look again
    assert projects.recent(workspace, name="kept") is None
    assert projects.by_name(workspace, "kept") == kept
    projects.delete(workspace, [kept.id])
    assert projects.recent(workspace, project_id=kept.id) is None
    assert projects.recent(workspace, name="kept") is None


def test_optimizer_merges_parts_after_writes_go_idle(backend, api) -> None:
    for i in range(3):
        api.post("v1/private/traces/batch", json={"traces": [trace("merge", name=f"m{i}")]})
    writer = backend.services.writer
    optimizer = Optimizer(backend.services.ch, writer, idle_seconds=0.01, check_every=3600)
    assert optimizer.tick() is False  # first look: activity seen
    time.sleep(0.02)
    assert optimizer.tick() is True
    assert optimizer.active_parts()["traces"] == 1
    assert optimizer.tick() is False  # nothing new since the merge
    optimizer.close()


def test_cluster_migrations_replicate_every_table() -> None:
    statements = [s for m in clickhouse_migrations("prod") for s in m.statements]
    creates = [s for s in statements if s.startswith("CREATE TABLE")]
    assert len(creates) == 10  # traces, spans, scores, dataset and experiment items, item
    # copies of dataset versions, comments, thread states, thread models and thread tags
    for statement in creates:
        assert "ON CLUSTER `prod`" in statement
        # thread models keep their first id: versioned by creation, the rest by last update
        version = "created_at" if "thread_models" in statement else "last_updated_at"
        assert f"ENGINE = ReplicatedReplacingMergeTree({version})" in statement
    single = [s for m in clickhouse_migrations() for s in m.statements]
    assert all("ON CLUSTER" not in s and "Replicated" not in s for s in single)
