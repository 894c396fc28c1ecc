"""Property test: serialising anything never raises and always gives encodable JSON."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from opik_jupyter.sdk._serialize import Limits, to_field, to_json
from tests.testlib.serialize import Point, encodes

hypothesis = pytest.importorskip("hypothesis")  # not in the test extras everywhere yet
st = hypothesis.strategies


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
    lambda children: (
        st.lists(children)
        | st.dictionaries(st.text(), children)
        | st.tuples(children, children)
        | st.frozensets(st.integers() | st.text())
    ),
    max_leaves=40,
)
odd_values = st.one_of(
    json_values,
    st.datetimes(),
    st.dates(),
    st.timedeltas(),
    st.uuids(),
    st.decimals(),
    st.complex_numbers(),
    st.builds(Point, st.integers(), st.floats()),
    st.dictionaries(st.integers() | st.none() | st.floats(), json_values, max_size=5),
    st.builds(object),
    st.sets(st.integers() | st.text(), max_size=5),
)


@hypothesis.given(
    value=st.recursive(
        odd_values, lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=30
    )
)
@hypothesis.settings(max_examples=300, deadline=None)
def test_to_json__never_raises_and_always_encodes(value: Any) -> None:
    out = to_json(value, Limits(max_bytes=2000, max_string_chars=200, max_items=20))
    data = encodes(out)
    msgspec.json.decode(data)
    field = to_field(value, "input")
    assert isinstance(field, (dict, list, str))
