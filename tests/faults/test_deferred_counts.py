"""Counts written after the answer is sent also count files sent as they are (downloads)."""

from sqlalchemy import func, select
from support import pdf_bytes, upload

from library.extensions import db
from library.models import Event

CHROME = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)


def test_a_download_is_counted_when_writes_are_deferred(make_app, make_material):
    material = make_material(kind="leaflet", body="", upload=upload(pdf_bytes(), "a.pdf"))
    file_id = material.file_id
    db.session.remove()
    served = make_app(TESTING=False, TRACKING_DEFER=True)
    with served.app_context():
        client = served.test_client()
        response = client.get(f"/files/{file_id}/a.pdf", headers={"User-Agent": CHROME})
        assert response.status_code == 200
        response.close()  # what a server does once the answer is sent
        db.session.remove()
        assert db.session.scalar(select(func.count()).where(Event.event == "download")) == 1
        db.session.remove()
        db.engine.dispose()
