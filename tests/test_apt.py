"""apt rules (DF202-DF208): the decisions, and every place they back off."""

from __future__ import annotations

import pytest

from helpers import codes, diagnostics, fixed
from rewriter.rules import Applicability
from transforms.apt import RecommendsPlan, apt_call, package_name, recommends_plan
from transforms.debian_packages import debian_release
from rewriter.shell import ShellScript
from rewriter.text import LogicalText


def _plan(packages: list[str | None], release: str = "bookworm", **options):  # type: ignore[no-untyped-def]
    return recommends_plan(packages, debian_release(release), **options)


def _call(text: str):  # type: ignore[no-untyped-def]
    script = ShellScript(LogicalText.from_slices(text, [(0, len(text))]))
    return apt_call(script.commands[0])


# -- reading apt-get ------------------------------------------------------------


def test_apt_call_skips_option_values() -> None:
    call = _call("apt-get -o Dpkg::Options::=--force-confnew -t bookworm-backports install -y curl git=1:2.39")
    assert call.subcommand == "install"
    assert [w.value for w in call.packages] == ["curl", "git=1:2.39"]
    assert call.option_values == ("Dpkg::Options::=--force-confnew",)


@pytest.mark.parametrize("word, name", [("curl", "curl"), ("curl=7.88.1-10", "curl"), ("libc6:amd64", "libc6"), ("git/bookworm-backports", "git")])
def test_package_name(word: str, name: str) -> None:
    assert package_name(word) == name


# -- DF204: what --no-install-recommends would break ------------------------------


def test_curl_keeps_its_ca_certificates() -> None:
    plan = _plan(["curl"])
    assert plan.applicability is Applicability.SAFE
    assert plan.additions == ("ca-certificates",)


def test_ca_certificates_named_already() -> None:
    plan = _plan(["curl", "ca-certificates"])
    assert (plan.applicability, plan.additions) == (Applicability.SAFE, ())


def test_installed_by_an_earlier_install() -> None:
    assert _plan(["curl"], installed_before=frozenset({"ca-certificates"})).additions == ()


def test_recommend_of_a_dependency() -> None:
    """python3 -> python3.11 recommends ca-certificates; the claim is python3's."""
    assert "ca-certificates" in _plan(["python3"]).additions


def test_pip_keeps_the_compilers_it_builds_sdists_with() -> None:
    assert {"build-essential", "python3-dev"} <= set(_plan(["python3-pip"]).additions)


@pytest.mark.parametrize("packages", [["libfoo-tools"], [None], ["curl", None]])
def test_unknown_or_dynamic_packages_are_unsafe(packages: list[str | None]) -> None:
    assert _plan(packages).applicability is Applicability.UNSAFE


def test_recommends_turned_off_in_config_is_safe_without_additions() -> None:
    plan = _plan(["curl", "libfoo-tools"], recommends_off=True)
    assert (plan.applicability, plan.additions) == (Applicability.SAFE, ())


def test_additions_on_their_own_line_in_a_one_per_line_list() -> None:
    before = "FROM debian:12\nRUN apt-get update && apt-get install -y \\\n      curl \\\n    && rm -rf /var/lib/apt/lists/*\n"
    assert fixed(before, select="DF204", raw=True) == (
        "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends -y \\\n      curl \\\n      ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\n"
    )


@pytest.mark.parametrize(
    "command",
    [
        "apt-get install -y --no-install-recommends curl",
        "apt-get install -y --install-recommends curl",
        "apt-get install -y -o APT::Install-Recommends=false curl",
        "apt-get update",
        "apt-get remove -y curl",
    ],
    ids=["flag-present", "explicitly-wanted", "config-option", "update", "remove"],
)
def test_df204_leaves_alone(command: str) -> None:
    assert codes(f"FROM debian:12\nRUN {command}\n", select="DF204", raw=True) == []


# -- DF203 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    ["apt-get install -y curl", "apt-get --yes install curl", "apt-get -qq install curl", "apt-get -qy install curl",
     "apt-get -o APT::Get::Assume-Yes=true install curl", "apt-get update", "apt-get clean"],
)
def test_df203_leaves_alone(command: str) -> None:
    assert codes(f"FROM debian:12\nRUN {command}\n", select="DF203", raw=True) == []


# -- DF205 -------------------------------------------------------------------------


def test_cleanup_runs_only_if_the_last_command_succeeded() -> None:
    """`a; b && rm`: the RUN still fails exactly when b fails."""
    assert fixed("FROM debian:12\nRUN apt-get update; apt-get install -y jq\n", select="DF205", raw=True) == (
        "FROM debian:12\nRUN apt-get update; apt-get install -y jq && rm -rf /var/lib/apt/lists/*\n"
    )


def test_cleanup_goes_before_a_trailing_semicolon() -> None:
    assert fixed("FROM debian:12\nRUN apt-get update && apt-get install -y jq;\n", select="DF205", raw=True) == (
        "FROM debian:12\nRUN apt-get update && apt-get install -y jq && rm -rf /var/lib/apt/lists/*;\n"
    )


