"""The backend's long-lived parts, opened once at start-up and handed to every handler."""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor

from .access import Access
from .config import Settings
from .online.egress import JudgeEndpoints
from .online.queue import open_queue
from .online.scoring import ScoringSettings
from .online.workers import OnlineEvaluation
from .storage.annotation_queues import AnnotationQueues
from .storage.api_keys import ApiKeys
from .storage.attachments import Attachments
from .storage.cache import Cache, open_cache
from .storage.changes import ChangeLog
from .storage.clickhouse import ClickHouse
from .storage.comparisons import Comparisons
from .storage.coordination import RateLimiter, open_rate_limiter, shared_lock
from .storage.dataset_versions import DatasetVersioning
from .storage.datasets import DatasetItems, Datasets
from .storage.definitions import FeedbackDefinitions
from .storage.experiments import ExperimentItems, Experiments
from .storage.files import open_file_store
from .storage.ingest import IngestJob, Ingestor, open_patch_registry
from .storage.maintenance import Optimizer
from .storage.metadata import MetadataDB
from .storage.migrations import migrate_clickhouse, migrate_metadata
from .storage.online_rules import Rules
from .storage.optimizations import Optimizations
from .storage.otel_ids import OtelTraceIds
from .storage.project_metrics import ProjectMetrics
from .storage.projects import Projects
from .storage.prompts import Prompts
from .storage.reads import Reads
from .storage.recent import RecentTraces
from .storage.stats import Stats
from .storage.threads import Threads
from .storage.trace_owners import TraceOwners
from .storage.writer import GroupCommitWriter

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Services:
    settings: Settings
    ch: ClickHouse
    db: MetadataDB
    cache: Cache
    projects: Projects
    definitions: FeedbackDefinitions
    api_keys: ApiKeys
    datasets: Datasets
    dataset_items: DatasetItems
    dataset_versions: DatasetVersioning
    optimizations: Optimizations
    annotation_queues: AnnotationQueues
    experiments: Experiments
    experiment_items: ExperimentItems
    prompts: Prompts
    comparisons: Comparisons
    reads: Reads
    threads: Threads
    stats: Stats
    project_metrics: ProjectMetrics
    ingestor: Ingestor
    writer: GroupCommitWriter[IngestJob]
    optimizer: Optimizer
    rules: Rules
    online: OnlineEvaluation
    limiter: RateLimiter
    executor: ThreadPoolExecutor
    otel_trace_ids: OtelTraceIds
    access: Access
    attachments: Attachments

    @classmethod
    def open(cls, settings: Settings) -> Services:
        """Connect to the stores, migrate them and start the writer and optimizer threads."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        ch = ClickHouse(settings.resolved_clickhouse_url, settings.clickhouse_database)
        db = MetadataDB(settings.resolved_metadata_url)
        with shared_lock(settings.redis_url, "migrations"):
            log.info("ClickHouse migrations applied: %s", migrate_clickhouse(ch) or "none")
            log.info("metadata migrations applied: %s", migrate_metadata(db) or "none")
        cache = open_cache(settings.redis_url)
        changes = ChangeLog()
        # One process sees every write only without replicas: only then are the newest
        # traces kept in memory.
        recent = None if settings.redis_url else RecentTraces()
        reads = Reads(ch, changes, recent)
        owners = TraceOwners(ch, shared=bool(settings.redis_url))  # replicas share through Redis
        ingestor = Ingestor(
            ch, open_patch_registry(settings.redis_url, ch), changes, owners, recent
        )
        writer: GroupCommitWriter[IngestJob] = GroupCommitWriter(ingestor.commit)
        optimizer = Optimizer(
            ch,
            writer,
            idle_seconds=settings.optimize_idle_seconds,
            lock=lambda: shared_lock(settings.redis_url, "optimize"),
        )
        scoring = ScoringSettings(
            settings.judge_api_key,
            settings.metric_timeout_seconds,
            settings.metric_memory_mb,
            settings.allow_unsandboxed_metrics,
            JudgeEndpoints.from_settings(
                settings.judge_base_url,
                settings.judge_allowed_base_urls,
                settings.judge_private_network_allowed,
            ),
        )
        rules = Rules(db, vet=scoring.vet)
        online = OnlineEvaluation(
            rules,
            open_queue(settings.redis_url, settings.redis_prefix, db),
            reads,
            writer.submit,
            scoring,
            workers=settings.online_workers,
            retry_seconds=settings.online_retry_seconds,
            max_attempts=settings.online_max_attempts,
        )
        ingestor.listeners.append(online.publisher.traces_stored)
        api_keys = ApiKeys(db)
        datasets, dataset_items = Datasets(db), DatasetItems(ch)
        return cls(
            settings=settings,
            ch=ch,
            db=db,
            cache=cache,
            projects=Projects(db, cache),
            definitions=FeedbackDefinitions(db),
            api_keys=api_keys,
            datasets=datasets,
            dataset_items=dataset_items,
            dataset_versions=DatasetVersioning(db, ch, datasets, dataset_items),
            optimizations=Optimizations(db),
            annotation_queues=AnnotationQueues(db),
            experiments=Experiments(db),
            experiment_items=ExperimentItems(ch),
            prompts=Prompts(db),
            comparisons=Comparisons(ch, reads),
            reads=reads,
            threads=Threads(ch, reads),
            stats=Stats(ch, reads),
            project_metrics=ProjectMetrics(ch, reads),
            ingestor=ingestor,
            writer=writer,
            optimizer=optimizer,
            rules=rules,
            online=online,
            limiter=open_rate_limiter(settings.redis_url, settings.rate_limit_per_second),
            executor=ThreadPoolExecutor(max_workers=8, thread_name_prefix="opik-backend-io"),
            otel_trace_ids=OtelTraceIds(db),
            access=Access.for_settings(settings, api_keys.owner_of),
            attachments=Attachments(
                db,
                open_file_store(
                    settings.attachments_url,
                    settings.data_dir,
                    settings.s3_endpoint_url,
                    settings.s3_region,
                ),
                settings.max_attachment_bytes,
            ),
        )

    def close(self) -> None:
        """Commit what is queued, then release every store."""
        self.optimizer.close()
        self.online.close()
        self.writer.close()
        self.executor.shutdown(wait=True)
        self.cache.close()
        self.db.close()
        self.ch.close()
