"""Dashboards, reach against targets, workforce and targets, offline sessions, the report."""

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from library.accounts.views import admin_required
from library.areas import all_areas
from library.errors import DomainError
from library.extensions import db
from library.metrics import bp, charts, reach, report, services, sessions
from library.metrics.forms import (
    MATERIAL_SLOTS,
    CsrfOnlyForm,
    OfflineSessionForm,
    named_materials,
)
from library.models import Organisation
from library.models.base import utcnow
from library.models.events import CHANNELS
from library.sharing import picker
from library.sharing.services import creditable_enterprises
from library.templating import area_name
from library.tracking.services import local_time
from library.web import show_form_errors

CHANNEL_LABELS = {
    "direct": _l("Truy cập trực tiếp"),
    "facebook": "Facebook",
    "zalo": "Zalo",
    "qr": _l("Mã QR"),
    "search": _l("Công cụ tìm kiếm"),
    "other": _l("Trang khác"),
}


def _today() -> date:
    return local_time(utcnow()).date()


def _year() -> int:
    """The ?year= asked for, within the Program's years; this year otherwise."""
    year = request.args.get("year", type=int)
    return year if year and 2021 <= year <= 2035 else _today().year


@bp.route("/")
@login_required
def dashboard():
    scope = services.scope_for(current_user) or abort(403)
    year = _year()
    today = _today()
    board = services.dashboard(scope, year, (today.year, today.month))
    admin = current_user.is_admin
    return render_template(
        "metrics/dashboard.html",
        year=year,
        board=board,
        areas=all_areas(),
        channels=CHANNELS,
        channel_labels=CHANNEL_LABELS,
        series_chart=charts.columns([(f"{m:02d}", v) for (_y, m), v in board.series]),
        channel_chart=charts.hbars(
            [(_(CHANNEL_LABELS[c]), board.channels.get(c, {}).get("view", 0)) for c in CHANNELS]
        ),
        robots=services.robot_totals(date(year, 1, 1), date(year, 12, 31)) if admin else None,
        review=services.agents_to_review() if admin else None,
    )


@bp.route("/reach")
@admin_required
def reach_page():
    year = _year()
    rows = reach.reach_by_area(year)
    chart = charts.hbars(
        [(area_name(r.area), r.reach_pct or 0) for r in rows],
        maximum=100,
        marks=[(r.target_2025, r.target_2030) for r in rows],
        pct=True,
    )
    enterprises = [
        (org, reach.reach_by_area(year, org)) for org in reach.enterprises_with_workforce()
    ]
    return render_template(
        "metrics/reach.html",
        year=year,
        rows=rows,
        chart=chart,
        enterprises=enterprises,
        workforce=reach.workforce_total(),
    )


@bp.route("/workforce", methods=["GET", "POST"])
@admin_required
def workforce():
    form = CsrfOnlyForm()
    enterprises = _enterprises()
    if form.validate_on_submit():
        try:
            reach.set_workforce(
                current_user,
                request.form.get("total"),
                {o.id: request.form.get(f"org-{o.id}") for o in enterprises},
            )
            reach.set_targets(
                current_user,
                {
                    a.code: (request.form.get(f"{a.code}-2025"), request.form.get(f"{a.code}-2030"))
                    for a in all_areas()
                },
            )
        except DomainError as err:
            show_form_errors(form, err)
            return render_template(
                "metrics/workforce.html",
                form=form,
                enterprises=enterprises,
                areas=all_areas(),
                total=request.form.get("total"),
                errors=err.errors,
                values=request.form,
            ), 422
        db.session.commit()
        flash(_("Đã lưu số lao động và mục tiêu."), "success")
        return redirect(url_for("metrics.workforce"))
    return render_template(
        "metrics/workforce.html",
        form=form,
        enterprises=enterprises,
        areas=all_areas(),
        total=reach.workforce_total(),
        errors={},
        values=None,
    )


def _enterprises() -> list[Organisation]:
    query = select(Organisation).where(Organisation.type == "enterprise")
    return list(db.session.scalars(query.order_by(Organisation.name)))


@bp.route("/sessions", methods=["GET", "POST"])
@login_required
def offline_sessions():
    if not sessions.can_log_sessions(current_user):
        abort(403)
    form = OfflineSessionForm()
    served = creditable_enterprises(current_user)
    form.organisation_id.choices = [("", "—")] + [(str(o.id), o.name) for o in served]
    form.areas.choices = [(a.code, a.name_vi) for a in all_areas()]
    status = 200
    if form.validate_on_submit():
        try:
            named = named_materials(
                request.form.getlist("materials"), request.form.getlist("materials-pick")
            )
            sessions.log_session(current_user, form.raw(named), _today())
        except DomainError as err:
            show_form_errors(form, err)
            status = 422
        else:
            db.session.commit()
            flash(_("Đã ghi nhận buổi sinh hoạt."), "success")
            return redirect(url_for("metrics.offline_sessions"))
    elif form.errors:
        status = 422
    year = _year()
    return render_template(
        "metrics/sessions.html",
        form=form,
        year=year,
        sessions=sessions.list_sessions(current_user, year),
        serves_none=not served,
        material_slots=picker.slots(request.form.getlist("materials"), MATERIAL_SLOTS),
    ), status


@bp.route("/report")
@admin_required
def download_report():
    """The yearly report: XLSX unless CSV is asked for."""
    year = _year()
    if request.args.get("format") == "csv":
        body = report.report_csv(year)
        mimetype = "text/csv; charset=utf-8"
        name = f"bao-cao-1268-{year}.csv"
    else:
        body = report.report_xlsx(year)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = f"bao-cao-1268-{year}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype=mimetype, headers=headers)


@bp.app_template_global()
def material_counts(material) -> dict:
    """Views and downloads shown on every material's page."""
    return services.page_counts(material.id)
