"""Telling robots and link-preview crawlers from people, by user agent (COUNTER-Robots list)."""

import hashlib
import re
from functools import lru_cache
from importlib.resources import files

# Link-preview fetchers of the networks workers use, beyond the COUNTER list (which already has
# facebookexternalhit, WhatsApp, SkypeUriPreview and everything named "bot": Facebot, Twitterbot,
# TelegramBot, Slackbot, LinkedInBot, Discordbot, Zalo-Bot, Pinterestbot). The in-app browsers
# of Facebook (FBAN/FBAV), Zalo ("Zalo android/...") and LINE ("Line/13...") are people and match
# none of these.
PREVIEW_PATTERNS = (
    r"facebookexternalhit",
    r"facebookcatalog",
    r"meta-externalagent",
    r"meta-externalfetcher",
    r"Zalo-?(?:Bot|Preview|Crawler|Link|Share)",
    r"zalo\.me/(?:bot|crawler)",
    r"compatible; Zalo",
    r"Pinterest/\d",
    r"MicrosoftPreview",
    r"LINE Preview",
    r"Iframely",
    r"Embedly",
    r"vkShare",
    r"Viber",
    r"Slack-ImgProxy",
    r"Snap URL Preview",
    r"KakaoTalk-Scrap",
    r"Google-PageRenderer",
    r"Google-InspectionTool",
    r"GoogleOther",
    r"Mastodon/",
    r"Pleroma",
    r"Cardyb",
)

# Programs that fetch pages for a script, beyond COUNTER's machine list (which has curl, Wget,
# python, okhttp, axios, Go's and Java's HTTP clients...): not people, whatever they fetch.
MACHINE_PATTERNS = (
    r"node-fetch",
    r"^node(?:/|$)",
    r"undici",
    r"PostmanRuntime",
    r"HTTPie",
    r"aiohttp",
    r"^Deno/",
    r"^Bun/",
    r"got \(https?://github\.com/sindresorhus/got",
    r"^Dart/",
    r"reqwest",
    r"^k6/",
    r"Guzzle",
    r"RestSharp",
    r"Faraday v",
    r"Thunder Client",
    r"Hoppscotch",
    r"^Bruno",
    r"^superagent",
    r"^Needle/",
    r"^Typhoeus",
    r"^Mechanize",
    r"^colly",
)

# What a person's browser looks like: anything else not in the lists goes to the review list.
BROWSER = re.compile(
    r"^Mozilla/5\.0 \((?:Linux|Windows|Macintosh|iPhone|iPad|X11|Android)[^)]*\)"
    r".*(?:Chrome|Firefox|Safari|Edg|OPR|SamsungBrowser|UCBrowser|coc_coc)/",
)


@lru_cache(maxsize=1)
def _patterns() -> tuple[str, ...]:
    """The COUNTER robot and machine patterns (PyPI counter-robots), then ours: more machines
    and the preview fetchers."""
    data = files("counter_robots") / "data"
    lines = []
    for name in ("robot.txt", "machine.txt"):
        lines += [p for p in (data / name).read_text().splitlines() if p.strip()]
    return tuple(lines) + MACHINE_PATTERNS + PREVIEW_PATTERNS


@lru_cache(maxsize=1)
def _combined() -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in _patterns()), re.IGNORECASE)


@lru_cache(maxsize=4096)
def robot_pattern(user_agent: str) -> str | None:
    """The list pattern a user agent matches (case-insensitively), or None for a person."""
    if not _combined().search(user_agent):
        return None
    for pattern in _patterns():
        if re.search(pattern, user_agent, re.IGNORECASE):
            return pattern[:120]
    return None


@lru_cache(maxsize=4096)
def looks_like_browser(user_agent: str) -> bool:
    """Whether the user agent has the shape of a mainstream (or in-app) browser."""
    return bool(BROWSER.search(user_agent))


_VERSION = re.compile(r"/[\w.+-]*")
_URL = re.compile(r"(?:https?://|www\.)[^\s)]+|[^\s(]+@[^\s)]+")
_COMMENT = re.compile(r"\(([^)]*)\)")


def agent_family(user_agent: str) -> str:
    """A short name for a user agent, without versions, URLs or device details ("Zalo/…")."""

    def comment(match: re.Match) -> str:
        # Robots name themselves inside "(compatible; Name/1.0; +url)"; devices do not.
        inner = match.group(1)
        return f"({inner})" if "compatible" in inner.lower() else ""

    text = _URL.sub("", user_agent)
    text = _COMMENT.sub(comment, text)
    text = _VERSION.sub("/…", text)
    return " ".join(text.split())[:80] or "(trống)"


def agent_hash(user_agent: str) -> str:
    """A stable short hash that groups sightings of one user agent without keeping it."""
    return hashlib.sha256(user_agent.encode("utf-8", "replace")).hexdigest()[:32]
