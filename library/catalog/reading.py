"""A PDF's text as a reading view: headings, paragraphs, lists and tables in reading order, each
block with the page it came from, so a leaflet reads on a phone without zooming into page images.

pdfminer.six's layout analysis gives text boxes in reading order (columns followed) with every
character's font and size; the rules below turn those boxes into blocks."""

import logging
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

log = logging.getLogger(__name__)

# The reading view covers the pages that are also shown as images; the rest is in the download.
MAX_PAGES = 30
# Fewer characters a page than this: the PDF is a scan without a text layer.
SCANNED_CHARS_PER_PAGE = 20
ALT_LENGTH = 250
CID = re.compile(r"\(cid:\d+\)")
BULLET = re.compile(r"^\s*(?:\(cid:\d+\)|[•●▪■◦‣∙·\-–—+*])\s*")
NUMBERED = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-zđ][)]|[IVX]{1,5}\.)\s+\S")
PAGE_NUMBER = re.compile(r"^\s*(?:trang|page|-)?\s*\d{1,4}\s*-?\s*$", re.IGNORECASE)
ENDS_SENTENCE = re.compile(r"[.:;!?…)”\"]\s*$")


def extract(path: Path) -> dict:
    """The reading view of the PDF at path: {"status", "blocks", "pages"}; status is "ok",
    "no_text" (a scan) or "unreadable"; pages maps a page number to its alt text."""
    try:
        pages = list(_read_boxes(path))
    except Exception as err:  # noqa: BLE001 - a PDF pdfminer cannot read still uploads
        log.info("reading view not extracted: %s", err)
        return {"status": "unreadable", "blocks": [], "pages": {}}
    chars = sum(len(box["text"]) for page in pages for box in page["boxes"])
    if chars < SCANNED_CHARS_PER_PAGE * max(len(pages), 1):
        return {"status": "no_text", "blocks": [], "pages": {}}
    _drop_running_lines(pages)
    body = _body_size(pages)
    blocks = []
    for page in pages:
        for block in _page_blocks(page, body):
            _append(blocks, block)
    return {"status": "ok", "blocks": blocks, "pages": _alt_texts(blocks)}


