"""Which channel brought a visitor: from a share link, else from the referrer or in-app browser."""

from urllib.parse import urlsplit

SEARCH_HOSTS = ("google.", "bing.", "coccoc.", "yahoo.", "duckduckgo.", "yandex.", "baidu.")
FACEBOOK_HOSTS = ("facebook.com", "fb.com", "fb.me", "messenger.com", "instagram.com")
ZALO_HOSTS = ("zalo.me", "zaloapp.com", "zalo.vn")


def _host_in(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def channel_from(referrer: str | None, own_host: str, user_agent: str = "") -> str:
    """direct, facebook, zalo, search or other; in-app browsers often send no referrer."""
    host = (urlsplit(referrer).hostname or "").lower() if referrer else ""
    if host and host != own_host.split(":")[0].lower():
        if _host_in(host, FACEBOOK_HOSTS):
            return "facebook"
        if _host_in(host, ZALO_HOSTS):
            return "zalo"
        if any(part in host for part in SEARCH_HOSTS):
            return "search"
        return "other"
    if "FBAN/" in user_agent or "FBAV/" in user_agent:
        return "facebook"
    if "Zalo" in user_agent:
        return "zalo"
    return "direct"
