"""`flask doctor` on each search backend, on the suite's database (PostgreSQL in its pass)."""

import pytest
from databases import dialect
from faults.faults_support import CONSISTENT, consistency
from sqlalchemy import update

from library.extensions import db
from library.models import Material
from library.search.backends import get_backend

SEARCH_BACKENDS = ["whoosh"] + (["postgres"] if dialect() == "postgresql" else [])


@pytest.mark.parametrize("kind", SEARCH_BACKENDS)
def test_doctor_checks_and_repairs_the_index_on_each_search_backend(make_app, make_material, kind):
    # What the doctor needs of the index is asked through the backend interface alone, so a
    # library on PostgreSQL search is checked like one on Whoosh, from a fresh database on.
    app = make_app(SEARCH_BACKEND=kind)
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["doctor"])
        assert result.exit_code == 0, result.output
        assert "Mọi thứ nhất quán" in result.output
        made = [make_material(title=f"Hợp đồng lao động điều {n}") for n in range(3)]
        get_backend().remove([made[0].id])
        db.session.execute(update(Material).where(Material.id == made[1].id).values(title="Mới"))
        db.session.commit()
        result = runner.invoke(args=["doctor"])
        assert result.exit_code == 0, result.output
        assert f"1 missing ({made[0].id})" in result.output
        assert f"1 outdated ({made[1].id})" in result.output
        assert "index rebuilt (3 materials)" in result.output
        assert consistency(app) == CONSISTENT
        db.session.remove()
