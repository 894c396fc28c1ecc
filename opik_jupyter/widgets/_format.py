"""Numbers as the views write them. The TypeScript views follow the same rules
(``frontend/src/views/format.ts``); ``tests/fixtures/cost_format.json`` pins both."""

from __future__ import annotations

import html
import math
from typing import Any

_MAX_DECIMALS = 10


def esc(value: Any) -> str:
    """``value`` as HTML text (quotes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def cost_text(value: Any) -> str:
    """A cost in dollars: two significant digits under a cent (``$0.000027``), up to four
    decimals under a dollar (``$0.0123``), cents above (``$1,234.50``); ``""`` for none."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    cost = float(value)
    if cost == 0:
        return "$0"
    sign, cost = ("-", -cost) if cost < 0 else ("", cost)
    if cost >= 1:
        return f"{sign}${cost:,.2f}"
    decimals = 4 if cost >= 0.01 else min(_MAX_DECIMALS, 1 - math.floor(math.log10(cost)))
    digits = f"{cost:.{decimals}f}".rstrip("0")
    whole, _, fraction = digits.partition(".")
    return f"{sign}${whole}.{fraction.ljust(2, '0')}"
