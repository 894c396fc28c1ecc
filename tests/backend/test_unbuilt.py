"""Opik products the backend leaves out answer 501 with a JSON body naming the product."""

from __future__ import annotations

import re

import httpx
import pytest

from opik_backend.app import all_routes
from opik_backend.handlers.unbuilt import PRODUCTS, Product
from opik_backend.openapi import operations

ANY_ID = "0190a000-0000-7000-8000-000000000000"
CASES = [
    pytest.param(method, path, product, id=f"{method} {path}")
    for product in PRODUCTS
    for number, path in enumerate(product.paths)
    for method in ["GET" if number % 2 else "POST"]
]


@pytest.mark.parametrize(("method", "path", "product"), CASES)
def test_unbuilt_paths_answer_501_naming_the_product(
    api: httpx.Client, method: str, path: str, product: Product
) -> None:
    concrete = re.sub(r"\{\w+\}", ANY_ID, path)
    response = api.request(method, concrete.lstrip("/"), json={})
    assert response.status_code == 501
    body = response.json()
    assert body["code"] == 501
    assert product.name in body["message"]
    assert concrete in body["message"]


def test_served_paths_still_win_over_unbuilt_ones(api: httpx.Client) -> None:
    """``/projects/{id}/alerts`` is unbuilt; ``/projects/{id}`` stays served (404: no such id)."""
    response = api.get(f"v1/private/projects/{ANY_ID}")
    assert response.status_code == 404
    assert "no route" not in response.json()["message"]


def test_unbuilt_paths_stay_out_of_the_openapi_document(api: httpx.Client) -> None:
    unbuilt = {path for product in PRODUCTS for path in product.paths}
    documented = set(api.get("/openapi.json").json()["paths"])
    assert not unbuilt & documented
    assert all(not operations(h) for p, h in all_routes() if p in unbuilt)


def test_an_unknown_path_is_still_a_route_miss(api: httpx.Client) -> None:
    response = api.get("v1/private/no-such-product")
    assert response.status_code == 404
    assert "no route" in response.json()["message"]
