"""gunicorn settings; every value can be overridden on the command line or by GUNICORN_CMD_ARGS."""

import gc
import os

bind = os.environ.get("BENEFIT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("BENEFIT_WORKERS", "2"))
worker_class = "sync"
# Load the app in each worker: every worker opens its own database pool and search reader.
preload_app = False
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("BENEFIT_ACCESS_LOG") or None
errorlog = "-"
# The proxies are trusted in one place: the app's ProxyFix, as many hops as BENEFIT_TRUSTED_PROXIES says
# (benefit/security.py). gunicorn itself believes no peer's X-Forwarded-Proto/-Protocol/-Ssl: with its
# defaults (forwarded_allow_ips "127.0.0.1,::1", and every peer on a UNIX socket) anybody on loopback
# could make a plain-HTTP request look secure and get Strict-Transport-Security for it.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
# gunicorn 25.1+ opens a control socket for `gunicornc` at one fixed path ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl): a second gunicorn on the machine (tests, another site) would take it over.
# Off unless a path of this instance's own is given. Older gunicorns ignore both names.
_control_socket = os.environ.get("BENEFIT_GUNICORN_CONTROL_SOCKET", "")
if _control_socket:
    control_socket = _control_socket
control_socket_disable = not _control_socket


def post_worker_init(worker):
    """Open the search reader and fill its cache before the first request (a cold query on 100k
    posts reads megabytes of postings), then move everything loaded so far out of the garbage
    collector's way: the app, its modules and that cache live as long as the worker, and every
    full collection would otherwise walk them again."""
    service = getattr(worker.wsgi, "extensions", {}).get("benefit.search")
    if service is not None:
        service.warm()
    gc.collect()
    gc.freeze()
    # A page allocates tens of thousands of short-lived objects (rows, template output): collect
    # the youngest generation every 10,000 allocations rather than every 700 (about 5 % of a
    # search page's time); the older generations keep their usual ratios.
    gc.set_threshold(10_000, 10, 10)
