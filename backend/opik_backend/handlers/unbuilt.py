"""Opik products this backend does not build: 501 with a JSON body that names the product.

A client that calls one of these paths learns at once that the feature is missing here (and
why), instead of a bare ``404 no route`` that reads like a typo. The paths are Opik's; they
are not in this backend's OpenAPI document, which lists only what is served.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar

from ..errors import ApiError
from .base import ApiHandler, Route


class NotImplementedFeature(ApiError):
    """501: the path belongs to an Opik product that this backend does not serve."""

    status = 501


@dataclasses.dataclass(frozen=True)
class Product:
    """An Opik product this backend leaves out, and the paths that belong to it."""

    name: str
    reason: str
    paths: tuple[str, ...]

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")


_SERVER_SIDE_RUNS = (
    "it runs code and LLM calls on Opik's servers; in a notebook they run in the kernel"
)
_OPIK_UI = (
    "it stores state for Opik's web UI; the notebook widgets and the JupyterLab panel keep theirs"
)

PRODUCTS: tuple[Product, ...] = (
    Product(
        "local runners and pairing",
        "Opik's agent runner executes jobs from its UI; run agents in the notebook instead",
        (
            "/v1/private/local-runners",
            "/v1/private/local-runners/{runner_id}",
            "/v1/private/local-runners/{runner_id}/agents",
            "/v1/private/local-runners/{runner_id}/checklist",
            "/v1/private/local-runners/{runner_id}/heartbeats",
            "/v1/private/local-runners/{runner_id}/jobs",
            "/v1/private/local-runners/{runner_id}/jobs/next",
            "/v1/private/local-runners/{runner_id}/bridge/commands",
            "/v1/private/local-runners/{runner_id}/bridge/commands/next",
            "/v1/private/local-runners/{runner_id}/bridge/commands/{command_id}",
            "/v1/private/local-runners/{runner_id}/bridge/commands/{command_id}/results",
            "/v1/private/local-runners/jobs",
            "/v1/private/local-runners/jobs/{job_id}",
            "/v1/private/local-runners/jobs/{job_id}/cancel",
            "/v1/private/local-runners/jobs/{job_id}/logs",
            "/v1/private/local-runners/jobs/{job_id}/results",
            "/v1/private/pairing/sessions",
            "/v1/private/pairing/sessions/{session_id}/activate",
        ),
    ),
    Product(
        "agent configs",
        "versioned agent blueprints are an Opik Cloud product; "
        "version prompts with the prompt library",
        (
            "/v1/private/agent-configs/blueprints",
            "/v1/private/agent-configs/blueprints/{blueprint_id}",
            "/v1/private/agent-configs/blueprints/{blueprint_id}/deltas",
            "/v1/private/agent-configs/blueprints/environments",
            "/v1/private/agent-configs/blueprints/environments/{env_name}/projects/{project_id}",
            "/v1/private/agent-configs/blueprints/history/projects/{project_id}",
            "/v1/private/agent-configs/blueprints/latest/projects/{project_id}",
            "/v1/private/agent-configs/blueprints/projects/{project_id}/masks/{mask_id}",
            "/v1/private/agent-configs/blueprints/projects/{project_id}/names/{name}",
            "/v1/private/agent-configs/blueprints/remove-keys",
        ),
    ),
    Product(
        "guardrails",
        "Opik's guardrails call its separate ML service, which this backend does not ship",
        ("/v1/private/guardrails",),
    ),
    Product(
        "alerts",
        "webhook alerts need an always-on server that watches the data; none is built yet",
        (
            "/v1/private/alerts",
            "/v1/private/alerts/{id}",
            "/v1/private/alerts/delete",
            "/v1/private/alerts/webhooks/examples",
            "/v1/private/alerts/webhooks/tests",
            "/v1/private/projects/{project_id}/alerts",
        ),
    ),
    Product("welcome wizard", _OPIK_UI, ("/v1/private/welcome-wizard",)),
    Product(
        "UI dashboards and insights views",
        _OPIK_UI,
        (
            "/v1/private/dashboards",
            "/v1/private/dashboards/{dashboard_id}",
            "/v1/private/dashboards/delete-batch",
            "/v1/private/projects/{project_id}/dashboards",
            "/v1/private/insights-views",
            "/v1/private/insights-views/{view_id}",
            "/v1/private/insights-views/delete-batch",
        ),
    ),
    Product(
        "playground and AI assistant",
        _SERVER_SIDE_RUNS,
        (
            "/v1/private/chat/completions",
            "/v1/private/ollie/state",
            "/v1/private/llm/models",
            "/v1/private/llm-provider-key",
            "/v1/private/llm-provider-key/{id}",
            "/v1/private/llm-provider-key/delete",
            "/v1/private/ollama/models",
            "/v1/private/ollama/test-connection",
            "/v1/private/experiments/execute",
            "/v1/private/optimizations/studio/{id}/cancel",
            "/v1/private/optimizations/studio/{id}/logs",
        ),
    ),
    Product(
        "workspace administration",
        "workspaces, their costs, retention rules and permissions are Opik Cloud's "
        "administration; here a workspace is a name and the operator owns the data",
        (
            "/v1/private/workspaces/configurations",
            "/v1/private/workspaces/costs",
            "/v1/private/workspaces/costs/summaries",
            "/v1/private/workspaces/metrics",
            "/v1/private/workspaces/metrics/summaries",
            "/v1/private/workspaces/versions",
            "/v1/private/workspace-permissions",
            "/v1/private/retention/rules",
            "/v1/private/retention/rules/{rule_id}",
            "/v1/private/toggles",
            "/v1/internal/usage/bi-datasets",
            "/v1/internal/usage/bi-experiments",
            "/v1/internal/usage/bi-spans",
            "/v1/internal/usage/bi-traces",
            "/v1/internal/usage/workspace-span-counts",
            "/v1/internal/usage/workspace-trace-counts",
            "/v1/session/redirect/datasets",
            "/v1/session/redirect/experiments",
            "/v1/session/redirect/optimizations",
            "/v1/session/redirect/projects",
        ),
    ),
)


class UnbuiltHandler(ApiHandler):
    """Answers every method with 501 naming :attr:`product`."""

    product: ClassVar[Product]

    def prepare(self) -> None:
        super().prepare()  # an API key is still checked where the server requires one
        product = self.product
        raise NotImplementedFeature(
            f"{self.request.method} {self.request.path} belongs to Opik's {product.name}, "
            f"which this backend does not provide: {product.reason}"
        )

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """A 501 here is the expected answer, not a server fault: no traceback."""
        if not isinstance(value, NotImplementedFeature):
            super().log_exception(typ, value, tb)


def _handler(product: Product) -> type[UnbuiltHandler]:
    name = "".join(part.title() for part in product.slug.split("_")) + "Handler"
    return type(name, (UnbuiltHandler,), {"product": product, "tag": "unbuilt"})


def routes() -> list[Route]:
    found: list[Route] = []
    for product in PRODUCTS:
        handler = _handler(product)
        found.extend((path, handler) for path in product.paths)
    return found
