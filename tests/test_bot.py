"""`dockerfix pr` end to end: real git (a checkout and a bare remote) and a local GitHub server.

The bot works on the remote base branch and never on the checkout: after
every run the user's HEAD, branch, index and working tree are as they were.
A second run with nothing new pushes nothing and writes nothing to the API;
new fixes update the same branch and pull request; once the base has the
fixes, the pull request is closed with a comment.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from test_bot_fakes import NAME, OWNER, REMOTE_URL, TOKEN, World, git, make_world

from rewriter.bot.command import run
from rewriter.bot.git import auth_env, basic_credentials, github_repository

PIP = "FROM python:3.12-slim\nRUN pip install flask\nCMD [\"flask\", \"run\"]\n"
PIP_FIXED = "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\nCMD [\"flask\", \"run\"]\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def world(tmp_path: Path, template: Path) -> Iterator[World]:
    made = make_world(tmp_path, dict(os.environ), {"Dockerfile": PIP, "README.md": "app\n"}, template)
    yield made
    made.github.stop()


def snapshot(world: World) -> tuple[str, ...]:
    """What the user sees of their checkout: HEAD, branch, status, index, files."""
    files = tuple(sorted(f"{p.relative_to(world.work)}={p.read_bytes()!r}" for p in world.work.rglob("*") if p.is_file() and ".git" not in p.parts))
    index = (world.work / ".git" / "index").read_bytes().hex()
    return (
        world.git("rev-parse", "HEAD"),
        world.git("symbolic-ref", "HEAD"),
        git(world.work, "status", "--porcelain", "--untracked-files=all", env=dict(world.env, GIT_OPTIONAL_LOCKS="0")),
        world.git("stash", "list"),
        index,
        *files,
    )


def test_first_run_pushes_a_commit_on_the_base_and_opens_a_pull_request(world: World) -> None:
    base = world.remote_git("rev-parse", "main")
    before = snapshot(world)
    code, out, err = world.bot("--labels", "docker,dependencies", "--reviewers", "alice,octo/platform", "--draft")
    assert code == 0, err
    head = world.branch_head()
    assert head is not None
    assert world.remote_git("rev-parse", f"{head}^") == base
    assert world.remote_git("diff", "--name-only", base, head) == "Dockerfile"
    assert world.remote_git("show", f"{head}:Dockerfile") == PIP_FIXED.rstrip("\n")
    message = world.remote_git("log", "-1", "--format=%B", head)
    assert message.startswith("dockerfix: 1 fix in 1 Dockerfile\n")
    assert "- DF201 pip-install-cache (1x): pip install keeps its download cache in the layer" in message
    assert world.remote_git("rev-parse", "main") == base  # never the base branch
    pull = world.github.pulls[1]
    assert pull["head"]["ref"] == "dockerfix/main" and pull["base"]["ref"] == "main" and pull["draft"]
    assert "| DF201 `pip-install-cache` | 2 | Add `--no-cache-dir` |" in pull["body"]
    assert [label["name"] for label in pull["labels"]] == ["docker", "dependencies"]
    assert world.github.requests[-1].body == {"reviewers": ["alice"], "team_reviewers": ["platform"]}
    assert out == "https://github.invalid/octo/app/pull/1\n"
    assert snapshot(world) == before


def test_second_run_with_nothing_new_does_nothing(world: World) -> None:
    assert world.bot()[0] == 0
    head, writes = world.branch_head(), len(world.github.writes())
    code, out, err = world.bot()
    assert code == 0, err
    assert out == "https://github.invalid/octo/app/pull/1\n"
    assert world.branch_head() == head
    assert len(world.github.writes()) == writes
    assert "already has these fixes" in err and "#1 is up to date" in err


def test_base_moving_elsewhere_does_not_force_push(world: World) -> None:
    assert world.bot()[0] == 0
    head = world.branch_head()
    world.commit({"README.md": "app, now documented\n"})
    code, _, err = world.bot()
    assert code == 0, err
    assert world.branch_head() == head
    assert [r.method for r in world.github.writes()] == ["POST"]


def test_shallow_checkout_as_actions_checkout_makes_it(world: World) -> None:
    assert world.bot()[0] == 0
    head = world.branch_head()
    world.commit({"README.md": "moved on\n"})
    shallow = world.root / "shallow"
    world.git("clone", "--quiet", "--depth", "1", f"file://{world.remote}", str(shallow), cwd=world.root)
    world.git("remote", "set-url", "origin", REMOTE_URL, cwd=shallow)
    world.work = shallow
    code, _, err = world.bot()
    assert code == 0, err
    assert world.branch_head() == head  # ancestry asked of GitHub: the checkout cannot see it
    assert any("/compare/" in r.path for r in world.github.requests)


def test_new_fixes_update_the_same_branch_and_pull_request(world: World) -> None:
    assert world.bot()[0] == 0
    first = world.branch_head()
    base = world.commit({"worker/Dockerfile": "FROM python:3.12\nRUN pip3 install celery\n"})
    code, out, err = world.bot()
    assert code == 0, err
    head = world.branch_head()
    assert head != first
    assert world.remote_git("rev-parse", f"{head}^") == base
    assert world.remote_git("diff", "--name-only", base, head).splitlines() == ["Dockerfile", "worker/Dockerfile"]
    assert len(world.github.pulls) == 1
    assert [(r.method, r.path) for r in world.github.writes()] == [
        ("POST", f"/repos/{OWNER}/{NAME}/pulls"),
        ("PATCH", f"/repos/{OWNER}/{NAME}/pulls/1"),
    ]
    assert "### `worker/Dockerfile`" in world.github.pulls[1]["body"]
    assert out == "https://github.invalid/octo/app/pull/1\n"


def test_base_with_the_fixes_closes_the_stale_pull_request(world: World) -> None:
    assert world.bot()[0] == 0
    world.commit({"Dockerfile": PIP_FIXED}, "fix by hand")
    code, _, err = world.bot()
    assert code == 0, err
    assert world.github.pulls[1]["state"] == "closed"
    assert world.github.comments == [(1, world.github.comments[0][1])]
    assert "`main` no longer needs these changes" in world.github.comments[0][1]
    code, _, err = world.bot()  # and then there is nothing left to do
    assert code == 0 and "nothing to fix on main" in err
    assert len(world.github.comments) == 1


def test_pull_request_that_github_already_has_is_updated_not_duplicated(world: World) -> None:
    assert world.bot()[0] == 0
    world.commit({"api/Dockerfile": "FROM python:3.12\nRUN pip install fastapi\n"})
    world.github.hide_open_pulls = 1  # GitHub's list lags: only POST reports the existing pull request
    code, out, err = world.bot()
    assert code == 0, err
    assert len(world.github.pulls) == 1
    assert [r.method for r in world.github.writes()] == ["POST", "POST", "PATCH"]
    assert out == "https://github.invalid/octo/app/pull/1\n"


def test_refuses_when_files_it_would_change_have_uncommitted_changes(world: World) -> None:
    (world.work / "Dockerfile").write_text(PIP + "# local edit\n")
    before = snapshot(world)
    code, _, err = world.bot()
    assert code == 2
    assert "uncommitted changes in your checkout: Dockerfile" in err
    assert world.branch_head() is None and world.github.writes() == []
    assert snapshot(world) == before


def test_uncommitted_changes_elsewhere_are_left_alone(world: World) -> None:
    (world.work / "README.md").write_text("draft\n")
    (world.work / "notes.txt").write_text("untracked\n")
    world.git("add", "notes.txt")
    world.git("checkout", "--quiet", "-b", "feature")
    os.utime(world.work / "Dockerfile", (1_000_000_000, 1_000_000_000))  # a stale stat cache that `git status` would refresh
    before = snapshot(world)
    code, _, err = world.bot()
    assert code == 0, err
    assert snapshot(world) == before
    assert world.remote_git("diff", "--name-only", "main", "dockerfix/main") == "Dockerfile"


def test_dry_run_prints_everything_and_touches_nothing(world: World) -> None:
    code, out, err = world.bot("--dry-run")
    assert code == 0, err
    assert out.startswith("branch: dockerfix/main\nbase: main (origin/main at ")
    assert "--- commit message ---\ndockerfix: 1 fix in 1 Dockerfile\n" in out
    assert "--- pull request: dockerfix: 1 fix in 1 Dockerfile ---\n<!-- dockerfix pr -->" in out
    assert "-RUN pip install flask\n+RUN pip install --no-cache-dir flask\n" in out
    assert world.github.requests == []
    assert world.branch_head() is None


def test_dry_run_needs_no_token(world: World) -> None:
    del world.env["GITHUB_TOKEN"]
    assert world.bot("--dry-run")[0] == 0


def test_repo_option_clones_and_cleans_up(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    code = run(["--repo", f"{OWNER}/{NAME}", "--api-url", world.github.url], env=world.env, sleep=lambda s: None, stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    assert out.getvalue() == "https://github.invalid/octo/app/pull/1\n"
    assert world.branch_head() is not None
    assert list(scratch.iterdir()) == []  # clone and exported tree removed


def test_never_pushes_to_the_base_branch(world: World) -> None:
    base = world.remote_git("rev-parse", "main")
    code, _, err = world.bot("--branch", "main")
    assert code == 2 and "must not be 'main'" in err
    assert world.remote_git("rev-parse", "main") == base


def test_a_branch_with_someone_elses_commit_is_left_alone(world: World) -> None:
    world.git("push", "--quiet", "origin", "HEAD:refs/heads/dockerfix/main")
    code, _, err = world.bot()
    assert code == 2 and "has commits not made by dockerfix pr" in err
    assert world.github.writes() == []


def test_a_pull_request_it_did_not_open_is_left_alone(world: World) -> None:
    world.github.pulls[1] = world.github._pull(1, "dockerfix/main", "main", "mine", "hand-written", False)
    code, _, err = world.bot()
    assert code == 2 and "#1 from 'dockerfix/main' was not opened by dockerfix pr" in err
    assert world.branch_head() is None


def test_bad_token_stops_before_any_push(world: World) -> None:
    world.env["GITHUB_TOKEN"] = "ghp_expired"
    code, _, err = world.bot()
    assert code == 2
    assert "GitHub rejected the token (401 Bad credentials)" in err
    assert world.branch_head() is None


def test_missing_token_is_a_clear_error(world: World) -> None:
    del world.env["GITHUB_TOKEN"]
    world.env["BOT_TOKEN"] = TOKEN
    assert world.bot()[2] == "dockerfix pr: error: no token: set $GITHUB_TOKEN to a token that may push to the repository and open pull requests (or name another variable with --token-env)\n"
    assert world.bot("--token-env", "BOT_TOKEN")[0] == 0


def test_repository_configuration_is_honoured(world: World) -> None:
    world.commit({".dockerfix.toml": 'ignore = ["DF201"]\n'})
    code, _, err = world.bot()
    assert code == 0 and "nothing to fix on main" in err
    assert world.bot("--isolated")[0] == 0
    assert world.branch_head() is not None


def test_commit_identity_falls_back_to_dockerfix(world: World) -> None:
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        del world.env[key]
    assert world.bot()[0] == 0
    assert world.remote_git("log", "-1", "--format=%an <%ae>", "dockerfix/main") == "dockerfix <dockerfix@users.noreply.github.com>"


def test_the_token_never_appears_in_output_logs_or_files(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"  # the bot's temporary folders (exported tree, private index) go here
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    outputs = []
    outputs.append(world.bot("-v", "--labels", "docker"))
    world.commit({"worker/Dockerfile": "FROM python:3.12\nRUN pip install celery\n"})
    world.env["GIT_TRACE"] = world.env["GIT_TRACE_CURL"] = str(tmp_path / "git-trace.log")
    outputs.append(world.bot("-v"))
    assert (tmp_path / "git-trace.log").stat().st_size > 0
    outputs.append(world.bot("-v", "--dry-run"))
    world.github.fail_next("GET", f"/repos/{OWNER}/{NAME}", 403, {"retry-after": "1"}, {"message": "secondary rate limit"})
    outputs.append(world.bot("-v"))
    outputs.append(world.bot("-v", "--remote", "nowhere"))
    assert world.github.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"  # it was used
    secrets = [TOKEN, basic_credentials(TOKEN)]
    for _code, out, err in outputs:
        assert not any(s in out or s in err for s in secrets)
    for path in tmp_path.rglob("*"):  # checkout, .git, remote, home, git trace, leftovers
        if path.is_file():
            data = path.read_bytes()
            assert not any(s.encode() in data for s in secrets), path
    assert list(scratch.iterdir()) == []


def test_git_sends_one_authorization_the_bots_even_after_actions_checkout(world: World) -> None:
    seen: list[list[str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get_all("Authorization") or [])
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/octo/app.git"
    # What actions/checkout leaves in .git/config when persist-credentials is true.
    world.git("config", f"http.http://127.0.0.1:{server.server_address[1]}/.extraheader", "AUTHORIZATION: basic Y2hlY2tvdXQ=")
    env = dict(world.env, GIT_TERMINAL_PROMPT="0", **auth_env([url], TOKEN, world.env))
    subprocess.run(["git", "ls-remote", url], cwd=world.work, env=env, capture_output=True, timeout=30)
    server.server_close()
    assert seen == [[f"Basic {basic_credentials(TOKEN)}"]]
    assert TOKEN not in (world.work / ".git" / "config").read_text()


def test_auth_environment_is_only_for_http_and_appends_to_existing_entries() -> None:
    assert auth_env(["git@github.com:octo/app.git", "/srv/app.git"], TOKEN, {}) == {}
    assert auth_env([REMOTE_URL], None, {}) == {}
    env = auth_env([REMOTE_URL, "https://github.invalid/octo/other.git"], TOKEN, {"GIT_CONFIG_COUNT": "2"})
    assert env["GIT_CONFIG_COUNT"] == "4"
    assert env["GIT_CONFIG_KEY_2"] == env["GIT_CONFIG_KEY_3"] == "http.https://github.invalid/.extraHeader"
    assert env["GIT_CONFIG_VALUE_2"] == "" and env["GIT_TRACE_REDACT"] == "1"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/octo/app.git", ("octo", "app")),
        ("https://github.com/octo/app", ("octo", "app")),
        ("https://ghe.example.com/octo/app.git", ("octo", "app")),
        ("git@github.com:octo/app.git", ("octo", "app")),
        ("ssh://git@github.com/octo/app.git", ("octo", "app")),
        ("/srv/git/app.git", None),
        ("file:///srv/git/app.git", None),
        ("../app.git", None),
    ],
)
def test_repository_from_remote_url(url: str, expected: tuple[str, str] | None) -> None:
    assert github_repository(url) == expected


def test_usage_errors_exit_2_before_any_work(world: World) -> None:
    code, _, err = world.bot("--select", "DF999")
    assert code == 2 and "unknown rule selector 'DF999'" in err
    assert world.github.requests == []
    assert run(["--help"], stdout=io.StringIO(), stderr=io.StringIO()) == 0


def test_a_created_dockerignore_is_part_of_the_pull_request(tmp_path: Path) -> None:
    files = {"Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n", "app.py": "print(1)\n", "compose.yaml": "services: {}\n"}
    world = make_world(tmp_path, dict(os.environ), files)
    try:
        code, out, err = world.bot("--dry-run")
        assert code == 0, err
        assert "--- /dev/null\n+++ b/.dockerignore\n" in out
        base = world.remote_git("rev-parse", "main")
        code, _, err = world.bot()
        assert code == 0, err
        head = world.branch_head()
        assert head is not None
        assert world.remote_git("diff", "--name-only", base, head) == ".dockerignore"
        ignore = world.remote_git("show", f"{head}:.dockerignore")
        assert "\nDockerfile\ncompose.yaml\n.dockerignore" in ignore
        assert "New file `.dockerignore`" in world.github.pulls[1]["body"]
        writes = len(world.github.writes())
        assert world.bot()[0] == 0
        assert world.branch_head() == head and len(world.github.writes()) == writes  # nothing new: nothing pushed
    finally:
        world.github.stop()
