"""DF402's reading of Python build steps: where Django's settings put STATIC_ROOT, and what a build script runs.

Each case is a settings module (or a script) and what the split makes of it: the folder the runtime stage
copies from the build stage, nothing to copy (the output lies in the application directory), or the reason it
declines.  The project is read with libcst; nothing is run.
"""

from __future__ import annotations

import pytest

from helpers import diagnostics, fixed

DOCKERFILE = """\
FROM python:3.12
ENV DJANGO_SETTINGS_MODULE=site_config.settings
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN {run}
CMD ["gunicorn", "site_config.wsgi"]
"""

PATHLIB_BASE = "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
OS_PATH_BASE = "import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n"


def split(settings: str, run: str = "python manage.py collectstatic --noinput", **files: str) -> tuple[str | None, str]:
    """(the fixed Dockerfile or None, the diagnostic's message) for a project with these settings."""
    context = {"requirements.txt": "Django\n", "manage.py": "", "site_config/__init__.py": "", "site_config/settings.py": settings, **files}
    found = [d for d in diagnostics(DOCKERFILE.format(run=run), select="DF4", files=context, unsafe=True)]
    assert len(found) == 1, found
    fix = found[0].fix
    return (fix.edits[-1].text if fix is not None else None), found[0].message


@pytest.mark.parametrize(
    ("settings", "copied"),
    [
        pytest.param(PATHLIB_BASE + 'STATIC_ROOT = BASE_DIR / "staticfiles"\n', None, id="pathlib-inside"),
        pytest.param(OS_PATH_BASE + 'STATIC_ROOT = os.path.join(BASE_DIR, "static")\n', None, id="os-path-inside"),
        pytest.param('STATIC_ROOT = "/var/www/static/"\n', "/var/www/static", id="literal-outside"),
        pytest.param(PATHLIB_BASE + 'STATIC_ROOT = BASE_DIR.parent / "public" / "static"\n', "/public/static", id="parent-outside"),
        pytest.param('import os\nSTATIC_ROOT = os.environ.get("STATIC_ROOT", "/srv/static")\n', "/srv/static", id="env-default"),
        pytest.param(PATHLIB_BASE + 'STATIC_ROOT = str(Path(__file__).parents[2] / "collected")\n', "/collected", id="parents-index"),
        pytest.param('STATIC_ROOT = "/tmp/a"\nif False:\n    pass\nSTATIC_ROOT = "/tmp/b"\n', "/tmp/b", id="last-binding-wins"),
    ],
)
def test_static_root_is_read_from_the_settings(settings: str, copied: str | None) -> None:
    stage, _ = split(settings)
    assert stage is not None
    copies = [line for line in stage.splitlines() if line.startswith("COPY --from=build") and "/opt/venv" not in line and "/app /app" not in line]
    assert copies == ([f"COPY --from=build {copied} {copied}"] if copied else [])


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        pytest.param('import os\nSTATIC_ROOT = os.environ["STATIC_ROOT"]\n', "`os.environ[\"STATIC_ROOT\"]` is not a path dockerfix can evaluate", id="environ-subscript"),
        pytest.param('import os\nif os.environ.get("PROD"):\n    STATIC_ROOT = "/srv/static"\n', "settings.py:2: set inside `if`", id="conditional"),
        pytest.param('import django_heroku\nSTATIC_ROOT = "/srv/static"\ndjango_heroku.settings(locals())\n', "may change any setting", id="locals-handed-over"),
        pytest.param('DEBUG = True\n', "`STATIC_ROOT` is not set in the settings module", id="unset"),
        pytest.param('from .local import *\n', "is not a file the stage copied", id="star-import-missing"),
    ],
)
def test_unknown_static_root_declines_with_the_line(settings: str, reason: str) -> None:
    stage, message = split(settings)
    assert stage is None
    assert "STATIC_ROOT" in message or "settings module" in message
    assert reason in message


