"""`flask metrics ...`: rollups, pruning and the yearly report, over the same services."""

import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from library.errors import DomainError
from library.extensions import db
from library.metrics import report
from library.metrics.rollup import days_to_roll, prune_events, rollup_days, rollup_pending
from library.models.base import utcnow
from library.tracking.services import local_time

metrics = AppGroup("metrics", help="Usage figures: rollups, pruning, the yearly report.")


def _today() -> date:
    return local_time(utcnow()).date()


@metrics.command("rollup")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Redo one day (YYYY-MM-DD).")
def rollup(day):
    """Roll up every finished day not rolled up yet, or redo one day."""
    today = _today()
    if day and day.date() >= today:
        raise click.ClickException("Chỉ tổng hợp được những ngày đã qua.")
    pending = [day.date()] if day else days_to_roll(today)
    with click.progressbar(length=len(pending), label="Tổng hợp số liệu", file=sys.stderr) as bar:
        try:
            if day:
                count, total = 1, rollup_days(pending, progress=bar.update)
            else:
                count, total = rollup_pending(today, progress=bar.update)
        except DomainError as err:
            raise click.ClickException(err.message) from err
    db.session.commit()
    click.echo(f"Đã tổng hợp {count} ngày, {total} sự kiện.")


@metrics.command("prune")
@click.option("--keep-days", type=int, default=None, help="Keep raw events this many days.")
def prune(keep_days):
    """Delete raw events older than the configured age, once their days are rolled up."""
    keep = keep_days if keep_days is not None else current_app.config["METRICS_KEEP_RAW_DAYS"]
    removed = prune_events(_today(), keep)
    db.session.commit()
    click.echo(f"Đã xóa {removed} sự kiện gốc cũ hơn {keep} ngày (đã tổng hợp).")


@metrics.command("report")
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def report_command(year, fmt, output):
    """Write the yearly Program 1268 report (CSV or XLSX)."""
    body = report.report_xlsx(year) if fmt == "xlsx" else report.report_csv(year)
    output = output or Path(f"bao-cao-1268-{year}.{fmt}")
    output.write_bytes(body)
    click.echo(f"Đã ghi {output}")
