"""The Intervision project: settings, URLs, the Celery app and its beat schedule, wsgi.

The Celery app is not imported here: web processes load Celery only when they enqueue a task
(each app's ``tasks`` package imports ``intervision.celery`` first), and the worker finds it
with ``celery -A intervision``.
"""
