#!/bin/sh
set -e
if [ -n "$EXTRA_PACKAGES" ]; then
    pip install $EXTRA_PACKAGES
fi
exec uvicorn main:app --host 0.0.0.0
