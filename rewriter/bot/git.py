"""The git side of `dockerfix pr`, with the `git` command and nothing else.

Why subprocess and not a library (GitPython, pygit2, dulwich): the bot must
behave exactly like the user's own `git push` (their remotes, `insteadOf`,
`pushurl`, SSH keys, proxies, credential setup), and every command it runs
should be one a user can read and repeat.  GitPython shells out too, only
less visibly; pygit2 and dulwich re-implement transports and config.

The user's checkout is never touched.  The commit is built with plumbing on a
temporary index (`read-tree`, `update-index`, `write-tree`, `commit-tree`)
whose parent is the remote base branch, and pushed as `<commit>:refs/heads/
<branch>`: no checkout, no change to HEAD, the index, the working tree, the
stash or local branches.  Fetches write no refs (`--refmap=`,
`--no-write-fetch-head`): the commits are named by the ids `ls-remote` gave.
A push updates the remote-tracking ref of the bot's branch, as any push does.

The token reaches git only in the environment of the commands that talk to
the remote (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, git
2.31+), as an `http.<origin>/.extraHeader` scoped to the remote's host: it is
never on a command line (which other users can read in `ps`), never in a
remote URL, never in `.git/config`.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

ZERO = "0" * 40


class GitError(Exception):
    """A git command failed; the message says which and why (token redacted)."""


class Redactor:
    """Replaces every form of the token (raw, in a Basic header) by `***`."""

    def __init__(self, token: str | None) -> None:
        self._secrets: list[str] = []
        if token:
            self._secrets = [token, basic_credentials(token)]

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def basic_credentials(token: str) -> str:
    """What GitHub accepts from git over HTTPS for any kind of token (as actions/checkout sends it)."""
    return base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")


def auth_env(remote_urls: Iterable[str], token: str | None, base: Mapping[str, str]) -> dict[str, str]:
    """Extra environment that lets git authenticate to the HTTP(S) remotes among `remote_urls`.

    One header per host, scoped to the remote's scheme and host, replacing
    the headers configured for it, appended after any `GIT_CONFIG_*` entries
    already in the environment; tracing of HTTP headers is forced to redact it.  Nothing for other transports (SSH
    keys or a local path need no token).
    """
    if not token:
        return {}
    prefixes: list[str] = []
    for url in remote_urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname:
            prefix = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "") + "/"
            if prefix not in prefixes:
                prefixes.append(prefix)
    if not prefixes:
        return {}
    try:
        count = int(base.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        count = 0
    env = {"GIT_TRACE_REDACT": "1", "GIT_CONFIG_COUNT": str(count + 2 * len(prefixes))}
    for i, prefix in enumerate(prefixes):
        key = f"http.{prefix}.extraHeader"
        # An empty value first clears the headers configured before it for this URL, such as the
        # one actions/checkout persists: git would send both, and GitHub refuses two Authorizations.
        env[f"GIT_CONFIG_KEY_{count + 2 * i}"], env[f"GIT_CONFIG_VALUE_{count + 2 * i}"] = key, ""
        env[f"GIT_CONFIG_KEY_{count + 2 * i + 1}"] = key
        env[f"GIT_CONFIG_VALUE_{count + 2 * i + 1}"] = f"Authorization: Basic {basic_credentials(token)}"
    return env


_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")


def github_repository(url: str) -> tuple[str, str] | None:
    """`(owner, name)` from a GitHub-style remote URL (HTTPS, SSH, scp-like), else None."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "ssh", "git") and parts.hostname:
        path = parts.path
    else:
        match = _SCP_LIKE.match(url)
        if match is None or "\\" in url:
            return None
        path = match.group("path")
    segments = [s for s in path.strip("/").split("/") if s]
    if len(segments) < 2:
        return None
    owner, name = segments[-2], segments[-1]
    if name.endswith(".git"):
        name = name[: -len(".git")]
    if not owner or not name:
        return None
    return owner, name


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    sha: str
    path: str


