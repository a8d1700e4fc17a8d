"""Prints what the image needs at run time: the compiled driver, libpq, and a collected static file served by Django."""

import psycopg2
import psycopg2.extensions
from django.core.management.base import BaseCommand
from django.test import Client


class Command(BaseCommand):
    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"psycopg2 {psycopg2.__version__.split()[0]}, libpq {psycopg2.extensions.libpq_version() // 10000}")
        response = Client().get("/static/shop/hello.txt")
        body = b"".join(response.streaming_content).decode().strip()
        self.stdout.write(f"GET /static/shop/hello.txt: {response.status_code} {body}")
