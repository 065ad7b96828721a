"""Real user agents for the tracking tests: people's browsers, and robots from the lists."""

import json

from support import SHARED_DATA

CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
ZALO_IN_APP = (
    "Mozilla/5.0 (Linux; Android 12; Redmi Note 11 Build/SKQ1.211103.001; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.193 Mobile "
    "Safari/537.36 Zalo android/12100589 ZaloTheme/light ZaloLanguage/vi"
)
FACEBOOK_IN_APP = (
    "Mozilla/5.0 (Linux; Android 11; SM-A125F Build/RP1A.200720.012; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 "
    "[FBAN/EMA;FBLC/vi_VN;FBAV/390.0.0.11.109;]"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
BROWSERS = [CHROME_ANDROID, ZALO_IN_APP, FACEBOOK_IN_APP, IPHONE_SAFARI]

FACEBOOK_PREVIEW = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
WHATSAPP_PREVIEW = "WhatsApp/2.23.20.0 A"
CURL = "curl/8.5.0"
ROBOTS = [FACEBOOK_PREVIEW, GOOGLEBOT, BINGBOT, WHATSAPP_PREVIEW, CURL]


def counter_patterns() -> list[str]:
    """The 327 COUNTER-Robots patterns as published (shared/data)."""
    path = SHARED_DATA / "counter_robots" / "COUNTER_Robots_list.json"
    return [entry["pattern"] for entry in json.loads(path.read_text())]
