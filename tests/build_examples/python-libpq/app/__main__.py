"""Print what the image can do: psycopg's pure-Python libpq binding, loaded with ctypes.

`import psycopg` fails without libpq5 (libpq-dev's runtime library), so this
proves that the split's runtime stage installed it.
"""

import sys

import psycopg
import typing_extensions

print(f"python {sys.version_info[0]}.{sys.version_info[1]}")
print(f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}), libpq {psycopg.pq.version()}")
print(f"typing_extensions ok: {hasattr(typing_extensions, 'TypedDict')}")
