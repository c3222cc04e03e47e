"""Running background jobs and reporting their progress.

How a job runs
--------------
`start_job(job, "dotted.path.to.func", **kwargs)` hands the work to django-tasks (`run_job_task`).
With a worker backend (a database queue, when one is installed) a worker process picks it up. With
the ImmediateBackend — the default, since no worker backend is installed — `enqueue()` would run the
job inside the upload request, so in a running server (DANGJIAN_JOBS_IN_THREAD, default on) the
same django-tasks call is made from a daemon thread started after the request's transaction
commits: the request returns at once and the page polls the job's progress. Tests turn the flag
off and get the plain synchronous ImmediateBackend.

The job function is called as `func(job=job, progress=progress, **kwargs)` and returns a dict with
any of `message`, `result`, `errors`, `error_count`; raising `JobFailed` (or anything else) marks
the job failed with a Chinese message. Job functions write all-or-nothing in one transaction, so a
failed or killed job has changed nothing.

Progress and database locks
---------------------------
Progress is written to the job row in autocommit mode while the job checks and prepares rows (no
transaction is open then). Inside the single write transaction an update on the same connection
would stay invisible until commit, so `Progress.write_phase()` switches: on PostgreSQL progress goes
through a second, autocommit connection; on SQLite (one writer at a time: a second connection would
wait for the import's own lock) progress during the write is skipped and the page shows the phase
message instead, and write phases of concurrent jobs in one process take turns (a thread lock) so
that a second import waits rather than failing on SQLite's busy timeout. Rows are encrypted and
prepared before the transaction opens, so the write lock is held mainly for the inserts.

A job that dies with its process (a server restart) is rolled back by the database; its row stays
RUNNING until the job page notices the missing heartbeat (`reap_if_dead`) and marks it failed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task, task_backends
from django_tasks.backends.immediate import ImmediateBackend

from dangjian.core.middleware import current_request_id, set_request_id
from dangjian.core.models import FINISHED, Job, JobStatus

logger = logging.getLogger(__name__)

# Seconds between progress writes (the page polls every second).
PROGRESS_INTERVAL = 0.5
# A running job whose heartbeat is older than this has died with its process (restart, crash).
STALE_AFTER = timedelta(seconds=int(os.environ.get("DANGJIAN_JOB_STALE_SECONDS", 15 * 60)))

FAILED_UNEXPECTEDLY = (
    "任务意外中断，没有写入任何数据。请稍后重试；如仍不成功，请联系系统管理员（任务编号{pk}）。"
)
DIED = "任务已中断（服务器可能重启过），没有写入任何数据。请重新上传文件。"


class JobFailed(Exception):
    """A job ends with a Chinese message (and optionally a row-level error list); nothing written."""

    def __init__(self, message: str, *, errors: list | None = None, error_count: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.error_count = len(self.errors) if error_count is None else error_count


def jobs_in_thread() -> bool:
    """Whether start_job() runs jobs in a daemon thread (ImmediateBackend in a running server)."""
    flag = getattr(settings, "DANGJIAN_JOBS_IN_THREAD", None)
    if flag is None:
        flag = os.environ.get("DANGJIAN_JOBS_IN_THREAD", "1").lower() in {"1", "true", "yes", "on"}
    return bool(flag) and isinstance(task_backends["default"], ImmediateBackend)


_SQLITE_WRITE_LOCK = threading.Lock()


class Progress:
    """Throttled progress writes for one job; see the module docstring for the write phase."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.done = 0
        self.total = job.progress_total
        self.message = job.message
        self._last = 0.0
        self._in_write = False
        self._side = None  # a second connection (PostgreSQL) during the write phase

    def set(
        self,
        done: int,
        total: int | None = None,
        message: str | None = None,
        *,
        force: bool = False,
    ) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        self._write()

    def _write(self) -> None:
        values = {
            "progress_done": min(self.done, self.total) if self.total else self.done,
            "progress_total": self.total,
            "message": (self.message or "")[:500],
            "heartbeat_at": timezone.now(),
        }
        if not self._in_write:
            Job.objects.filter(pk=self.job.pk).update(**values)
            return
        if self._side is None:
            return  # SQLite: the import holds the only write lock; the page shows the phase message
        table = connection.ops.quote_name(Job._meta.db_table)
        cols = ", ".join(f"{connection.ops.quote_name(k)} = %s" for k in values)
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {cols} WHERE id = %s", [*values.values(), self.job.pk]
            )

    @contextmanager
    def write_phase(self, message: str):
        """Wrap the all-or-nothing write: announce it, then report through a side connection if possible."""
        if connection.vendor == "sqlite":
            # No progress can be written during the write, so the page shows a busy bar (total 0).
            total = self.total
            self.set(0, 0, message=message, force=True)
            # One writer at a time: a second import in this process waits here instead of failing
            # on SQLite's 30-second busy timeout while the first holds the write lock.
            with _SQLITE_WRITE_LOCK:
                self._in_write = True
                try:
                    yield self
                finally:
                    self._in_write = False
                    self.total = total
            return
        self.set(self.done, message=message, force=True)
        self._in_write = True
        if connection.vendor == "postgresql":
            try:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            except Exception:
                logger.warning("no side connection for job progress", exc_info=True)
                self._side = None
        try:
            yield self
        finally:
            self._in_write = False
            if self._side is not None:
                try:
                    self._side.close()
                finally:
                    self._side = None


