"""The GitHub client of `dockerfix pr` against a local server shaped like GitHub's REST API.

GitHub's rules for rate limits ("Rate limits for the REST API"): on a 403
or 429, wait `retry-after` seconds if given; else, if `x-ratelimit-remaining`
is 0, until `x-ratelimit-reset`; else (a secondary limit) at least a minute,
longer each time, and give up after a few tries.  The sleeps are recorded,
never waited.
"""

from __future__ import annotations

import socket
from typing import Iterator

import pytest
from test_bot_fakes import NAME, OWNER, TOKEN, FakeGitHub

from rewriter.bot.github import GitHub, GitHubError, RateLimited, already_exists

NOW = 1_900_000_000.0


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client(fake: FakeGitHub, sleeps: list[float], token: str = TOKEN, **kwargs: object) -> GitHub:
    return GitHub(fake.url, token, sleep=sleeps.append, clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def test_requests_carry_the_documented_headers_below_an_enterprise_root(github: FakeGitHub, sleeps: list[float]) -> None:
    with client(github, sleeps) as api:
        info = api.repository(OWNER, NAME)
    assert info["default_branch"] == "main"
    request = github.requests[-1]
    assert request.path == f"/repos/{OWNER}/{NAME}"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert sleeps == []


def test_open_pull_request_is_looked_up_by_owner_and_branch(github: FakeGitHub, sleeps: list[float]) -> None:
    with client(github, sleeps) as api:
        assert api.open_pull_request(OWNER, NAME, "dockerfix/main") is None
        created = api.create_pull_request(OWNER, NAME, branch="dockerfix/main", base="main", title="t", body="b", draft=True)
        found = api.open_pull_request(OWNER, NAME, "dockerfix/main")
    assert found is not None and found.number == created.number and found.draft
    assert github.requests[0].query == {"state": ["open"], "head": [f"{OWNER}:dockerfix/main"], "per_page": ["100"]}


def test_401_says_the_token_was_rejected_without_showing_it(github: FakeGitHub, sleeps: list[float]) -> None:
    with client(github, sleeps, token="ghp_wrong_token_value", token_name="BOT_TOKEN") as api:
        with pytest.raises(GitHubError) as caught:
            api.repository(OWNER, NAME)
    message = str(caught.value)
    assert caught.value.status == 401
    assert "rejected the token (401 Bad credentials)" in message and "$BOT_TOKEN" in message
    assert "ghp_wrong_token_value" not in message
    assert sleeps == []


def test_primary_rate_limit_waits_until_the_advertised_reset(github: FakeGitHub, sleeps: list[float]) -> None:
    github.fail_next(
        "GET",
        f"/repos/{OWNER}/{NAME}",
        403,
        {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": str(int(NOW) + 30)},
        {"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
    )
    with client(github, sleeps) as api:
        assert api.repository(OWNER, NAME)["name"] == NAME
    assert sleeps == [31.0]


def test_secondary_rate_limit_waits_retry_after(github: FakeGitHub, sleeps: list[float]) -> None:
    github.fail_next(
        "POST",
        f"/repos/{OWNER}/{NAME}/pulls",
        403,
        {"retry-after": "7"},
        {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com/rest"},
    )
    with client(github, sleeps) as api:
        created = api.create_pull_request(OWNER, NAME, branch="dockerfix/main", base="main", title="t", body="b", draft=False)
    assert created.number == 1
    assert sleeps == [7.0]
    assert len(github.pulls) == 1


def test_secondary_rate_limit_without_headers_backs_off_from_a_minute_then_gives_up(github: FakeGitHub, sleeps: list[float]) -> None:
    for _ in range(4):
        github.fail_next("GET", f"/repos/{OWNER}/{NAME}", 429, {}, {"message": "You have exceeded a secondary rate limit."})
    with client(github, sleeps, max_retries=3) as api:
        with pytest.raises(RateLimited) as caught:
            api.repository(OWNER, NAME)
    assert sleeps == [60.0, 120.0, 240.0]
    assert "rate limit still applies after 3 retries" in str(caught.value)


def test_a_reset_too_far_away_fails_at_once_saying_when(github: FakeGitHub, sleeps: list[float]) -> None:
    github.fail_next(
        "GET",
        f"/repos/{OWNER}/{NAME}",
        403,
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3000)},
        {"message": "API rate limit exceeded"},
    )
    with client(github, sleeps, max_wait=900) as api:
        with pytest.raises(RateLimited) as caught:
            api.repository(OWNER, NAME)
    assert sleeps == []
    assert "resets at 18:36 UTC" in str(caught.value)  # NOW + 3000 s = 2030-03-17 18:36:40 UTC


def test_403_without_rate_limit_is_a_permission_error_not_retried(github: FakeGitHub, sleeps: list[float]) -> None:
    github.fail_next(
        "POST",
        f"/repos/{OWNER}/{NAME}/pulls",
        403,
        {"x-ratelimit-remaining": "4999"},
        {"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"},
    )
    with client(github, sleeps) as api:
        with pytest.raises(GitHubError) as caught:
            api.create_pull_request(OWNER, NAME, branch="b", base="main", title="t", body="b", draft=False)
    assert sleeps == []
    assert "403 Resource not accessible by integration" in str(caught.value)
    assert "pull-requests: write" in str(caught.value)


def test_actions_not_allowed_to_open_pull_requests_names_the_setting(github: FakeGitHub, sleeps: list[float]) -> None:
    github.fail_next("POST", f"/repos/{OWNER}/{NAME}/pulls", 403, {}, {"message": "GitHub Actions is not permitted to create or approve pull requests."})
    with client(github, sleeps) as api:
        with pytest.raises(GitHubError) as caught:
            api.create_pull_request(OWNER, NAME, branch="b", base="main", title="t", body="b", draft=False)
    assert "Allow GitHub Actions to create and approve pull requests" in str(caught.value)


def test_404_explains_private_repositories(github: FakeGitHub, sleeps: list[float]) -> None:
    with client(github, sleeps) as api:
        with pytest.raises(GitHubError) as caught:
            api.repository(OWNER, "missing")
    assert caught.value.status == 404
    assert "cannot see a private repository" in str(caught.value)


def test_422_pull_request_already_exists_is_recognised(github: FakeGitHub, sleeps: list[float]) -> None:
    with client(github, sleeps) as api:
        api.create_pull_request(OWNER, NAME, branch="dockerfix/main", base="main", title="t", body="b", draft=False)
        with pytest.raises(GitHubError) as caught:
            api.create_pull_request(OWNER, NAME, branch="dockerfix/main", base="main", title="t", body="b", draft=False)
    assert already_exists(caught.value)
    assert f"422 Validation Failed: A pull request already exists for {OWNER}:dockerfix/main." in str(caught.value)


def test_other_422_is_a_clear_error(github: FakeGitHub, sleeps: list[float]) -> None:
    github.fail_next(
        "POST",
        f"/repos/{OWNER}/{NAME}/pulls",
        422,
        {},
        {"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": "Draft pull requests are not supported in this repository."}]},
    )
    with client(github, sleeps) as api:
        with pytest.raises(GitHubError) as caught:
            api.create_pull_request(OWNER, NAME, branch="b", base="main", title="t", body="b", draft=True)
    assert not already_exists(caught.value)
    assert "Draft pull requests are not supported" in str(caught.value)


def test_server_errors_are_retried_with_a_short_backoff(github: FakeGitHub, sleeps: list[float]) -> None:
    github.fail_next("GET", f"/repos/{OWNER}/{NAME}", 502, {}, {"message": "Server Error"})
    with client(github, sleeps) as api:
        assert api.repository(OWNER, NAME)["name"] == NAME
    assert sleeps == [1.0]


def test_network_failure_is_retried_then_reported(sleeps: list[float]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with GitHub(f"http://127.0.0.1:{port}/api/v3", TOKEN, sleep=sleeps.append, max_retries=2) as api:
        with pytest.raises(GitHubError) as caught:
            api.repository(OWNER, NAME)
    assert sleeps == [1.0, 2.0]
    assert f"no answer from http://127.0.0.1:{port}/api/v3 (ConnectError" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_reviewers_split_into_users_and_teams(github: FakeGitHub, sleeps: list[float]) -> None:
    with client(github, sleeps) as api:
        pull = api.create_pull_request(OWNER, NAME, branch="b", base="main", title="t", body="b", draft=False)
        api.request_reviewers(OWNER, NAME, pull.number, ["alice", "@octo/platform"])
    assert github.requests[-1].body == {"reviewers": ["alice"], "team_reviewers": ["platform"]}
