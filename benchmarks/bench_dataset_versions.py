"""Dataset versions benchmark: what one changed item costs on datasets of growing size.

Every change of a dataset's items records a version, and a version today is a copy of all
the dataset's items (``INSERT ... SELECT`` inside ClickHouse), so a one-item change costs
O(items). This measures that cost (the time of a ``PUT`` of one item, the version included)
and the item copies it leaves, to compare a future copy-on-write design against. Usage::

    python benchmarks/bench_dataset_versions.py            # 1k, 10k and 50k items
    python benchmarks/bench_dataset_versions.py --quick    # 1k and 10k
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import uuid6
from common import percentile, start_backend

from opik_backend import runtime

DATASETS = "v1/private/datasets"
CHANGES = 10
BATCH = 5000


def fill(api: httpx.Client, name: str, items: int) -> str:
    dataset_id = api.post(DATASETS, json={"name": name}).json()["id"]
    for start in range(0, items, BATCH):
        batch = [
            {"id": str(uuid6.uuid7()), "source": "sdk", "data": {"n": n, "text": f"item {n}"}}
            for n in range(start, min(items, start + BATCH))
        ]
        response = api.put(f"{DATASETS}/items", json={"dataset_id": dataset_id, "items": batch})
        response.raise_for_status()
    return dataset_id


def one_item_changes(api: httpx.Client, dataset_id: str) -> list[float]:
    """Seconds per PUT of one new item (each records a version)."""
    took = []
    for n in range(CHANGES):
        item = {"id": str(uuid6.uuid7()), "source": "sdk", "data": {"changed": n}}
        started = time.perf_counter()
        api.put(f"{DATASETS}/items", json={"dataset_id": dataset_id, "items": [item]})
        took.append(time.perf_counter() - started)
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    sizes = (1_000, 10_000) if parser.parse_args().quick else (1_000, 10_000, 50_000)
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        backend = start_backend(data_dir)
        try:
            info = runtime.read(data_dir)
            assert info is not None
            with httpx.Client(base_url=info.url.rstrip("/") + "/", timeout=300) as api:
                for size in sizes:
                    dataset_id = fill(api, f"bench-{size}", size)
                    took = one_item_changes(api, dataset_id)
                    versions = api.get(f"{DATASETS}/{dataset_id}/versions").json()["total"]
                    copies = sum(
                        v["items_total"]
                        for v in api.get(
                            f"{DATASETS}/{dataset_id}/versions", params={"size": 1000}
                        ).json()["content"]
                    )
                    print(
                        f"{size:>6} items: one-item change p50 {statistics.median(took) * 1000:.0f}"
                        f" ms, p90 {percentile(took, 0.9) * 1000:.0f} ms; {versions} versions"
                        f" hold {copies:,} item copies"
                    )
        finally:
            backend.terminate()
            backend.wait(timeout=60)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
