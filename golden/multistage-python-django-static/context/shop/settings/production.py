from .base import *  # noqa: F403

DEBUG = False
STATIC_ROOT = os.path.join("/var/www", "static")  # noqa: F405  served by the front proxy
