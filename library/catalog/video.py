"""Video links: which hosts are accepted and how each is embedded."""

import re
from urllib.parse import parse_qs, quote, urlsplit

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
FACEBOOK_HOSTS = {
    "facebook.com",
    "www.facebook.com",
    "m.facebook.com",
    "fb.watch",
    "web.facebook.com",
}


def youtube_id(url: str) -> str | None:
    """The video id of a YouTube watch, short, shorts or embed link."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in YOUTUBE_HOSTS:
        return None
    if host == "youtu.be":
        candidate = parts.path.strip("/").split("/")[0]
    elif parts.path == "/watch":
        candidate = parse_qs(parts.query).get("v", [""])[0]
    else:
        segments = parts.path.strip("/").split("/")
        candidate = segments[1] if len(segments) > 1 and segments[0] in ("shorts", "embed") else ""
    return candidate if YOUTUBE_ID.match(candidate) else None


def is_facebook_video(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in FACEBOOK_HOSTS:
        return False
    return host == "fb.watch" or "/videos/" in parts.path or parts.path.startswith("/watch")


def is_supported(url: str) -> bool:
    """Only https links to YouTube or Facebook videos are accepted."""
    if not url.startswith("https://") or len(url) > 500:
        return False
    return youtube_id(url) is not None or is_facebook_video(url)


def embed_url(url: str) -> str | None:
    """The address of the player to frame in the material page."""
    vid = youtube_id(url)
    if vid:
        return f"https://www.youtube-nocookie.com/embed/{vid}"
    if is_facebook_video(url):
        return f"https://www.facebook.com/plugins/video.php?href={quote(url, safe='')}&show_text=0"
    return None


def player_url(url: str) -> str | None:
    """The player's address once the visitor has tapped play: it starts at once."""
    embed = embed_url(url)
    if embed is None:
        return None
    return f"{embed}{'&' if '?' in embed else '?'}autoplay=1"
