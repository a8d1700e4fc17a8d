import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

INSTALLED_APPS = ["django.contrib.staticfiles", "catalog"]
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BASE_DIR, "staticfiles")
LOCALE_PATHS = [os.path.join(BASE_DIR, "shop", "locale")]
