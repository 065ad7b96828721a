"""The five learning areas of Program 1268; codes are stable, names are shown to users."""

from sqlalchemy import select

from library.extensions import db
from library.models import Area

# code, Vietnamese name, English name, target 2025 %, target 2030 %
DEFAULT_AREAS = [
    ("politics-law", "Chính trị, pháp luật", "Politics and law", 70, 90),
    ("vocational-skills", "Kỹ năng nghề nghiệp", "Vocational skills", 50, 75),
    ("life-skills", "Kỹ năng sống", "Life skills", 50, 75),
    ("digital-skills", "Ứng dụng CNTT, công nghệ số", "Digital skills", 40, 65),
    ("learning-model", "Mô hình học tập (Công dân học tập)", "Learning citizen model", 30, 50),
]
AREA_CODES = tuple(code for code, *_ in DEFAULT_AREAS)


def ensure_areas() -> None:
    """Insert the five areas if missing; never overwrite targets an administrator edited."""
    existing = set(db.session.scalars(select(Area.code)))
    for position, (code, name_vi, name_en, t2025, t2030) in enumerate(DEFAULT_AREAS):
        if code not in existing:
            db.session.add(
                Area(
                    code=code,
                    name_vi=name_vi,
                    name_en=name_en,
                    position=position,
                    target_2025=t2025,
                    target_2030=t2030,
                )
            )
    db.session.flush()


def all_areas() -> list[Area]:
    """The areas in their fixed order."""
    return list(db.session.scalars(select(Area).order_by(Area.position)))
