"""gunicorn settings for the library: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be changed by an environment variable (docs/deployment.md). Several worker
processes, on one host or several, need the shared database (PostgreSQL) and, for search on
several hosts, SEARCH_BACKEND=postgres; uploads live in one folder mounted on every host.
"""

import multiprocessing
import os

# Behind the reverse proxy on the same host: listen on loopback only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# A rate limit counted in each worker's memory would let workers × the limit through: several
# workers need the shared store (the default `database://`, or memcached/Redis).
if workers > 1 and os.environ.get("FLASK_RATELIMIT_STORAGE_URI", "").startswith("memory://"):
    raise SystemExit(
        "gunicorn.conf.py: FLASK_RATELIMIT_STORAGE_URI=memory:// counts rate limits per worker; "
        "with several workers use database:// (the default), memcached:// or redis://"
    )
# Sync workers: the proxy buffers slow phones' requests and answers, so a worker is busy only
# while it works. Threads help when many requests wait on the database.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# Each worker opens its own database connections and search index after the fork.
preload_app = False
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # an upload of a 500 MB video
graceful_timeout = 30
# Workers are replaced now and then, so a slow leak can never grow without bound.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The client address comes from the proxy through the app's PROXY_FIX setting, not gunicorn.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
