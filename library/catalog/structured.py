"""schema.org descriptions (JSON-LD) of the public pages, for search engines and harvesters:
a material as a LearningResource of its kind's own type, a collection as an ItemList, and the
breadcrumb trails of each."""

from library.addresses import public_url
from library.catalog import video
from library.catalog.forms import LICENSE_LABELS
from library.models import Material
from library.oai.metadata import LICENSE_URLS

CONTEXT = "https://schema.org"
# The schema.org type beside LearningResource for each kind of material.
KIND_TYPES = {
    "leaflet": "DigitalDocument",
    "poster": "ImageObject",
    "video": "VideoObject",
    "legal_digest": "DigitalDocument",
    "book": "Book",
    "audio": "AudioObject",
}
PROGRAM_1268 = (
    "Chương trình 1268 (Quyết định 1268/QĐ-TTg): Đẩy mạnh học tập suốt đời trong công nhân "
    "lao động tại doanh nghiệp đến năm 2030"
)


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _drop_empty(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def material_document(material: Material) -> dict:
    """The JSON-LD of a material page: the material and one breadcrumb trail per area."""
    return {"@context": CONTEXT, "@graph": [material_resource(material), *breadcrumbs(material)]}


def material_resource(material: Material) -> dict:
    """A material as a schema.org LearningResource of its kind's own type."""
    url = public_url("catalog.material", material_id=material.id)
    data = {
        "@type": ["LearningResource", KIND_TYPES.get(material.kind, "CreativeWork")],
        "@id": f"{url}#material",
        "url": url,
        "name": material.title,
        "description": material.summary,
        "inLanguage": "vi",
        "learningResourceType": material.kind,
        "isAccessibleForFree": True,
        "license": _license(material.license),
        "publisher": {"@type": "Organization", "name": material.organisation.name},
        "dateCreated": _date(material.created_at),
        "datePublished": _date(material.published_at),
        "dateModified": _date(material.updated_at),
        "thumbnailUrl": public_url("previews.material_image", material_id=material.id),
        "keywords": material.tag_names,
        "educationalAlignment": [_alignment(area) for area in material.areas],
        "isBasedOn": _legislation(material),
        **_content(material),
    }
    return _drop_empty(data)


def _license(code: str):
    if code in LICENSE_URLS:
        return LICENSE_URLS[code]
    return {"@type": "CreativeWork", "name": str(LICENSE_LABELS.get(code, code))}


def _alignment(area) -> dict:
    return {
        "@type": "AlignmentObject",
        "alignmentType": "educationalSubject",
        "educationalFramework": PROGRAM_1268,
        "targetName": area.name_vi,
        "targetUrl": public_url("catalog.area", code=area.code),
    }


def _legislation(material: Material) -> dict | None:
    """The law a legal digest sums up."""
    if not material.legal_basis:
        return None
    return _drop_empty(
        {
            "@type": "Legislation",
            "name": material.legal_basis,
            "legislationJurisdiction": "VN",
            "inLanguage": "vi",
        }
    )


def _content(material: Material) -> dict:
    """Where the material's file or video is, with its type and size."""
    stored = material.file
    if stored is not None:
        name = f"tai-lieu-{material.id}.{stored.extension}"
        encoding = {
            "@type": "MediaObject",
            "contentUrl": public_url("catalog.file", file_id=stored.id, name=name),
            "encodingFormat": stored.mime_type,
            "contentSize": f"{stored.size} B",
            "width": stored.width,
            "height": stored.height,
        }
        if material.kind in ("poster", "video", "audio"):
            # The material is itself the media object: its file's facts are its own.
            encoding.pop("@type")
            return {**encoding, "uploadDate": _date(material.published_at)}
        return {
            "encodingFormat": stored.mime_type,
            "numberOfPages": stored.page_count,
            "encoding": _drop_empty(encoding),
        }
    if material.video_url:
        return {
            "embedUrl": video.embed_url(material.video_url),
            "sameAs": material.video_url,
            "uploadDate": _date(material.published_at),
        }
    return {"encodingFormat": "text/markdown"} if material.body else {}


def breadcrumbs(material: Material) -> list[dict]:
    """One trail per area (Home › Area › Material): a material in two areas is in each."""
    home = (public_url("catalog.home"), "Trang chủ")
    page = (public_url("catalog.material", material_id=material.id), material.title)
    trails = [
        [home, (public_url("catalog.area", code=a.code), a.name_vi), page] for a in material.areas
    ]
    return [breadcrumb_list(trail) for trail in trails or [[home, page]]]


def breadcrumb_list(trail: list[tuple[str, str]]) -> dict:
    """A schema.org BreadcrumbList of (url, name) steps."""
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (url, name) in enumerate(trail, start=1)
        ],
    }


def collection_document(collection, materials: list[Material]) -> dict:
    """The JSON-LD of a collection page: an ItemList of its materials, in its order."""
    url = public_url("sharing.collection", slug=collection.slug)
    items = [
        {
            "@type": "ListItem",
            "position": n,
            "url": public_url("catalog.material", material_id=m.id),
            "name": m.title,
        }
        for n, m in enumerate(materials, start=1)
    ]
    listing = _drop_empty(
        {
            "@type": "ItemList",
            "@id": f"{url}#list",
            "url": url,
            "name": collection.title,
            "description": collection.summary,
            "numberOfItems": len(items),
            "itemListOrder": "https://schema.org/ItemListOrderAscending",
            "itemListElement": items,
        }
    )
    trail = breadcrumb_list(
        [
            (public_url("catalog.home"), "Trang chủ"),
            (public_url("sharing.collection_list"), "Bộ sưu tập"),
            (url, collection.title),
        ]
    )
    return {"@context": CONTEXT, "@graph": [listing, trail]}