def _read_boxes(path: Path):
    """Each page's text boxes in pdfminer's reading order, with size, boldness and position."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTTextBox

    for number, layout in enumerate(extract_pages(str(path), laparams=LAParams()), start=1):
        if number > MAX_PAGES:
            break
        boxes = []
        for element in layout:
            if not isinstance(element, LTTextBox):
                continue
            chars = [c for line in element for c in line if isinstance(c, LTChar)]
            text = " ".join(line.get_text().strip() for line in element)
            text = re.sub(r"\s+", " ", text).strip()
            if not chars or not CID.sub("", text).strip():
                continue
            sizes = Counter(round(c.size, 1) for c in chars)
            boxes.append(
                {
                    "text": text,
                    "size": sizes.most_common(1)[0][0],
                    "bold": sum("bold" in c.fontname.lower() for c in chars) > 0.8 * len(chars),
                    "lines": len(element),
                    "x0": element.x0,
                    "x1": element.x1,
                    "top": layout.height - element.y1,
                    "bottom": layout.height - element.y0,
                }
            )
        yield {"number": number, "height": layout.height, "boxes": boxes}


def _drop_running_lines(pages: list[dict]) -> None:
    """Remove page numbers and the headers and footers repeated in the margins of many pages."""
    seen = Counter()
    for page in pages:
        seen.update({_margin_key(box, page) for box in page["boxes"]} - {None})
    repeated = {key for key, count in seen.items() if count >= 2 and count >= len(pages) / 2}
    for page in pages:
        page["boxes"] = [
            box
            for box in page["boxes"]
            if _margin_key(box, page) not in repeated
            and not (_in_margin(box, page) and PAGE_NUMBER.match(box["text"]))
        ]


def _in_margin(box: dict, page: dict) -> bool:
    return box["bottom"] < page["height"] * 0.1 or box["top"] > page["height"] * 0.9


def _margin_key(box: dict, page: dict) -> str | None:
    """The text of a box in the top or bottom tenth of the page, digits left out."""
    return re.sub(r"\d+", "#", box["text"]) if _in_margin(box, page) else None


def _body_size(pages: list[dict]) -> float:
    """The font size most of the text is set in."""
    sizes = Counter()
    for page in pages:
        for box in page["boxes"]:
            sizes[box["size"]] += len(box["text"])
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _page_blocks(page: dict, body: float) -> list[dict]:
    """The blocks of one page in reading order, the boxes laid out as a grid made a table."""
    tables = _tables(page["boxes"])
    blocks, placed = [], set()
    for index, box in enumerate(page["boxes"]):
        table = tables.get(index)
        if table is not None:
            if id(table) not in placed:
                placed.add(id(table))
                blocks.append({"type": "table", "rows": table, "page": page["number"]})
            continue
        blocks.append(_block(box, body, page["number"]))
    return blocks


def _block(box: dict, body: float, page: int) -> dict:
    text = box["text"]
    if box["size"] >= body * 1.6 and len(text) < 200:
        kind = "h2"
    elif box["size"] >= body * 1.15 and len(text) < 200:
        kind = "h3"
    elif box["bold"] and box["lines"] <= 3 and len(text) < 160 and not BULLET.match(text):
        kind = "h4"
    elif BULLET.match(text):
        kind, text = "li", BULLET.sub("", text, count=1)
    elif NUMBERED.match(text) and not box["bold"]:
        kind = "li"
    else:
        kind = "p"
    return {"type": kind, "text": CID.sub("", text).strip(), "page": page}


def _tables(boxes: list[dict]) -> dict[int, list[list[str]]]:
    """Boxes set side by side in at least two rows of the same number of cells: a table.
    Returns, for each box index that belongs to one, the table's rows of cell texts."""
    rows: dict[int, list[int]] = {}
    for index, box in enumerate(boxes):
        if len(box["text"]) > 80:
            continue
        key = next((k for k in rows if abs(boxes[rows[k][0]]["top"] - box["top"]) < 2.5), None)
        rows.setdefault(index if key is None else key, []).append(index)
    grid = [sorted(r, key=lambda i: boxes[i]["x0"]) for r in rows.values() if len(r) >= 2]
    grid = [r for r in grid if all(boxes[a]["x1"] <= boxes[b]["x0"] for a, b in pairwise(r))]
    grid.sort(key=lambda r: boxes[r[0]]["top"])
    found, run = {}, []
    for row in grid + [[]]:
        if run and len(row) == len(run[-1]):
            run.append(row)
            continue
        if len(run) >= 2:
            table = [[boxes[i]["text"] for i in r] for r in run]
            found.update({i: table for r in run for i in r})
        run = [row] if row else []
    return found


def _append(blocks: list[dict], block: dict) -> None:
    """Add a block, joining it to the paragraph or list item it continues (a box that starts
    in lower case, often the next line of a paragraph or the rest of an item on a new page)."""
    last = blocks[-1] if blocks else None
    lower = block.get("text", "")[:1].islower()
    continues = block["type"] == "p" and last and last["type"] in ("p", "li")
    # A heading set on two lines can come out as two boxes.
    same_heading = last and block["type"] == last["type"] and block["type"] in ("h2", "h3", "h4")
    if lower and continues and not _closed(last) or lower and same_heading:
        last["text"] = f"{last['text']} {block['text']}"
        return
    blocks.append(block)


def _closed(block: dict) -> bool:
    return block["type"] == "p" and bool(ENDS_SENTENCE.search(block["text"]))


def _alt_texts(blocks: list[dict]) -> dict[str, str]:
    """Each page's first words, for the alt text of its image."""
    texts: dict[str, list[str]] = {}
    for block in blocks:
        words = block.get("text") or " ".join(" ".join(row) for row in block.get("rows", []))
        texts.setdefault(str(block["page"]), []).append(words)
    return {page: _shorten(" ".join(parts)) for page, parts in texts.items()}


def _shorten(text: str) -> str:
    if len(text) <= ALT_LENGTH:
        return text
    return text[:ALT_LENGTH].rsplit(" ", 1)[0] + "…"


def list_groups(blocks: list[dict]) -> list[dict]:
    """Blocks with consecutive list items gathered as {"type": "list", "items": [...]}, as the
    page shows them."""
    grouped = []
    for block in blocks:
        if block["type"] == "li":
            if grouped and grouped[-1]["type"] == "list":
                grouped[-1]["items"].append(block)
                continue
            grouped.append({"type": "list", "items": [block], "page": block["page"]})
            continue
        grouped.append(block)
    return grouped
