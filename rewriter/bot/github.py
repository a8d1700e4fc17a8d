"""The few GitHub REST endpoints `dockerfix pr` calls, with GitHub's rules for retrying.

Why httpx and not PyGithub: the bot has to act on exactly what GitHub
answered (the status, the `message`/`errors` of a 422, the `retry-after`
and `x-ratelimit-*` headers of a 403/429) to follow GitHub's rate-limit
guidance and to give a clear message for each failure.  PyGithub turns these
into its own exception classes and retries (or sleeps) on its own terms, and
pulls in a large object model for six endpoints.  httpx gives explicit
timeouts, a base URL (GitHub Enterprise is `https://HOST/api/v3`, any local
test server works the same), and nothing hidden; it is imported only when a
pull request is really opened, so `dockerfix` itself starts as fast as before.

Retrying, as GitHub documents it ("Rate limits for the REST API"): on a
403/429 wait `retry-after` seconds when given; else, when
`x-ratelimit-remaining` is 0, until `x-ratelimit-reset`; else (a secondary
limit) at least a minute, doubling each time; give up after a few tries, or at
once when the advertised wait is longer than `max_wait`.  5xx answers and
connection failures are retried with a short backoff.  `sleep` and `clock`
are injectable so tests never wait.

The token is sent only in the Authorization header and never appears in a
message: errors quote GitHub's `message`, never the request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from urllib.parse import quote

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"


class GitHubError(Exception):
    """A request failed; `str()` is a message for the user."""

    def __init__(self, message: str, *, status: int | None = None, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors or []


class RateLimited(GitHubError):
    pass


@dataclass
class PullRequest:
    number: int
    url: str
    title: str
    body: str
    base: str
    head_sha: str
    labels: list[str] = field(default_factory=list)
    draft: bool = False

    @staticmethod
    def from_json(data: dict[str, Any]) -> PullRequest:
        return PullRequest(
            number=int(data["number"]),
            url=str(data.get("html_url") or ""),
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            base=str((data.get("base") or {}).get("ref") or ""),
            head_sha=str((data.get("head") or {}).get("sha") or ""),
            labels=[str(label.get("name")) for label in data.get("labels") or [] if isinstance(label, dict)],
            draft=bool(data.get("draft")),
        )


def _retry_delay(status: int, headers: Mapping[str, str], message: str, attempt: int, now: float) -> float | None:
    """Seconds to wait before retrying, or None when retrying cannot help."""
    if status in (403, 429):
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                pass
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
            try:
                return max(0.0, float(headers["x-ratelimit-reset"]) - now) + 1.0
            except ValueError:
                pass
        if status == 429 or "rate limit" in message.lower():
            return 60.0 * 2.0**attempt
        return None
    if status in (500, 502, 503, 504):
        return float(2**attempt)
    return None


def _utc(epoch: str | None) -> str:
    try:
        return datetime.fromtimestamp(float(epoch or ""), timezone.utc).strftime("%H:%M UTC")
    except (ValueError, OverflowError, OSError):
        return "later"


class GitHub:
    """A GitHub REST client for one token and one API root."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        token_name: str = "GITHUB_TOKEN",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        log: Callable[[str], None] = lambda message: None,
        trace: Callable[[str], None] | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_wait: float = 900.0,
        user_agent: str = "dockerfix",
    ) -> None:
        import httpx

        self._httpx = httpx
        self.api_url = api_url.rstrip("/")
        self.token_name = token_name
        self.sleep, self.clock, self.log, self.trace = sleep, clock, log, trace
        self.max_retries, self.max_wait = max_retries, max_wait
        self._client = httpx.Client(
            base_url=self.api_url + "/",
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {token}",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": user_agent,
            },
            timeout=httpx.Timeout(timeout, connect=10.0),
            # Loading the CA bundle costs 0.1-0.5 s; a plain-HTTP root (a local server) never uses it.
            verify=not self.api_url.startswith("http://"),
            # GitHub redirects renamed repositories; httpx drops the token on a redirect to another host.
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the transport ----------------------------------------------------------

    def request(self, method: str, path: str, what: str, *, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """Send one request (retrying as GitHub asks); the decoded JSON answer, or raise GitHubError."""
        httpx = self._httpx
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self._client.request(method, path.lstrip("/"), json=json, params=params)
            except httpx.TransportError as exc:
                # A request that never left (no connection) or an idempotent one is safe to
                # repeat; a POST that may have arrived is not (a second comment, say): the next
                # run of the bot finds what it did and carries on from there.
                sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                if last or (sent and method not in ("GET", "PATCH")):
                    raise GitHubError(f"could not {what}: no answer from {self.api_url} ({type(exc).__name__}: {exc or 'network failure'})") from None
                self.log(f"no answer from {self.api_url} ({type(exc).__name__}); retrying in {2**attempt} s")
                self.sleep(float(2**attempt))
                continue
            if self.trace is not None:
                self.trace(f"{method} {response.request.url} -> {response.status_code}")
            if response.status_code < 300:
                return response.json() if response.content else None
            message, errors = self._error_details(response)
            delay = _retry_delay(response.status_code, response.headers, message, attempt, self.clock())
            if delay is not None and response.status_code in (403, 429) and delay > self.max_wait:
                raise RateLimited(
                    f"could not {what}: GitHub's rate limit is exhausted ({response.status_code} {message}); "
                    f"it resets at {_utc(response.headers.get('x-ratelimit-reset'))}, run again then",
                    status=response.status_code,
                )
            if delay is not None and not last:
                kind = "rate limit" if response.status_code in (403, 429) else f"server error {response.status_code}"
                self.log(f"GitHub {kind} ({message}); retrying in {delay:.0f} s as GitHub asks")
                self.sleep(delay)
                continue
            raise self._error(response.status_code, message, errors, what, retried=delay is not None)
        raise AssertionError("unreachable")

    @staticmethod
    def _error_details(response: Any) -> tuple[str, list[str]]:
        try:
            data = response.json()
        except ValueError:
            return response.reason_phrase or "error", []
        if not isinstance(data, dict):
            return response.reason_phrase or "error", []
        errors = []
        for item in data.get("errors") or []:
            if isinstance(item, dict):
                text = item.get("message") or " ".join(str(item.get(k)) for k in ("resource", "field", "code") if item.get(k))
                errors.append(str(text))
            else:
                errors.append(str(item))
        return str(data.get("message") or response.reason_phrase or "error"), errors

    def _error(self, status: int, message: str, errors: list[str], what: str, *, retried: bool) -> GitHubError:
        detail = message + (": " + "; ".join(errors) if errors else "")
        if status == 401:
            text = (
                f"could not {what}: GitHub rejected the token (401 {detail}). "
                f"Check that ${self.token_name} holds a valid token that has not expired."
            )
        elif status in (403, 429) and retried:
            text = f"could not {what}: GitHub's rate limit still applies after {self.max_retries} retries ({status} {detail}); run again later."
            return RateLimited(text, status=status, errors=errors)
        elif status == 403:
            hint = (
                "The token needs write access to the repository's contents and pull requests "
                "(in GitHub Actions: `permissions: contents: write, pull-requests: write`)."
            )
            if "not permitted to create or approve pull requests" in message:
                hint = (
                    "Enable 'Allow GitHub Actions to create and approve pull requests' in the repository's "
                    "(or organisation's) Settings > Actions > General, or use another token."
                )
            text = f"could not {what}: GitHub refused (403 {detail}). {hint}"
        elif status == 404:
            text = (
                f"could not {what}: not found (404). Check the repository name and --api-url; "
                "GitHub also answers 404 when the token cannot see a private repository."
            )
        elif status == 422:
            text = f"could not {what}: GitHub did not accept it (422 {detail})."
        else:
            text = f"could not {what}: GitHub answered {status} ({detail})."
        return GitHubError(text, status=status, errors=errors)

    # -- the endpoints ------------------------------------------------------------

    @staticmethod
    def _repo(owner: str, name: str) -> str:
        return f"repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    def repository(self, owner: str, name: str) -> dict[str, Any]:
        """GET /repos/{owner}/{repo}: default_branch, clone_url, permissions."""
        data: dict[str, Any] = self.request("GET", self._repo(owner, name), f"read the repository {owner}/{name}")
        return data

    def is_ancestor(self, owner: str, name: str, ancestor: str, descendant: str) -> bool:
        """Whether `descendant` contains `ancestor`, asked of GitHub (a shallow checkout cannot tell)."""
        data = self.request(
            "GET", f"{self._repo(owner, name)}/compare/{ancestor}...{descendant}", "compare commits", params={"per_page": 1}
        )
        return str((data or {}).get("status")) in ("ahead", "identical")

    def open_pull_request(self, owner: str, name: str, branch: str) -> PullRequest | None:
        """The open pull request from `owner:branch`, if any."""
        found = self.request(
            "GET",
            f"{self._repo(owner, name)}/pulls",
            "list pull requests",
            params={"state": "open", "head": f"{owner}:{branch}", "per_page": 100},
        )
        for data in found or []:
            if (data.get("head") or {}).get("ref") == branch:
                return PullRequest.from_json(data)
        return None

    def create_pull_request(
        self, owner: str, name: str, *, branch: str, base: str, title: str, body: str, draft: bool
    ) -> PullRequest:
        data = self.request(
            "POST",
            f"{self._repo(owner, name)}/pulls",
            "open the pull request",
            json={"title": title, "head": branch, "base": base, "body": body, "draft": draft, "maintainer_can_modify": True},
        )
        return PullRequest.from_json(data)

    def update_pull_request(self, owner: str, name: str, number: int, **fields: Any) -> PullRequest:
        data = self.request("PATCH", f"{self._repo(owner, name)}/pulls/{number}", f"update pull request #{number}", json=fields)
        return PullRequest.from_json(data)

    def comment(self, owner: str, name: str, number: int, body: str) -> None:
        self.request("POST", f"{self._repo(owner, name)}/issues/{number}/comments", f"comment on #{number}", json={"body": body})

    def add_labels(self, owner: str, name: str, number: int, labels: list[str]) -> None:
        self.request("POST", f"{self._repo(owner, name)}/issues/{number}/labels", f"label #{number}", json={"labels": labels})

    def request_reviewers(self, owner: str, name: str, number: int, reviewers: list[str]) -> None:
        """Users as `login`, teams as `org/team-slug` (or `@org/team-slug`)."""
        users = [r.lstrip("@") for r in reviewers if "/" not in r]
        teams = [r.lstrip("@").split("/", 1)[1] for r in reviewers if "/" in r]
        self.request(
            "POST",
            f"{self._repo(owner, name)}/pulls/{number}/requested_reviewers",
            f"request reviewers for #{number}",
            json={"reviewers": users, "team_reviewers": teams},
        )


def already_exists(error: GitHubError) -> bool:
    """GitHub's 422 when a pull request from the same head and base is open."""
    return error.status == 422 and any("pull request already exists" in e.lower() for e in error.errors)
