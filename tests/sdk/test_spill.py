"""Spill files on a real disk: damage loses at most what is damaged, runs replay merged."""

from __future__ import annotations

import json
import logging
import os
import zlib
from pathlib import Path

import pytest

from opik_jupyter.sdk._batch import Batch, gzip_compress, merge_batches
from opik_jupyter.sdk._spill import SpillFile

TARGET = "http://backend.invalid/api#default"


def batch(*ids: str, path: str = "v1/private/spans/batch") -> Batch:
    body = json.dumps({"spans": [{"id": i} for i in ids]}).encode()
    return Batch("POST", path, gzip_compress(body), True, len(ids), "default")


def ids_of(found: Batch) -> list[str]:
    body = zlib.decompress(found.body, 31) if found.gzipped else found.body
    return [item["id"] for item in json.loads(body)["spans"]]


def orphan(directory: Path, *batches: Batch) -> Path:
    """A spill file with ``batches`` whose owner has gone."""
    spill = SpillFile.create(directory, TARGET)
    for each in batches:
        spill.append(each)
    spill.close(remove_if_empty=False)
    return spill.path


def replay_all(spill: SpillFile) -> list[str]:
    ids: list[str] = []
    while (run := spill.next_run(1, 1 << 30)) is not None:
        end, (found,) = run
        ids += ids_of(found)
        spill.ack(end, found.events)
    return ids


def test_torn_last_record__loses_only_that_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = orphan(tmp_path, batch("a", "b"), batch("c"), batch("d", "e", "f"))
    os.truncate(path, path.stat().st_size - 5)  # the owner died in its last append
    with caplog.at_level(logging.WARNING, "opik_jupyter"):
        spill = SpillFile.adopt(path, TARGET)
    assert spill is not None
    assert spill.pending_events == 3
    assert replay_all(spill) == ["a", "b", "c"]
    spill.close()
    assert not path.exists()  # replayed whole, so removed
    assert sum(str(path) in r.getMessage() for r in caplog.records) == 1


def test_damaged_record__what_precedes_it_replays_and_the_file_is_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = orphan(tmp_path, batch("a"), batch("b", "c"))
    with path.open("ab") as file:
        file.write(bytes(64))  # zeros where records should be
    with caplog.at_level(logging.WARNING, "opik_jupyter"):
        spill = SpillFile.adopt(path, TARGET)
    assert spill is not None
    aside = path.with_name(path.name + ".corrupt")
    assert spill.path == aside
    assert aside.exists()
    assert not path.exists()
    assert replay_all(spill) == ["a", "b", "c"]
    spill.close()
    assert aside.exists()  # kept for inspection
    (warning,) = [r.getMessage() for r in caplog.records if str(path) in r.getMessage()]
    assert "3 event(s) before the damage" in warning


def test_file_without_a_header__is_set_aside_and_never_adopted(tmp_path: Path) -> None:
    path = tmp_path / "123-abcd.spill"
    path.write_bytes(b"\x00" * 100)
    assert SpillFile.adopt(path, TARGET) is None
    assert path.with_name(path.name + ".corrupt").exists()


def test_foreign_or_locked_file__is_left_alone(tmp_path: Path) -> None:
    path = orphan(tmp_path, batch("a"))
    assert SpillFile.adopt(path, "http://other.invalid/api#default") is None
    owned = SpillFile.adopt(path, TARGET)
    assert owned is not None
    assert SpillFile.adopt(path, TARGET) is None  # locked by its owner
    owned.close(remove_if_empty=False)
    assert path.exists()


def test_next_run__merges_up_to_the_limits_one_request_per_endpoint(tmp_path: Path) -> None:
    path = orphan(
        tmp_path,
        batch("a"),
        batch("t1", path="v1/private/traces/batch"),
        batch("b", "c"),
        batch("t2", path="v1/private/traces/batch"),
        batch("d", "e", "f"),
    )
    spill = SpillFile.adopt(path, TARGET)
    assert spill is not None
    requests = []
    while (run := spill.next_run(5, 1 << 30)) is not None:
        end, batches = run
        merged = merge_batches(batches)
        requests.append([(b.path.split("/")[2], ids_of(b)) for b in merged])
        spill.ack(end, sum(b.events for b in batches))
    assert requests == [
        [("spans", ["a", "b", "c"]), ("traces", ["t1", "t2"])],
        [("spans", ["d", "e", "f"])],
    ]
    spill.close()


def test_merge_batches__keeps_every_item_in_order() -> None:
    (merged,) = merge_batches([batch("a"), batch("b", "c"), batch("d")])
    assert merged.events == 4
    assert ids_of(merged) == ["a", "b", "c", "d"]
