"""The verification procedure: rewrite, build both, rebuild both, compare, blame.

Both Dockerfiles are built from one temporary copy of the build context, and
live outside it (so `COPY . .` copies the same files for both).  Each is
built once without the cache (the cold build time), then, after a
source-only change in the temporary context, once more with the cache (the
rebuild time and which steps were cached).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rewriter.context import BuildContext, Settings
from rewriter.files import read_dockerfile
from rewriter.syntax import Document, parse
from rewriter.verify.builders import Builder, BuilderError, BuildOutcome, ImageFacts, RunOutcome, Step
from rewriter.verify.compare import Difference, compare_images
from rewriter.verify.snapshot import Snapshot
from rewriter.verify.split import Base, Bases, SplitPromise, final_base_images, split_promise

# A step that installs an application's dependencies: it must come from the
# cache when only source files changed.
DEPENDENCY_INSTALL = re.compile(
    r"\b(?:pip3?(?:\.\d+)?\s+install|-m\s+pip\s+install|uv\s+(?:pip\s+install|sync)|poetry\s+install|pipenv\s+(?:install|sync)"
    r"|npm\s+(?:ci|install|i)\b|yarn(?:\s+install)?\b|pnpm\s+(?:install|i)\b|go\s+mod\s+download|bundle\s+install|composer\s+install)"
)
# Files whose change is not a "source-only" change.
MANIFESTS = frozenset(
    {"requirements.txt", "requirements-dev.txt", "pyproject.toml", "setup.py", "setup.cfg", "poetry.lock", "uv.lock", "Pipfile", "Pipfile.lock",
     "package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "go.mod", "go.sum", "Gemfile", "Gemfile.lock", "composer.json", "composer.lock"}
)
SOURCE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".vue", ".svelte", ".go", ".rb", ".php", ".html", ".css", ".rs", ".java")


@dataclass
class ImageRun:
    """One Dockerfile built cold, described, and rebuilt after a source change."""

    cold: BuildOutcome | None = None
    facts: ImageFacts | None = None
    snapshot: Snapshot | None = None
    rebuild: BuildOutcome | None = None
    rebuild_retried: bool = False
    """The first rebuild missed the builder's own cache and was measured again (see `_rebuild`)."""

    @property
    def built(self) -> bool:
        return self.cold is not None and self.cold.ok

    def dependency_steps(self) -> list[Step]:
        return [s for s in (self.rebuild.steps if self.rebuild else []) if s.instruction.upper().startswith("RUN") and DEPENDENCY_INSTALL.search(s.instruction)]

    @property
    def dependency_install_cached(self) -> bool | None:
        steps = self.dependency_steps()
        if not steps or self.rebuild is None or not self.rebuild.ok:
            return None
        return all(s.cached for s in steps)


@dataclass
class Verification:
    dockerfile: str
    builder: str
    mode: str
    applied: list[str] = field(default_factory=list)
    original: ImageRun = field(default_factory=ImageRun)
    rewritten: ImageRun = field(default_factory=ImageRun)
    differences: list[Difference] = field(default_factory=list)
    changed_source: str | None = None
    blame: dict[str, str] = field(default_factory=dict)
    """Rule code -> why it is blamed."""
    problems: list[str] = field(default_factory=list)
    """Why the rewrite failed verification."""
    errors: list[str] = field(default_factory=list)
    """Why nothing could be verified (exit 2)."""
    notes: list[str] = field(default_factory=list)
    rewritten_text: str = ""
    unchanged: bool = False
    smoke: dict[str, RunOutcome] = field(default_factory=dict)
    """What the smoke command did in each image ("original", "rewritten"), when it ran."""
    smoke_failed: bool = False

    @property
    def equivalent(self) -> bool:
        return self.original.built and self.rewritten.built and not any(not d.allowed for d in self.differences)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        if self.problems:
            return 1
        return 0

    @property
    def verdict(self) -> str:
        return {0: "unchanged" if self.unchanged else "verified", 1: "failed", 2: "error"}[self.exit_code]


# -- reading the Dockerfiles ------------------------------------------------------


def env_assignments(document: Document) -> dict[str, list[str]]:
    """ENV keys -> the raw arguments of every ENV instruction that sets them."""
    out: dict[str, list[str]] = {}
    for instruction in document.instructions:
        instruction = instruction.effective
        if instruction.name != "ENV":
            continue
        words = [w.text for w in instruction.words()]
        keys = [w.split("=", 1)[0] for w in words if "=" in w] if words and "=" in words[0] else words[:1]
        for key in keys:
            out.setdefault(key, []).append(instruction.args.text)
    return out


