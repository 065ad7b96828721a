"""The OAI-PMH endpoint: GET or POST /oai, always answered 200 with XML (errors inside)."""

from flask import Response, current_app, request

from library.addresses import public_url
from library.oai import bp
from library.oai.verbs import Settings, respond
from library.oai.xml import serialize


@bp.route("/oai", methods=["GET", "POST"])
def endpoint():
    """Answer one OAI-PMH request."""
    args = request.form if request.method == "POST" else request.args
    root = respond(args, settings())
    return Response(serialize(root), content_type="text/xml; charset=utf-8")


def settings() -> Settings:
    """This repository's identity, from the configuration and the site's address."""
    config = current_app.config
    repository_id = config.get("OAI_REPOSITORY_ID") or _host(config.get("SERVER_NAME"))
    return Settings(
        base_url=public_url("oai.endpoint"),
        repository_id=repository_id,
        repository_name=config.get("OAI_REPOSITORY_NAME") or "Open Learning Library",
        admin_email=config.get("OAI_ADMIN_EMAIL") or _admin_email(repository_id),
        page_size=max(1, int(config.get("OAI_PAGE_SIZE") or 100)),
    )


def _host(server_name: str | None) -> str:
    """The host part of SERVER_NAME; a stable placeholder when it is not set."""
    return (server_name or "open-learning-library.local").split(":")[0]


def _admin_email(repository_id: str) -> str:
    """admin@<repository id>; the schema wants a dotted domain, so a bare host gets one."""
    domain = repository_id if "." in repository_id else f"{repository_id}.local"
    return f"admin@{domain}"
