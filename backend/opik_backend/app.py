"""The tornado application: every route, under both ``/api/...`` and bare paths."""

from __future__ import annotations

import re

import tornado.web

from . import openapi
from .handlers import definitions, observations, projects, scores, system, threads
from .handlers.base import NotFoundHandler
from .handlers.observations import Route
from .services import Services


def all_routes() -> list[Route]:
    """Routes in match order: fixed paths before the ``{id}`` patterns that would match them."""
    routes = [*system.routes(), *projects.routes(), *definitions.routes(), *threads.routes(),
              *scores.routes(), *observations.routes()]
    return sorted(routes, key=lambda route: route[0].count("{"))


def _pattern(path: str) -> str:
    """``/v1/private/traces/{id}`` as a tornado regex that also accepts the ``/api`` prefix."""
    return "(?:/api)?" + re.sub(r"\{\w+\}", r"([^/]+)", path) + "/?"


def make_app(services: Services) -> tornado.web.Application:
    routes = all_routes()
    handlers = [(_pattern(path), handler, {"services": services}) for path, handler in routes]
    return tornado.web.Application(
        handlers,
        default_handler_class=NotFoundHandler,
        default_handler_args={"services": services},
        compress_response=True,
        openapi=openapi.build(routes),
    )