def unsupported_features(document: Document) -> set[str]:
    """Features some builders lack: heredocs, `COPY --link`, digest-pinned FROM."""
    found = set()
    for instruction in document.instructions:
        if instruction.heredocs:
            found.add("heredoc")
        if instruction.name in ("COPY", "ADD") and instruction.flag("link") is not None:
            found.add("copy-link")
    for stage in document.stages:
        if "@sha256:" in stage.image:
            found.add("digest")
    return found


def pick_source_file(context: Path, dockerfile_text: str, ignore: BuildContext) -> str | None:
    """A source file the build copies whose change should not reinstall dependencies."""
    candidates = [f for f in ignore.files() if f.endswith(SOURCE_SUFFIXES) and Path(f).name not in MANIFESTS and "node_modules/" not in f]
    if not candidates:
        candidates = [f for f in ignore.files() if Path(f).name not in MANIFESTS and not Path(f).name.startswith((".", "Dockerfile"))]
    if not candidates:
        return None
    mentioned = [f for f in candidates if Path(f).name in dockerfile_text]
    return min(mentioned or candidates, key=lambda f: (f.count("/"), (context / f).stat().st_size == 0, f))


def first_miss_explained(steps: list[Step], changed: str) -> bool:
    """Did every step before the first copy of the changed file come from the cache?

    Only a COPY/ADD of the changed file (or from another stage) may start the
    rebuild.  A step before it missing the cache after a source-only change
    means the builder did not find its own earlier layers.
    """
    for step in steps:
        if _copies(step.instruction, changed):
            return True
        if not step.cached:
            return False
    return True


def _copies(text: str, changed: str) -> bool:
    """Does this COPY/ADD step (as a build log shows it) copy `changed`, or copy from another stage?"""
    from fnmatch import fnmatchcase

    if not text.upper().startswith(("COPY", "ADD")):
        return False
    try:
        instruction = parse(b"FROM scratch\n" + text.encode() + b"\n").instructions[1]
    except Exception:  # noqa: BLE001 - a log line we cannot read: do not second-guess the builder
        return True
    if instruction.flag("from") is not None:
        return True
    for source in [w.text for w in instruction.words()][:-1]:
        source = source.lstrip("/").removeprefix("./").rstrip("/")
        if source in ("", ".", "*") or "$" in source or changed == source or changed.startswith(source + "/") or fnmatchcase(changed, source):
            return True
    return False


def change_source(path: Path, original: bytes) -> None:
    """A source-only change that changes nothing the program does, and is new every time.

    The file gets one more line holding a random nonce written in spaces and
    tabs: blank to Python, Go, JavaScript, Ruby, CSS or HTML alike, and never
    the same bytes twice.  Appending the same bytes each time (a lone line
    break) let layers left by an earlier run, or by the other image's rebuild,
    serve the "changed" copy from the cache, and so report a reinstalling
    Dockerfile as cached.
    """
    nonce = secrets.randbits(64)
    line = "".join("\t" if nonce >> bit & 1 else " " for bit in range(64))
    path.write_bytes(original + b"\n" + line.encode() + b"\n")


# -- the procedure ---------------------------------------------------------------


@dataclass
class Baseline:
    """The original image, built, measured and run once for several verifications of one Dockerfile.

    `prove` verifies the same original against up to n + 2 rewrites (every
    candidate together, each alone, the proven ones together), and the image
    bench against the safe and the proven rewrite.  The original's cold
    build, snapshot, rebuild and smoke run are the same each time, so the
    first `verify` given a baseline fills it and keeps the image; the later
    ones take it from here.  The owner calls `release` when done.
    """

    tag: str = ""
    run: ImageRun | None = None
    """The original's builds and facts, once built (or once its build failed)."""
    smoke: dict[str | None, RunOutcome] = field(default_factory=dict)
    """What the smoke command (None: the image's own) did in the original image."""
    bases: dict[str, Base] = field(default_factory=dict)
    """Base images read for a base move's or a split's promise, by name (they do not change between verifications)."""

    def release(self, builder: Builder) -> None:
        """Remove the original image kept for the verifications."""
        if self.tag:
            builder.remove(self.tag)
        self.tag, self.run, self.smoke, self.bases = "", None, {}, {}


