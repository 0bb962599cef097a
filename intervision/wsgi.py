import gc
import os
from importlib import import_module

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intervision.settings")
application = get_wsgi_application()

# Import the URLconf (and with it every view module) now rather than on the first request, then
# freeze all that loading created: it lives as long as the process, and frozen it is left out of
# every later garbage collection, which then walks only what requests made.
from django.conf import settings  # noqa: E402  (configured by get_wsgi_application above)

import_module(settings.ROOT_URLCONF)
gc.collect()
gc.freeze()
