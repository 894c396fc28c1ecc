"""``evaluate()``: run a task on every item of a dataset, score the outputs, and record it
all as an experiment (one trace per item, linked to the experiment by an experiment item).

The items run concurrently (``workers`` at a time) under one coroutine: on a background
event loop for :func:`evaluate`, on the caller's loop for :func:`evaluate_async`. Sync
tasks and metrics run in daemon threads, async tasks on the loop. An item that fails or
times out is recorded as an error and the run goes on; a run that is interrupted keeps its
finished items, and ``resume=True`` runs only the rest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..sdk import flush, start_trace
from ..sdk._config import current as current_config
from ..sdk._ids import new_id
from ..sdk._prompts import Prompt
from . import _api, _notebook
from ._compare import item_result_of
from ._item import compute, describe_error, record
from ._links import LinkWriter
from ._plan import (
    TRACE_NAME,
    EvaluationInputError,
    Planned,
    RunSettings,
    check_arguments,
    check_metrics,
    check_prompts,
    check_task,
    dataset_version,
    default_name,
    done_items,
    existing_experiment,
    planned_items,
)
from ._result import EvaluationResult, ItemResult
from ._threads import DaemonPool, run_blocking
from .dataset import Dataset, DatasetVersion

log = logging.getLogger("opik_jupyter")
Task = Callable[[dict[str, Any]], Any]


@dataclasses.dataclass(frozen=True)
class Options:
    """The keyword arguments of ``evaluate()``."""

    experiment_name: str | None = None
    project_name: str | None = None
    experiment_config: Mapping[str, Any] | None = None
    scoring_key_mapping: Mapping[str, str] | None = None
    workers: int = 8
    timeout: float | None = None
    resume: bool = False
    nb_samples: int | None = None
    progress: bool = True
    dataset_version: DatasetVersion | str | None = None
    prompts: Sequence[Prompt] = ()


class _Aborted(Exception):
    """The run must stop and be undone (a metric can never get its arguments)."""

    def __init__(self, error: EvaluationInputError) -> None:
        super().__init__(str(error))
        self.error = error


class _Run:
    """One evaluation run: prepared (checked, experiment made), executed, then finished
    (or rolled back)."""

    def __init__(
        self,
        settings: RunSettings,
        dataset: Dataset,
        experiment: dict[str, Any],
        created: bool,
        items: Sequence[Planned],
        done: set[str],
        options: Options,
    ) -> None:
        self.settings = settings
        self.dataset = dataset
        self.client = dataset.client
        self.experiment = experiment
        self.created = created
        self.positions = {item.id: item.index for item in items}
        self.done = done
        self.items = [item for item in items if item.id not in done]
        self.workers = max(1, options.workers)
        self.pool = DaemonPool(self.workers)
        self.links = LinkWriter(self.client, experiment["id"], settings.project)
        self.progress = _notebook.Progress(
            len(self.items), settings.experiment_name, options.progress
        )
        self.results: list[ItemResult] = []
        self.trace_ids: list[str] = []
        self._scored: set[str] = set()
        self._started = time.monotonic()

    @classmethod
    def prepare(
        cls, dataset: Dataset | str, task: Task, metrics: Sequence[Any], options: Options
    ) -> _Run:
        """Check everything, then create (or find, to resume) the experiment."""
        if not current_config().enabled:
            raise EvaluationInputError(
                "tracing is switched off (configure(enabled=False) or "
                "OPIK_JUPYTER_TRACK_DISABLE): evaluate() records each "
                "item as a trace, so turn it on"
            )
        task_name, is_async, tracked = check_task(task)
        mapping = dict(options.scoring_key_mapping or {})
        wrapped = check_metrics(metrics, mapping)
        if not isinstance(dataset, Dataset):
            dataset = Dataset.get(dataset)
        version = dataset_version(dataset, options.dataset_version)
        items = planned_items(dataset, options.nb_samples, version)
        check_arguments(wrapped, mapping, items)
        name = options.experiment_name or default_name(task_name)
        found = existing_experiment(dataset.client, dataset, name, options.resume, version)
        project = (
            options.project_name or (found or {}).get("project_name") or current_config().project
        )
        body = {
            "id": new_id(),
            "name": name,
            "dataset_name": dataset.name,
            "project_name": project,
            "metadata": _metadata(options),
        }
        if options.prompts:
            body["prompt_versions"] = [{"id": p.version_id} for p in options.prompts]
        if version is not None:
            body["dataset_version_id"] = version.id
        experiment = found or _api.create_experiment(dataset.client, body)
        settings = RunSettings(
            task,
            task_name,
            is_async,
            tracked,
            wrapped,
            mapping,
            options.timeout,
            project,
            name,
            dataset.name,
        )
        done = done_items(dataset.client, found) if found is not None else set()
        return cls(settings, dataset, experiment, found is None, items, done, options)

    # -- running (on an event loop) ---------------------------------------------------------

    async def execute(self) -> None:
        """Run the items, ``workers`` at a time."""
        pending = iter(self.items)
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(self.workers, len(self.items))):
                    group.create_task(self._worker(pending))
        except BaseExceptionGroup as failed:
            aborted = [e for e in failed.exceptions if isinstance(e, _Aborted)]
            if aborted:
                raise aborted[0] from None
            raise

    async def _worker(self, pending: Iterator[Planned]) -> None:
        for item in pending:
            self._finished(await self._run_item(item))

    async def _run_item(self, item: Planned) -> ItemResult:
        started = time.perf_counter()
        with start_trace(
            TRACE_NAME, input=item.task_input, project_name=self.settings.project
        ) as trace:
            self.trace_ids.append(trace.id)
            outcome = await compute(self.settings, self.pool, item)
            record(trace, item, outcome, self.settings)
        return ItemResult(
            item.id,
            item.task_input,
            trace.id,
            outcome.output,
            outcome.scores,
            describe_error(outcome.error) if outcome.error else None,
            (time.perf_counter() - started) * 1000,
            item.index,
        )

    def _finished(self, result: ItemResult) -> None:
        self._check_arguments(result)
        self.results.append(result)
        self.links.add(result.dataset_item_id, str(result.trace_id))
        self.progress.advance(failed=not result.ok)

    def _check_arguments(self, result: ItemResult) -> None:
        """A metric that lacks arguments before it ever scored is misconfigured: stop."""
        for score in result.scores:
            if score.ok:
                self._scored.add(score.name)
            elif (score.metadata or {}).get("missing") and score.name not in self._scored:
                missing = score.metadata["missing"][0]  # type: ignore[index]
                raise _Aborted(
                    EvaluationInputError(
                        f"{score.name} cannot score {result.describe()}: {score.error}. Return "
                        f"{missing!r} from the task, or map it to an item field with "
                        f"scoring_key_mapping={{{missing!r}: '<field>'}}. The run was stopped and "
                        "nothing of it was kept."
                    )
                )

    # -- ending (blocking: HTTP) ------------------------------------------------------------

    def finish(self, interrupted: bool = False) -> EvaluationResult:
        """Save the links of finished items, mark the experiment completed (unless
        interrupted), and build the result."""
        self.progress.close()
        self.pool.close()
        unlinked = self.links.close()
        if not interrupted and not unlinked:
            _api.finish_experiment(self.client, self.experiment["id"])
        items = sorted([*self._previous(), *self.results], key=lambda r: r.index)
        result = EvaluationResult(
            self.experiment["id"],
            self.settings.experiment_name,
            self.dataset.id,
            self.dataset.name,
            self.settings.project,
            items,
            time.monotonic() - self._started,
            interrupted,
        )
        self._report(result)
        return result

    def _previous(self) -> list[ItemResult]:
        """The items an earlier run of this experiment did (read back from the backend)."""
        if not self.done:
            return []
        found = []
        for row in _api.compare_rows(self.client, self.dataset.id, [self.experiment["id"]]):
            for run in row.get("experiment_items") or ():
                if row["id"] in self.done and run.get("experiment_id") == self.experiment["id"]:
                    result = item_result_of(row["id"], dict(row.get("data") or {}), run)
                    result.index = self.positions.get(row["id"], 0)
                    found.append(result)
        return found

    def _report(self, result: EvaluationResult) -> None:
        name = self.settings.experiment_name
        if result.interrupted:
            log.warning(
                "opik-jupyter: evaluation interrupted: %d of %d items are done in "
                "experiment %r; evaluate(..., experiment_name=%r, resume=True) runs "
                "the rest",
                len(result.items),
                len(self.positions),
                name,
                name,
            )
        failed = [item for item in result.items if item.error]
        if failed:
            log.warning(
                "opik-jupyter: %d of %d items failed in experiment %r (see "
                "result.errors); first: %s: %s",
                len(failed),
                len(result.items),
                name,
                failed[0].describe(),
                failed[0].error,
            )

    def rollback(self) -> None:
        """Undo an aborted run: its experiment (or its new items) and its traces."""
        self.progress.close()
        self.links.close(write=False)
        self.pool.close(wait=5.0)
        flush(30.0)
        if self.created:
            _api.delete_experiment(self.client, self.experiment["id"])
        else:
            _api.delete_experiment_items(self.client, self.links.written)
        _api.delete_traces(self.client, self.trace_ids)


def evaluate(
    dataset: Dataset | str,
    task: Task,
    metrics: Sequence[Any] = (),
    *,
    experiment_name: str | None = None,
    project_name: str | None = None,
    experiment_config: Mapping[str, Any] | None = None,
    scoring_key_mapping: Mapping[str, str] | None = None,
    workers: int = 8,
    timeout: float | None = None,
    resume: bool = False,
    nb_samples: int | None = None,
    progress: bool = True,
    display: bool | None = None,
    dataset_version: DatasetVersion | str | None = None,
    prompts: Sequence[Prompt] = (),
) -> EvaluationResult:
    """Run ``task`` on every item of ``dataset`` and score it with ``metrics``.

    ``task`` takes the item (a dict of its fields plus ``id``) and returns a dict (or any
    value, taken as ``{"output": value}``); it may be ``async``. Each metric gets the item's
    fields and the task's output by parameter name (``scoring_key_mapping`` renames:
    ``{"reference": "expected_output"}``). Every item becomes a trace in ``project_name``
    with the scores as feedback scores, linked to the experiment ``experiment_name``.

    ``workers`` items run at a time; an item past ``timeout`` seconds is an error. A
    failing item is recorded as an error and the run goes on. ``resume=True`` continues an
    experiment of that name, running only the items it has not done. ``display`` (default:
    in a notebook) shows the experiment table and score chart at the end.
    ``dataset_version`` (a :class:`DatasetVersion`, or its hash, id, name such as ``"v2"``
    or tag) runs on the items of that version instead of the current ones, and records it
    on the experiment (``dataset_version_id``). ``prompts`` (:class:`Prompt` or
    :class:`ChatPrompt` versions) are linked to the experiment (its ``prompt_versions``,
    and their templates under ``metadata["prompts"]``, as Opik does). Raises
    :class:`EvaluationInputError` (nothing written) for bad input.
    """
    options = Options(
        experiment_name,
        project_name,
        experiment_config,
        scoring_key_mapping,
        workers,
        timeout,
        resume,
        nb_samples,
        progress,
        dataset_version,
        tuple(check_prompts(prompts)),
    )
    run = _Run.prepare(dataset, task, metrics, options)
    try:
        run_blocking(run.execute())
    except _Aborted as aborted:
        run.rollback()
        raise aborted.error from None
    except BaseException:
        run.finish(interrupted=True)
        raise
    return _shown(run.finish(), display)


async def evaluate_async(
    dataset: Dataset | str,
    task: Task,
    metrics: Sequence[Any] = (),
    *,
    experiment_name: str | None = None,
    project_name: str | None = None,
    experiment_config: Mapping[str, Any] | None = None,
    scoring_key_mapping: Mapping[str, str] | None = None,
    workers: int = 8,
    timeout: float | None = None,
    resume: bool = False,
    nb_samples: int | None = None,
    progress: bool = True,
    display: bool | None = None,
    dataset_version: DatasetVersion | str | None = None,
    prompts: Sequence[Prompt] = (),
) -> EvaluationResult:
    """:func:`evaluate` on the running event loop (``await evaluate_async(...)`` in a
    notebook cell): async tasks run on the caller's loop, next to the clients they use."""
    options = Options(
        experiment_name,
        project_name,
        experiment_config,
        scoring_key_mapping,
        workers,
        timeout,
        resume,
        nb_samples,
        progress,
        dataset_version,
        tuple(check_prompts(prompts)),
    )
    run = await asyncio.to_thread(_Run.prepare, dataset, task, metrics, options)
    try:
        await run.execute()
    except _Aborted as aborted:
        await asyncio.to_thread(run.rollback)
        raise aborted.error from None
    except BaseException:
        await asyncio.to_thread(run.finish, True)
        raise
    return _shown(await asyncio.to_thread(run.finish), display)


def _metadata(options: Options) -> dict[str, Any] | None:
    """The experiment's metadata: its config, and the templates of its prompts by name."""
    metadata = dict(options.experiment_config or {})
    if options.prompts:
        metadata["prompts"] = {p.name: p.info()["version"]["template"] for p in options.prompts}
    return metadata or None


def _shown(result: EvaluationResult, display: bool | None) -> EvaluationResult:
    if _notebook.display_wanted(display):
        _notebook.show(result)
    return result