@dataclass
class Inputs:
    dockerfile: Path
    context: Path
    settings: Settings
    rebuild: bool = True
    blame: bool = True
    keep_images: bool = False
    progress: Callable[[str], None] = lambda message: None
    smoke: str | None = None
    """A shell command of the user's to run in both images (`--smoke`); default: the image's own command."""
    smoke_seconds: float = 5.0
    """How long a smoke run may take; a command still running then (a server) counts as running."""
    baseline: Baseline | None = None
    """The original image shared with other verifications of the same Dockerfile (see `Baseline`)."""


def rewrite(source: bytes, inputs: Inputs, settings: Settings | None = None) -> tuple[bytes, list[str], list[str]]:
    """The engine's output, the rule codes it applied, its internal errors."""
    from rewriter.engine import fix_source

    result = fix_source(
        source,
        path=str(inputs.dockerfile),
        settings=settings or inputs.settings,
        context_dir=inputs.context,
        dockerfile_path=inputs.dockerfile,
    )
    return result.output, sorted({d.rule for d in result.applied}), result.internal_errors


def _context_filter(root: Path, dockerfile: Path) -> Callable[[str, list[str]], set[str]]:
    """What not to copy: what .dockerignore leaves out of the build anyway (a big node_modules, .git).

    A folder is skipped whole only when no `!` pattern could bring back a file below it.
    """
    ignore = BuildContext(root, dockerfile).ignore
    negations = [text for negate, _, text in ignore.patterns if negate]

    def may_bring_back(rel: str) -> bool:
        return any(text.startswith(rel + "/") or text[0] in "*?[" or text.startswith("**") for text in negations)

    def skip(directory: str, names: list[str]) -> set[str]:
        rel_dir = Path(directory).relative_to(root).as_posix()
        out = set()
        for name in names:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if name == ".git" or (ignore.excluded(rel) and not ((Path(directory) / name).is_dir() and may_bring_back(rel))):
                out.add(name)
        return out

    return skip


def _build_one(builder: Builder, context: Path, dockerfile: Path, tag: str, run: ImageRun, progress: Callable[[str], None], label: str) -> None:
    progress(f"building the {label} image (no cache)")
    run.cold = builder.build(context, dockerfile, tag, no_cache=True)
    if run.cold.ok:
        run.facts = builder.facts(tag)
        progress(f"reading the {label} image's files")
        run.snapshot = builder.snapshot(tag)


# A base image the builder could neither find nor pull (buildah/podman; BuildKit), not a RUN step's network error.
_PULL_FAILED = re.compile(
    r"creating build container|initializing source docker://|failed to resolve source metadata|pull access denied"
    r"|manifest unknown|unable to pull",
    re.I,
)


def base_images(document: Document) -> set[str]:
    """The images the stages start from (not earlier stages)."""
    aliases = {stage.alias.lower() for stage in document.stages if stage.alias}
    return {stage.image for stage in document.stages if stage.image.lower() not in aliases and stage.image != "scratch"}


def _explain_failure(outcome: BuildOutcome, features: set[str], limits: dict[str, str]) -> tuple[str, bool]:
    """Plain words for failures that are the environment's, not the Dockerfile's; and whether a pull failed."""
    hints = [limits[f] for f in sorted(features) if f in limits]
    pull_failed = bool(_PULL_FAILED.search(outcome.log))
    if pull_failed and "digest" in features:
        hints.append("a digest-pinned FROM (image@sha256:...) could not be resolved: the builder has no local image with that digest and cannot reach the registry")
    elif pull_failed:
        hints.append("a base image is not available locally and could not be pulled (offline? tools/standins/ makes local stand-ins)")
    return "; ".join(hints), pull_failed


