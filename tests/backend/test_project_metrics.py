"""``POST /projects/{id}/metrics`` and ``GET /projects/{id}/token-usage/names``: Opik's
shapes, buckets filled over the range, each metric type computed from stored traces."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from opik_backend.ids import id_at
from tests.testlib.builders import iso, span, trace
from tests.testlib.official_sdk import run_sdk

D0 = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)  # a Monday
PROJECTS = "v1/private/projects"


def at(hours: float) -> dt.datetime:
    return D0 + dt.timedelta(hours=hours)


def logged(api: httpx.Client, hours: float, ms: float, **fields: Any) -> dict[str, Any]:
    body = trace(
        "dash",
        id=id_at(at(hours)),
        start_time=iso(at(hours)),
        end_time=iso(at(hours) + dt.timedelta(milliseconds=ms)),
        **fields,
    )
    assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    return body


@pytest.fixture
def project(api: httpx.Client) -> str:
    """Project ``dash``: day 0 two traces (one failed, one in a thread), day 1 one."""
    first = logged(api, 10, 100, name="ask", thread_id="conv-1")
    second = logged(
        api,
        14,
        300,
        name="ask",
        thread_id="conv-1",
        error_info={"exception_type": "ValueError", "message": "bad"},
    )
    third = logged(api, 33, 2000, name="summarise")
    spans = [
        span(
            t["id"],
            "dash",
            id=id_at(at(h)),
            type="llm",
            start_time=t["start_time"],
            usage={"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
            total_estimated_cost=cost,
        )
        for t, h, p, c, cost in ((first, 10, 100, 20, 0.01), (third, 33, 50, 5, 0.002))
    ]
    assert api.post("v1/private/spans/batch", json={"spans": spans}).status_code == 204
    scores = [
        {"id": t["id"], "project_name": "dash", "name": "relevance", "value": v, "source": "sdk"}
        for t, v in ((first, 0.5), (second, 1.0), (third, 0.25))
    ]
    assert api.put("v1/private/traces/feedback-scores", json={"scores": scores}).status_code == 204
    found = api.post(f"{PROJECTS}/retrieve", json={"name": "dash"}).json()
    return str(found["id"])


def metric(
    api: httpx.Client, project_id: str, metric_type: str, interval: str = "DAILY", **extra: Any
) -> dict[str, Any]:
    body = {
        "metric_type": metric_type,
        "interval": interval,
        "interval_start": iso(D0),
        "interval_end": iso(D0 + dt.timedelta(days=3)),
        **extra,
    }
    response = api.post(f"{PROJECTS}/{project_id}/metrics", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def series(answer: dict[str, Any]) -> dict[str, list[Any]]:
    return {r["name"]: [p.get("value") for p in r["data"]] for r in answer["results"]}


DAYS = [iso(D0 + dt.timedelta(days=d)) for d in range(3)]


def test_trace_count_per_day_with_empty_days_filled(api: httpx.Client, project: str) -> None:
    answer = metric(api, project, "TRACE_COUNT")
    assert answer["project_id"] == project
    assert answer["metric_type"] == "TRACE_COUNT"
    assert answer["interval"] == "DAILY"
    (result,) = answer["results"]
    assert result["name"] == "traces"
    assert [p["time"] for p in result["data"]] == DAYS
    assert [p["value"] for p in result["data"]] == [2, 1, 0]


def test_hourly_buckets_cover_the_range(api: httpx.Client, project: str) -> None:
    (result,) = metric(api, project, "TRACE_COUNT", "HOURLY")["results"]
    assert len(result["data"]) == 72
    counted = {p["time"]: p["value"] for p in result["data"] if p["value"]}
    assert counted == {iso(at(10)): 1, iso(at(14)): 1, iso(at(33)): 1}


def test_weekly_buckets_start_on_monday(api: httpx.Client, project: str) -> None:
    (result,) = metric(api, project, "TRACE_COUNT", "WEEKLY")["results"]
    assert result["data"] == [{"time": iso(D0), "value": 3}]


def test_total_is_one_bucket_at_the_start(api: httpx.Client, project: str) -> None:
    assert series(metric(api, project, "TRACE_COUNT", "TOTAL")) == {"traces": [3]}
    (result,) = metric(api, project, "TRACE_COUNT", "TOTAL")["results"]
    assert result["data"][0]["time"] == iso(D0)


def test_duration_percentiles(api: httpx.Client, project: str) -> None:
    found = series(metric(api, project, "DURATION"))
    assert set(found) == {"duration.p50", "duration.p90", "duration.p95", "duration.p99"}
    assert 100 <= found["duration.p50"][0] <= 300
    assert found["duration.p50"][0] <= found["duration.p99"][0] <= 300
    assert found["duration.p50"][1] == pytest.approx(2000)
    assert found["duration.p99"][2] is None  # nothing on day 2
    average = series(metric(api, project, "TRACE_AVERAGE_DURATION"))
    assert average["trace_average_duration"][:2] == [pytest.approx(200), pytest.approx(2000)]


def test_cost_and_tokens_per_day(api: httpx.Client, project: str) -> None:
    cost = series(metric(api, project, "COST"))
    assert cost["cost"][0] == pytest.approx(0.01)
    assert cost["cost"][1] == pytest.approx(0.002)
    assert cost["cost"][2] is None
    tokens = series(metric(api, project, "TOKEN_USAGE"))
    assert tokens["prompt_tokens"][:2] == [100, 50]
    assert tokens["completion_tokens"][:2] == [20, 5]
    assert tokens["total_tokens"][:2] == [120, 55]


def test_error_rate_in_percent(api: httpx.Client, project: str) -> None:
    assert series(metric(api, project, "TRACE_ERROR_RATE")) == {
        "trace_error_rate": [50.0, 0.0, 0.0]
    }


def test_feedback_score_means(api: httpx.Client, project: str) -> None:
    found = series(metric(api, project, "FEEDBACK_SCORES"))
    assert found == {"relevance": [pytest.approx(0.75), pytest.approx(0.25), None]}


def test_span_and_thread_metrics(api: httpx.Client, project: str) -> None:
    assert series(metric(api, project, "SPAN_COUNT")) == {"spans": [1, 1, 0]}
    assert series(metric(api, project, "SPAN_COST"))["span_cost"][:2] == [
        pytest.approx(0.01),
        pytest.approx(0.002),
    ]
    assert series(metric(api, project, "SPAN_TOKEN_USAGE"))["total_tokens"][:2] == [120, 55]
    assert series(metric(api, project, "THREAD_COUNT")) == {"threads": [1, 0, 0]}
    durations = series(metric(api, project, "THREAD_DURATION"))
    # the thread runs from the first trace's start (10:00) to the second's end (14:00.3)
    assert durations["thread_duration.p50"][0] == pytest.approx(4 * 3600 * 1000 + 300)
    assert series(metric(api, project, "THREAD_COST"))["thread_cost"][0] == pytest.approx(0.01)
    assert series(metric(api, project, "GUARDRAILS_FAILED_COUNT")) == {}


def test_trace_filters_narrow_every_metric(api: httpx.Client, project: str) -> None:
    flt = [{"field": "name", "operator": "=", "value": "summarise"}]
    assert series(metric(api, project, "TRACE_COUNT", trace_filters=flt)) == {"traces": [0, 1, 0]}
    assert series(metric(api, project, "COST", trace_filters=flt))["cost"][:2] == [
        None,
        pytest.approx(0.002),
    ]


def test_other_projects_and_workspaces_are_not_counted(
    api: httpx.Client, project: str, backend
) -> None:
    logged_elsewhere = trace("other", id=id_at(at(10)), start_time=iso(at(10)))
    api.post("v1/private/traces/batch", json={"traces": [logged_elsewhere]})
    with backend.client("metrics-other-workspace") as other:
        answer = other.post(
            f"{PROJECTS}/{project}/metrics",
            json={"metric_type": "TRACE_COUNT", "interval": "DAILY", "interval_start": iso(D0)},
        )
        assert answer.status_code == 404
    assert series(metric(api, project, "TRACE_COUNT"))["traces"] == [2, 1, 0]


def test_token_usage_names(api: httpx.Client, project: str) -> None:
    answer = api.get(f"{PROJECTS}/{project}/token-usage/names")
    assert answer.status_code == 200
    assert answer.json() == {"names": ["completion_tokens", "prompt_tokens", "total_tokens"]}


def test_span_stats(api: httpx.Client, project: str) -> None:
    answer = api.get("v1/private/spans/stats", params={"project_id": project})
    assert answer.status_code == 200, answer.text
    stats = {s["name"]: s["value"] for s in answer.json()["stats"]}
    assert stats["span_count"] == 2
    assert stats["error_count"] == 0
    assert stats["total_estimated_cost_sum"] == pytest.approx(0.012)
    assert stats["total_estimated_cost"] == pytest.approx(0.006)
    assert stats["usage.prompt_tokens"] == pytest.approx(75)
    assert set(stats["duration"]) == {"p50", "p90", "p99"}
    llm_only = api.get(
        "v1/private/spans/stats", params={"project_name": "dash", "type": "general"}
    ).json()
    assert {s["name"]: s["value"] for s in llm_only["stats"]}["span_count"] == 0


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"interval": "DAILY", "interval_start": iso(D0)}, 422, "metric_type"),
        ({"metric_type": "TRACE_COUNT", "interval_start": iso(D0)}, 422, "interval"),
        ({"metric_type": "TRACE_COUNT", "interval": "DAILY"}, 422, "interval_start"),
        (
            {"metric_type": "NOPE", "interval": "DAILY", "interval_start": iso(D0)},
            422,
            "metric_type",
        ),
        (
            {"metric_type": "TRACE_COUNT", "interval": "MINUTELY", "interval_start": iso(D0)},
            422,
            "interval",
        ),
        (
            {
                "metric_type": "TRACE_COUNT",
                "interval": "DAILY",
                "interval_start": iso(D0),
                "interval_end": iso(D0 - dt.timedelta(days=1)),
            },
            400,
            "before interval_end",
        ),
        (
            {
                "metric_type": "TRACE_COUNT",
                "interval": "HOURLY",
                "interval_start": iso(D0 - dt.timedelta(days=3650)),
                "interval_end": iso(D0),
            },
            400,
            "coarser interval",
        ),
        (
            {
                "metric_type": "TRACE_COUNT",
                "interval": "DAILY",
                "interval_start": iso(D0),
                "breakdown": {"field": "tags"},
            },
            400,
            "breakdown.field",
        ),
        (
            {
                "metric_type": "TRACE_COUNT",
                "interval": "DAILY",
                "interval_start": iso(D0),
                "trace_filters": [{"field": "nope", "operator": "=", "value": "x"}],
            },
            400,
            "nope",
        ),
    ],
)
def test_bad_requests_name_the_problem(
    api: httpx.Client, project: str, body: dict[str, Any], status: int, words: str
) -> None:
    answer = api.post(f"{PROJECTS}/{project}/metrics", json=body)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["message"]


def test_unknown_or_malformed_project_is_404(api: httpx.Client) -> None:
    body = {"metric_type": "TRACE_COUNT", "interval": "DAILY", "interval_start": iso(D0)}
    for project_id in (id_at(D0), "not-a-uuid"):
        assert api.post(f"{PROJECTS}/{project_id}/metrics", json=body).status_code == 404
        assert api.get(f"{PROJECTS}/{project_id}/token-usage/names").status_code == 404


@pytest.mark.slow
def test_official_sdk_reads_the_metrics(
    backend, api: httpx.Client, workspace: str, project: str
) -> None:
    """Opik's generated REST client parses the answers into its own models."""
    found = run_sdk(
        backend,
        workspace,
        "dash",
        f"""
        import datetime
        client = opik.Opik()
        rest = client.rest_client
        answer = rest.projects.get_project_metrics(
            "{project}", metric_type="TRACE_COUNT", interval="DAILY",
            interval_start=datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone.utc),
            interval_end=datetime.datetime(2026, 11, 5, tzinfo=datetime.timezone.utc))
        names = rest.projects.find_token_usage_names("{project}")
        span_stats = rest.spans.get_span_stats(project_id="{project}")
        print(json.dumps({{
            "results": [[r.name, [p.value for p in r.data]] for r in answer.results],
            "interval": answer.interval,
            "names": names.names,
            "span_count": [s.value for s in span_stats.stats if s.name == "span_count"],
        }}))
        """,
    )
    assert found["results"] == [["traces", [2, 1, 0]]]
    assert found["interval"] == "DAILY"
    assert found["names"] == ["completion_tokens", "prompt_tokens", "total_tokens"]
    assert found["span_count"] == [2]
