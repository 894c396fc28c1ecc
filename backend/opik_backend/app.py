"""The tornado application: every route, under both ``/api/...`` and bare paths."""

from __future__ import annotations

import re

import tornado.httputil
import tornado.web

from . import openapi
from .handlers import (
    annotation_queues,
    comments,
    dataset_versions,
    datasets,
    definitions,
    experiment_items,
    experiments,
    observations,
    online_rules,
    optimizations,
    otel,
    projects,
    prompts,
    scores,
    system,
    thread_status,
    threads,
    unbuilt,
)
from .handlers.base import NotFoundHandler, Route
from .services import Services


def all_routes() -> list[Route]:
    """Routes in match order: fixed paths before the ``{id}`` patterns that would match them."""
    routes = [
        *system.routes(),
        *annotation_queues.routes(),
        *projects.routes(),
        *definitions.routes(),
        *threads.routes(),
        *thread_status.routes(),
        *scores.routes(),
        *comments.routes(),
        *observations.routes(),
        *datasets.routes(),
        *dataset_versions.routes(),
        *experiments.routes(),
        *experiment_items.routes(),
        *online_rules.routes(),
        *optimizations.routes(),
        *prompts.routes(),
        *otel.routes(),
        *unbuilt.routes(),
    ]
    return sorted(routes, key=lambda route: route[0].count("{"))


def _pattern(path: str) -> str:
    """``/v1/private/traces/{id}`` as a tornado regex that also accepts the ``/api`` prefix."""
    return "(?:/api)?" + re.sub(r"\{\w+\}", r"([^/]+)", path) + "/?"


_COMPRESSED_TYPES = {*tornado.web.GZipContentEncoding.CONTENT_TYPES, "application/x-ndjson"}


class FastGzip(tornado.web.GZipContentEncoding):
    """Gzip at level 1: most of the size saving at a fraction of level 6's time; NDJSON
    streams are compressed too."""

    GZIP_LEVEL = 1

    def __init__(self, request: tornado.httputil.HTTPServerRequest) -> None:
        super().__init__(request)
        self.CONTENT_TYPES = _COMPRESSED_TYPES


def make_app(services: Services) -> tornado.web.Application:
    routes = all_routes()
    handlers = [(_pattern(path), handler, {"services": services}) for path, handler in routes]
    return tornado.web.Application(
        handlers,
        transforms=[FastGzip],
        default_handler_class=NotFoundHandler,
        default_handler_args={"services": services},
        openapi=openapi.build(routes),
    )