class Git:
    """Runs git in one repository.  `env` is the base environment; remote commands add `remote_env`."""

    def __init__(
        self,
        root: Path,
        *,
        env: Mapping[str, str] | None = None,
        redact: Callable[[str], str] = lambda s: s,
        trace: Callable[[str], None] | None = None,
    ) -> None:
        self.root = root
        self.env = dict(os.environ if env is None else env)
        # Never prompt for a password in a bot; never download LFS objects to build a context.
        self.env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_LFS_SKIP_SMUDGE": "1", "LC_ALL": "C"})
        self.remote_env: dict[str, str] = {}
        self.redact = redact
        self.trace = trace

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        extra_env: Mapping[str, str] | None = None,
        remote: bool = False,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        env = dict(self.env)
        if remote:
            env.update(self.remote_env)
        if extra_env:
            env.update(extra_env)
        if self.trace is not None:
            self.trace("git " + " ".join(_quote(a) for a in args))
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.root, env=env, input=input, capture_output=True, check=False
            )
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None
        if check and done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip() or done.stdout.decode("utf-8", "replace").strip()
            raise GitError(self.redact(f"`git {args[0]}` failed: {message}"))
        return done

    def out(self, *args: str, input: bytes | None = None, extra_env: Mapping[str, str] | None = None, remote: bool = False) -> str:
        done = self.run(*args, input=input, extra_env=extra_env, remote=remote)
        return done.stdout.decode("utf-8", "surrogateescape").strip()

    # -- the repository ---------------------------------------------------------

    @staticmethod
    def toplevel(path: Path, env: Mapping[str, str] | None = None) -> Path | None:
        folder = path if path.is_dir() else path.parent
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=folder,
            env=dict(os.environ if env is None else env),
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            return None
        return Path(done.stdout.decode("utf-8", "surrogateescape").strip())

    def config(self, key: str) -> str | None:
        done = self.run("config", "--get", key, check=False)
        return done.stdout.decode("utf-8", "surrogateescape").strip() if done.returncode == 0 else None

    def remote_url(self, remote: str) -> str:
        """The URL as configured (not rewritten by `insteadOf`): what names the GitHub repository."""
        url = self.config(f"remote.{remote}.url")
        if url is None:
            raise GitError(f"this checkout has no remote {remote!r} (see `git remote -v`; choose one with --remote)")
        return url

    def push_urls(self, remote: str) -> list[str]:
        """The `pushurl`s of `remote`, if it has any (else `git push` uses its url)."""
        done = self.run("config", "--get-all", f"remote.{remote}.pushurl", check=False)
        return done.stdout.decode("utf-8", "surrogateescape").split() if done.returncode == 0 else []

    def message(self, commit: str) -> str:
        return self.out("log", "-1", "--format=%B", commit)

    def symbolic_ref(self, ref: str) -> str | None:
        done = self.run("symbolic-ref", "--quiet", "--short", ref, check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def resolve(self, ref: str) -> str | None:
        done = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def has_commit(self, sha: str) -> bool:
        return self.run("cat-file", "-e", f"{sha}^{{commit}}", check=False).returncode == 0

    def valid_branch_name(self, name: str) -> bool:
        return self.run("check-ref-format", "--branch", name, check=False).returncode == 0

    def tree_of(self, commit: str) -> str:
        return self.out("rev-parse", f"{commit}^{{tree}}")

    def parents(self, commit: str) -> list[str]:
        line = self.out("rev-list", "--parents", "-n", "1", commit)
        return line.split()[1:]

    def ls_tree(self, commit: str, paths: Sequence[str]) -> dict[str, TreeEntry]:
        if not paths:
            return {}
        raw = self.run("ls-tree", "-z", "--full-tree", commit, "--", *paths).stdout
        entries: dict[str, TreeEntry] = {}
        for record in raw.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, _kind, sha = meta.decode().split()
            name = path.decode("utf-8", "surrogateescape")
            entries[name] = TreeEntry(mode, sha, name)
        return entries

    def blob(self, sha: str) -> bytes:
        return self.run("cat-file", "blob", sha).stdout

    def blob_id(self, data: bytes, *, write: bool = False) -> str:
        """The id git gives `data` as a blob, stored only with write=True; bytes as they are (no filters)."""
        args = ["hash-object", "--no-filters", "--stdin"] + (["-w"] if write else [])
        return self.run(*args, input=data).stdout.decode().strip()

    def changed_paths(self, old: str, new: str) -> dict[str, tuple[str, str]]:
        """Paths whose blob differs between two commits (both present): path -> (old blob, new blob)."""
        raw = self.run("diff-tree", "-r", "-z", "--no-renames", old, new).stdout
        fields = raw.split(b"\0")
        changes: dict[str, tuple[str, str]] = {}
        for i in range(0, len(fields) - 1, 2):
            meta = fields[i].decode()
            if not meta.startswith(":"):
                continue
            _old_mode, _new_mode, old_sha, new_sha, _status = meta[1:].split()
            changes[fields[i + 1].decode("utf-8", "surrogateescape")] = (old_sha, new_sha)
        return changes

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.run("merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0

    def dirty(self, paths: Iterable[str]) -> list[str]:
        """Those of `paths` with staged or unstaged changes in the user's checkout."""
        paths = list(paths)
        if not paths:
            return []
        # GIT_OPTIONAL_LOCKS=0: a plain `git status` may rewrite the index to refresh its stat cache.
        raw = self.run(
            "status", "--porcelain=v1", "-z", "--untracked-files=no", "--", *(f":(literal){p}" for p in paths),
            extra_env={"GIT_OPTIONAL_LOCKS": "0"},
        ).stdout
        found: list[str] = []
        records = raw.split(b"\0")
        i = 0
        while i < len(records):
            record = records[i]
            i += 1
            if len(record) < 4:
                continue
            status = record[:2].decode()
            found.append(record[3:].decode("utf-8", "surrogateescape"))
            if "R" in status or "C" in status:
                i += 1  # the rename's source path follows
        return sorted(found)

    # -- talking to the remote ---------------------------------------------------

    def ls_remote(self, remote: str, refs: Sequence[str]) -> dict[str, str]:
        """Current commit ids of `refs` (full names) on the remote; absent refs are left out."""
        out = self.out("ls-remote", "--refs", remote, *refs, remote=True)
        found: dict[str, str] = {}
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            if ref in refs:
                found[ref] = sha
        return found

    def is_shallow(self) -> bool:
        return self.out("rev-parse", "--is-shallow-repository") == "true"

    def fetch(self, remote: str, refs: Sequence[str], depth: int | None = None) -> None:
        """Bring the commits of `refs` into the object store without writing any ref.

        In a shallow checkout (actions/checkout makes one by default) `depth` keeps
        it from pulling the whole history of the bot's branch."""
        deepen = [f"--depth={depth}"] if depth else []
        self.run("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--refmap=", *deepen, remote, *refs, remote=True)

    def push(self, remote: str, commit: str, branch: str, expected: str | None) -> None:
        """Force `branch` to `commit`, only if it still points where we saw it (absent: must not exist)."""
        lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
        self.run("push", "--quiet", "--no-verify", lease, remote, f"{commit}:refs/heads/{branch}", remote=True)

    def clone(self, url: str, branch: str, into: Path) -> None:
        self.run("clone", "--quiet", "--no-tags", "--single-branch", "--branch", branch, "--", url, str(into), remote=True)

    # -- building a commit without a checkout ------------------------------------

    def export(self, commit: str, into: Path) -> None:
        """Write the files of `commit` below `into` (the build context), through a private index."""
        with tempfile.TemporaryDirectory(prefix="dockerfix-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.run("read-tree", commit, extra_env=env)
            self.run("--work-tree", str(into), "checkout-index", "--all", "--force", extra_env=env)

    def commit(
        self,
        parent: str,
        files: Mapping[str, tuple[str, bytes]],
        message: str,
        identity: Mapping[str, str],
    ) -> str:
        """A commit on `parent` with `files` (path -> (mode, content)) replaced; returns its id."""
        with tempfile.TemporaryDirectory(prefix="dockerfix-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.run("read-tree", parent, extra_env=env)
            records = b"".join(
                f"{mode} {self.blob_id(data, write=True)}\t{path}".encode("utf-8", "surrogateescape") + b"\0"
                for path, (mode, data) in sorted(files.items())
            )
            self.run("update-index", "-z", "--index-info", input=records, extra_env=env)
            tree = self.out("write-tree", extra_env=env)
        return self.out("commit-tree", tree, "-p", parent, "-F", "-", input=message.encode("utf-8"), extra_env=dict(identity))


def identity_env(git: Git, author: str | None) -> dict[str, str]:
    """Author and committer for the bot's commit: --author, else the configured identity, else dockerfix's."""
    if author:
        match = re.fullmatch(r"\s*(.+?)\s*<([^<>]+)>\s*", author)
        if match is None:
            raise GitError(f"--author must look like 'Name <email>', not {author!r}")
        name, email = match.groups()
    elif (git.env.get("GIT_AUTHOR_NAME") or git.config("user.name")) and (
        git.env.get("GIT_AUTHOR_EMAIL") or git.config("user.email")
    ):
        return {}
    else:
        name, email = "dockerfix", "dockerfix@users.noreply.github.com"
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def temporary_folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove_folder(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./^{}-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"
