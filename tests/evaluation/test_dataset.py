"""Datasets against the real backend: created or found by name, filled from lists,
DataFrames, CSV, JSONL and traces, read back; bad input stores nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import opik_jupyter
from opik_jupyter.evaluation import Dataset, DatasetVersion, _api
from opik_jupyter.evaluation.dataset import DatasetDiff
from tests.testlib.evaluation import CAPITALS


def test_dataset__is_created_once_and_found_by_name(sdk: opik_jupyter.Client) -> None:
    first = Dataset("qa", description="questions", client=sdk)
    again = Dataset("qa", client=sdk)
    found = Dataset.get("qa", client=sdk)
    assert first.id == again.id == found.id
    assert found.description == "questions"
    assert repr(found) == f"Dataset(name='qa', id='{first.id}')"
    with pytest.raises(
        LookupError, match=r"no dataset named 'nope' in workspace .*Dataset\('nope'\)"
    ):
        Dataset.get("nope", client=sdk)


def test_insert__a_list_keeps_one_copy_of_repeated_content(capitals: Dataset) -> None:
    assert (
        capitals.insert(
            [
                {"input": "france", "expected_output": "Paris"},
                {"input": "italy", "expected_output": "Rome"},
            ]
        )
        == 2
    )
    items = capitals.items()
    assert [(i["input"], i["expected_output"]) for i in items] == [*CAPITALS, ("italy", "Rome")]
    assert len(capitals) == 5
    frame = capitals.to_pandas()
    assert list(frame.columns) == ["id", "input", "expected_output"]
    assert frame["id"].tolist() == [i["id"] for i in items]


def test_insert__to_pandas_round_trips_without_copies(capitals: Dataset) -> None:
    frame = capitals.to_pandas()
    frame.loc[0, "expected_output"] = "Paris, France"
    capitals.insert(frame)  # rows keep their ids: the first item is replaced, none added
    items = capitals.items()
    assert len(items) == 4
    assert items[0]["expected_output"] == "Paris, France"


def test_insert__a_dataframe_with_missing_values_and_numpy_types(sdk: opik_jupyter.Client) -> None:
    dataset = Dataset("frame", client=sdk)
    frame = pd.DataFrame(
        {"question": ["a", "b"], "score": [np.int64(3), np.nan], "tags": [["x"], ["y", "z"]]}
    )
    dataset.insert(frame)
    assert [{k: v for k, v in i.items() if k != "id"} for i in dataset.items()] == [
        {"question": "a", "score": 3.0, "tags": ["x"]},
        {"question": "b", "score": None, "tags": ["y", "z"]},
    ]
    assert Dataset("empty", client=sdk).to_pandas().columns.tolist() == ["id"]


def test_insert__csv_and_jsonl_files(sdk: opik_jupyter.Client, tmp_path: Path) -> None:
    csv = tmp_path / "items.csv"
    csv.write_text("input,expected_output\nfrance,Paris\nperu,Lima\n")
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text(
        '{"input": "chad", "expected_output": "N\'Djamena"}\n\n'
        '{"input": "japan", "meta": {"continent": "Asia"}}\n'
    )
    dataset = Dataset("files", client=sdk)
    assert dataset.insert_csv(csv) == 2
    assert dataset.insert_jsonl(jsonl) == 2
    items = dataset.items()
    assert [i["input"] for i in items] == ["france", "peru", "chad", "japan"]
    assert items[3]["meta"] == {"continent": "Asia"}


@pytest.mark.parametrize(
    ("items", "error", "message"),
    [
        ([{"input": "a"}, "b"], TypeError, "row 2: a dataset item must be a dict"),
        ([{"input": "a"}, {}], ValueError, "row 2: the item has no fields"),
        ([{"id": "not-a-uuid", "input": "a"}], ValueError, "row 1: 'id' must be the UUID v7"),
        ({"input": "a"}, TypeError, "not one dict: wrap it in a list"),
        ("input,output", TypeError, "not str"),
    ],
)
def test_insert__bad_records_are_named_and_nothing_is_stored(
    capitals: Dataset, items: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        capitals.insert(items)  # type: ignore[arg-type]
    assert len(capitals.items()) == 4


def test_insert__bad_jsonl_line_is_named(capitals: Dataset, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "x"}\n{"input": oops}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl, line 2: not JSON"):
        capitals.insert_jsonl(bad)
    assert len(capitals.items()) == 4


def test_insert__a_failing_later_batch_removes_the_earlier_ones(
    capitals: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_api, "PUT_BATCH", 2)
    taken = capitals.items()[0]["id"]
    records = [
        {"input": "a"},
        {"input": "b"},
        {"id": taken, "input": "c"},
        {"id": taken, "input": "d"},
    ]  # the same id twice in one batch: 422
    with pytest.raises(opik_jupyter.sdk._transport.HttpStatusError, match="422"):
        capitals.insert(records)
    assert [i["input"] for i in capitals.items()] == [c for c, _ in CAPITALS]


def test_insert_traces__makes_an_item_per_matching_trace(sdk: opik_jupyter.Client) -> None:
    @opik_jupyter.track(tags=["golden"])
    def ask(question: str) -> str:
        return question.upper()

    ask("one")
    ask("two")
    opik_jupyter.track(name="other")(lambda: 1)()
    opik_jupyter.flush()
    dataset = Dataset("from-traces", client=sdk)
    assert dataset.insert_traces('tags contains "golden"', project_name="evals") == 2
    rows = _api.stream_items(sdk, "from-traces")
    assert sorted((r["data"]["input"]["question"], r["data"]["expected_output"]) for r in rows) == [
        ("one", "ONE"),
        ("two", "TWO"),
    ]
    traces = {t["id"] for t in sdk.search_traces('name = "ask"', project_name="evals")}
    assert {r["trace_id"] for r in rows} == traces
    assert {r["source"] for r in rows} == {"trace"}


def test_delete_items_and_the_dataset(capitals: Dataset, sdk: opik_jupyter.Client) -> None:
    first, *_ = capitals.items()
    capitals.delete_items([first["id"]])
    assert len(capitals.items()) == 3
    capitals.delete()
    with pytest.raises(LookupError):
        Dataset.get("capitals", client=sdk)


# -- versions -----------------------------------------------------------------------------


def test_versions__a_version_keeps_the_items_it_was_made_with(capitals: Dataset) -> None:
    assert [v.name for v in capitals.versions()] == ["v1"]  # the insert recorded it
    v1 = capitals.create_version("baseline", "the four capitals", metadata={"by": "test"})
    assert isinstance(v1, DatasetVersion)
    assert (v1.name, v1.items_total, v1.tags, v1.description) == (
        "v1",
        4,
        ("baseline",),
        "the four capitals",
    )
    assert v1.metadata == {"by": "test"}
    assert v1.dataset_id == capitals.id
    before = capitals.items()

    capitals.insert([{"input": "italy", "expected_output": "Rome"}])
    capitals.delete_items([before[0]["id"]])
    assert len(capitals.items()) == 4
    for ref in (v1, v1.hash, v1.id, "v1", "baseline"):
        assert capitals.items(version=ref) == before
    frame = capitals.to_pandas(version="baseline")
    assert frame["input"].tolist() == [country for country, _ in CAPITALS]
    assert frame["id"].tolist() == [i["id"] for i in before]

    v3 = capitals.create_version(tags=["next"])  # the insert and the delete made v2, v3
    assert (v3.name, v3.tags) == ("v3", ("next",))
    assert v3.hash != v1.hash
    assert [v.name for v in capitals.versions()] == ["v3", "v2", "v1"]
    assert [v.is_latest for v in capitals.versions()] == [True, False, False]
    assert capitals.version("latest") == capitals.versions()[0]


def test_versions__the_same_items_give_the_same_hash(sdk: opik_jupyter.Client) -> None:
    first, second = Dataset("one", client=sdk), Dataset("two", client=sdk)
    for dataset in (first, second):
        dataset.insert([{"q": 1}, {"q": 2}])
    assert first.create_version().hash == second.create_version().hash


def test_versions__unknown_versions_say_what_to_do(
    capitals: Dataset, sdk: opik_jupyter.Client
) -> None:
    with pytest.raises(LookupError, match=r"no version 'v7'.*dataset.versions\(\)"):
        capitals.items(version="v7")
    with pytest.raises(LookupError, match=r"create_version\(\)"):
        capitals.to_pandas(version="nope")
    other = Dataset("other", client=sdk)
    other.insert([{"q": 1}])
    theirs = other.create_version()
    with pytest.raises(LookupError, match="another dataset"):
        capitals.items(version=theirs)
    with pytest.raises(LookupError, match="no version"):  # their hash is not ours
        capitals.items(version=theirs.hash)
    with pytest.raises(TypeError, match="DatasetVersion or a non-empty str"):
        capitals.items(version="")
    capitals.create_version("taken")
    capitals.insert([{"input": "spain", "expected_output": "Madrid"}])  # a newer version
    with pytest.raises(_rest_error(), match="taken"):
        capitals.create_version("taken")


def test_versions__deleting_the_dataset_deletes_them(sdk: opik_jupyter.Client) -> None:
    dataset = Dataset("gone", client=sdk)
    dataset.insert([{"q": 1}])
    dataset.create_version()
    dataset.delete()
    again = Dataset("gone", client=sdk)
    assert again.versions() == []


def test_versions__diff_and_restore(capitals: Dataset) -> None:
    assert capitals.diff() == DatasetDiff("latest", "current", 0, 0, 0, 4)
    france = next(i for i in capitals.items() if i["input"] == "france")
    capitals.update_item(france["id"], {"expected_output": "PARIS"})  # v2
    capitals.insert([{"input": "spain", "expected_output": "Madrid"}])  # v3
    changed = capitals.diff("v1", "v3")
    assert (changed.added, changed.modified, changed.deleted, changed.unchanged) == (1, 1, 0, 3)
    assert (changed.from_version, changed.to_version) == ("v1", "v3")
    v1 = capitals.version("v1")
    assert capitals.diff(v1).from_version == "v1"
    restored = capitals.restore(v1)
    assert (restored.name, restored.is_latest, restored.items_total) == ("v4", True, 4)
    assert capitals.get_item(france["id"])["expected_output"] == "Paris"
    assert capitals.diff("v1", "v4").unchanged == 4
    assert capitals.restore("v4") == capitals.version("v4")  # the newest: nothing to do
    with pytest.raises(LookupError, match="no version 'v9'"):
        capitals.restore("v9")
    with pytest.raises(LookupError, match="no version 'v9'"):
        capitals.diff("v9")


def test_versions__diff_of_a_dataset_without_versions_says_why(sdk: opik_jupyter.Client) -> None:
    with pytest.raises(LookupError, match="no version yet"):
        Dataset("empty", client=sdk).diff()


def test_items__get_and_update_one_by_id(capitals: Dataset, sdk: opik_jupyter.Client) -> None:
    item = capitals.items()[0]
    assert capitals.get_item(item["id"]) == item
    changed = capitals.update_item(item["id"], {"note": "checked"}, tags=["gold"])
    assert changed == {**item, "note": "checked"}
    replaced = capitals.update_item(item["id"], {"input": "x"}, replace=True)
    assert replaced == {"id": item["id"], "input": "x"}
    assert [v.name for v in capitals.versions()][:2] == ["v3", "v2"]
    with pytest.raises(LookupError, match=r"no item 'nope'.*dataset.items\(\)"):
        capitals.get_item("nope")
    other = Dataset("other-items", client=sdk)
    with pytest.raises(LookupError, match="no item"):  # an item of another dataset
        other.update_item(item["id"], {"q": 1})
    with pytest.raises(TypeError, match="dict of field names"):
        capitals.update_item(item["id"], ["input"])  # type: ignore[arg-type]
    assert capitals.get_item(item["id"]) == replaced


def _rest_error() -> type[Exception]:
    from opik_jupyter.sdk._transport import HttpStatusError  # noqa: PLC0415

    return HttpStatusError
