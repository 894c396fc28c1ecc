"""The tornado application: every route, under both ``/api/...`` and bare paths."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import tornado.httpserver
import tornado.httputil
import tornado.log
import tornado.web

from . import openapi
from .access import Caller, Gate, RoutePolicy, route_policies
from .handlers import (
    annotation_queues,
    attachments,
    comments,
    dataset_items,
    dataset_versions,
    datasets,
    definitions,
    experiment_groups,
    experiment_items,
    experiments,
    manual_evaluation,
    observations,
    online_rules,
    optimizations,
    otel,
    project_lists,
    project_metrics,
    projects,
    prompts,
    scores,
    system,
    thread_status,
    threads,
    unbuilt,
)
from .handlers.base import ApiHandler, NotFoundHandler, Route
from .services import Services


def all_routes() -> list[Route]:
    """Routes in match order: fixed paths before the ``{id}`` patterns that would match them."""
    routes = [
        *system.routes(),
        *annotation_queues.routes(),
        *projects.routes(),
        *project_lists.routes(),
        *project_metrics.routes(),
        *definitions.routes(),
        *threads.routes(),
        *thread_status.routes(),
        *scores.routes(),
        *comments.routes(),
        *observations.routes(),
        *datasets.routes(),
        *dataset_versions.routes(),
        *dataset_items.routes(),
        *experiments.routes(),
        *experiment_groups.routes(),
        *experiment_items.routes(),
        *online_rules.routes(),
        *manual_evaluation.routes(),
        *attachments.routes(),
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


class GatedApplication(tornado.web.Application):
    """The application behind :class:`~opik_backend.access.Gate`: requests it refuses on
    their headers never reach a handler, and their bodies are not buffered."""

    def __init__(
        self,
        services: Services,
        route_of: Callable[[str], RoutePolicy],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.services = services
        self.route_of = route_of

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Tornado's access log, except that a 501 (a path of an Opik product left out, see
        handlers/unbuilt.py) is the expected answer and not logged as a server error."""
        if handler.get_status() == 501:
            tornado.log.access_log.info(
                "%d %s %.2fms",
                501,
                handler._request_summary(),
                1000 * handler.request.request_time(),
            )
            return
        super().log_request(handler)

    def start_request(
        self, server_conn: object, request_conn: tornado.httputil.HTTPConnection
    ) -> tornado.httputil.HTTPMessageDelegate:
        inner = super().start_request(server_conn, request_conn)
        caller = Caller(server_conn, request_conn)
        return Gate(self.services.access, inner, caller, self.route_of)


def _policy(handler: type[tornado.web.RequestHandler]) -> RoutePolicy:
    if not issubclass(handler, ApiHandler):
        return RoutePolicy()
    return RoutePolicy(public=handler.public, body_types=handler.body_types)


def make_app(services: Services) -> GatedApplication:
    routes = all_routes()
    handlers = [(_pattern(path), handler, {"services": services}) for path, handler in routes]
    policies = route_policies(
        (_pattern(path), policy)
        for path, handler in routes
        if (policy := _policy(handler)) != RoutePolicy()
    )
    return GatedApplication(
        services,
        policies,
        handlers,
        transforms=[FastGzip],
        default_handler_class=NotFoundHandler,
        default_handler_args={"services": services},
        openapi=openapi.build(routes),
    )


def http_server(services: Services) -> tornado.httpserver.HTTPServer:
    """The HTTP server of :func:`make_app`, with the body limit and the timeouts that close
    slow or silent connections (slow-loris)."""
    settings = services.settings
    return tornado.httpserver.HTTPServer(
        make_app(services),
        max_body_size=settings.max_body_bytes * 2,
        idle_connection_timeout=settings.idle_timeout_seconds,
        body_timeout=settings.body_timeout_seconds,
        xheaders=False,
    )
