"""Write paths an outside test found answering 500: a file uploaded again after it was replaced,
the same new tag added by two editors at once, a login whose `next=` holds CR/LF."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from support import PASSWORD, pdf_bytes

from library.extensions import db
from library.models import Material, StoredFile, Tag

FORM = {
    "title": "Tờ gấp an toàn lao động",
    "kind": "leaflet",
    "areas": ["life-skills"],
    "license": "CC-BY-4.0",
    "action": "publish",
}


def send(client, url: str, data: bytes | None = None, **fields):
    form = {**FORM, **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), "to-gap.pdf")
    return client.post(url, data=form, content_type="multipart/form-data")


def file_of(material_id: int) -> bytes | None:
    db.session.expire_all()
    material = db.session.get(Material, material_id)
    return material.file.sha256 if material.file else None


def newest_id() -> int:
    return db.session.scalar(select(func.max(Material.id)))


def test_a_file_replaced_on_a_material_can_be_uploaded_again(client, login, make_user):
    login(make_user("editor"))
    first, second = pdf_bytes(1), pdf_bytes(2)
    assert send(client, "/manage/materials/new", first).status_code == 302
    material_id = newest_id()
    first_hash = file_of(material_id)
    edit = f"/manage/materials/{material_id}/edit"
    assert send(client, edit, second).status_code == 302
    assert file_of(material_id) != first_hash  # the first file's row stays, used by nothing

    # Uploaded again, on a new material and back on the first one: its row serves again.
    again = send(client, "/manage/materials/new", first, title="Tờ gấp cũ đăng lại")
    assert again.status_code == 302, again.text
    assert file_of(newest_id()) == first_hash
    back = send(client, edit, first)
    assert back.status_code == 422 and "Tệp trùng với tài liệu đã có" in back.text
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 2
    served = client.get(f"/files/{db.session.get(Material, newest_id()).file_id}/f.pdf")
    assert served.status_code == 200 and served.get_data() == first


def test_editors_adding_the_same_new_tag_at_once_all_succeed(make_app, make_user, make_org):
    org = make_org()
    editors = [make_user("editor", org=org) for _ in range(4)]
    app = make_app()  # another process on the same database, as a second worker would be
    clients = []
    for editor in editors:
        client = app.test_client()
        with app.app_context():
            answer = client.post("/login", data={"email": editor.email, "password": PASSWORD})
        assert answer.status_code == 302
        clients.append(client)
    rounds = 5
    barrier = threading.Barrier(len(clients))

    def upload(client):
        statuses = []
        for number in range(rounds):
            barrier.wait()
            with app.app_context():
                answer = send(
                    client,
                    "/manage/materials/new",
                    title=f"Tài liệu {number}",
                    kind="legal_digest",
                    body="Điều 1.",
                    tags=f"thẻ mới {number}, an toàn",
                )
            statuses.append(answer.status_code)
        return statuses

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = [s for result in pool.map(upload, clients) for s in result]
    assert statuses == [302] * rounds * len(clients)
    db.session.expire_all()
    names = db.session.scalars(select(Tag.name)).all()
    assert sorted(names) == sorted([f"thẻ mới {n}" for n in range(rounds)] + ["an toàn"])
    materials = db.session.scalars(select(Material)).all()
    assert len(materials) == rounds * len(clients)
    assert all(len(m.tags) == 2 for m in materials)
    with app.app_context():
        db.engine.dispose()


def test_a_login_whose_next_holds_a_line_break_lands_on_the_default_page(client, make_user):
    editor = make_user("editor")
    for target in (
        "/manage%0D%0ASet-Cookie:%20a=b",
        "/manage%0ALocation:%20https://evil.example",
        "/%5Cevil.example",
        "//evil.example",
        "https://evil.example/",
    ):
        answer = client.post(
            f"/login?next={target}", data={"email": editor.email, "password": PASSWORD}
        )
        assert answer.status_code == 302, target
        assert answer.headers["Location"] == "/manage", target
        assert "Set-Cookie: a" not in str(answer.headers)
    kept = client.post(
        "/login?next=/manage%3Fstatus%3Ddraft", data={"email": editor.email, "password": PASSWORD}
    )
    assert kept.headers["Location"] == "/manage?status=draft"