def test_settings_star_import_is_followed_and_later_lines_override() -> None:
    base = OS_PATH_BASE + 'STATIC_ROOT = os.path.join(BASE_DIR, "static")\n'
    stage, _ = split("from .base import *\nSTATIC_ROOT = '/var/static'\n", **{"site_config/base.py": base})
    assert stage is not None and "COPY --from=build /var/static /var/static" in stage


def test_settings_module_from_manage_py_when_env_does_not_name_it() -> None:
    manage = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "other.conf")\n'
    text = DOCKERFILE.replace("ENV DJANGO_SETTINGS_MODULE=site_config.settings\n", "").format(run="python manage.py collectstatic")
    files = {"requirements.txt": "Django\n", "manage.py": manage, "other/__init__.py": "", "other/conf.py": 'STATIC_ROOT = "/static"\n'}
    (found,) = diagnostics(text, select="DF4", files=files, unsafe=True)
    assert found.fix is not None and "COPY --from=build /static /static" in found.fix.edits[-1].text


def test_settings_option_wins_over_the_environment() -> None:
    stage, message = split("", run="python manage.py collectstatic --settings=site_config.prod", **{"site_config/prod.py": 'STATIC_ROOT = "/prod/static"\n'})
    assert stage is not None and "COPY --from=build /prod/static /prod/static" in stage, message


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        pytest.param("python -m compileall -q .", None, id="compileall-app"),
        pytest.param("python -m compileall", "compiles every folder of sys.path", id="compileall-sys-path"),
        pytest.param("pybabel compile -d translations", None, id="pybabel-inside"),
        pytest.param("pybabel compile -d /usr/share/locale/app", "/usr/share/locale/app", id="pybabel-outside"),
        pytest.param("python -m nltk.downloader -d /usr/local/share/nltk_data punkt", "/usr/local/share/nltk_data", id="nltk-dir"),
        pytest.param("python -m spacy download en_core_web_sm", None, id="spacy-venv"),
        pytest.param("python -c 'import nltk'", "may change files outside the application directory", id="python-c"),
    ],
)
def test_other_build_steps(run: str, expected: str | None) -> None:
    stage, message = split(PATHLIB_BASE + 'STATIC_ROOT = BASE_DIR / "static"\n', run=run)
    if expected is None:
        assert stage is not None, message
    elif stage is None:
        assert expected in message
    else:
        assert f"COPY --from=build {expected} {expected}" in stage


def test_build_script_with_other_code_declines_with_its_line() -> None:
    script = "import nltk\nnltk.download('punkt')\nopen('/etc/motd', 'w').write('hi')\n"
    stage, message = split("", run="python setup_models.py", **{"setup_models.py": script})
    assert stage is None
    assert "setup_models.py:3: `open('/etc/motd', 'w').write('hi')`" in message


def test_cd_before_manage_py_is_followed() -> None:
    files = {"site/manage.py": "", "site/site_config/__init__.py": "", "site/site_config/settings.py": 'STATIC_ROOT = "static"\n'}
    stage, message = split("", run="cd site/ && python manage.py collectstatic --noinput", **files)
    assert stage is not None, message
    assert "`manage.py collectstatic` writes STATIC_ROOT /app/site/static" in diagnostics(
        DOCKERFILE.format(run="cd site/ && python manage.py collectstatic --noinput"), select="DF4", files={"requirements.txt": "", **files}, unsafe=True
    )[0].note


def test_the_fix_loop_parses_each_settings_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import libcst

    from transforms.multistage import django

    parsed: list[str] = []
    parse_module = libcst.parse_module
    monkeypatch.setattr(libcst, "parse_module", lambda text, *a, **k: parsed.append(text) or parse_module(text, *a, **k))
    django._parsed.cache_clear()
    settings = 'STATIC_ROOT = "/var/www/static-once"\n'
    files = {"requirements.txt": "Django\n", "manage.py": "", "site_config/__init__.py": "", "site_config/settings.py": settings}
    source = DOCKERFILE.format(run="python manage.py collectstatic --noinput")
    assert fixed(source, files=files, unsafe=True) != source, "fixes were applied, so the split's planning ran again"
    assert parsed.count(settings) == 1