def verify(inputs: Inputs, builder: Builder) -> Verification:
    """Rewrite the Dockerfile, build both versions, compare them and judge the rewrite."""
    source = read_dockerfile(inputs.dockerfile)
    mode = "unsafe" if inputs.settings.unsafe_fixes else "safe"
    result = Verification(dockerfile=str(inputs.dockerfile), builder=builder.version(), mode=mode)
    output, applied, internal = rewrite(source, inputs)
    result.applied, result.rewritten_text = applied, output.decode("utf-8", "replace")
    result.errors.extend(f"internal error: {m}" for m in internal)
    if output == source:
        result.unchanged = True
        result.notes.append("no fix applies: nothing to verify")
        return result
    original_doc, rewritten_doc = parse(source), parse(output)
    limits = builder.limits()
    before_features, after_features = unsupported_features(original_doc), unsupported_features(rewritten_doc)
    blocked = sorted(f for f in before_features | after_features if f in limits)
    if blocked:
        result.errors.extend(f"cannot verify: {limits[f]}" + (" (introduced by the rewrite)" if f not in before_features else "") for f in blocked)
        return result
    with tempfile.TemporaryDirectory(prefix="dockerfix-verify-") as tmp:
        work = Path(tmp)
        context = work / "context"
        progress = inputs.progress
        progress(f"copying the build context {inputs.context}")
        shutil.copytree(inputs.context, context, symlinks=True, ignore=_context_filter(inputs.context, inputs.dockerfile))
        files = {"original": work / "Dockerfile.original", "rewritten": work / "Dockerfile.rewritten"}
        files["original"].write_bytes(source)
        files["rewritten"].write_bytes(output)
        own_ignore = inputs.dockerfile.with_name(inputs.dockerfile.name + ".dockerignore")
        if own_ignore.is_file():
            for path in files.values():
                shutil.copyfile(own_ignore, path.with_name(path.name + ".dockerignore"))
        run_id = uuid.uuid4().hex[:10]
        tags = {label: f"localhost/dockerfix-verify-{run_id}:{label}" for label in files}
        baseline = inputs.baseline
        bases_read: dict[str, Base] = baseline.bases if baseline is not None else {}  # each base read once per run
        residue = builder.residue()
        try:
            if baseline is not None and baseline.run is not None:
                progress("the original image is built already (reused)")
                tags["original"] = baseline.tag
                result.original = dataclasses.replace(baseline.run)
            else:
                _build_one(builder, context, files["original"], tags["original"], result.original, progress, "original")
                if baseline is not None:
                    baseline.tag, baseline.run = tags["original"], result.original
                    if inputs.rebuild and result.original.built:
                        # Measured now, whatever becomes of the rewrite: the layers its cache lookup
                        # needs go with this run's residue.
                        _rebuild(result, builder, inputs, context, files, tags, source, ("original",))
            if not result.original.built:
                assert result.original.cold is not None
                hint, _ = _explain_failure(result.original.cold, before_features, limits)
                result.errors.append("the original Dockerfile does not build" + (f": {hint}" if hint else "") + "; nothing to compare with")
                return result
            _build_one(builder, context, files["rewritten"], tags["rewritten"], result.rewritten, progress, "rewritten")
            if not result.rewritten.built:
                assert result.rewritten.cold is not None
                hint, pull_failed = _explain_failure(result.rewritten.cold, after_features, limits)
                new_images = base_images(rewritten_doc) - base_images(original_doc)
                if (hint and after_features - before_features) or (pull_failed and new_images):
                    where = f" (the rewrite uses {', '.join(sorted(new_images))})" if new_images else ""
                    result.errors.append(f"cannot verify the rewrite: {hint}{where}")
                    return result
                result.problems.append("the rewritten Dockerfile does not build" + (f" ({hint})" if hint else ""))
            else:
                _compare(result, original_doc, rewritten_doc, *_promises(builder, original_doc, rewritten_doc, result, bases_read, context, progress))
                _smoke(result, builder, inputs, tags["original"], tags["rewritten"])
                _judge_by_smoke(result)
            if inputs.rebuild and result.rewritten.built:
                measured = result.original.rebuild is not None  # with the baseline
                _rebuild(result, builder, inputs, context, files, tags, source, ("rewritten",) if measured else ("original", "rewritten"))
                _judge_dependency_cache(result)
            image_problems = not result.rewritten.built or not result.equivalent or result.smoke_failed
            if image_problems and inputs.blame and len(applied) > 1:
                _blame(result, builder, inputs, context, work, source, tags, bases_read)
            elif image_problems:
                for code in applied:
                    result.blame[code] = "the only fix applied" if len(applied) == 1 else "applied together (blame not computed)"
        finally:
            if baseline is not None and baseline.run is not None and baseline.run.rebuild is None:
                baseline.run.rebuild, baseline.run.rebuild_retried = result.original.rebuild, result.original.rebuild_retried
            if not inputs.keep_images:
                for label, tag in tags.items():
                    if not (baseline is not None and label == "original"):
                        builder.remove(tag)  # the baseline's owner removes the original
                builder.clean(residue)  # untagged layers and build-cache records this run made
    return result


