"""A forged Host (or X-Forwarded-Host) never reaches an address the site hands out.

Every route that prints an absolute address — the password-reset e-mail, QR codes, print
sheets, previews, feeds, the sitemap, OAI-PMH and the API — is asked with each hostile header
set, under three configurations: a public address (with the hostile host even listed as
trusted, as a careless proxy set-up would), SERVER_NAME only, and nothing (a development
server). evil.example must appear in no answer, no header and no e-mail; an untrusted Host is
answered 400.
"""

import io

import pytest
from PIL import Image
from pyzbar.pyzbar import decode
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

from library.addresses import trusted_hosts
from library.extensions import db
from library.mail import outbox

EVIL = "evil.example"
PUBLIC = "https://hoctap.example.vn"
CONFIGS = {
    "public address": {
        "PUBLIC_BASE_URL": PUBLIC,
        "SERVER_NAME": None,
        "TRUSTED_HOSTS": ["hoctap.example.vn", EVIL],
    },
    "server name": {"PUBLIC_BASE_URL": None, "SERVER_NAME": "thuvien.test", "TRUSTED_HOSTS": None},
    "nothing set": {"PUBLIC_BASE_URL": None, "SERVER_NAME": None, "TRUSTED_HOSTS": None},
}
# The host a legitimate request names, and the origin links must start with, per configuration.
LEGIT = {
    "public address": ("hoctap.example.vn", PUBLIC),
    "server name": ("thuvien.test", "http://thuvien.test"),
    "nothing set": ("localhost", "http://localhost"),
}


def hostile_headers(legit: str) -> list[dict]:
    """Every way a client names another host: the Host itself, and the headers proxies add."""
    forwarded = [
        {"X-Forwarded-Host": EVIL},
        {"X-Forwarded-Host": f"{EVIL}, {legit}"},
        {"X-Forwarded-Server": EVIL},
        {"X-Original-Host": EVIL},
        {"X-Host": EVIL},
        {"Forwarded": f"host={EVIL};proto=https"},
    ]
    return [
        {"Host": EVIL},
        {"Host": f"{EVIL}:443"},
        {"Host": f"{legit}.{EVIL}"},
        {"Host": EVIL, "X-Forwarded-Host": EVIL},
        *({"Host": legit, **extra} for extra in forwarded),
    ]


@pytest.fixture(scope="module")
def routes(shared_world):
    """(method, path, who) of every route that prints an absolute address."""
    w = shared_world
    material, slug, link = w.public.id, w.collection.slug, w.link.id
    reads = [
        "/",
        f"/materials/{material}",
        f"/materials/{material}/qr.png",
        f"/materials/{material}/qr.svg",
        f"/materials/{material}/print",
        "/areas/politics-law",
        f"/collections/{slug}",
        f"/collections/{slug}/qr.png",
        f"/collections/{slug}/qr.svg",
        f"/collections/{slug}/print",
        f"/s/{w.link.code}",
        "/feed.atom",
        "/areas/politics-law/feed.atom",
        "/sitemap.xml",
        "/robots.txt",
        "/oai?verb=Identify",
        "/oai?verb=ListRecords&metadataPrefix=oai_dc",
        f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:thuvien.test:material/{material}",
        "/api/v1/materials",
        f"/api/v1/materials/{material}",
        "/api/v1/search?q=an+toàn",
        "/api/v1/collections",
        f"/api/v1/collections/{slug}",
    ]
    officer = [
        "/sharing/links",
        f"/sharing/links/{link}/qr.png",
        f"/sharing/links/{link}/qr.svg",
        f"/sharing/links/{link}/print",
    ]
    return (
        [("GET", path, "anonymous") for path in reads]
        + [("GET", path, "union") for path in officer]
        + [("POST", "/password/forgot", "anonymous")]
    )


@pytest.fixture(scope="module")
def hostile_app(shared_world):
    """The shared world's app behind a trusted proxy (PROXY_FIX=1), as in production."""
    app = shared_world.app
    plain = app.wsgi_app
    app.wsgi_app = ProxyFix(plain, x_for=1, x_proto=1, x_host=0, x_prefix=0)
    saved = {key: app.config.get(key) for key in ("PUBLIC_BASE_URL", "SERVER_NAME")}
    saved["TRUSTED_HOSTS"] = app.config["TRUSTED_HOSTS"]
    yield app
    app.wsgi_app = plain
    app.config.update(saved)


def configure(app, name: str) -> None:
    app.config.update(CONFIGS[name])
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)


def session_cookie(world, who: str) -> str:
    """The Cookie header of a logged-in actor's client, to send with any Host."""
    if who == "anonymous":
        return ""
    cookie = world.clients[who].get_cookie("session", domain="thuvien.test")
    return f"session={cookie.value}"


