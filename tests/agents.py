"""Real user agents for the tracking tests: people's browsers, and robots from the lists."""

import json

from support import TEST_DATA

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
    """The 327 COUNTER-Robots patterns as published (tests/data)."""
    path = TEST_DATA / "counter_robots" / "COUNTER_Robots_list.json"
    return [entry["pattern"] for entry in json.loads(path.read_text())]


# Link-preview fetchers of the networks union officers share on, as they announce themselves.
FACEBOT = "Facebot"
TWITTERBOT = "Twitterbot/1.0"
TELEGRAM_PREVIEW = "TelegramBot (like TwitterBot)"
SLACKBOT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
LINKEDIN_PREVIEW = (
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
)
DISCORDBOT = "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"
ZALO_PREVIEW = "Mozilla/5.0 (compatible; Zalo/1.0; +https://zalo.me)"
ZALO_BOT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/108.0.0.0 Safari/537.36 Zalo-Bot"
)
IMESSAGE_PREVIEW = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) "
    "Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0"
)
PINTEREST_PREVIEW = "Pinterest/0.2 (+http://www.pinterest.com/)"
TEAMS_PREVIEW = "Mozilla/5.0 (compatible; MicrosoftPreview/2.0; +https://aka.ms/MicrosoftPreview)"
LINE_PREVIEW = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/79.0.3945.0 Safari/537.36 Line/10.0 (LINE Preview)"
)
PREVIEW_CRAWLERS = [
    FACEBOOK_PREVIEW,
    FACEBOT,
    ZALO_PREVIEW,
    ZALO_BOT,
    TWITTERBOT,
    TELEGRAM_PREVIEW,
    WHATSAPP_PREVIEW,
    SLACKBOT,
    LINKEDIN_PREVIEW,
    DISCORDBOT,
    IMESSAGE_PREVIEW,
    PINTEREST_PREVIEW,
    TEAMS_PREVIEW,
    LINE_PREVIEW,
]
