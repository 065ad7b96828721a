"""OAI-PMH 2.0: the catalogue for harvesters, as Dublin Core (oai_dc)."""

from flask import Blueprint

bp = Blueprint("oai", __name__)

from library.oai import views  # noqa: E402,F401  (routes attach to bp)