@pytest.mark.parametrize(
    "later",
    ["/setup.sh", "cat /setup.txt | sh", "timeout 600 apt-get install -y curl", 'sh -c "apt-get install -y curl"', "sudo apt-get install -y curl"],
)
def test_unreadable_later_script_makes_it_unsafe(later: str) -> None:
    """A later RUN that runs a script, or apt behind a wrapper, may read the lists without an update of its own."""
    found = diagnostics(f"FROM debian:12\nRUN apt-get update && apt-get install -y jq\nCOPY setup.sh /\nRUN {later}\n", select="DF205", raw=True)
    assert [d.applicability for d in found] == [Applicability.UNSAFE]


def test_a_later_listed_installer_reads_no_lists() -> None:
    later = "curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin --filename=composer"
    found = diagnostics(f"FROM php:8.3-cli\nRUN apt-get update && apt-get install -y --no-install-recommends git\nRUN {later}\n", select="DF205", raw=True)
    assert [d.applicability for d in found] == [Applicability.SAFE]


def test_later_stage_built_from_this_one_gets_its_own_update() -> None:
    dockerfile = "FROM debian:12 AS base\nRUN apt-get update && apt-get install -y jq\nFROM base\nRUN apt-get install -y file\n"
    assert fixed(dockerfile, select="DF205", raw=True) == (
        "FROM debian:12 AS base\nRUN apt-get update && apt-get install -y jq && rm -rf /var/lib/apt/lists/*\n"
        "FROM base\nRUN apt-get update && apt-get install -y file && rm -rf /var/lib/apt/lists/*\n"
    )


