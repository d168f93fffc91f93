"""Celery application. Configuration lives in settings.py under the CELERY_ namespace."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("waybill")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def freeze_startup_objects(**_kwargs) -> None:
    """Leave what a worker process holds from start-up (Django, the apps, the tasks) out of the
    cycle collector: otherwise a full collection walks it all every few tasks (about 90 ms in
    one ETA tick of four), as gunicorn.conf.py does for the web workers."""
    gc.freeze()
