"""`dockerfix verify`: build the original and the rewritten Dockerfile and compare.

A rewrite is only as good as its proof.  `verify` builds both Dockerfiles in
a temporary copy of the build context with the builder found on the machine
(docker/buildx, podman or buildah), then reports whether both built, image
size and layer count before and after, cold build time, rebuild time after a
source-only change (and which steps came from the cache), and whether the
two final images are equivalent up to what the applied fixes promise.

Modules: `builders` (the builder abstraction and its three implementations),
`snapshot` (a final image's files and installed packages), `compare`
(equivalence and what each rule family may change), `run` (the procedure),
`report` (rich table and JSON), `command` (the options and exit codes; the options are declared in `rewriter.cli`),
`prove` (`--prove`: the unsafe fixes real builds prove) and `progress` (what it shows while it builds).
Nothing here is imported by the main `dockerfix` command unless `verify` runs.
"""

from __future__ import annotations


def main(argv: list[str]) -> int:
    """Entry point of `dockerfix verify` (argv without the subcommand name)."""
    from rewriter.verify.command import main as _main

    return _main(argv)
