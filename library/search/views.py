"""The search page and the search API."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from library.accounts.views import admin_required
from library.catalog import cached
from library.errors import DomainError, error_response
from library.extensions import db
from library.search import backends, querying
from library.search.base import SearchUnavailable
from library.web import show_form_errors

bp = Blueprint("search", __name__)


class SynonymsForm(FlaskForm):
    text = TextAreaField(
        _l("Danh sách (mỗi dòng một nhóm: BHXH = bảo hiểm xã hội)"),
        validators=[Length(max=100_000)],
    )


@bp.route("/search")
def results():
    query = querying.parse_query(request.args, per_page=10)
    try:
        page = querying.search_materials(query) if query.text or _has_filter(query) else None
    except SearchUnavailable:
        return render_template("search/results.html", query=query, page=None, unavailable=True), 503
    return render_template(
        "search/results.html",
        query=query,
        page=page,
        unavailable=False,
        areas={a.code: a for a in cached.areas()},
        organisations=cached.organisation_names() if page else {},
    )


@bp.app_errorhandler(SearchUnavailable)
def unavailable(err):
    """Any page or API call the index cannot answer: 503, as a page or as JSON."""
    message = _l("Tìm kiếm tạm thời không khả dụng. Quản trị viên cần dựng lại chỉ mục.")
    return error_response(503, "search_unavailable", message)


def _has_filter(query) -> bool:
    return any((query.area, query.kind, query.org, query.year))


@bp.route("/admin/search/synonyms", methods=["GET", "POST"])
@admin_required
def synonyms():
    """The administrator edits the acronyms and synonyms that queries are expanded with."""
    form = SynonymsForm()
    if request.method == "GET":
        form.text.data = backends.synonyms_text()
    elif form.validate_on_submit():
        try:
            parsed = backends.save_synonyms(current_user, form.text.data or "")
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            flash(
                _(
                    "Đã lưu %(n)s nhóm. Chạy “flask search reindex” để tìm kiếm nhanh nhất với "
                    "danh sách mới; trong lúc chờ, kết quả vẫn đúng.",
                    n=len(parsed.groups),
                ),
                "success",
            )
            return redirect(url_for("search.synonyms"))
    status = 422 if form.errors else 200
    return render_template("search/synonyms.html", form=form), status
