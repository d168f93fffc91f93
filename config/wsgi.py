import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import every URLconf and view module now, while the server process starts, rather than in its
# first request: that import took about half a second of CPU, during which the request and
# every other request of the process waited. It also lets gunicorn.conf.py's gc.freeze() set
# those modules aside from the cycle collector.
get_resolver().url_patterns  # noqa: B018 (the property imports the modules)