def ask(app, world, method, path, who, headers):
    client = app.test_client(use_cookies=False)
    headers = {**headers, "Cookie": session_cookie(world, who)}
    data = {"email": world.users["editor_a"].email} if method == "POST" else None
    with app.app_context():
        answer = client.open(path, method=method, headers=headers, data=data, buffered=True)
        db.session.remove()
    return answer


def readable(answer) -> str:
    """The answer as text: its headers, its body, and what its QR code says."""
    text = "\n".join(f"{k}: {v}" for k, v in answer.headers.items())
    if answer.mimetype == "image/png" and answer.status_code == 200:
        (symbol,) = decode(Image.open(io.BytesIO(answer.data)))
        return text + "\n" + symbol.data.decode()
    return text + "\n" + answer.get_data(as_text=True)


def mails(app) -> str:
    with app.app_context():
        # The body decoded: the message itself holds it in base64, where no host can be read.
        texts = [f"{message}\n{message.get_content()}" for message in outbox()]
        outbox().clear()
    return "\n".join(texts)


@pytest.mark.parametrize("config", list(CONFIGS))
def test_no_forged_host_reaches_an_address_the_site_hands_out(
    config, hostile_app, shared_world, routes
):
    configure(hostile_app, config)
    legit, origin = LEGIT[config]
    mails(hostile_app)
    asked = 0
    for method, path, who in routes:
        for headers in hostile_headers(legit):
            answer = ask(hostile_app, shared_world, method, path, who, headers)
            asked += 1
            where = f"{config}: {method} {path} as {who} with {headers}"
            if not host_is_trusted(headers["Host"], hostile_app.config["TRUSTED_HOSTS"]):
                assert answer.status_code == 400, where
            else:
                assert answer.status_code < 400 or _no_address(config, path), where
            assert EVIL not in readable(answer), where
            assert EVIL not in mails(hostile_app), where
    assert asked == len(routes) * len(hostile_headers(legit)) == 28 * 10


def _no_address(config: str, path: str) -> bool:
    """With no address configured, the site refuses to mail a link (and says so)."""
    return config == "nothing set" and path == "/password/forgot"


@pytest.mark.parametrize("config", list(CONFIGS))
def test_every_address_starts_with_the_configured_origin(config, hostile_app, shared_world):
    """The answers above are not empty of addresses: they hold the right ones."""
    configure(hostile_app, config)
    legit, origin = LEGIT[config]
    w = shared_world
    for path in (
        f"/materials/{w.public.id}/qr.png",
        "/sitemap.xml",
        "/feed.atom",
        "/oai?verb=Identify",
        f"/api/v1/materials/{w.public.id}",
        f"/sharing/links/{w.link.id}/print",
    ):
        who = "union" if path.startswith("/sharing") else "anonymous"
        answer = ask(hostile_app, w, "GET", path, who, {"Host": legit, "X-Forwarded-Host": EVIL})
        assert answer.status_code == 200, path
        assert origin + "/" in readable(answer), path


def test_the_reset_mail_links_to_the_public_address_whatever_the_host(hostile_app, shared_world):
    configure(hostile_app, "public address")
    mails(hostile_app)
    answer = ask(hostile_app, shared_world, "POST", "/password/forgot", "anonymous", {"Host": EVIL})
    assert answer.status_code == 200
    assert f"{PUBLIC}/password/reset#" in mails(hostile_app)


def test_without_a_public_address_no_reset_mail_is_sent_and_the_page_says_why(
    hostile_app, shared_world
):
    configure(hostile_app, "nothing set")
    mails(hostile_app)
    answer = ask(
        hostile_app, shared_world, "POST", "/password/forgot", "anonymous", {"Host": "localhost"}
    )
    assert answer.status_code == 503
    assert "chưa được cấu hình địa chỉ công khai" in answer.get_data(as_text=True)
    assert mails(hostile_app) == ""


def test_a_qr_code_is_cached_apart_for_each_host(hostile_app, shared_world):
    configure(hostile_app, "nothing set")
    w = shared_world
    for path in (f"/materials/{w.public.id}/qr.png", f"/collections/{w.collection.slug}/qr.svg"):
        answer = ask(hostile_app, w, "GET", path, "anonymous", {"Host": "127.0.0.1"})
        assert answer.status_code == 200
        assert "Host" in answer.headers["Vary"]
        assert "http://127.0.0.1/" in readable(answer) or path.endswith(".svg")


def test_an_untrusted_host_is_refused_before_any_page_runs(hostile_app, shared_world):
    configure(hostile_app, "server name")
    for path in ("/login", "/", "/api/v1/materials", "/oai?verb=Identify"):
        answer = ask(hostile_app, shared_world, "GET", path, "anonymous", {"Host": EVIL})
        assert answer.status_code == 400, path
