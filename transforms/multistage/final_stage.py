"""DF406's plan: a final stage that only copies an artifact, moved off its toolchain image."""

from __future__ import annotations

import re

from rewriter.context import FileContext
from rewriter.syntax import Instruction, Stage
from rewriter.text import Span
from rewriter.variables import resolve_image
from transforms.multistage.common import (
    Decline,
    Image,
    cgo_disabled,
    distroless,
    distroless_size,
    image_facts,
    is_alpine,
    knowledge,
    size_of,
)


TOOLCHAIN_IMAGES = {"golang": "go", "rust": "rust", "maven": "java", "gradle": "java"}


def plan_final_stage(context: FileContext) -> tuple[Instruction, Span, str, str, float | None, float | None] | None:
    """A final stage that only copies an artifact from an earlier stage but is based on a toolchain image."""
    document = context.document
    stages = document.stages
    if len(stages) < 2:
        return None
    final = stages[-1]
    ref = resolve_image(document, final)
    if ref is None or document.stage_named(final.image) is not None:
        return None
    image = Image.parse(ref)
    kind = TOOLCHAIN_IMAGES.get(image.repo)
    if image.repo == "eclipse-temurin" and "jre" not in image.tag:
        kind = "java"
    if kind is None or image.digest:
        return None
    for ins in final.instructions:
        if ins.name in ("RUN", "ONBUILD", "SHELL", "ADD") or ins.name == "COPY" and ins.flag("from") is None:
            raise Decline(f"line {ins.line}: the final stage does more than copy an artifact ({ins.name})")  # timid:
    copies = [ins for ins in final.instructions if ins.name == "COPY"]
    if not copies:
        return None
    start_cmd = next((i for i in reversed(final.instructions) if i.name in ("ENTRYPOINT", "CMD")), None)
    healthcheck = next((i for i in final.instructions if i.name == "HEALTHCHECK"), None)
    if healthcheck is not None:
        raise Decline("the final stage has a HEALTHCHECK whose tools the runtime image may not have")  # timid:
    if start_cmd is None or start_cmd.json is None:
        raise Decline("the final stage starts with a shell-form command; a distroless image has no shell")  # timid:
    if any(i.name == "USER" and not re.fullmatch(r"\d+(:\d+)?|nonroot|root", i.args.text.strip()) for i in final.instructions):
        raise Decline("the final stage runs as a named user a minimal image may not have")  # timid:
    if kind == "go":
        sources = {str(i.flag("from").value) for i in copies}  # type: ignore[union-attr]
        static = all(_stage_builds_static_go(context, document.stage_named(s)) for s in sources)
        if not static and any(_stage_on_alpine(context, document.stage_named(s)) for s in sources):
            raise Decline("the binary may link musl (cgo on Alpine): no distroless image fits")  # timid:
        new = distroless("static") if static else distroless("base")
        before = size_of(("images", "golang", "sizes", "full"))
    elif kind == "rust":
        sources = {str(i.flag("from").value) for i in copies}  # type: ignore[union-attr]
        for name in sources:
            _check_rust_libraries(context, document.stage_named(name))
        new = distroless("cc")
        before = size_of(("rust", "sizes", "full"), knowledge())
    else:
        argv = start_cmd.json or ()
        if not argv or argv[0].rsplit("/", 1)[-1] != "java":
            raise Decline("the final stage does not start java")  # timid:
        if image.repo == "eclipse-temurin":
            version, _ = image.split()
            major = version.split(".")[0]
        else:
            m = re.search(knowledge()["java"][image.repo]["jdk_in_tag"], image.tag)
            if not m:
                raise Decline(f"`{image.repo}:{image.tag}` does not name its JDK version")  # timid:
            major = m.group(1)
        if not major.isdigit() or str(major) not in image_facts()["images"]["eclipse-temurin"]["versions"]:
            raise Decline("JDK version unknown")  # timid:
        new = f"eclipse-temurin:{major}-jre" + ("-alpine" if is_alpine(image) else "")
        before = size_of(("images", "eclipse-temurin", "sizes", "jdk"))
    after = distroless_size(new) if "distroless" in new else size_of(("images", "eclipse-temurin", "sizes", "jre"))
    word = final.from_.words()[0]
    return final.from_, word.span, new, kind, before, after


def _stage_on_alpine(context: FileContext, stage: Stage | None) -> bool:
    while stage is not None:
        parent = context.document.stage_named(stage.image)
        if parent is None or parent.index >= stage.index:
            ref = resolve_image(context.document, stage)
            return ref is None or is_alpine(Image.parse(ref))
        stage = parent
    return True


def _chain(context: FileContext, stage: Stage | None) -> list[Stage]:
    """The stage and the earlier stages it is built FROM."""
    out: list[Stage] = []
    while stage is not None and stage not in out:
        out.append(stage)
        parent = context.document.stage_named(stage.image)
        stage = parent if parent is not None and parent.index < stage.index else None
    return out


def _stage_builds_static_go(context: FileContext, stage: Stage | None) -> bool:
    """True when the stage (or a stage it is built FROM) builds Go, always with CGO_ENABLED=0."""
    builds = 0
    for each in _chain(context, stage):
        for ins in each.instructions:
            if ins.name != "RUN":
                continue
            script = context.shell(ins)
            if script is None:
                return False
            for command in script.commands:
                if command.name == "go" and command.arg_values()[:1] in (["build"], ["install"]):
                    builds += 1
                    if not cgo_disabled(context, ins, command):
                        return False
    return builds > 0


def _check_rust_libraries(context: FileContext, stage: Stage | None) -> None:
    """Decline unless the Rust build links nothing distroless/cc lacks (as DF405 decides it)."""
    if stage is None:
        raise Decline("the binary comes from an image, not a stage of this file")  # timid:
    allowed = set(knowledge()["rust"]["sys_crates_without_system_library"])
    build = context.build_context
    text = (build.read_text("Cargo.lock") or build.read_text("Cargo.toml") or "") if build is not None else ""
    for name in sorted(set(re.findall(r'^name = "([\w-]+-sys)"', text, re.M))):
        if name not in allowed:
            raise Decline(f"crate `{name}` links a system library distroless/cc may not have")  # timid:
    for each in _chain(context, stage):
        for ins in each.instructions:
            script = context.shell(ins) if ins.name == "RUN" else None
            for command in script.commands if script is not None else ():
                if command.name in ("apt-get", "apt", "apk") and any(v in ("install", "add") for v in command.arg_values()):
                    raise Decline(f"line {ins.line}: the build installs system packages; runtime libraries not determined")  # timid:
