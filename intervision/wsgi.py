import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intervision.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process. Frozen,
# it is left out of every later garbage collection, which then only walks what requests made.
gc.collect()
gc.freeze()