def _promises(
    builder: Builder,
    original_doc: Document,
    rewritten_doc: Document,
    result: Verification,
    known: dict[str, Base],
    context: Path,
    progress: Callable[[str], None] = lambda message: None,
) -> tuple[SplitPromise | None, Bases | None]:
    """A DF4xx split's promise, and the final stages' base images when a DF3xx or DF4xx fix may have moved them.

    A base is read from the builder once per run (`known`): its config for a base move, its files too for a split."""
    families = {code[:3] for code in result.applied}
    splits = "DF4" in families
    images = final_base_images(original_doc, rewritten_doc) if splits or "DF3" in families else None
    promise = split_promise(original_doc, rewritten_doc, context) if splits else None
    if images is None or (promise is None and images[0] == images[1]):
        return promise, None  # the final image kept its base: nothing to read
    try:
        bases = Bases(*(_base(builder, image, known, promise is not None, progress) for image in images))
    except BuilderError as exc:
        held = "env and files" if promise is not None else "env"
        result.notes.append(f"the base images could not be read ({exc}): the final image is held to the original image's {held}")
        return promise, None
    return (promise.with_bases(bases) if promise is not None else None), bases


def _base(builder: Builder, image: str, known: dict[str, Base], with_files: bool, progress: Callable[[str], None]) -> Base:
    """The base image `image` as `known` has it, read from the builder the first time it is needed (its files only when asked)."""
    base = known.get(image)
    if base is None or (with_files and base.snapshot is None):
        progress(f"reading the base image {image} (what the final image may inherit from it)")
        config = base.config if base is not None else builder.facts(image).config
        base = known[image] = Base(image, config, builder.snapshot(image) if with_files else None)
    return base


def _judge_by_smoke(result: Verification) -> None:
    """A file the split built otherwise is allowed only by a smoke check that ran (and passed: `_smoke` says if not)."""
    rebuilt = [d for d in result.differences if d.needs_smoke]
    if rebuilt and not result.smoke:
        result.problems.append(
            "the split builds " + ", ".join(d.subject for d in rebuilt) + " otherwise and no smoke check ran to judge it"
        )


def _compare(result: Verification, original_doc: Document, rewritten_doc: Document, split: SplitPromise | None = None, bases: Bases | None = None) -> None:
    env_before, env_after = env_assignments(original_doc), env_assignments(rewritten_doc)
    on_purpose = {k for k in set(env_before) | set(env_after) if env_before.get(k) != env_after.get(k)}
    assert result.original.facts and result.original.snapshot and result.rewritten.facts and result.rewritten.snapshot
    result.differences = compare_images(
        (result.original.facts.config, result.original.snapshot),
        (result.rewritten.facts.config, result.rewritten.snapshot),
        applied=result.applied,
        env_on_purpose=on_purpose,
        env_in_dockerfile=set(env_before) | set(env_after),
        split=split,
        bases=bases,
    )
    unexplained = [d for d in result.differences if not d.allowed]
    if unexplained:
        shown = "; ".join(d.describe() for d in unexplained[:5])
        more = f" and {len(unexplained) - 5} more" if len(unexplained) > 5 else ""
        result.problems.append(f"the images differ beyond what the fixes promise: {shown}{more}")


def _smoke(result: Verification, builder: Builder, inputs: Inputs, original: str, rewritten: str) -> bool:
    """Run the same command in both images and compare what they do; False (and a problem) when they differ.

    The image's own command (ENTRYPOINT + CMD) is judged by what became of
    it: still running after `smoke_seconds` (a server), or its exit status; its
    output is not compared, since timestamps and process ids differ from run
    to run.  The user's `--smoke` command is meant to be deterministic: its
    exit status and output must match.  Containers run without network.
    """
    command = ["/bin/sh", "-c", inputs.smoke] if inputs.smoke else None
    inputs.progress("smoke check: running " + (f"`{inputs.smoke}`" if inputs.smoke else "each image's command") + " in both images")
    known = inputs.baseline.smoke if inputs.baseline is not None and inputs.baseline.tag == original else {}
    try:
        before = known.get(inputs.smoke) or builder.run(original, command, inputs.smoke_seconds)
        known[inputs.smoke] = before
        after = builder.run(rewritten, command, inputs.smoke_seconds)
    except BuilderError as exc:
        result.notes.append(f"smoke check not run: {exc}")
        return True
    result.smoke = {"original": before, "rewritten": after}
    same = before.exit_code == after.exit_code and (command is None or before.output == after.output)
    result.smoke_failed = not same
    if not same:
        what = f"`{inputs.smoke}`" if inputs.smoke else "the image's command"
        detail = before.describe() if before.exit_code != after.exit_code else "printed other output"
        result.problems.append(
            f"smoke check: {what} {after.describe()} in the rewritten image, but {detail} in the original; "
            f"last lines of the rewritten image's output:\n{after.tail()}"
        )
    return same


