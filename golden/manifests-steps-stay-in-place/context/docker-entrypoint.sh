#!/bin/sh
exec gunicorn shop.wsgi
