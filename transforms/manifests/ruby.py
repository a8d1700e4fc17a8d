"""Ruby: `bundle install` (Gemfile, Gemfile.lock)."""

from __future__ import annotations

from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms.manifests.common import (
    Env,
    Plan,
    Project,
    cap,
    has_lock,
    installs,
    is_frozen,
    manifest_files,
    outputs_in_context,
    package_managers,
    parse_options,
)


def _chain_env(command: Command, env: Env) -> Env:
    """The environment later commands of the chain see: `bundle config set frozen true` acts like BUNDLE_FROZEN."""
    values = [v for v in command.arg_values() if v not in ("set", "--local", "--global")]
    if command.name in ("bundle", "bundler") and len(values) >= 3 and values[0] == "config":
        key, value = values[1], values[2]
        if key in ("frozen", "deployment") and value in ("true", "1"):
            return {**env, f"BUNDLE_{key.upper()}": value}
    return env


@installs("bundle", "bundler", tool="bundler", chain_env=_chain_env, local_config=".bundle")
def bundler_install(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["bundler"]
    if len(words) < 2 or words[1] not in ("install", "i"):
        if len(words) > 2 and words[1] == "config":
            return Plan("free", "bundler") if "--local" not in words else Plan("source", "bundler", decline="`bundle config --local` writes .bundle/config in the project folder")
        return Plan("source", "bundler")
    folder = project.folder()
    if folder is None:
        return Plan("source", "bundler", decline=project.outside())
    options, positionals = parse_options(words[2:], {"--jobs", "-j", "--retry", "--without", "--with", "--path", "--gemfile", "--binstubs"})
    if positionals or any(n in ("--gemfile", "--path", "--binstubs") for n, _ in options):
        return Plan("source", "bundler", decline="bundle install with a custom Gemfile, path or binstubs is not followed")
    files, why = manifest_files(project, folder, data, "bundler")
    if why:
        return Plan("source", "bundler", decline=why)
    gemfile = project.read(files[0]) or ""
    code = "\n".join(line.split("#", 1)[0] for line in gemfile.splitlines())
    for marker in data["source_reading"]:
        if marker in code:
            return Plan("source", "bundler", decline=f"the Gemfile uses `{marker.rstrip('.[:')}`, which reads the project's own files")
    why = outputs_in_context(project, folder, data["outputs"], "bundler")
    if why:
        return Plan("source", "bundler", decline=why)
    plan = Plan("install", "bundler", files=tuple(files))
    if not has_lock(project, folder, data):
        plan = cap(plan, Applicability.UNSAFE, "there is no Gemfile.lock, so bundler resolves and writes one; the source copy then replaces it.")
    elif not is_frozen(words, data, env, [a.text for a in command.assignments]):
        plan = cap(plan, Applicability.UNSAFE, "`bundle install` without frozen mode may rewrite Gemfile.lock (platforms, versions); the source copy then puts the context's version back (set BUNDLE_FROZEN=true to make it safe).")
    return plan
