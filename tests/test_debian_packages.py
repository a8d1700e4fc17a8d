"""The packed Debian and Ubuntu metadata: names a release Provides without having them as packages."""

from __future__ import annotations

import pytest

from transforms.apt import UNJUDGED_KEPT_AT_MOST
from transforms.debian_packages import DebianRelease, debian_packages, debian_release


def _release(codename: str) -> DebianRelease:
    release = debian_release(codename)
    assert release is not None, f"no packed data for {codename}"
    return release


@pytest.mark.parametrize("codename", ["trixie", "noble"])
def test_the_64_bit_time_t_transition_left_the_old_names_provided(codename: str) -> None:
    release = _release(codename)
    assert not release.has("libssl3")
    assert release.providers("libssl3") == ("libssl3t64",)


def test_a_real_package_has_no_providers_even_where_others_provide_its_name() -> None:
    """libssl3 is a package of Debian 12: apt installs it, whatever else provides the name."""
    assert _release("bookworm").has("libssl3")
    assert _release("bookworm").providers("libssl3") == ()


def test_a_virtual_name_lists_every_provider() -> None:
    assert _release("bookworm").providers("libhdf5-serial-dev") == ("libhdf5-dev",)
    assert _release("bookworm").providers("netcat") == ("netcat-openbsd", "netcat-traditional")


@pytest.mark.parametrize("codename, name", [("trixie", "software-properties-common"), ("bookworm", "libfoo-tools")])
def test_a_name_neither_packaged_nor_provided(codename: str, name: str) -> None:
    release = _release(codename)
    assert (release.has(name), release.providers(name)) == (False, ())


@pytest.mark.parametrize(
    "codename, name",
    [("trixie", "librust-serde+derive-dev"), ("bookworm", "libghc-text-dev-1.2.5.0-0a1b2"), ("resolute", "spl-modules")],
    ids=["rust-crate", "haskell-library", "kernel-builds-only"],
)
def test_names_the_data_leaves_out_are_unknown_not_absent(codename: str, name: str) -> None:
    """regenerate_debian.py leaves out Rust's and Haskell's packaging names, and lists no kernel build as a provider."""
    assert _release(codename).providers(name) is None


def test_a_real_package_of_a_left_out_family_is_a_package() -> None:
    assert _release("trixie").has("librust-serde-dev")
    assert _release("trixie").providers("librust-serde-dev") == ()


def test_the_file_lists_one_unjudged_recommend_more_than_a_safe_fix_names() -> None:
    """A package's unjudged recommends are cut at `unjudged_listed`, and a cut list makes the fix unsafe: the
    file must list one more than DF204 names, or the cap would be the file's, not UNJUDGED_KEPT_AT_MOST."""
    data = debian_packages()
    assert data is not None and data.unjudged_listed == UNJUDGED_KEPT_AT_MOST + 1


def test_the_file_says_which_lists_it_cut() -> None:
    """gnupg-utils recommends exactly four packages (all Depends of gnupg): listed in full; apt-cacher's
    thirteen are cut at four, and DF204 must know the difference."""
    trixie = _release("trixie")
    assert not trixie.dropped_cut("gnupg-utils")
    assert trixie.dropped_cut("apt-cacher")