def _rebuild(result: Verification, builder: Builder, inputs: Inputs, context: Path, files: dict[str, Path], tags: dict[str, str], source: bytes, labels: tuple[str, ...]) -> None:
    """Rebuild the images named by `labels` after a one-line change to a source file, the figures going on their runs.

    The file changed is picked once per verification (`result.changed_source`), so both images are
    measured after a change to the same file."""
    changed = result.changed_source or pick_source_file(context, source.decode("utf-8", "replace"), BuildContext(context, files["original"]))
    if changed is None:
        note = "no source file to change in the build context: rebuild not measured"
        if note not in result.notes:  # the baseline's rebuild may have said so already
            result.notes.append(note)
        return
    result.changed_source = changed
    saved = (context / changed).read_bytes()
    try:
        for label in labels:
            run: ImageRun = getattr(result, label)
            # Each rebuild gets its own change: the rewritten image must not reuse layers the
            # original's rebuild just made from the same bytes.
            change_source(context / changed, saved)
            inputs.progress(f"rebuilding the {label} image after a change to {changed}")
            run.rebuild = builder.build(context, files[label], tags[label] + "-rebuild", no_cache=False)
            if run.rebuild.ok and not first_miss_explained(run.rebuild.steps, changed):
                # buildah/podman look a step up under the *oldest* matching parent, so an older
                # build's entries can hide the chain the no-cache build just made.  The rebuild
                # made a consistent chain; measure again on it.
                inputs.progress(f"rebuilding the {label} image again: the builder did not find the cache of its first build")
                change_source(context / changed, saved)
                run.rebuild = builder.build(context, files[label], tags[label] + "-rebuild", no_cache=False)
                run.rebuild_retried = True
                result.notes.append(f"{label}: rebuild measured on a second try (the builder's cache lookup missed the no-cache build's layers)")
            if not inputs.keep_images:
                builder.remove(tags[label] + "-rebuild")
    finally:
        (context / changed).write_bytes(saved)  # the blame builds compare with the original image


def _judge_dependency_cache(result: Verification) -> None:
    """A DF1xx reorder whose dependency install still reruns after a source-only change failed its promise."""
    after = result.rewritten.dependency_install_cached
    before = result.original.dependency_install_cached
    if after is not False:
        return
    message = f"the dependency install is not cached after a change to {result.changed_source}"
    if any(code.startswith("DF1") for code in result.applied):
        result.problems.append(f"{message}, although a DF1xx fix reordered the copies")
        for code in result.applied:
            if code.startswith("DF1"):
                result.blame.setdefault(code, "the dependency install still reruns after a source-only change")
    else:
        result.notes.append(f"{message} (no DF1xx fix applies{'; same before' if before is False else ''})")


def _blame(
    result: Verification, builder: Builder, inputs: Inputs, context: Path, work: Path, source: bytes, tags: dict[str, str], bases_read: dict[str, Base]
) -> None:
    """Rebuild with each applied fix alone; a fix whose rewrite fails on its own is to blame (base images read once: `bases_read`)."""
    for code in result.applied:
        settings = inputs.settings._replace(select=(code,), ignore=())
        output, applied, _ = rewrite(source, inputs, settings)
        if output == source:
            continue
        single = Verification(dockerfile=result.dockerfile, builder=result.builder, mode=result.mode, applied=applied)
        single.original = ImageRun(cold=result.original.cold, facts=result.original.facts, snapshot=result.original.snapshot)
        path = work / f"Dockerfile.{code}"
        path.write_bytes(output)
        tag = tags["original"].rsplit(":", 1)[0] + f":{code.lower()}"
        try:
            _build_one(builder, context, path, tag, single.rewritten, inputs.progress, f"{code}-only")
            if not single.rewritten.built:
                result.blame[code] = "its rewrite alone does not build"
                continue
            before, after = parse(source), parse(output)
            _compare(single, before, after, *_promises(builder, before, after, single, bases_read, context, inputs.progress))
            if not single.problems and result.smoke_failed:
                _smoke(single, builder, inputs, tags["original"], tag)
            if single.problems:
                result.blame[code] = "its rewrite alone: " + single.problems[0]
        finally:
            if not inputs.keep_images:
                builder.remove(tag)
    if not result.blame:
        for code in result.applied:
            result.blame[code] = "each passes alone; they fail together"
