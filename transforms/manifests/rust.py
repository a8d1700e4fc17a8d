"""Rust: cargo cannot fetch from its manifests alone, so the pass only explains what to do (DF102)."""

from __future__ import annotations

import re

from rewriter.shell import Command
from transforms.manifests.common import Env, Plan, Project, in_folder, installs, package_managers


def _fetched_elsewhere(dockerfile: str) -> bool:
    """cargo-chef and `cargo fetch` recipes live in stages of their own: anywhere in the file, they order it."""
    return re.search(r"cargo[ \t]+(chef|fetch)\b", dockerfile) is not None


@installs("cargo", tool="cargo", fetches_in_build=True, only_builds=True, ordered_by=_fetched_elsewhere)
def cargo_build(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["cargo"]
    sub = words[1] if len(words) > 1 else ""
    if sub not in data["build_subcommands"]:
        return Plan("source", "cargo")
    folder = project.folder()
    if folder is None or not project.is_file(in_folder(folder, "Cargo.toml")):
        return Plan("source", "cargo")
    return Plan(
        "source",
        "cargo",
        decline=(
            "cargo cannot fetch or build dependencies from Cargo.toml and Cargo.lock alone: it needs the crate's targets "
            "(src/main.rs or src/lib.rs). Use cargo-chef (`cargo chef prepare` / `cargo chef cook --release`) or copy the "
            "manifests with an empty `src/main.rs` and run `cargo build --release` before `COPY . .`, then touch the real sources."
        ),
    )

