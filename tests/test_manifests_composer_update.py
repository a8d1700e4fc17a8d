"""DF102: `composer update` after the source copy (`php.py: update_plugin_risk`); whole files in the golden case
`manifests-composer-update`."""

from __future__ import annotations

import json

import pytest

from helpers import diagnostics, fixed
from rewriter.rules import Applicability

SELECT = ("DF101", "DF102")
HEAD = "FROM composer:2\nWORKDIR /app\nCOPY . .\n"


def manifest(**fields: object) -> dict[str, str]:
    return {"composer.json": json.dumps({"name": "a/b", **fields}), "composer.lock": json.dumps({"packages": [], "plugin-api-version": "2.6.0"})}


@pytest.mark.parametrize("update", ["composer update", "composer u --no-dev", "composer upgrade vendor/package"])
def test_every_spelling_of_update_gets_its_dependency_only_run(update: str) -> None:
    out = fixed(f"{HEAD}RUN {update}\n", select=SELECT, files=manifest(require={"php": "^8.2"}))
    assert f"COPY composer.json composer.lock ./\nRUN {update} --no-scripts --no-autoloader\nCOPY . .\nRUN {update}\n" in out


@pytest.mark.parametrize(
    ("fields", "applicability", "why"),
    [
        ({"require": {"php": "^8.2", "ext-intl": "*", "lib-icu": ">=70"}}, Applicability.SAFE, ""),
        ({"require": {"monolog/monolog": "^3"}}, Applicability.SAFE, ""),  # Composer 2 runs no plugin it does not allow
        ({"require": {"monolog/monolog": "^3"}, "config": {"allow-plugins": True}}, Applicability.UNSAFE, "composer.json allows plugins"),
        ({"require-dev": {"phpunit/phpunit": "^11"}, "config": {"allow-plugins": {"x/y": True}}}, Applicability.UNSAFE, "requires `phpunit/phpunit`"),
        ({"require": {"monolog/monolog": "^3"}, "scripts": {"post-package-install": "x"}}, Applicability.UNSAFE, "`post-package-install`"),
        ({"type": "composer-plugin"}, Applicability.UNSAFE, "itself a `composer-plugin`"),
    ],
)
def test_the_inserted_update_is_safe_when_no_plugin_or_package_event_can_run(fields: dict[str, object], applicability: Applicability, why: str) -> None:
    found = diagnostics(f"{HEAD}RUN composer update\n", select=SELECT, files=manifest(**fields), unsafe=True)
    assert len(found) == 1 and found[0].fix is not None
    assert found[0].fix.applicability == applicability
    assert why in (found[0].note or "")
