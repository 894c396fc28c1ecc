"""Opik's project-scoped lists (``GET /projects/{id}/datasets|experiments|optimizations|
prompts``) and ``GET /projects/feedback-scores/names`` across projects, on real stores."""

from __future__ import annotations

import httpx
import pytest

from tests.testlib.builders import new_id, trace
from tests.testlib.official_sdk import run_sdk

PROJECTS = "v1/private/projects"
MISSING = "0190e7a5-1111-7000-8000-000000000000"


def project_id(api: httpx.Client, name: str) -> str:
    assert api.post(PROJECTS, json={"name": name}).status_code == 201
    return str(api.post(f"{PROJECTS}/retrieve", json={"name": name}).json()["id"])


@pytest.fixture
def two_projects(api: httpx.Client) -> tuple[str, str]:
    """Projects ``alpha`` and ``beta``, each with a dataset, an experiment, an optimization
    and a prompt named after it."""
    ids = project_id(api, "alpha"), project_id(api, "beta")
    for name in ("alpha", "beta"):
        created = [
            api.post("v1/private/datasets", json={"name": f"ds-{name}", "project_name": name}),
            api.post(
                "v1/private/experiments",
                json={"dataset_name": f"ds-{name}", "name": f"exp-{name}", "project_name": name},
            ),
            api.post(
                "v1/private/optimizations",
                json={
                    "dataset_name": f"ds-{name}",
                    "name": f"opt-{name}",
                    "objective_name": "accuracy",
                    "status": "running",
                    "project_name": name,
                },
            ),
            api.post(
                "v1/private/prompts",
                json={"name": f"prompt-{name}", "template": "Hi {{x}}", "project_name": name},
            ),
        ]
        assert [r.status_code for r in created] == [201, 201, 201, 201], [r.text for r in created]
    return ids


@pytest.mark.parametrize("what", ["datasets", "experiments", "optimizations", "prompts"])
def test_a_project_lists_only_its_own(
    api: httpx.Client, two_projects: tuple[str, str], what: str
) -> None:
    alpha, beta = two_projects
    prefix = {"datasets": "ds", "experiments": "exp", "optimizations": "opt"}.get(what, "prompt")
    for pid, name in ((alpha, "alpha"), (beta, "beta")):
        answer = api.get(f"{PROJECTS}/{pid}/{what}")
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert (page["page"], page["total"]) == (1, 1)
        assert [item["name"] for item in page["content"]] == [f"{prefix}-{name}"]
    # the workspace list still holds both, and the path's project wins over a query one
    assert api.get(f"v1/private/{what}").json()["total"] == 2
    narrowed = api.get(f"{PROJECTS}/{alpha}/{what}", params={"project_id": beta}).json()
    assert [item["name"] for item in narrowed["content"]] == [f"{prefix}-alpha"]


def test_project_lists_page_and_filter_by_name(
    api: httpx.Client, two_projects: tuple[str, str]
) -> None:
    alpha, _ = two_projects
    for n in range(3):
        body = {"dataset_name": "ds-alpha", "name": f"extra-{n}", "project_name": "alpha"}
        assert api.post("v1/private/experiments", json=body).status_code == 201
    page = api.get(f"{PROJECTS}/{alpha}/experiments", params={"page": 2, "size": 2}).json()
    assert (page["page"], page["size"], page["total"]) == (2, 2, 4)
    named = api.get(f"{PROJECTS}/{alpha}/experiments", params={"name": "extra"}).json()
    assert sorted(e["name"] for e in named["content"]) == ["extra-0", "extra-1", "extra-2"]


@pytest.mark.parametrize("what", ["datasets", "experiments", "optimizations", "prompts"])
def test_project_lists_answer_404_for_a_missing_or_malformed_project(
    api: httpx.Client, what: str
) -> None:
    for bad in (MISSING, "not-a-uuid"):
        answer = api.get(f"{PROJECTS}/{bad}/{what}")
        assert answer.status_code == 404
        assert "project" in answer.json()["message"]
    refused = api.post(f"{PROJECTS}/{MISSING}/{what}", json={"name": "x"})
    assert refused.status_code == 405  # the path lists; it does not create
    assert refused.json()["code"] == 405


