"""gunicorn settings for the web service (`gunicorn -c config/gunicorn.py config.wsgi:application`).

The access log leaves out query strings and the referrer (`%(U)s` is the path alone), so no
search or filter typed into an address reaches the logs.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
