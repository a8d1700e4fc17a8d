"""`dockerfix pr`: fix the Dockerfiles of a GitHub repository and deliver the fixes as a pull request.

What one run does, against the remote base branch (never the local checkout):

1. read the repository from the API (default branch, clone URL, access) and
   the current commits of the base branch and of the bot's branch
   (`git ls-remote`), then fetch them without writing any ref;
2. fix every Dockerfile of the base commit (safe fixes unless
   `--unsafe-fixes`);
3. nothing to fix: close the bot's open pull request, if any, with a comment
   (the base has the fixes); done;
4. otherwise build the commit on the base commit; push it to the bot's
   branch unless the branch already makes exactly these changes; open the
   pull request, or update the title/body of the open one.

So a second run with nothing new changes nothing (no push, no API write),
and new fixes update the same branch and pull request.  The bot's branch is
never the base branch; a branch or pull request that the bot did not make
(its commit lacks the bot's trailer line, its body lacks the marker) is
left alone with an error.  `--dry-run` prints the branch, commit message,
pull request and diff from the local copy of the base branch, touching no
remote and no API.

Exit codes: 0 done (or nothing to do), 2 an error (the message says what).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, TextIO

from rewriter.bot.fixes import FileReport, Scan
from rewriter.bot.git import Git, GitError
from rewriter.outputs import plural

if TYPE_CHECKING:
    from rewriter.bot.fixes import Prover
    from rewriter.bot.github import GitHub, PullRequest
    from rewriter.config import Config
    from rewriter.context import Settings
    from rewriter.rules import Rule

EXIT_OK, EXIT_ERROR = 0, 2


class BotError(Exception):
    """A condition the user must resolve; the message says how."""


from rewriter.cli import UsageError  # noqa: E402


@dataclass(frozen=True)
class PrOptions:
    """What `dockerfix pr` was asked (its options are declared in `rewriter.cli`)."""

    path: str = "."
    repo: str | None = None
    base: str | None = None
    branch: str | None = None
    remote: str = "origin"
    dry_run: bool = False
    draft: bool = False
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    api_url: str | None = None
    token_env: str = "GITHUB_TOKEN"
    author: str | None = None
    verbose: bool = False
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    isolated: bool = False
    unsafe_fixes: bool = False
    cache_strategy: str | None = None
    context: Path | None = None
    prove: bool = False
    builder: str = "auto"
    format: str = "text"
    no_color: bool = False


@dataclass(frozen=True)
class Surroundings:
    """What a run reads from outside besides git and GitHub; tests replace it (see `run`)."""

    env: Mapping[str, str] | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    stdout: TextIO | None = None
    stderr: TextIO | None = None


class UI:
    """Everything the bot says goes through here, and through the redactor.

    Standard output has the result: a line of text (the pull request's URL,
    the dry run's texts), or with `--format json` one JSON document at the
    end (`Bot.outcome`); what happens on the way goes to standard error.
    """

    def __init__(self, out: TextIO, err: TextIO, redact: Callable[[str], str], verbose: bool, json: bool = False) -> None:
        self.out, self.err, self.redact, self.verbose, self.json = out, err, redact, verbose, json

    def result(self, text: str) -> None:
        if self.json:
            return
        self.out.write(self.redact(text) + "\n")
        self.out.flush()

    def document(self, data: dict[str, Any]) -> None:
        import json

        self.out.write(self.redact(json.dumps(data, indent=2)) + "\n")
        self.out.flush()

    def say(self, text: str) -> None:
        self.err.write(self.redact(f"dockerfix pr: {text}") + "\n")
        self.err.flush()

    def warn(self, text: str) -> None:
        self.say(f"warning: {text}")

    def error(self, text: str) -> None:
        self.say(f"error: {text}")

    def trace(self, text: str) -> None:
        if self.verbose:
            self.err.write(self.redact(f"+ {text}") + "\n")


@dataclass
class Plan:
    """What the run found: the base commit, the scan, and the texts derived from it."""

    base: str
    base_sha: str
    branch: str
    scan: Scan
    title: str = ""
    message: str = ""
    body: str = ""


def main(argv: Sequence[str] | None = None) -> int:
    return run(list(sys.argv[1:] if argv is None else argv))


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """`dockerfix pr ARGV...` with its surroundings injectable (environment, clock, streams), for tests."""
    from rewriter.cli import invoke

    return invoke(["pr", *argv], obj=Surroundings(env, sleep, clock, stdout, stderr), stderr=stderr)


def deliver(args: PrOptions, surroundings: Surroundings) -> int:
    """One run of `dockerfix pr` (see the module's docstring); exit code 0 or 2."""
    from rewriter.bot.git import Redactor

    environment = dict(os.environ if surroundings.env is None else surroundings.env)
    out, err = surroundings.stdout or sys.stdout, surroundings.stderr or sys.stderr
    token = environment.get(args.token_env) or None
    ui = UI(out, err, Redactor(token), args.verbose, json=args.format == "json")
    from rewriter.bot.fixes import NothingToScan
    from rewriter.bot.github import GitHubError

    outcome: dict[str, Any] = {"action": "error", "dry_run": args.dry_run}
    try:
        code = Bot(args, environment, token, ui, surroundings.sleep, surroundings.clock, outcome).run()
    except (BotError, GitError, GitHubError, NothingToScan, UsageError) as exc:
        ui.error(str(exc))
        outcome.update(action="error", error=str(exc))
        code = EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    if ui.json:
        ui.document(outcome)
    return code


class Bot:
    def __init__(
        self,
        args: PrOptions,
        env: dict[str, str],
        token: str | None,
        ui: UI,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        outcome: dict[str, Any] | None = None,
    ) -> None:
        self.args, self.env, self.token, self.ui = args, env, token, ui
        self.sleep, self.clock = sleep, clock
        self.outcome = {} if outcome is None else outcome
        """What the run did, for `--format json` (see `docs/bot.md`)."""
        self.version = _version()
        from rewriter.context import Settings
        from rewriter.rules import all_rules

        self.catalogue = {rule.code: rule for rule in all_rules()}
        # An unknown --select is a usage error before any work.
        self.rules_for(Settings(select=tuple(args.select or ()), ignore=tuple(args.ignore)))

    def settings_for(self, dockerfile: Path, configs: dict[Path, Config] | None = None) -> Settings:
        """The repository's configuration for this file (as `dockerfix` finds it), with the flags over it."""
        from rewriter.config import settings_for

        return settings_for(dockerfile, self.args, configs)

    def rules_for(self, settings: Settings) -> list[Rule]:
        from rewriter.rules import cached_rules

        try:
            return cached_rules(settings.select, settings.ignore)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    # -- entry ------------------------------------------------------------------

    def run(self) -> int:
        if self.args.dry_run:
            if self.args.repo:
                raise BotError("--dry-run works on a local checkout and --repo would clone one: clone it yourself, then run --dry-run in it")
            return self.dry_run()
        if not self.token:
            raise BotError(
                f"no token: set ${self.args.token_env} to a token that may push to the repository and open pull requests "
                "(or name another variable with --token-env)"
            )
        from rewriter.bot.github import DEFAULT_API_URL, GitHub

        api_url = self.args.api_url or self.env.get("GITHUB_API_URL") or DEFAULT_API_URL
        with GitHub(
            api_url,
            self.token,
            token_name=self.args.token_env,
            sleep=self.sleep,
            clock=self.clock,
            log=self.ui.say,
            trace=self.ui.trace,
            user_agent=f"dockerfix/{self.version or 'dev'}",
        ) as api:
            if self.args.repo:
                return self._in_clone(api)
            return self._in_checkout(api)

    def _git(self, root: Path) -> Git:
        return Git(root, env=self.env, redact=self.ui.redact, trace=self.ui.trace)

    def _checkout(self, without_one: str = "") -> tuple[Git, str]:
        """The git checkout the path named on the command line lies in, and that path relative to its root;
        `without_one` completes the error where there is no checkout."""
        path = Path(self.args.path).resolve()
        if not path.exists():
            raise BotError(f"{self.args.path}: no such file or folder")
        root = Git.toplevel(path, self.env)
        if root is None:
            raise BotError(f"{self.args.path} is not inside a git checkout{without_one}")
        return self._git(root), path.relative_to(root.resolve()).as_posix()

    def _in_checkout(self, api: GitHub) -> int:
        from rewriter.bot.git import auth_env, github_repository

        git, target = self._checkout(" (to work on a GitHub repository without one, use --repo OWNER/NAME)")
        url = git.remote_url(self.args.remote)
        repository = github_repository(url) or _split_repo(self.env.get("GITHUB_REPOSITORY", ""))
        if repository is None:
            raise BotError(
                f"cannot tell the GitHub repository from remote {self.args.remote!r} ({url}); "
                "set GITHUB_REPOSITORY=OWNER/NAME or use --repo OWNER/NAME"
            )
        git.remote_env = auth_env(git.push_urls(self.args.remote) + [url], self.token, self.env)
        owner, name = repository
        info = api.repository(owner, name)
        return self._deliver(api, git, owner, name, info, target, checkout=True)

    def _in_clone(self, api: GitHub) -> int:
        from rewriter.bot.git import auth_env, remove_folder, temporary_folder

        repository = _split_repo(self.args.repo)
        if repository is None:
            raise BotError(f"--repo must be OWNER/NAME, not {self.args.repo!r}")
        owner, name = repository
        info = api.repository(owner, name)
        clone_url = str(info.get("clone_url") or "")
        if not clone_url:
            raise BotError(f"GitHub gave no clone URL for {owner}/{name}")
        base = self.args.base or str(info.get("default_branch") or "")
        workdir = temporary_folder("dockerfix-pr-")
        try:
            git = self._git(workdir)
            git.remote_env = auth_env([clone_url], self.token, self.env)
            self.ui.say(f"cloning {owner}/{name} ({base})")
            git.clone(clone_url, base, workdir / "repo")
            git.root = workdir / "repo"
            target = Path(self.args.path).as_posix().strip("/") or "."
            if ".." in Path(target).parts:
                raise BotError("PATH must stay inside the repository")
            return self._deliver(api, git, owner, name, info, target, checkout=False)
        finally:
            remove_folder(workdir)

    # -- the work -----------------------------------------------------------------

    def _branch(self, git: Git, base: str, default_branch: str | None) -> str:
        branch = self.args.branch or f"dockerfix/{base}"
        if not git.valid_branch_name(branch):
            raise BotError(f"{branch!r} is not a valid branch name")
        protected = {base} | ({default_branch} if default_branch else set())
        if branch in protected:
            raise BotError(f"the bot's branch must not be {branch!r}: it never pushes to the base or default branch")
        return branch

    def _scan(self, git: Git, commit: str, target: str) -> Scan:
        from rewriter.bot.fixes import scan, targets
        from rewriter.bot.git import remove_folder, temporary_folder
        from rewriter.config import EMPTY, ConfigError

        export = temporary_folder("dockerfix-tree-")
        # Configuration is looked for in the repository only, not above the temporary folder.
        configs = {folder: EMPTY for folder in export.resolve().parents}
        try:
            git.export(commit, export)
            paths = targets(export, target)
            if self.args.context and not (export / self.args.context).is_dir():
                raise BotError(f"--context {self.args.context}: no such folder on the base branch")
            try:
                prover = self._prover(export) if self.args.prove else None
                result = scan(git, commit, export, paths, lambda d: self.settings_for(d, configs), self.rules_for, self.args.context, prover)
            except ConfigError as exc:
                shown = Path(exc.path).resolve()
                if shown.is_relative_to(export.resolve()):
                    shown = shown.relative_to(export.resolve())
                raise BotError(f"{shown.as_posix()} (on the base branch): {exc.message}") from None
        finally:
            remove_folder(export)
        for problem in result.problems:
            self.ui.warn(problem)
        if not paths:
            self.ui.warn(f"no Dockerfile found in {target}")
        self.outcome.update(files=[_file_json(f) for f in result.files], problems=result.problems)
        return result

    def _prover(self, export: Path) -> Prover:
        """Proves the unsafe fixes of one Dockerfile by building (`--prove`), its progress on standard error.

        Without a builder that works here nothing is proven: every unsafe fix is
        "not provable" (and said so once), and the safe fixes alone are delivered.
        """
        from rewriter.verify.builders import BuilderError, detect
        from rewriter.verify.progress import progress_for
        from rewriter.verify.prove import Proven, not_provable, prove

        try:
            builder = detect(self.args.builder)
        except BuilderError as exc:
            why = str(exc).splitlines()[0]
            self.ui.warn(f"nothing can be proven here ({why}): only safe fixes")

            def unprovable(dockerfile: Path, context: Path, settings: Settings) -> Proven:
                return Proven(not_provable(dockerfile, context, settings, why), None)

            return unprovable

        def proving(dockerfile: Path, context: Path, settings: Settings) -> Proven:
            shown = dockerfile.relative_to(export).as_posix()
            with progress_for(self.ui.err, shown, no_color=self.args.no_color) as progress:
                proven = prove(dockerfile, context, settings, builder, progress=progress, measure=True)
            for proof in proven.proofs:
                self.ui.say(f"{shown}: {proof.rule} {proof.verdict}" + (f": {proof.why}" if proof.why else ""))
            return proven

        return proving

    def _texts(self, plan: Plan) -> None:
        from rewriter.bot import body

        options = body.Options(
            unsafe_fixes=self.args.unsafe_fixes,
            select=tuple(self.args.select or ()),
            ignore=tuple(self.args.ignore),
            cache_strategy=self.args.cache_strategy,
            context=self.args.context,
            isolated=self.args.isolated,
            version=self.version,
            prove=self.args.prove,
        )
        changed = plan.scan.changed
        plan.title = body.title(changed)
        plan.message = body.commit_message(changed, self.catalogue, options)
        plan.body = body.body(plan.scan.files, self.catalogue, options, base=plan.base)
        self.outcome.update(title=plan.title, commit_message=plan.message, body=plan.body)

    def _deliver(self, api: GitHub, git: Git, owner: str, name: str, info: dict[str, Any], target: str, *, checkout: bool) -> int:
        from rewriter.bot import body as texts
        from rewriter.bot.git import identity_env

        remote = self.args.remote if checkout else "origin"
        default_branch = str(info.get("default_branch") or "") or None
        base = self.args.base or default_branch
        if not base:
            raise BotError(f"GitHub gave no default branch for {owner}/{name}; pass --base")
        branch = self._branch(git, base, default_branch)
        self.outcome.update(repository=f"{owner}/{name}", base=base, branch=branch, pull_request=None)
        permissions = info.get("permissions")
        if isinstance(permissions, dict) and permissions.get("push") is False:
            raise BotError(f"the token may not push to {owner}/{name}: it needs write access to its contents")
        heads = git.ls_remote(remote, [f"refs/heads/{base}", f"refs/heads/{branch}"])
        base_sha = heads.get(f"refs/heads/{base}")
        if base_sha is None:
            raise BotError(f"the base branch {base!r} does not exist on {remote}")
        head_sha = heads.get(f"refs/heads/{branch}")
        shallow = git.is_shallow()
        # Depth 2 brings the bot's commit and its parent, all that `_current` reads.
        git.fetch(remote, [f"refs/heads/{base}"] + ([f"refs/heads/{branch}"] if head_sha else []), depth=2 if shallow else None)
        for sha in filter(None, (base_sha, head_sha)):
            if not git.has_commit(sha):
                raise BotError(f"{remote} changed while fetching; run again")
        plan = Plan(base=base, base_sha=base_sha, branch=branch, scan=self._scan(git, base_sha, target))
        changed = plan.scan.changed
        if checkout and changed:
            dirty = git.dirty(plan.scan.tree_changes())
            if dirty:
                raise BotError(
                    "refusing to run: these files would be changed and have uncommitted changes in your checkout: "
                    + ", ".join(dirty)
                    + f". The pull request is made from {remote}/{base}, not from your working tree; "
                    "commit or stash your changes first (dockerfix pr never touches them)."
                )
        ours = head_sha is None or texts.SIGNATURE in git.message(head_sha)
        pr = api.open_pull_request(owner, name, branch)
        if pr is not None and texts.MARKER not in pr.body:
            raise BotError(f"pull request #{pr.number} from {branch!r} was not opened by dockerfix pr; choose another --branch")
        if not changed:
            self.outcome["action"] = "nothing to fix"
            if pr is None:
                self.ui.say(f"nothing to fix on {base}")
            elif not ours:
                self.ui.warn(f"nothing to fix on {base}; leaving #{pr.number} open: {branch!r} has commits not made by dockerfix pr")
                self.outcome["pull_request"] = {"number": pr.number, "url": pr.url}
            else:
                api.comment(owner, name, pr.number, texts.stale_comment(base))
                api.update_pull_request(owner, name, pr.number, state="closed")
                self.ui.say(f"{base} has the fixes now: closed #{pr.number}")
                self.ui.result(pr.url)
                self.outcome.update(action="closed", pull_request={"number": pr.number, "url": pr.url})
            return EXIT_OK
        if not ours:
            raise BotError(
                f"branch {branch!r} has commits not made by dockerfix pr; leaving it alone "
                "(merge or delete it, or choose another --branch)"
            )
        self._texts(plan)
        identity = identity_env(git, self.args.author)
        commit = git.commit(base_sha, plan.scan.tree_changes(), plan.message, identity)
        is_ancestor = (lambda a, b: api.is_ancestor(owner, name, a, b)) if shallow else git.is_ancestor
        if head_sha is not None and self._current(git, head_sha, base_sha, commit, is_ancestor):
            self.ui.say(f"{branch} already has these fixes")
            self.outcome["pushed"] = False
        else:
            git.push(remote, commit, branch, head_sha)
            self.ui.say(f"pushed {plural(len(changed), 'changed Dockerfile')} to {branch}")
            self.outcome["pushed"] = True
        self._pull_request(api, owner, name, pr, plan)
        return EXIT_OK

    @staticmethod
    def _current(git: Git, head: str, base: str, commit: str, is_ancestor: Callable[[str, str], bool]) -> bool:
        """True if the branch at `head` already makes exactly the changes of `commit` (on `base`).

        The same tree is enough; so is the same change (same paths, same blobs
        before and after) on an older base that is still an ancestor of the
        base, so that a base moving elsewhere does not make the bot force-push
        (and re-run the pull request's checks) every run.
        """
        if git.tree_of(head) == git.tree_of(commit):
            return True
        parents = git.parents(head)
        if len(parents) != 1 or not git.has_commit(parents[0]):
            return False
        parent = parents[0]
        return git.changed_paths(parent, head) == git.changed_paths(base, commit) and is_ancestor(parent, base)

    def _pull_request(self, api: GitHub, owner: str, name: str, pr: PullRequest | None, plan: Plan) -> None:
        from rewriter.bot.body import same_body
        from rewriter.bot.github import GitHubError, already_exists

        created = False
        if pr is None:
            try:
                pr = api.create_pull_request(
                    owner, name, branch=plan.branch, base=plan.base, title=plan.title, body=plan.body, draft=self.args.draft
                )
                created = True
            except GitHubError as exc:
                if not already_exists(exc):
                    raise
                pr = api.open_pull_request(owner, name, plan.branch)
                if pr is None:
                    raise
        if created:
            self.outcome["action"] = "opened"
            self.ui.say(f"opened #{pr.number}")
            if self.args.labels:
                api.add_labels(owner, name, pr.number, self.args.labels)
            if self.args.reviewers:
                try:
                    api.request_reviewers(owner, name, pr.number, self.args.reviewers)
                except GitHubError as exc:
                    self.ui.warn(f"{exc} (the pull request is open; request reviews by hand)")
        else:
            fields = {}
            if pr.title != plan.title:
                fields["title"] = plan.title
            if not same_body(pr.body, plan.body):  # new measured figures alone are no reason to notify
                fields["body"] = plan.body
            if pr.base != plan.base:
                fields["base"] = plan.base
            if fields:
                pr = api.update_pull_request(owner, name, pr.number, **fields)
                self.ui.say(f"updated #{pr.number} ({', '.join(fields)})")
            missing = [label for label in self.args.labels if label not in pr.labels]
            if missing:
                api.add_labels(owner, name, pr.number, missing)
            if not fields and not missing:
                self.ui.say(f"#{pr.number} is up to date")
            self.outcome["action"] = "updated" if fields or missing or self.outcome.get("pushed") else "up to date"
        self.outcome["pull_request"] = {"number": pr.number, "url": pr.url}
        self.ui.result(pr.url)

    # -- dry run --------------------------------------------------------------------

    def dry_run(self) -> int:
        from rewriter.outputs import unified_diff

        git, target = self._checkout()
        remote = self.args.remote
        base = self.args.base
        if base is None:
            remote_head = git.symbolic_ref(f"refs/remotes/{remote}/HEAD")
            base = remote_head.split("/", 1)[1] if remote_head else git.symbolic_ref("HEAD")
        if not base:
            raise BotError("cannot tell the base branch (detached HEAD and no remote HEAD); pass --base")
        base_ref = next(
            (ref for ref in (f"refs/remotes/{remote}/{base}", f"refs/heads/{base}") if git.resolve(ref)), None
        )
        base_sha = git.resolve(base_ref) if base_ref is not None else None
        if base_ref is None or base_sha is None:
            raise BotError(f"no local copy of the base branch {base!r}; fetch it, or pass --base")
        branch = self._branch(git, base, None)
        plan = Plan(base=base, base_sha=base_sha, branch=branch, scan=self._scan(git, base_sha, target))
        where = f"{base_ref.removeprefix('refs/remotes/').removeprefix('refs/heads/')} at {base_sha[:12]}, as last fetched"
        self.outcome.update(action="nothing to fix", base=base, base_commit=base_sha, branch=branch, pull_request=None)
        changed = plan.scan.changed
        if not changed:
            self.ui.result(f"nothing to fix on {base} ({where})")
            return EXIT_OK
        dirty = git.dirty(plan.scan.tree_changes())
        if dirty:
            self.ui.warn("these files have uncommitted changes, so a real run would refuse: " + ", ".join(dirty))
        self._texts(plan)
        diff = "".join(
            (unified_diff(f.path, f.before, f.after) if f.after != f.before else "")
            + "".join(unified_diff(path, None, data) for path, data in f.created.items())
            for f in changed
        )
        self.outcome.update(action="would open or update", diff=diff)
        self.ui.result(
            "\n".join(
                [
                    f"branch: {branch}",
                    f"base: {base} ({where})",
                    "",
                    "--- commit message ---",
                    plan.message.rstrip("\n"),
                    "",
                    f"--- pull request: {plan.title} ---",
                    plan.body.rstrip("\n"),
                    "",
                    "--- diff ---",
                    diff.rstrip("\n"),
                ]
            )
        )
        return EXIT_OK


def _file_json(report: FileReport) -> dict[str, Any]:
    """One Dockerfile in `--format json`: its fixes, what it left, and with `--prove` the verdicts and the measured figures."""
    return {
        "path": report.path,
        "changed": report.changed,
        "fixes": [
            {
                "rule": c.rule,
                "line": c.line,
                "change": c.what,
                "applicability": "proven" if c.proven else "unsafe" if c.unsafe else "safe",
                "estimated_saving_mb": c.saving_mb,
            }
            for c in report.changes
        ],
        "created": sorted(report.created),
        "not_changed": [{"rule": s.rule, "line": s.line, "message": s.message, "unsafe_fix": s.unsafe_fix} for s in report.suggestions],
        "proofs": None if report.proofs is None else [p.to_json() for p in report.proofs],
        "measured": report.measured,
    }


def _split_repo(value: str) -> tuple[str, str] | None:
    owner, slash, name = value.strip().partition("/")
    if not slash or not owner or not name or "/" in name:
        return None
    return owner, name.removesuffix(".git")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dockerfix")
    except PackageNotFoundError:
        return ""