@task()
def run_job_task(job_id: int, func_path: str, kwargs: dict, request_id: str | None = None) -> str:
    return execute_job(job_id, func_path, kwargs, request_id=request_id)


def execute_job(job_id: int, func_path: str, kwargs: dict, *, request_id: str | None = None) -> str:
    """Run one queued job to its end; always leaves it SUCCEEDED or FAILED."""
    from auditlog.context import set_actor

    set_request_id(request_id or f"job-{job_id}")
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if not claimed:
        return "skipped"  # already run (a retry or a second worker)
    job = Job.objects.select_related("created_by").get(pk=job_id)
    progress = Progress(job)
    try:
        func = import_string(func_path)
        with set_actor(job.created_by):
            outcome = func(job=job, progress=progress, **kwargs) or {}
    except JobFailed as exc:
        _finish(
            job,
            JobStatus.FAILED,
            message=exc.message,
            errors=exc.errors,
            error_count=exc.error_count,
        )
    except Exception:
        logger.exception("job %s (%s) failed", job_id, func_path)
        _finish(job, JobStatus.FAILED, message=FAILED_UNEXPECTEDLY.format(pk=job_id))
    else:
        _finish(
            job,
            JobStatus.SUCCEEDED,
            message=outcome.get("message", "已完成。"),
            result=outcome.get("result", {}),
            errors=outcome.get("errors", []),
            error_count=outcome.get("error_count"),
            done=progress.total,
        )
    return Job.objects.values_list("status", flat=True).get(pk=job_id)


def _finish(
    job: Job, status: str, *, message: str, result=None, errors=None, error_count=None, done=None
):
    errors = errors or []
    values = {
        "status": status,
        "message": message[:500],
        "errors": errors,
        "error_count": len(errors) if error_count is None else error_count,
        "finished_at": timezone.now(),
        "heartbeat_at": timezone.now(),
    }
    if result is not None:
        values["result"] = result
    if done is not None:
        values["progress_done"] = done
        values["progress_total"] = done
    Job.objects.filter(pk=job.pk).update(**values)
    for key, value in values.items():
        setattr(job, key, value)


def start_job(job: Job, func_path: str, *, inline: bool = False, **kwargs) -> Job:
    """Run `func_path` for `job` (already saved, status QUEUED). `inline` runs it now, in this request."""
    rid = current_request_id()
    if inline:
        execute_job(job.pk, func_path, kwargs, request_id=rid)
    elif jobs_in_thread():
        transaction.on_commit(lambda: _spawn(job.pk, func_path, kwargs, rid))
        return job  # still QUEUED as far as this request knows; the page polls the row
    else:
        run_job_task.enqueue(job.pk, func_path, kwargs, rid)
    job.refresh_from_db()
    return job


def _spawn(job_id: int, func_path: str, kwargs: dict, rid: str | None) -> None:
    thread = threading.Thread(
        target=_thread_main,
        args=(job_id, func_path, kwargs, rid),
        name=f"dangjian-job-{job_id}",
        daemon=True,
    )
    thread.start()


def _thread_main(job_id: int, func_path: str, kwargs: dict, rid: str | None) -> None:
    try:
        run_job_task.enqueue(job_id, func_path, kwargs, rid)
    finally:
        connections.close_all()  # this thread's connections; the web process keeps its own


def reap_if_dead(job: Job) -> Job:
    """Mark a job failed when its process died (no heartbeat for STALE_AFTER); the page calls this."""
    if job.status in FINISHED:
        return job
    last = job.heartbeat_at or job.created_at
    waiting_for_worker = job.status == JobStatus.QUEUED and not jobs_in_thread()
    if waiting_for_worker or last is None or timezone.now() - last < STALE_AFTER:
        return job
    updated = Job.objects.filter(
        pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
    ).update(status=JobStatus.FAILED, message=DIED, finished_at=timezone.now())
    if updated:
        from dangjian.core.imports import discard_file

        discard_file(job)
    job.refresh_from_db()
    return job