def test_score_names_across_projects(api: httpx.Client, two_projects: tuple[str, str]) -> None:
    alpha, beta = two_projects
    scored = {"alpha": ["relevance", "hallucination"], "beta": ["tone"]}
    for name, score_names in scored.items():
        body = trace(name)
        assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
        scores = [
            {"id": body["id"], "project_name": name, "name": s, "value": 1, "source": "sdk"}
            for s in score_names
        ]
        response = api.put("v1/private/traces/feedback-scores", json={"scores": scores})
        assert response.status_code == 204
    span = {
        "id": new_id(),
        "trace_id": new_id(),
        "project_name": "beta",
        "name": "s",
        "start_time": "2026-11-02T10:00:00Z",
    }
    assert api.post("v1/private/spans/batch", json={"spans": [span]}).status_code == 204
    span_score = {"id": span["id"], "project_name": "beta", "name": "precision", "value": 1}
    response = api.put("v1/private/spans/feedback-scores", json={"scores": [span_score]})
    assert response.status_code == 204

    def names(**params: str) -> list[str]:
        answer = api.get(f"{PROJECTS}/feedback-scores/names", params=params)
        assert answer.status_code == 200, answer.text
        return [score["name"] for score in answer.json()["scores"]]

    assert names(project_ids=alpha) == ["hallucination", "relevance"]
    both = ["hallucination", "precision", "relevance", "tone"]  # span scores count too
    assert names(project_ids=f"{alpha},{beta}") == both
    assert names(project_ids=f'["{beta}"]') == ["precision", "tone"]
    assert names() == both
    bad = api.get(f"{PROJECTS}/feedback-scores/names", params={"project_ids": "nope"})
    assert bad.status_code == 400
    assert "project_ids[0]" in bad.json()["message"]


@pytest.mark.slow
def test_official_sdk_reads_the_project_lists_groups_and_batch_updates(
    backend, api: httpx.Client, workspace: str, two_projects: tuple[str, str]
) -> None:
    """Opik's generated REST client calls these routes and parses the answers."""
    alpha, _ = two_projects
    found = run_sdk(
        backend,
        workspace,
        "alpha",
        f"""
        from opik.rest_api.types import ExperimentUpdate
        rest = opik.Opik().rest_client
        p = rest.projects
        experiments = p.find_experiments_by_project("{alpha}")
        ids = [e.id for e in experiments.content]
        rest.experiments.batch_update_experiments(
            ids=ids, update=ExperimentUpdate(tags=["sdk"]), merge_tags=True)
        groups = rest.experiments.find_experiment_groups(groups='[{{"field": "tags"}}]')
        totals = rest.experiments.find_experiment_groups_aggregations(
            groups='[{{"field": "tags"}}]')
        print(json.dumps({{
            "datasets": [d.name for d in p.find_datasets_by_project("{alpha}").content],
            "experiments": [e.name for e in experiments.content],
            "optimizations": [o.name for o in p.find_optimizations_by_project("{alpha}").content],
            "prompts": [x.name for x in p.get_prompts_by_project("{alpha}").content],
            "names": [s.name for s in p.find_feedback_score_names_by_project_ids(
                project_ids="{alpha}").scores],
            "groups": sorted(groups.content),
            "sdk_count": totals.content["sdk"].aggregations.experiment_count,
        }}))
        """,
    )
    assert found == {
        "datasets": ["ds-alpha"],
        "experiments": ["exp-alpha"],
        "optimizations": ["opt-alpha"],
        "prompts": ["prompt-alpha"],
        "names": [],
        "groups": ["", "sdk"],
        "sdk_count": 1,
    }