@pytest.mark.parametrize(
    "later",
    ["if true; then apt-get install -y file; fi", "test -f /x || apt-get install -y file", "<<EOF\napt-get install -y file\nEOF"],
    ids=["inside-if", "after-or", "heredoc"],
)
def test_no_update_is_put_where_it_would_not_run_right_before(later: str) -> None:
    dockerfile = f"FROM debian:12\nRUN apt-get update && apt-get install -y jq\nRUN {later}\n"
    found = diagnostics(dockerfile, select="DF205", raw=True)
    assert [d.fix for d in found if d.span.start < dockerfile.index("jq")] == [None]


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM debian:12\nRUN apt-get update && apt-get install -y jq && rm -rf /var/lib/apt/lists/*\n",
        "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y jq\n",
        "FROM debian:12\nRUN apt-get install -y jq\n",
        "FROM debian:12\nRUN apt-get update && apt-get install -y jq && exit 0\n",
        "FROM debian:12\nRUN apt-get update && apt-get install -y jq &\n",
        "FROM debian:12\nRUN apt-get update && apt-get install -y jq && cat <<EOF > /x\nhi\nEOF\n",
        'FROM debian:12\nRUN ["apt-get", "update"]\n',
    ],
    ids=["already-clean", "cache-mount", "no-update-here", "exit-at-end", "background", "heredoc-redirect", "exec-form"],
)
def test_df205_offers_no_fix(dockerfile: str) -> None:
    assert all(d.fix is None for d in diagnostics(dockerfile, select="DF205", raw=True))


# -- DF202 -------------------------------------------------------------------------


def test_update_goes_next_to_the_install_not_to_the_start() -> None:
    before = "FROM debian:12\nRUN apt-get update\nRUN echo deb http://x ./ > /etc/apt/sources.list.d/x.list && apt-get install -y jq\n"
    assert fixed(before, select="DF202", raw=True) == (
        "FROM debian:12\nRUN echo deb http://x ./ > /etc/apt/sources.list.d/x.list && apt-get update && apt-get install -y jq\n"
    )


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM debian:12\nRUN apt-get update\nCOPY x /etc/apt/\nRUN apt-get install -y jq\n",
        "FROM debian:12\nRUN apt-get update\nUSER app\nRUN apt-get install -y jq\n",
        "FROM debian:12\nRUN --network=host apt-get update\nRUN apt-get install -y jq\n",
        "FROM debian:12\nRUN apt-get update\nRUN true || apt-get install -y jq\n",
        "FROM debian:12\nRUN apt-get update\nRUN if true; then apt-get install -y jq; fi\n",
        "FROM debian:12\nRUN apt-get update\n",
    ],
    ids=["copy-between", "user-between", "flags", "after-or", "inside-if", "no-install"],
)
def test_df202_offers_no_fix(dockerfile: str) -> None:
    assert all(d.fix is None for d in diagnostics(dockerfile, select="DF202", raw=True))


# -- DF206 -------------------------------------------------------------------------


def test_apt_on_an_unknown_base_is_unsafe() -> None:
    """apt deletes downloaded .debs itself; apt-get relies on the image's docker-clean hook."""
    found = diagnostics("FROM example.com/custom:1\nRUN apt install -y jq\n", select="DF206", raw=True)
    assert [d.applicability for d in found] == [Applicability.UNSAFE]


def test_apt_update_is_safe_anywhere() -> None:
    found = diagnostics("FROM example.com/custom:1\nRUN apt update\n", select="DF206", raw=True)
    assert [d.applicability for d in found] == [Applicability.SAFE]


@pytest.mark.parametrize("command", ["apt list --installed", "apt search jq", "apt show jq", "apt-get install -y jq"])
def test_df206_leaves_alone(command: str) -> None:
    assert codes(f"FROM debian:12\nRUN {command}\n", select="DF206", raw=True) == []


# -- DF207 / DF208 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "chain",
    [
        "apt-get update && apt-get install -y ./repo-release.deb && apt-get update && apt-get install -y x",
        "apt-get update && apt-get install -y cuda-keyring && apt-get update && apt-get install -y x",
        "apt-get update && add-apt-repository ppa:x/y && apt-get update && apt-get install -y x",
        "apt-get update || true && apt-get update && apt-get install -y x",
    ],
    ids=["local-deb", "keyring", "add-apt-repository", "or-between"],
)
def test_df207_keeps_an_update_after_new_sources(chain: str) -> None:
    assert codes(f"FROM debian:12\nRUN {chain}\n", select="DF207", raw=True) == []


@pytest.mark.parametrize(
    "command",
    ["apt-get install -y $PKGS jq jq", "apt-get install -y jq -t bookworm-backports file jq \\\n  # a comment\n  jq2"],
    ids=["dynamic-word", "options-between"],
)
def test_df208_sorting_backs_off(command: str) -> None:
    dockerfile = f"FROM debian:12\nRUN {command}\n"
    assert fixed(dockerfile, select="DF208", sort_packages=True, raw=True).count("\n") <= dockerfile.count("\n")


# -- DF204: packages nobody judged, and the releases -----------------------------------


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_a_package_whose_closure_recommends_nothing_is_safe_on_each_release(release: str) -> None:
    plan = _plan(["jq"], release)
    assert (plan.applicability, plan.additions) == (Applicability.SAFE, ())


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_curl_keeps_ca_certificates_on_each_release(release: str) -> None:
    plan = _plan(["curl"], release)
    assert (plan.applicability, plan.additions) == (Applicability.SAFE, ("ca-certificates",))


@pytest.mark.parametrize("release", ["bionic", "focal", "jammy", "noble", "resolute"])
def test_ubuntu_releases_are_decided_by_their_own_metadata(release: str) -> None:
    ubuntu = debian_release(release)
    assert ubuntu is not None and ubuntu.distribution == "Ubuntu"
    assert _plan(["jq"], release) == RecommendsPlan(Applicability.SAFE, (), (), ())
    assert "ca-certificates" in _plan(["curl"], release).additions


def test_always_needed_recommends_are_kept_for_judged_packages_too() -> None:
    """git's perl recommends netbase (Perl sockets look up 'tcp' in /etc/protocols): kept like for any package.

    curl reaches libsasl2-modules only through libcurl's libldap, which never
    loads Cyrus SASL's modules: judged not needed, and so not added.
    """
    assert "netbase" in _plan(["git"]).additions
    assert "netbase" in _plan(["perl"]).additions
    assert "libsasl2-modules" not in _plan(["curl"]).additions + _plan(["postgresql-client"]).additions
    assert "libsasl2-modules" in _plan(["libsasl2-2"]).additions


def test_no_release_means_unsafe() -> None:
    assert recommends_plan(["jq"], None).applicability is Applicability.UNSAFE


def test_a_judgement_made_on_one_release_covers_the_names_of_another() -> None:
    """OpenJDK 11 exists on Debian 11 only; its dropped recommends there were judged like OpenJDK 17's on 12."""
    plan = _plan(["openjdk-11-jre-headless"], "bullseye")
    assert (plan.applicability, plan.unknown) == (Applicability.SAFE, ())
    assert "libomp-11-dev" in _plan(["clang"], "bullseye").additions, "-fopenmp needs it: not judged, so kept"


def test_a_name_one_package_provides_is_judged_as_that_package() -> None:
    """libssl3 became libssl3t64 in Debian 13, which Provides the old name: apt-get installs it instead."""
    plan = _plan(["libssl3"], "trixie")
    assert plan.selected == ("libssl3 is libssl3t64 on Debian 13 (trixie)",)
    assert plan._replace(selected=()) == _plan(["libssl3t64"], "trixie")
    assert _plan(["libssl3"], "bookworm").selected == (), "a package of Debian 12"


def test_a_name_other_sources_may_hold_stays_unknown() -> None:
    """A repository added before the install (or an unknown base) may have its own package of that name."""
    plan = _plan(["libssl3", "software-properties-common"], "trixie", other_sources=True)
    assert (plan.applicability, plan.unknown, plan.selected, plan.unresolved) == (
        Applicability.UNSAFE, ("libssl3", "software-properties-common"), (), ())


def test_what_a_provider_installs_counts_as_installed() -> None:
    """libcurl4 is libcurl4t64 on Debian 13, whose Depends are read as if it were named."""
    assert _plan(["libcurl4", "curl"], "trixie").additions == _plan(["libcurl4t64", "curl"], "trixie").additions


@pytest.mark.parametrize(
    "word, release, why",
    [
        ("software-properties-common", "trixie", "Debian 13 (trixie) has no package software-properties-common and none provides it: apt-get fails on it, so the install fails as written"),
        ("netcat", "bookworm", "netcat is a virtual package of Debian 12 (bookworm) that netcat-openbsd, netcat-traditional provide: apt-get asks for one of them, so the install fails as written"),
        ("librust-serde+derive-dev", "trixie", "Debian 13 (trixie) has no package librust-serde+derive-dev, and what provides it is not in dockerfix's data"),
        ("libssl3=3.0.11", "trixie", "libssl3=3.0.11 pins a version of libssl3, which is no package of Debian 13 (trixie) but a name libssl3t64 provides: apt-get installs libssl3t64 only if it provides that version"),
    ],
    ids=["absent", "several-providers", "not-in-the-data", "pinned-virtual"],
)
def test_a_name_apt_get_may_fail_on_is_unsafe_and_says_why(word: str, release: str, why: str) -> None:
    plan = _plan([word, "jq"], release)
    assert (plan.applicability, plan.unresolved, plan.selected) == (Applicability.UNSAFE, (why,), ())


def test_a_claim_follows_the_package_that_recommends() -> None:
    """Maven runs on OpenJDK 21 in Debian 13, whose fonts libraries became Recommends: kept, as for the JRE."""
    plan = _plan(["maven"], "trixie")
    assert plan.applicability is Applicability.SAFE
    assert "libfontconfig1" in plan.additions
    assert "libfreetype6" in debian_release("trixie").installs("libfontconfig1"), "and so not added again"



@pytest.mark.parametrize(
    ("release", "kept"),
    [("bullseye", {"gnupg"}), ("bookworm", {"gnupg"}), ("trixie", {"gnupg"}), ("jammy", {"gnupg"}), ("noble", {"dirmngr", "gpg-agent"})],
)
def test_gpg_keeps_its_keyserver_and_agent_on_every_release(release: str, kept: set[str]) -> None:
    """gpg --recv-keys needs dirmngr and secret-key operations gpg-agent: Debian and older Ubuntu recommend them
    through gnupg, Ubuntu 24.04 directly.  (A second "gpg" entry in the curated table once replaced the first.)"""
    assert kept <= set(_plan(["gpg"], release).additions)


def test_extra_package_dropping_only_harmless_recommends_is_safe() -> None:
    plan = _plan(["libzip-dev"])
    assert (plan.applicability, plan.additions) == (Applicability.SAFE, ())


def test_an_unjudged_recommend_is_kept_by_name() -> None:
    """Nobody judged what zsh's recommends do (its gdbm and ncursesw modules): apt installed them, so the fix names them."""
    plan = _plan(["zsh"], "trixie")
    assert plan.applicability is Applicability.SAFE
    assert plan.additions == ("libgdbm6t64", "libncursesw6")
    assert plan.unjudged == ("libgdbm6t64 (zsh -> libgdbm6t64)", "libncursesw6 (zsh -> libncursesw6)")


def test_the_recommends_of_an_added_package_are_judged_too() -> None:
    """apt installs a recommend's own recommends: gpg's gnupg brings libsasl2-modules (through dirmngr's libldap),
    and on Debian 13, where they became its Recommends, gnupg-utils and gpgv."""
    assert {"gnupg", "libsasl2-modules"} <= set(_plan(["gpg"]).additions)
    assert {"gnupg", "gnupg-utils", "gpgv"} <= set(_plan(["gpg"], "trixie").additions)


def test_a_recommend_the_install_has_already_is_not_added_for_a_recommend() -> None:
    """gnupg-utils (added for gnupg on Debian 13) recommends gpg, which gnupg Depends on: nothing to name."""
    assert "gpg" not in _plan(["gnupg"], "trixie").additions


def test_an_unjudged_choice_is_unsafe() -> None:
    """`cron | cron-daemon`: apt takes the first unless the image has another, which dockerfix cannot always see."""
    plan = _plan(["anacron"])
    assert plan.applicability is Applicability.UNSAFE
    assert plan.unknown == ("anacron (drops cron | cron-daemon)",)


def test_more_unjudged_recommends_than_a_reviewer_vets_leave_them_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """mc drops five recommends nobody judged: more than three names to vet, so the fix is unsafe and names none."""
    plan = _plan(["mc"])
    assert plan.applicability is Applicability.UNSAFE
    assert (plan.unjudged, plan.additions) == ((), ())
    assert "mc (drops mailcap)" in plan.unknown
    monkeypatch.setattr("transforms.apt.UNJUDGED_KEPT_AT_MOST", 1)
    assert _plan(["zsh"], "trixie").applicability is Applicability.UNSAFE


def test_a_list_the_file_may_have_cut_names_nothing() -> None:
    """apt-cacher drops more recommends nobody judged than the file lists; bzip2, named too, satisfies one of
    the listed ones, which must not make the rest look few enough to name."""
    plan = _plan(["apt-cacher", "bzip2"], "trixie")
    assert plan.applicability is Applicability.UNSAFE
    assert plan.unjudged == ()


def test_a_cut_list_stays_unsafe_when_every_listed_recommend_is_installed() -> None:
    """Naming the four recommends the file lists for apt-cacher leaves the nine it cut: still unsafe."""
    listed = ["bzip2", "libberkeleydb-perl", "libdata-dump-perl", "libfile-fcntllock-perl"]
    assert _plan(["apt-cacher", *listed], "trixie").applicability is Applicability.UNSAFE
    assert _plan(["apt-cacher"], "trixie", installed_before=frozenset(listed)).applicability is Applicability.UNSAFE


def test_a_recommend_of_a_package_installed_before_may_come_from_a_new_one() -> None:
    """The file names one recommender per recommend: bandit's ca-certificates through git, but python3.13, new to
    the image, recommends it too. With git installed before, the claim is still added, not dropped."""
    assert "ca-certificates" in _plan(["bandit"], "trixie", installed_before=frozenset({"git"})).additions


def test_a_recommend_only_one_architecture_has_is_not_named() -> None:
    """python3-pymongo recommends python3-bson-ext, which bookworm's arm64 archive lacks: naming it would fail
    the install there, where apt skips the recommend."""
    plan = _plan(["python3-pymongo"])
    assert "python3-bson-ext" not in plan.additions
    assert plan.applicability is Applicability.UNSAFE


def test_unjudged_recommends_are_not_named_on_a_release_read_for_one_architecture() -> None:
    """Ubuntu's data is amd64's only: an arm64 build may lack a name the fix would write."""
    assert _plan(["zsh"], "noble").unjudged == ()


def test_the_recommends_of_a_package_installed_before_are_not_added() -> None:
    """zsh-syntax-highlighting depends on zsh; with zsh installed by an earlier RUN, apt does not install zsh's
    recommends again, so the fix must not name them; whether a package new to the image recommends them too,
    the file (one recommender per recommend) does not say."""
    plan = _plan(["zsh-syntax-highlighting"], "trixie", installed_before=frozenset({"zsh"}))
    assert not {"libgdbm6t64", "libncursesw6"} & set(plan.additions)
    assert plan.applicability is Applicability.UNSAFE, "another new package may recommend them: not known"


def test_extra_package_gets_ca_certificates() -> None:
    assert "ca-certificates" in _plan(["libcurl4"]).additions


@pytest.mark.parametrize(
    "before",
    [
        "RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs",
        "RUN echo 'deb http://example.com/ ./' > /etc/apt/sources.list.d/x.list\nRUN apt-get update && apt-get install -y jq",
        "RUN add-apt-repository -y ppa:deadsnakes/ppa && apt-get install -y jq",
        "RUN dpkg --install ./tool.deb\nRUN apt-get update && apt-get install -y jq",
        # The shell parser gives the redirect to the whole `curl | gpg && echo` list, not to echo.
        'RUN curl -fsSL https://example.com/key | gpg --dearmor -o /usr/share/keyrings/x.gpg \\\n'
        '    && echo "deb [signed-by=/usr/share/keyrings/x.gpg] https://example.com/apt stable main" > /etc/apt/sources.list.d/x.list \\\n'
        "    && apt-get update && apt-get install -y jq",
        "RUN curl -fsSL -o setup.sh https://deb.nodesource.com/setup_20.x && bash setup.sh && apt-get install -y nodejs",
        "COPY scripts/add-repos.sh /tmp/\nRUN /tmp/add-repos.sh\nRUN apt-get update && apt-get install -y jq",
        "RUN . ./configure-apt && apt-get update && apt-get install -y jq",
        "RUN curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -u root bash - && apt-get install -y nodejs",
        'RUN sh -c "$(curl -fsSL https://example.com/setup)" && apt-get install -y jq',
        "RUN timeout 300 bash /tmp/setup.sh && apt-get install -y jq",
        "RUN apt-get install -y --no-install-recommends ./packages-microsoft-prod.deb && apt-get update && apt-get install -y jq",
    ],
    ids=[
        "setup-script", "sources-list", "ppa", "dpkg-install", "keyring-then-echo", "downloaded-script-run", "copied-script",
        "sourced-script", "sudo-with-a-user", "inline-download", "wrapped-script", "local-deb-by-apt",
    ],
)
def test_packages_from_other_repositories_are_unsafe(before: str) -> None:
    found = [d for d in diagnostics(f"FROM debian:12\n{before}\n", select="DF204", raw=True)]
    assert [d.applicability for d in found] == [Applicability.UNSAFE]
    assert "non-Debian repository" in found[0].note


@pytest.mark.parametrize(
    ("installer", "applicability"),
    [
        ("curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin --filename=composer", Applicability.SAFE),
        ("curl -sS https://example.com/installer | php", Applicability.UNSAFE),
        ("curl -sS https://getcomposer.org/installer | bash", Applicability.UNSAFE),
    ],
    ids=["listed-installer", "unlisted-download", "listed-url-another-interpreter"],
)
def test_a_listed_installer_piped_into_its_interpreter_adds_no_repository(installer: str, applicability: Applicability) -> None:
    """Composer's installer only writes composer.phar (package_managers.toml, meta.installer_scripts)."""
    found = diagnostics(f"FROM php:8.3-cli\nRUN {installer}\nRUN apt-get update && apt-get install -y jq\n", select="DF204", raw=True)
    assert [d.applicability for d in found] == [applicability]


@pytest.mark.parametrize(
    "before, applicability",
    [
        ("RUN apt-get update && apt-get install -y jq && echo 'deb http://example.com/ ./' > /etc/apt/sources.list.d/x.list", Applicability.SAFE),
        ("RUN apt-get update && echo 'deb http://example.com/ ./' > /etc/apt/sources.list.d/x.list && apt-get install -y jq", Applicability.SAFE),
        ("RUN echo 'deb http://example.com/ ./' > /etc/apt/sources.list.d/x.list && apt-get update && apt-get install -y jq", Applicability.UNSAFE),
        ("COPY x.list /etc/apt/sources.list.d/\nRUN apt-get install -y jq", Applicability.SAFE),
        ("COPY x.list /etc/apt/sources.list.d/\nRUN apt-get update\nRUN apt-get install -y jq", Applicability.UNSAFE),
        ("COPY pins /etc/apt/preferences.d/\nRUN apt-get install -y jq", Applicability.UNSAFE),
        ('COPY ["x.list", "/etc/apt/sources.list.d/"]\nRUN apt-get update && apt-get install -y jq', Applicability.UNSAFE),
        ("WORKDIR /etc/apt/sources.list.d\nCOPY x.list .\nWORKDIR /\nRUN apt-get update && apt-get install -y jq", Applicability.UNSAFE),
        ("WORKDIR ${DIR}\nCOPY x.list .\nRUN apt-get update && apt-get install -y jq", Applicability.UNSAFE),
        ("WORKDIR ${DIR}\nCOPY rust-toolchain.toml .\nRUN apt-get update && apt-get install -y jq", Applicability.SAFE),
        # DF205 gives the later install an update of its own (lists across RUNs): it would read the line.
        ("RUN apt-get update\nRUN echo 'deb http://example.com/ ./' > /etc/apt/sources.list.d/x.list\nRUN apt-get install -y jq", Applicability.UNSAFE),
    ],
    ids=["written-after", "written-after-update", "then-updated", "copied-no-update", "copied-then-updated", "pins-act-at-once", "json-copy", "relative-copy", "unknown-destination-list", "unknown-destination-other", "a-later-fix-updates"],
)
def test_a_sources_file_counts_once_an_update_reads_it(before: str, applicability: Applicability) -> None:
    """apt installs from the lists the last update fetched: a sources line written after it is not read."""
    found = diagnostics(f"FROM debian:12\n{before}\n", select="DF204", raw=True)
    assert [d.applicability for d in found] == [applicability]


@pytest.mark.parametrize("image", ["ubuntu:16.04", "ubuntu:25.10", "example.com/base:1"])
def test_bases_without_package_metadata_are_unsafe(image: str) -> None:
    found = diagnostics(f"FROM {image}\nRUN apt-get update && apt-get install -y jq\n", select="DF204", raw=True)
    assert [d.applicability for d in found] == [Applicability.UNSAFE]


def test_setup_script_earlier_in_a_merged_run_still_counts() -> None:
    before = (
        "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \\\n"
        "    && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs\n"
    )
    assert [d.applicability for d in diagnostics(before, select="DF204", raw=True)] == [Applicability.UNSAFE]


# -- DF204: which sources keep Debian's packages ------------------------------------


@pytest.mark.parametrize(
    "before",
    [
        "sed -i 's/deb.debian.org/mirrors.example.com/g' /etc/apt/sources.list",
        "sed -i -e 's|http://deb.debian.org|https://mirror.example.org|g' -e 's|security.debian.org|mirror.example.org|' /etc/apt/sources.list.d/debian.sources",
        "sed -i 's/http:/https:/g' /etc/apt/sources.list.d/debian.sources",
        "echo 'deb http://mirror.example.org/debian bookworm main' > /etc/apt/sources.list",
        'printf "deb http://mirror.example.org/debian bookworm main\\ndeb http://mirror.example.org/debian-security bookworm-security main\\n" > /etc/apt/sources.list',
    ],
    ids=["sed-host", "sed-deb822-two-expressions", "sed-scheme", "echo-release", "printf-release-and-security"],
)
def test_a_mirror_of_the_same_archive_keeps_the_fix_safe(before: str) -> None:
    dockerfile = f"FROM debian:12\nRUN {before}\nRUN apt-get update && apt-get install -y jq\n"
    assert [d.fix.applicability for d in diagnostics(dockerfile, select="DF204", raw=True)] == [Applicability.SAFE]


@pytest.mark.parametrize(
    "before",
    [
        "sed -i 's/bookworm/trixie/g' /etc/apt/sources.list.d/debian.sources",
        "sed -i 's/deb.debian.org/mirror.example.org/; s/main/main contrib/' /etc/apt/sources.list",
        "sed -i 's/deb.debian.org/mirror.example.org bookworm-backports/' /etc/apt/sources.list",
        "sed 's/deb.debian.org/mirror.example.org/' /etc/apt/sources.list",
        "echo 'deb http://mirror.example.org/debian bookworm main contrib non-free' > /etc/apt/sources.list",
        "echo 'deb http://mirror.example.org/debian trixie main' > /etc/apt/sources.list",
        "echo 'deb http://deb.debian.org/debian bookworm-backports main' >> /etc/apt/sources.list",
        "echo \"deb http://mirror.example.org/debian $(lsb_release -cs) main\" > /etc/apt/sources.list",
        "add-apt-repository ppa:example/tools",
        "dpkg -i /tmp/tool.deb",
        "curl -fsSL https://example.com/setup | sudo -E bash -",
    ],
    ids=["sed-release", "sed-component", "sed-suite", "sed-not-in-place", "echo-components", "echo-other-release",
         "echo-backports", "echo-computed", "add-apt-repository", "dpkg-i", "setup-script"],
)
def test_other_sources_make_the_fix_unsafe(before: str) -> None:
    dockerfile = f"FROM debian:12\nRUN {before}\nRUN apt-get update && apt-get install -y jq\n"
    assert [d.fix.applicability for d in diagnostics(dockerfile, select="DF204", raw=True)] == [Applicability.UNSAFE]


@pytest.mark.parametrize("install", ["apt-get install -y -t bookworm-backports jq", "apt-get install -y jq/bookworm-backports"])
def test_packages_of_another_release_make_the_fix_unsafe(install: str) -> None:
    (found,) = diagnostics(f"FROM debian:12\nRUN apt-get update && {install}\n", select="DF204", raw=True)
    assert found.fix.applicability is Applicability.UNSAFE and "another release" in found.note


def test_a_repository_added_in_the_parent_stage_counts() -> None:
    dockerfile = (
        "FROM debian:12 AS base\nRUN echo 'deb https://packages.example.com/apt stable main' > /etc/apt/sources.list.d/x.list\n"
        "FROM base\nRUN apt-get update && apt-get install -y jq\n"
    )
    assert [d.fix.applicability for d in diagnostics(dockerfile, select="DF204", raw=True)] == [Applicability.UNSAFE]


@pytest.mark.parametrize(
    "image, decided",
    [
        ("python:3.13-slim", "Debian 13 (trixie)"),
        ("python:3.11-slim-bookworm", "Debian 12 (bookworm)"),
        ("node:22-bookworm-slim", "Debian 12 (bookworm)"),
        ("debian:12", "Debian 12 (bookworm)"),
        ("debian:trixie-20250428", "Debian 13 (trixie)"),
        ("debian:11", "Debian 11 (bullseye)"),
        ("node:18-bullseye-slim", "Debian 11 (bullseye)"),
        ("mcr.microsoft.com/dotnet/aspnet:9.0", "Debian 12 (bookworm)"),  # built FROM debian:bookworm-slim
        ("mcr.microsoft.com/dotnet/sdk:8.0", "Debian 12 (bookworm)"),  # FROM debian:bookworm-slim
        ("rust", "Debian 13 (trixie)"),
        ("python:3.9.15-slim-bullseye", "Debian 11 (bullseye)"),  # a pinned release that names its Debian
        ("python:3.7-slim", "Debian 12 (bookworm)"),  # an end-of-life line: its last build's release, from the data
        ("python:3.8-slim", "Debian 12 (bookworm)"),
        ("php:8.1-apache", "Debian 13 (trixie)"),  # end of life in December 2025, after the images moved to trixie
        ("node:26.3.0-slim", "Debian 13 (trixie)"),  # an older patch release of a line that came out on trixie
        ("php:7.4-cli", "Debian 11 (bullseye)"),  # last built at PHP 7.4's end of life, November 2022
        ("node:18", "Debian 12 (bookworm)"),  # April 2025
        ("python:3.9.15", "Debian 11 (bullseye)"),  # an older patch release: last built when 3.9.16 came out, December 2022
        ("ruby:3.2.2", "Debian 12 (bookworm)"),  # released on bullseye, rebuilt on bookworm until 3.2.3 (January 2024)
        ("ruby:3.0.6", "Debian 11 (bullseye)"),  # 3.0.7 came out on bookworm's days, but ruby 3.0 never moved to it
        ("ubuntu:22.04", "Ubuntu 22.04 (jammy)"),
        ("ubuntu:focal", "Ubuntu 20.04 (focal)"),
        ("buildpack-deps:noble", "Ubuntu 24.04 (noble)"),
        ("mcr.microsoft.com/dotnet/sdk:10.0", "Ubuntu 24.04 (noble)"),  # built FROM ubuntu:noble
        ("mcr.microsoft.com/playwright:v1.62.1-noble", "Ubuntu 24.04 (noble)"),  # the tag names it
        ("eclipse-temurin:21-jdk", "Ubuntu 26.04 (resolute)"),  # built FROM ubuntu:resolute
    ],
)
def test_the_note_says_which_release_decided(image: str, decided: str) -> None:
    (found,) = diagnostics(f"FROM {image}\nRUN apt-get update && apt-get install -y jq\n", select="DF204", raw=True)
    assert found.fix.applicability is Applicability.SAFE and f"is {decided}" in found.note


@pytest.mark.parametrize("image", ["ubuntu@sha256:" + "0" * 64, "ubuntu:rolling", "debian:9", "debian:10", "python:3.7-slim-buster", "ubuntu:16.04", "python:3.6.13", "python:3.8.10-slim", "rust:1.36", "example.com/private/base:1"])
def test_bases_without_known_debian_packages_are_unsafe(image: str) -> None:
    (found,) = diagnostics(f"FROM {image}\nRUN apt-get update && apt-get install -y jq\n", select="DF204", raw=True)
    assert found.fix.applicability is Applicability.UNSAFE


# -- DF204: package lists in a variable --------------------------------------------


def _df204(dockerfile: str):  # type: ignore[no-untyped-def]
    (found,) = diagnostics(dockerfile, select="DF204", raw=True)
    return found


def test_an_arg_default_is_read_as_the_package_list_and_the_note_says_so() -> None:
    found = _df204('FROM debian:bookworm-slim\nARG PKGS="jq  wget"\nRUN apt-get update && apt-get install -y $PKGS\n')
    assert found.fix.applicability is Applicability.SAFE
    assert "`$PKGS` read as jq wget" in found.note and "--build-arg" in found.note


@pytest.mark.parametrize(
    "dockerfile",
    [
        'FROM debian:bookworm-slim\nARG PKGS\nRUN apt-get update && apt-get install -y $PKGS\n',
        'FROM debian:bookworm-slim\nARG PKGS=jq\nRUN PKGS="$PKGS curl" && apt-get install -y $PKGS\n',
        'FROM debian:bookworm-slim\nARG PKGS=jq\nRUN read PKGS < list && apt-get install -y ${PKGS}\n',
        'FROM debian:bookworm-slim\nARG PKGS=jq\nRUN apt-get install -y "$PKGS"\n',
        'FROM debian:bookworm-slim\nARG PKGS=libjq*\nRUN apt-get install -y $PKGS\n',
        'ARG PKGS=jq\nFROM debian:bookworm-slim\nRUN apt-get install -y $PKGS\n',
    ],
    ids=["no default", "assigned in the RUN", "read in the RUN", "quoted", "a glob", "global ARG not redeclared"],
)
def test_a_package_list_the_dockerfile_does_not_fix_stays_unsafe(dockerfile: str) -> None:
    assert _df204(dockerfile).fix.applicability is Applicability.UNSAFE


# -- DF204: what the base image keeps installed -------------------------------------


def _additions(dockerfile: str) -> str:
    return _df204(dockerfile).fix.title


def test_a_recommend_the_base_image_keeps_is_not_added_and_the_note_says_why() -> None:
    found = _df204("FROM python:3.12\nRUN apt-get update && apt-get install -y git\n")
    assert found.fix.applicability is Applicability.SAFE and found.fix.title == "Add `--no-install-recommends`"
    assert "not added: python:3.12 already has ca-certificates, netbase, openssh-client installed" in found.note


@pytest.mark.parametrize(
    "before",
    [
        "apt-get purge -y openssh-client",
        "apt-get autoremove -y",
        "apt-get dist-upgrade -y",
        "dpkg -r openssh-client",
        "dpkg -rP openssh-client",
        "apt-get $REMOVE openssh-client",
        "apt-get install -y --no-install-recommends openssh-client-",  # a trailing minus removes
        "aptitude purge -y openssh-client",
        'bash -c "apt-get purge -y openssh-client"',
        "sh -c 'apt-get remove -y openssh-client'",
        "echo openssh-client | xargs apt-get purge -y",
        "sudo apt-get purge -y openssh-client",
        "env DEBIAN_FRONTEND=noninteractive apt-get purge -y openssh-client",
        "nice apt-get purge -y openssh-client",
        "./cleanup.sh",  # code dockerfix does not read may run anything
    ],
)
def test_after_a_removal_the_base_image_packages_no_longer_count(before: str) -> None:
    title = _additions(f"FROM python:3.12\nRUN {before}\nRUN apt-get update && apt-get install -y git\n")
    assert "openssh-client" in title


@pytest.mark.parametrize("before", ["apt-get upgrade -y", "dpkg --print-architecture", "apt-mark hold git", "sudo apt-get update", "rm -rf /tmp/x-", "echo remove"])
def test_commands_that_remove_nothing_keep_the_base_image_packages(before: str) -> None:
    assert _additions(f"FROM python:3.12\nRUN {before}\nRUN apt-get update && apt-get install -y git\n") == "Add `--no-install-recommends`"


def test_a_stage_starts_with_what_the_stage_it_is_built_from_installed() -> None:
    dockerfile = (
        "FROM debian:bookworm-slim AS base\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\n"
        "FROM base\n"
        "RUN apt-get update && apt-get install -y curl\n"
    )
    assert _additions(dockerfile) == "Add `--no-install-recommends`"
