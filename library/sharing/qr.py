"""QR codes for notice boards: any URL of the site as SVG (print, inline) or PNG (download)."""

import io
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import segno

# Error correction M (15 % of the symbol may be lost: a pin, a fold, a smudge on a notice board)
# and the standard quiet zone of four modules around the symbol, without which phones misread.
ERROR = "m"
QUIET_ZONE = 4
# The PNG is about 1,000 pixels wide: printed 7 cm wide that is over 300 dpi, and a phone reads
# it from a metre away; the SVG scales to any size.
PNG_TARGET = 1000


def with_channel(url: str, channel: str = "qr") -> str:
    """The URL with ?ch=<channel>, replacing a channel it already had, keeping its other query."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ch"]
    query.append(("ch", channel))
    return urlunsplit(parts._replace(query=urlencode(query)))


def make(url: str) -> segno.QRCode:
    """The QR code of a URL: the smallest version that holds it at error correction M."""
    return segno.make_qr(url, error=ERROR, boost_error=False)


def qr_svg(url: str, *, scale: int = 8, title: str | None = None, inline: bool = False) -> str:
    """The QR code as SVG text.

    Both keep a viewBox, so they scale to any size without blur. A file (inline=False) also has
    an XML declaration and a size in pixels; inline SVG (for a page) fills the box of its CSS.
    """
    code = make(url)
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        scale=scale,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        title=title,
        xmldecl=not inline,
        omitsize=True,
        svgclass="qr",
        lineclass=None,
        nl=False,
    )
    svg = buffer.getvalue().decode("utf-8")
    if inline:
        return svg
    width, height = code.symbol_size(scale=scale, border=QUIET_ZONE)
    return svg.replace("<svg ", f'<svg width="{width}" height="{height}" ', 1)


def qr_png(url: str, *, target: int = PNG_TARGET) -> bytes:
    """The QR code as a black-on-white PNG about `target` pixels wide, in whole-pixel modules."""
    code = make(url)
    width, _ = code.symbol_size(scale=1, border=QUIET_ZONE)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(4, target // width), border=QUIET_ZONE)
    return buffer.getvalue()
