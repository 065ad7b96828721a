"""The WSGI entry point: `gunicorn wsgi:app`, and what `flask` finds from the repo root."""

from library import create_app

app = create_app()
