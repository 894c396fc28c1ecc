"""Rebuild ``litellm_prices.json``, the fallback price table, from LiteLLM's model price map.

    python -m opik_backend.pricing.refresh                 # the copy the installed litellm ships
    python -m opik_backend.pricing.refresh path/to/model_prices_and_context_window.json

Keeps the chat, completion, responses and embedding models that are priced per token, in the
format of ``prices.json`` (USD per million tokens), so both tables load the same way. The
backend never imports litellm; this script only reads its JSON file.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_MODES = frozenset({"chat", "completion", "responses", "embedding"})
_MILLION = 1_000_000
_BACKUP_NAME = "model_prices_and_context_window_backup.json"
_TARGET = Path(__file__).with_name("litellm_prices.json")
# LiteLLM's names of the long-prompt tiers, smallest threshold first
_LONG_TIERS = (
    ("above_128k_tokens", 128_000),
    ("above_200k_tokens", 200_000),
    ("above_272k_tokens", 272_000),
)


def installed_map() -> Path:
    """The model price map inside the installed ``litellm`` package (not imported)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("litellm is not installed: pip install litellm, or pass the JSON path")
    return Path(next(iter(spec.submodule_search_locations))) / _BACKUP_NAME


def per_million(value: Any) -> float:
    return round(float(value) * _MILLION, 9)


def entry(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    """Our price entry for one LiteLLM model, or None when it is not priced per token."""
    if spec.get("mode") not in _MODES:
        return None
    if "input_cost_per_token" not in spec and "output_cost_per_token" not in spec:
        return None
    out: dict[str, Any] = {
        "provider": str(spec.get("litellm_provider", "")),
        "input": per_million(spec.get("input_cost_per_token", 0)),
        "output": per_million(spec.get("output_cost_per_token", 0)),
    }
    for ours, theirs in (
        ("cache_read", "cache_read_input_token_cost"),
        ("cache_write", "cache_creation_input_token_cost"),
        ("cache_write_1h", "cache_creation_input_token_cost_above_1hr"),
    ):
        if isinstance(spec.get(theirs), int | float):
            out[ours] = per_million(spec[theirs])
    for suffix, threshold in _LONG_TIERS:
        if isinstance(spec.get(f"input_cost_per_token_{suffix}"), int | float):
            out["long_context"] = {
                "above_prompt_tokens": threshold,
                "input": per_million(spec[f"input_cost_per_token_{suffix}"]),
                "output": per_million(
                    spec.get(
                        f"output_cost_per_token_{suffix}", spec.get("output_cost_per_token", 0)
                    )
                ),
            }
            break
    return out


def extract(raw: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The compact fallback table of LiteLLM's map ``raw``."""
    models = {
        name: priced
        for name, spec in sorted(raw.items())
        if isinstance(spec, dict) and (priced := entry(spec)) is not None
    }
    return {
        "_source": "LiteLLM's model price map (model_prices_and_context_window.json), "
        "extracted by opik_backend/pricing/refresh.py; per-token chat, completion, responses "
        "and embedding prices only",
        "litellm_version": version,
        "unit": "USD per 1,000,000 tokens",
        "models": models,
    }


def write(table: Mapping[str, Any], target: Path = _TARGET) -> None:
    """One model per line, so a refresh reads as a small diff."""
    head = {key: value for key, value in table.items() if key != "models"}
    lines = [json.dumps(head)[:-1] + ', "models": {']
    items = list(table["models"].items())
    for i, (name, spec) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(name)}: {json.dumps(spec, separators=(',', ':'))}{comma}")
    lines.append("}}")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else installed_map()
    try:
        version = importlib.metadata.version("litellm") if not argv else "file " + source.name
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    table = extract(json.loads(source.read_text(encoding="utf-8")), version)
    write(table)
    print(f"{len(table['models'])} models from {source} -> {_TARGET}")


if __name__ == "__main__":
    main(sys.argv[1:])
