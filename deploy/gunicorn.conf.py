"""gunicorn's configuration for daiban's app servers: ``gunicorn -c gunicorn.conf.py
'webapi:create_app()'`` (the unit ``daiban-web.service`` runs it from /etc/daiban/).

The app's own settings are the ``DAIBAN_*`` variables (README, Configuration); this file
reads two of gunicorn's: ``GUNICORN_BIND`` (default 127.0.0.1:8000: behind the county's
reverse proxy) and ``WEB_CONCURRENCY`` (default 2 × CPUs + 1 workers).
"""

import multiprocessing
import os

# gunicorn calls the hooks by their names. Once a worker has built its app, what it holds
# for life leaves the garbage collector's full passes (a full pass over it took 110-130 ms
# of some unlucky request: webapi/heap.py); a worker that exits leaves the metrics' sums
# (PROMETHEUS_MULTIPROC_DIR, set by the unit).
from webapi.heap import post_worker_init  # noqa: F401
from webapi.metrics import child_exit  # noqa: F401

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"  # one request per process: a case change holds its worker briefly
# A request past 60 s is a stuck worker (the engine bounds each change far below that):
# killed and replaced. On SIGTERM or a reload (SIGHUP) workers finish what they hold.
timeout = 60
graceful_timeout = 30
keepalive = 5  # seconds an idle keep-alive connection from the proxy is held
# Workers are replaced after about 1,000 requests (jitter: not all at once), so a slow leak
# in a library cannot grow without bound; the live-case caches fill again in seconds.
max_requests = 1000
max_requests_jitter = 100
# Each worker builds its app after the fork: its own database pool, no connection shared
# across processes, and a reload (SIGHUP) picks up new code and settings.
preload_app = False
# No access log of gunicorn's own: the app writes one structured line per request
# (logger webapi.access: method, path, route, status, duration, bytes, client, user,
# request id; DAIBAN_ACCESS_LOG), and two lines per request would only double the journal.
# A county that wants gunicorn's too sets accesslog = "-" with this format (the request id
# is the app's X-Request-Id answer header):
accesslog = None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus request_id=%({x-request-id}o)s "%(a)s"'
errorlog = "-"
loglevel = "info"
# Never announce the server (the app sends no Server header; neither does gunicorn here).
proc_name = "daiban-web"
