"""Fakes for the `dockerfix pr` tests (no tests here): a local GitHub REST server and a git world.

`FakeGitHub` serves, on 127.0.0.1, the endpoints the bot calls under an
Enterprise-style root (`/api/v3`), with responses shaped like the ones
GitHub documents (REST API version 2022-11-28): pull request objects with
`number`, `html_url`, `head.ref`, `base.ref`, `labels`; errors as
`{"message", "documentation_url", "errors"}`, 401 "Bad credentials", 404
"Not Found", 422 "Validation Failed" with "A pull request already exists
for OWNER:BRANCH.".  `fail_next` queues one-shot answers (rate limits,
server errors) for a method and path.

`make_world` builds a temporary git world: a bare repository standing for
GitHub's (reached through `url.<path>.insteadOf https://github.invalid/...`,
so the bot sees and authenticates to an HTTPS remote), and a checkout of it,
with git's global and system configuration isolated from the machine's.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

OWNER, NAME = "octo", "app"
REMOTE_URL = f"https://github.invalid/{OWNER}/{NAME}.git"
TOKEN = "ghp_Sup3rSecretT0kenThatMustNeverLeak0123"
DOCS = "https://docs.github.com/rest"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitHub:
    token: str = TOKEN
    default_branch: str = "main"
    clone_url: str = REMOTE_URL
    permissions: dict[str, bool] = field(default_factory=lambda: {"admin": False, "push": True, "pull": True})
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: list[tuple[int, str]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    canned: list[tuple[str, str, int, dict[str, str], Any]] = field(default_factory=list)
    remote: Path | None = None
    """The bare repository standing for GitHub's, for the compare endpoint."""
    hide_open_pulls: int = 0
    """Answer the list endpoint this many times with [] (GitHub lagging), so that only POST sees the duplicate."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, payload = fake.answer(self.command, self.path, dict(self.headers.items()), raw)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v3"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, method: str, path: str, status: int, headers: dict[str, str] | None = None, body: Any = None) -> None:
        """Answer the next `method path` (path below /api/v3, no query) with this, once."""
        self.canned.append((method, path, status, headers or {}, body))

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    # -- GitHub ---------------------------------------------------------------------

    def _pull(self, number: int, branch: str, base: str, title: str, body: str, draft: bool) -> dict[str, Any]:
        return {
            "url": f"{self.url}/repos/{OWNER}/{NAME}/pulls/{number}",
            "html_url": f"https://github.invalid/{OWNER}/{NAME}/pull/{number}",
            "number": number,
            "state": "open",
            "title": title,
            "body": body,
            "draft": draft,
            "labels": [],
            "requested_reviewers": [],
            "head": {"label": f"{OWNER}:{branch}", "ref": branch, "sha": "0" * 40},
            "base": {"label": f"{OWNER}:{base}", "ref": base, "sha": "0" * 40},
        }

    def answer(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(target)
        path = parts.path.removeprefix("/api/v3")
        body = json.loads(raw) if raw else None
        with self._lock:
            self.requests.append(Recorded(method, path, parse_qs(parts.query), headers, body))
            for i, (m, p, status, extra, payload) in enumerate(self.canned):
                if m == method and p == path:
                    del self.canned[i]
                    return status, extra, payload
            if headers.get("Authorization") != f"Bearer {self.token}":
                return 401, {}, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
            return self._route(method, path, parse_qs(parts.query), body)

    def _count(self, since: str, until: str) -> int:
        done = subprocess.run(["git", "rev-list", "--count", f"{since}..{until}"], cwd=self.remote, capture_output=True, text=True)
        return int(done.stdout or 0)

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, dict[str, str], Any]:
        repo = f"/repos/{OWNER}/{NAME}"
        not_found = (404, {}, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        if path == repo and method == "GET":
            return 200, {}, {
                "id": 1,
                "name": NAME,
                "full_name": f"{OWNER}/{NAME}",
                "default_branch": self.default_branch,
                "clone_url": self.clone_url,
                "html_url": f"https://github.invalid/{OWNER}/{NAME}",
                "permissions": self.permissions,
            }
        if path == f"{repo}/pulls" and method == "GET":
            if self.hide_open_pulls:
                self.hide_open_pulls -= 1
                return 200, {}, []
            head = (query.get("head") or [""])[0]
            state = (query.get("state") or ["open"])[0]
            found = [p for p in self.pulls.values() if (not head or p["head"]["label"] == head) and (state == "all" or p["state"] == state)]
            return 200, {}, found
        if path == f"{repo}/pulls" and method == "POST":
            head = body["head"]
            if any(p["state"] == "open" and p["head"]["ref"] == head and p["base"]["ref"] == body["base"] for p in self.pulls.values()):
                return 422, {}, {
                    "message": "Validation Failed",
                    "errors": [{"resource": "PullRequest", "code": "custom", "message": f"A pull request already exists for {OWNER}:{head}."}],
                    "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
                    "status": "422",
                }
            number = len(self.pulls) + 1
            self.pulls[number] = self._pull(number, head, body["base"], body["title"], body.get("body") or "", bool(body.get("draft")))
            return 201, {}, self.pulls[number]
        if path.startswith(f"{repo}/compare/") and method == "GET" and self.remote is not None:
            old, _, new = path.removeprefix(f"{repo}/compare/").partition("...")
            ahead, behind = self._count(old, new), self._count(new, old)
            status = "identical" if not ahead and not behind else "ahead" if not behind else "behind" if not ahead else "diverged"
            return 200, {}, {"status": status, "ahead_by": ahead, "behind_by": behind, "total_commits": ahead, "commits": [], "files": []}
        parts = path.removeprefix(repo + "/").split("/")
        if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) in self.pulls:
            pull = self.pulls[int(parts[1])]
            if parts[0] == "pulls" and len(parts) == 2 and method == "PATCH":
                for key in ("title", "body", "state"):
                    if key in body:
                        pull[key] = body[key]
                if "base" in body:
                    pull["base"]["ref"] = body["base"]
                return 200, {}, pull
            if parts[0] == "issues" and parts[2:] == ["comments"] and method == "POST":
                self.comments.append((pull["number"], body["body"]))
                return 201, {}, {"id": len(self.comments), "body": body["body"]}
            if parts[0] == "issues" and parts[2:] == ["labels"] and method == "POST":
                for label in body["labels"]:
                    if label not in [existing["name"] for existing in pull["labels"]]:
                        pull["labels"].append({"name": label, "color": "ededed"})
                return 200, {}, pull["labels"]
            if parts[0] == "pulls" and parts[2:] == ["requested_reviewers"] and method == "POST":
                pull["requested_reviewers"] += [{"login": r} for r in body.get("reviewers", [])]
                return 201, {}, pull
        return not_found


# -- git ----------------------------------------------------------------------------


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@dataclass
class World:
    root: Path
    remote: Path
    work: Path
    env: dict[str, str]
    github: FakeGitHub

    def git(self, *args: str, cwd: Path | None = None) -> str:
        return git(cwd or self.work, *args, env=self.env)

    def remote_git(self, *args: str) -> str:
        return git(self.remote, *args, env=self.env)

    def commit(self, files: dict[str, str], message: str = "change") -> str:
        for name, text in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self.git("add", "--all")
        self.git("commit", "--quiet", "-m", message)
        self.git("push", "--quiet", "origin", "HEAD:refs/heads/main")
        return self.git("rev-parse", "HEAD")

    def branch_head(self, branch: str = "dockerfix/main") -> str | None:
        out = self.remote_git("for-each-ref", "--format=%(objectname)", f"refs/heads/{branch}")
        return out or None

    def bot(self, *args: str, sleep: Any = None) -> tuple[int, str, str]:
        from rewriter.bot.command import run

        out, err = io.StringIO(), io.StringIO()
        sleeps: list[float] = []
        code = run(
            [str(self.work), "--api-url", self.github.url, *args],
            env=self.env,
            sleep=sleep or sleeps.append,
            stdout=out,
            stderr=err,
        )
        return code, out.getvalue(), err.getvalue()


def _environment(tmp: Path, base_env: dict[str, str]) -> dict[str, str]:
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    (home / ".gitconfig").write_text(f'[url "{tmp / "remote.git"}"]\n\tinsteadOf = {REMOTE_URL}\n[init]\n\tdefaultBranch = main\n')
    return {
        "PATH": base_env.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.invalid",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.invalid",
        "GITHUB_TOKEN": TOKEN,
    }


def make_world(tmp: Path, base_env: dict[str, str], files: dict[str, str], template: Path | None = None) -> World:
    """A checkout and its remote with `files` committed on main; copied from `template` when given
    (a folder a previous call built with the same files), which saves a dozen git processes."""
    env = _environment(tmp, base_env)
    remote, work = tmp / "remote.git", tmp / "work"
    if template is not None and (template / "work").is_dir():
        shutil.copytree(template / "remote.git", remote, symlinks=True)
        shutil.copytree(template / "work", work, symlinks=True)
        return World(tmp, remote, work, env, FakeGitHub(remote=remote))
    git(tmp, "init", "--quiet", "--bare", str(remote), env=env)
    git(tmp, "init", "--quiet", str(work), env=env)
    git(work, "remote", "add", "origin", REMOTE_URL, env=env)
    world = World(tmp, remote, work, env, FakeGitHub(remote=remote))
    world.commit(files, "initial")
    git(work, "fetch", "--quiet", "origin", env=env)
    git(work, "remote", "set-head", "origin", "main", env=env)
    if template is not None:
        shutil.copytree(remote, template / "remote.git", symlinks=True)
        shutil.copytree(work, template / "work", symlinks=True)
    return world
