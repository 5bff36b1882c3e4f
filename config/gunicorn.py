"""gunicorn settings for the web service (`gunicorn -c config/gunicorn.py config.wsgi:application`).

The access log leaves out query strings and the referrer (`%(U)s` is the path alone), so no
search or filter typed into an address reaches the logs.

A web container keeps no state of its own (docs/scaling.md): run as many as the load asks for.
Each sync worker holds one database connection (CONN_MAX_AGE), so PostgreSQL sees
replicas x GUNICORN_WORKERS connections from the web, or PgBouncer's pool size behind it.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Default: 2 x cores + 1 (gunicorn's advice for sync workers), at least 3 as before.
workers = int(os.environ.get("GUNICORN_WORKERS", str(max(3, 2 * multiprocessing.cpu_count() + 1))))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# A worker is replaced after this many requests (with jitter, so they do not all restart at once):
# memory grown by a large export or report does not stay for the container's life. 0 (the
# default here; docker-compose.yml sets 2000): never.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# The workers' heartbeat files in memory, not on the container's overlay disk.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
