"""Background jobs: the work on a kept file too slow for its upload (pictures, page images and
the reading view of a PDF, light renditions), done by a worker beside the site.

The queue is Huey's. On the embedded default it keeps its messages in a SQLite file beside the
database (instance/jobs.db), so `make run` needs nothing else; on PostgreSQL it keeps them in
the app's database (tables huey_*), shared by every host (docs/deployment.md). `flask jobs
work` is the worker.

A job's row (MediaJob) is the truth, the queue only carries its id: a job is queued when the
upload that asked for it commits; a worker claims it by moving it to "running" (so two messages
for one job do the work once), reports its progress, and ends it "done" or, with a reason,
queued again for another try or "failed". A worker killed halfway loses its message, not the
job: a worker starting on the same host takes back at once the jobs its dead process held, and
any running job whose progress stopped for JOBS_STALE_SECONDS is queued again, by every worker
when it starts and then once a minute.
"""

import errno
import logging
import os
import socket
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from huey import Huey, SqliteHuey, crontab
from sqlalchemy import event, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from library.extensions import db
from library.models import MediaJob, StoredFile
from library.models.base import utcnow

log = logging.getLogger(__name__)

NEW_JOBS = "library.new_jobs"
# What each kind of job does: kind -> function(job, stored, report), set by the features that
# define them (library/catalog/processing.py). report(percent) tells how far it is.
RUNNERS: dict = {}


class JobFailed(Exception):
    """A job that cannot finish: `reason` is the code the editor's page words; `retry` says
    whether another try may succeed (a full disk may be freed; an undecodable video stays so)."""

    def __init__(self, reason: str, detail: str = "", retry: bool = False):
        super().__init__(detail or reason)
        self.reason, self.detail, self.retry = reason, detail or reason, retry


# The queue ----------------------------------------------------------------------------------


def _sql_storage():
    from huey.contrib.sql_huey import BytesBlobField, SqlStorage
    from peewee import CharField, CompositeKey, FloatField, IntegerField, Model, TimestampField

    class LibrarySqlStorage(SqlStorage):
        """Huey's SQL storage, its models as Huey defines them, but for their tables' names:
        huey_kv, huey_schedule, huey_task, huey_counter, beside the library's own tables."""

        def create_models(self):
            class Base(Model):
                class Meta:
                    database = self.database

            class KV(Base):
                queue = CharField()
                key = CharField()
                value = BytesBlobField()

                class Meta:
                    table_name = "huey_kv"
                    primary_key = CompositeKey("queue", "key")

            class Schedule(Base):
                queue = CharField()
                data = BytesBlobField()
                timestamp = TimestampField(resolution=1000)

                class Meta:
                    table_name = "huey_schedule"
                    indexes = ((("queue", "timestamp"), False),)

            class Task(Base):
                queue = CharField()
                data = BytesBlobField()
                priority = FloatField(default=0.0)

                class Meta:
                    table_name = "huey_task"

            Task.add_index(Task.priority.desc(), Task.id)

            class Counter(Base):
                queue = CharField()
                key = CharField()
                value = IntegerField()

                class Meta:
                    table_name = "huey_counter"
                    primary_key = CompositeKey("queue", "key")

            return KV, Schedule, Task, Counter

    return LibrarySqlStorage


