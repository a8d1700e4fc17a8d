"""Configuration discovery, precedence and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewriter.cli import main
from rewriter.config import ConfigError, discover, load

DIRTY = "FROM python:3.12\nRUN pip install flask\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nearest_file_wins_walking_up(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.dockerfix]\nignore = ['DF3']\n")
    write(tmp_path / "svc" / ".dockerfix.toml", "ignore = ['DF201']\n")
    write(tmp_path / "svc" / "deep" / "Dockerfile", DIRTY)
    assert discover(tmp_path / "svc" / "deep").settings().ignore == ("DF201",)
    assert discover(tmp_path).settings().ignore == ("DF3",)


def test_dockerfix_toml_wins_over_pyproject_in_one_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.dockerfix]\nignore = ['DF3']\n")
    write(tmp_path / ".dockerfix.toml", "ignore = ['DF2']\n")
    assert discover(tmp_path).settings().ignore == ("DF2",)


def test_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.dockerfix]\nignore = ['DF3']\n")
    write(tmp_path / "app" / "pyproject.toml", "[project]\nname = 'app'\n")
    assert discover(tmp_path / "app").settings().ignore == ("DF3",)


def test_all_keys(tmp_path: Path) -> None:
    config = load(
        write(
            tmp_path / ".dockerfix.toml",
            """
select = ["DF1", "DF2"]
ignore = ["DF202"]
unsafe-fixes = true
extend-safe-fixes = ["df216"]
cache-strategy = "mount"
sort-packages = true
per-file-ignores = { "legacy/*" = ["DF1"] }
[base-images]
preferred-variant = "alpine"
allowed-registries = ["registry.example.com"]
""",
        )
    )
    settings = config.settings(tmp_path / "legacy" / "Dockerfile")
    assert settings.extend_safe_fixes == ("DF216",)
    assert settings.select == ("DF1", "DF2")
    assert settings.ignore == ("DF202", "DF1")
    assert settings.unsafe_fixes and settings.sort_packages and settings.cache_strategy == "mount"
    assert settings.options["base_images"] == {"preferred_variant": "alpine", "allowed_registries": ["registry.example.com"]}
    assert config.settings(tmp_path / "Dockerfile").ignore == ("DF202",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("selct = ['DF1']\n", "unknown key `selct`"),
        ("unsafe-fixes = 'yes'\n", "`unsafe-fixes` must be a bool"),
        ("cache-strategy = 'keep'\n", "`cache-strategy` must be one of delete, mount"),
        ("[base-images]\nregistries = []\n", "unknown key `base-images.registries`"),
        ("select = [1]\n", "`select` must be a list of strings"),
        ("per-file-ignores = { 'a' = 'DF1' }\n", "`per-file-ignores.a` must be a list"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_bad_configuration_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / ".dockerfix.toml", text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")) as exc:
        load(path)
    assert str(exc.value).startswith(str(path))


def test_cli_uses_configuration_and_flags_override_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = write(tmp_path / "Dockerfile", DIRTY)
    write(tmp_path / ".dockerfix.toml", "select = ['DF201']\nignore = ['DF201']\n")
    assert main(["--check", str(dockerfile)]) == 0
    assert main(["--check", "--isolated", "--select", "DF201", str(dockerfile)]) == 1
    write(tmp_path / "other.toml", "select = ['DF201']\n")
    assert main(["--check", "--config", str(tmp_path / "other.toml"), str(dockerfile)]) == 1


def test_cli_reports_configuration_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = write(tmp_path / "Dockerfile", DIRTY)
    config = write(tmp_path / ".dockerfix.toml", "bogus = 1\n")
    assert main([str(dockerfile)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{config}: unknown key `bogus`") and err.count("\n") == 1
