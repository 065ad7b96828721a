"""Demo collections, the demo union's enterprises and a few share links (for `flask seed-demo`)."""

from datetime import date

from sqlalchemy import select

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.extensions import db
from library.models import Collection, Material, Organisation, ShareLink, User
from library.sharing import collections, services

DEMO_UNION = "ldld-tinh"
DEMO_ENTERPRISES = ("cty-may-hoa-lu", "cty-giay-tam-diep")
DEMO_COLLECTIONS = [
    {
        "slug": "tuan-le-hoc-tap-suot-doi-2026",
        "title": "Tuần lễ học tập suốt đời 2026",
        "summary": "Tài liệu chọn lọc cho Tuần lễ hưởng ứng học tập suốt đời: pháp luật lao động, "
        "kỹ năng nghề, kỹ năng sống và kỹ năng số cho công nhân.",
        "organisation": "so-gddt",
        "starts_on": date(2026, 10, 1),
        "ends_on": date(2026, 10, 7),
        "materials": (
            "demo-m-ap-phich-tuan-le-hoc-tap-suot-doi",
            "demo-tl-tuan-le-hoc-tap-suot-doi",
            "demo-m-to-gap-tro-thanh-cong-dan-hoc-tap",
            "demo-tl-cong-dan-hoc-tap-la-gi",
            "demo-m-audio-moi-ngay-15-phut",
            "demo-m-video-hoc-truc-tuyen-4-buoc",
            "demo-f-audio-loi-moi-hoc-tap",
            "demo-f-so-tay-cong-dan-hoc-tap",
        ),
    },
    {
        "slug": "ngay-sach-va-van-hoa-doc-2026",
        "title": "Ngày Sách và Văn hóa đọc Việt Nam 21/4",
        "summary": "Sách, tờ gấp và áp phích để đọc ngay trên điện thoại nhân Ngày Sách và Văn hóa "
        "đọc Việt Nam.",
        "organisation": "so-vhttdl",
        "starts_on": date(2026, 4, 15),
        "ends_on": date(2026, 5, 5),
        "materials": (
            "demo-tl-ngay-sach-van-hoa-doc",
            "demo-tl-tu-sach-nha-tro",
            "demo-m-video-goc-doc-sach-nha-tro",
            "demo-tl-tu-hoc-15-phut-moi-ngay",
            "demo-m-so-tay-nguoi-lao-dong-moi",
            "demo-m-so-tay-an-toan-xuong",
        ),
    },
]


def _org(code: str) -> Organisation | None:
    return accounts.find_organisation(code)


def _materials(kinds, limit: int = 6) -> list[Material]:
    query = select(Material).where(Material.status == "published")
    if kinds:
        query = query.where(Material.kind.in_(kinds))
    return list(db.session.scalars(query.order_by(Material.id).limit(limit)))


def _chosen(external_ids) -> list[int]:
    """The ids of the published demo materials a collection names, in its order (one left out
    of the demo, such as audio without a speech synthesiser, is skipped)."""
    found = dict(
        db.session.execute(
            select(Material.external_id, Material.id).where(
                Material.external_id.in_(external_ids), Material.status == "published"
            )
        ).all()
    )
    return [found[e] for e in external_ids if e in found]


def seed() -> int:
    """Add what is missing; returns how many collections exist afterwards (safe to run again)."""
    union = _org(DEMO_UNION)
    if union is not None and not services.served_enterprises(union):
        services.set_served_enterprises(SYSTEM, union, DEMO_ENTERPRISES)
    made = []
    for spec in DEMO_COLLECTIONS:
        existing = db.session.scalar(select(Collection).where(Collection.slug == spec["slug"]))
        org = _org(spec["organisation"])
        if existing is None and org is not None:
            raw = {**spec, "status": "published", "featured": True}
            raw["materials"] = _chosen(spec["materials"])
            existing = collections.create_collection(SYSTEM, org, raw)
        made.append(existing)
    _demo_links(union, [c for c in made if c is not None])
    db.session.commit()
    return len([c for c in made if c is not None])


def _demo_links(union, demo_collections) -> None:
    """Two links of the demo union officer, if it has none yet."""
    officer = db.session.scalar(
        select(User).where(User.organisation_id == getattr(union, "id", None), User.role == "union")
    )
    if officer is None or db.session.scalar(
        select(ShareLink.id).where(ShareLink.organisation_id == union.id).limit(1)
    ):
        return
    enterprises = services.served_enterprises(union)
    material = next(iter(_materials(None, 1)), None)
    if material is not None and enterprises:
        services.create_link(
            officer,
            enterprise=enterprises[0],
            material=material,
            channel="zalo",
            campaign="Tuần lễ học tập suốt đời 2026",
        )
    if demo_collections and len(enterprises) > 1:
        services.create_link(
            officer,
            enterprise=enterprises[1],
            collection=demo_collections[-1],
            channel="qr",
            campaign="Bảng tin nhà ăn",
        )