def make_huey(config) -> Huey:
    """The queue of an app: a SQLite file, or a PostgreSQL database (JOBS_STORE's URL)."""
    store = config["JOBS_STORE"]
    common = {"results": False, "utc": True, "immediate": bool(config.get("JOBS_IMMEDIATE"))}
    if store.startswith("sqlite:///"):
        path = Path(store.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("library", filename=str(path), **common)
    url = make_url(store)
    if url.get_backend_name() != "postgresql":
        raise ValueError("JOBS_STORE must be a sqlite:/// or postgresql:// URL")
    # peewee (Huey's SQL layer) names psycopg 3 so, and reads the rest of the URL as it is.
    peewee_url = url.set(drivername="psycopg3").render_as_string(hide_password=False)
    return Huey("library", storage_class=_sql_storage(), database=peewee_url, **common)


def register(app) -> None:
    """Give the app its queue and the tasks its worker runs."""
    huey = make_huey(app.config)
    app.extensions["huey"] = huey

    @huey.task(name="media_job")
    def media_job(job_id: int):
        with app.app_context():
            run_job(job_id)

    @huey.periodic_task(crontab(minute="*"), name="requeue_stale")
    def requeue_stale_jobs():
        with app.app_context():
            requeue_stale()

    @huey.on_startup()
    def requeue_at_start():
        with app.app_context():
            requeue_orphaned()
            requeue_stale()

    app.extensions["jobs.task"] = media_job
    app.cli.add_command(jobs_cli)


def enqueue(job_id: int, delay: float = 0) -> None:
    """Send a job's id to the workers. A queue out of reach loses nothing: the job stays
    queued in the database and the next sweep (requeue_stale) sends it again."""
    task = current_app.extensions["jobs.task"]
    try:
        if delay and not current_app.extensions["huey"].immediate:
            task.schedule((job_id,), delay=delay)
        else:
            task(job_id)
    except Exception:  # noqa: BLE001 - an upload must not fail for the queue
        log.exception("job %s not sent to the queue; the sweep will send it", job_id)


# Asking for work --------------------------------------------------------------------------


def queue_jobs(stored: StoredFile, kinds) -> list[MediaJob]:
    """Ask for these kinds of work on a file (again from the start where asked before); they are
    sent to the workers once the current unit of work commits."""
    existing = {job.kind: job for job in stored.jobs}
    queued = []
    for kind in kinds:
        job = existing.get(kind) or MediaJob(file=stored, kind=kind)
        job.status, job.progress, job.attempts, job.reason, job.detail = "queued", 0, 0, "", ""
        job.updated_at = utcnow()
        db.session.add(job)
        queued.append(job)
    db.session.flush()
    db.session.info.setdefault(NEW_JOBS, []).extend(job.id for job in queued)
    return queued


@event.listens_for(Session, "after_commit")
def _send_committed(session):
    if session.in_nested_transaction() or NEW_JOBS not in session.info:
        return
    for job_id in dict.fromkeys(session.info.pop(NEW_JOBS)):
        enqueue(job_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session):
    if not session.in_nested_transaction():
        session.info.pop(NEW_JOBS, None)


# Doing the work ---------------------------------------------------------------------------


def _stale_before():
    return utcnow() - timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"])


def claim(job_id: int) -> MediaJob | None:
    """Take a queued job (or a running one whose worker died) for this worker; None when it is
    done, failed, or being done by a live worker."""
    claimed = db.session.execute(
        update(MediaJob)
        .where(
            MediaJob.id == job_id,
            or_(
                MediaJob.status == "queued",
                (MediaJob.status == "running") & (MediaJob.updated_at < _stale_before()),
            ),
        )
        .values(
            status="running",
            attempts=MediaJob.attempts + 1,
            progress=0,
            worker=worker_name(),
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return db.session.get(MediaJob, job_id) if claimed else None


def run_job(job_id: int) -> str | None:
    """Do one job; return its status afterwards (None: it was not this worker's to do)."""
    job = claim(job_id)
    if job is None:
        return None
    runner = RUNNERS.get(job.kind)
    try:
        if runner is None:
            raise JobFailed("unknown", f"no runner for {job.kind}")
        runner(job, job.file, _reporter(job))
    except JobFailed as failure:
        return _failed(job_id, failure)
    except Exception as error:  # noqa: BLE001 - any error ends in a reason, never a lost job
        return _failed(job_id, _as_failure(error))
    job.status, job.progress, job.reason, job.detail = "done", 100, "", ""
    job.updated_at = utcnow()
    db.session.commit()
    return job.status


def _as_failure(error: Exception) -> JobFailed:
    detail = f"{type(error).__name__}: {error}"[:2000]
    if getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return JobFailed("disk_full", detail, retry=True)
    if isinstance(error, FileNotFoundError):
        return JobFailed("missing_file", detail, retry=False)
    log.exception("job failed")
    return JobFailed("error", detail, retry=True)


def _failed(job_id: int, failure: JobFailed) -> str:
    db.session.rollback()
    job = db.session.get(MediaJob, job_id)
    if job is None:  # its file was deleted meanwhile
        return "failed"
    config = current_app.config
    again = failure.retry and job.attempts < config["JOBS_MAX_ATTEMPTS"]
    job.status = "queued" if again else "failed"
    job.reason, job.detail, job.progress, job.updated_at = (
        failure.reason,
        failure.detail,
        0,
        utcnow(),
    )
    db.session.commit()
    log.warning("job %s (%s) %s: %s", job.id, job.kind, job.status, failure.detail)
    if again:
        enqueue(job.id, delay=config["JOBS_RETRY_DELAY"])
    return job.status


def _reporter(job: MediaJob):
    """report(percent): the job's progress, written at most once a second (it also tells the
    sweep that the worker is alive)."""
    last = {"at": utcnow(), "percent": 0}

    def report(percent: float) -> None:
        percent = max(0, min(99, int(percent)))
        now = utcnow()
        if percent == last["percent"] or (now - last["at"]).total_seconds() < 1:
            return
        last.update(at=now, percent=percent)
        db.session.execute(
            update(MediaJob)
            .where(MediaJob.id == job.id)
            .values(progress=percent, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()

    return report


def worker_name() -> str:
    """This worker process, as a job it runs records it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(worker: str) -> bool:
    """Whether the process that took a job, on this host, has ended. A process of another host
    (or a process id reused since) is not judged here: the stale sweep finds those."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():  # a worker just started holds no job yet: that one was killed
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def requeue_orphaned() -> int:
    """At a worker's start, the running jobs of a dead worker of this host (killed, or the
    machine restarted): queued again at once rather than after JOBS_STALE_SECONDS."""
    running = db.session.scalars(select(MediaJob).where(MediaJob.status == "running")).all()
    orphans = [job for job in running if job.worker and _gone(job.worker)]
    for job in orphans:
        # Sent back as stale, so the claim and the tries left are judged as for any stale job.
        job.updated_at = _stale_before() - timedelta(seconds=1)
    db.session.commit()
    return len(orphans)


def requeue_stale() -> int:
    """Send again the jobs whose message was lost: queued or running with no news for
    JOBS_STALE_SECONDS. A job killed that often (its worker died at each try) fails."""
    stale = db.session.scalars(
        select(MediaJob).where(
            MediaJob.status.in_(("queued", "running")), MediaJob.updated_at < _stale_before()
        )
    ).all()
    again = []
    for job in stale:
        if job.status == "running" and job.attempts >= current_app.config["JOBS_MAX_ATTEMPTS"]:
            job.status, job.reason, job.detail = "failed", "interrupted", "worker stopped"
        else:
            if job.status == "queued":  # sent now: not sent again before it goes stale again
                job.updated_at = utcnow()  # (a running one stays stale for its claim)
            again.append(job.id)
    db.session.commit()
    for job_id in again:
        enqueue(job_id)
    return len(again)


def retry_failed() -> int:
    """Queue again every failed job (after its cause was fixed: space freed, a codec added)."""
    failed = db.session.scalars(select(MediaJob).where(MediaJob.status == "failed")).all()
    for job in failed:
        job.status, job.attempts, job.progress, job.updated_at = "queued", 0, 0, utcnow()
    db.session.flush()
    db.session.info.setdefault(NEW_JOBS, []).extend(job.id for job in failed)
    db.session.commit()
    return len(failed)


def waiting_jobs(stored: StoredFile | None) -> list[MediaJob]:
    """A file's jobs not done yet (queued, running or failed), for its editors."""
    if stored is None:
        return []
    return [job for job in stored.jobs if job.status != "done"]


def is_done(stored: StoredFile, kind: str) -> bool:
    """Whether a file's job of that kind is done, or was never asked for (files kept before
    jobs existed)."""
    return all(job.status == "done" for job in stored.jobs if job.kind == kind)


# Command line -----------------------------------------------------------------------------

jobs_cli = AppGroup("jobs", help="Background jobs: the worker and the state of the queue.")


@jobs_cli.command("work")
@click.option("--workers", default=1, show_default=True, help="Jobs done at once.")
@click.option(
    "--quiet",
    is_flag=True,
    help="Log warnings and failures only (each job's state is on its material's page and in "
    "`flask jobs status`).",
)
def work(workers: int, quiet: bool):
    """Do the queued jobs until stopped (Ctrl+C or SIGTERM finish the job running first)."""
    huey = current_app.extensions["huey"]
    level = logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"jobs: worker started ({workers} at once)")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


@jobs_cli.command("status")
def status():
    """How many jobs are in each state, and why the failed ones failed."""
    jobs = db.session.scalars(select(MediaJob).order_by(MediaJob.id)).all()
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.status] = counts.get(job.status, 0) + 1
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no jobs")
    for job in jobs:
        if job.status == "failed":
            click.echo(f"  job {job.id} ({job.kind}, file {job.file_id}): {job.detail}")


@jobs_cli.command("retry")
def retry():
    """Queue every failed job again."""
    click.echo(f"jobs queued again: {retry_failed()}")
