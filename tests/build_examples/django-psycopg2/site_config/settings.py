from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "build-example-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.staticfiles", "shop"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "site_config.urls"
DATABASES: dict[str, dict[str, str]] = {}

STATIC_URL = "static/"
# Outside the application directory: the split must copy it from the build stage.
STATIC_ROOT = "/var/www/static"
