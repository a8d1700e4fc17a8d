"""DF404's plan: the jar on eclipse-temurin:<N>-jre."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from transforms.multistage.common import (
    Decline,
    Facts,
    Plan,
    absolute,
    check_start,
    check_user,
    healthcheck_tools,
    image_facts,
    knowledge,
    size_of,
    user_setup_runs,
)


def _os_variant(tag: str, after: int) -> str:
    """The OS part of a JDK tag after position `after` (`-noble`, `-alpine`), or ""."""
    rest = tag[after:].strip("-")
    rest = rest[len("jdk"):].strip("-") if rest.startswith("jdk") else rest
    variants = image_facts()["images"]["eclipse-temurin"]["variants"]
    return rest if rest in variants else ""


def _java_tool(facts: Facts) -> tuple[str, int, str] | None:
    """(maven|gradle, JDK major, OS variant) for a Maven/Gradle image or a Temurin JDK running a wrapper."""
    image = facts.image
    tag = image.tag
    data = knowledge()["java"]
    if image.repo in ("maven", "gradle"):
        tool = image.repo
        m = re.search(data[tool]["jdk_in_tag"], tag)
        if m:
            return tool, int(m.group(1)), _os_variant(tag, m.end(1))
        if not any((c.name or "") in data[tool]["commands"] for _, c in facts.commands()):
            return None  # no build in the stage: nothing to split (as DF402 and DF403 say nothing without one)
        # timid: the build file's Java release is the least the jar needs, not the JDK its dependencies were built
        # for (a `1.8` pom built on the image's JDK 21 may bundle jars that need 17), so it cannot choose the JRE.
        raise Decline(f"`{tool}:{tag}` does not name its JDK version")
    if image.repo == "eclipse-temurin":
        version, suffix = image.split()
        if "jre" in suffix or not version:
            return None
        major = int(version.split(".")[0].split("u")[0])
        variant = _os_variant(tag, len(version))
        for _, command in facts.commands():
            name = command.name or ""
            if name in ("mvn", "mvnw"):
                return "maven", major, variant
            if name in ("gradle", "gradlew"):
                return "gradle", major, variant
    return None


def plan_java(facts: Facts) -> Plan | None:
    found = _java_tool(facts)
    if found is None:
        return None
    tool, major, variant = found
    builds = [
        (ins, c) for ins, c in facts.commands()
        if (c.name or "") in ("mvn", "mvnw", "gradle", "gradlew")
    ]
    if not builds:
        return None  # no build in the stage: nothing to split
    facts.commit()
    temurin = image_facts()["images"]["eclipse-temurin"]
    entry = temurin["versions"].get(str(major))
    if entry is None or not entry.get("published"):
        raise Decline(f"no published eclipse-temurin:{major}-jre in the knowledge base")  # timid:
    alpine = variant.startswith("alpine")
    runtime = f"eclipse-temurin:{major}-jre" + (f"-{variant}" if variant else "")
    if any(c.name == "cd" for _, c in facts.commands()):
        raise Decline("`cd` in a RUN makes the build output path uncertain")  # timid:
    commands = check_start(facts)
    if len(commands) != 1:
        raise Decline("the start-up command runs more than java")  # timid:
    words = commands[0]
    if (words[0] or "").rsplit("/", 1)[-1] != "java" or "-jar" not in words:
        raise Decline("the container does not start `java -jar <jar>`: what it needs is unknown")  # timid:
    jar = words[words.index("-jar") + 1] if words.index("-jar") + 1 < len(words) else None
    if jar is None:
        raise Decline("`java -jar` without a jar")
    workdir = facts.workdir_at(builds[-1][0])
    out_dir = knowledge()["java"][tool]["output_dir"]
    jar_abs = absolute(jar, facts.workdir)
    if jar_abs is None or workdir is None:
        raise Decline("the jar path depends on an unknown working directory")  # timid:
    expected_dir = f"{workdir.rstrip('/')}/{out_dir}"
    if "*" in jar_abs:
        if facts.start is None or not facts.start.needs_shell:
            raise Decline("a wildcard jar in exec form is not expanded")
        if str(PurePosixPath(jar_abs).parent) != expected_dir:
            raise Decline(f"the jar `{jar}` is not in the build output {expected_dir}")  # timid:
        source = jar_abs
        target = str(PurePosixPath(jar_abs).parent) + "/"
    else:
        if str(PurePosixPath(jar_abs).parent) != expected_dir:
            raise Decline(f"the jar `{jar}` is not in the build output {expected_dir}")  # timid:
        _check_jar_name(facts, tool, PurePosixPath(jar_abs).name)
        source = target = jar_abs
    tools = healthcheck_tools(facts)
    if any(t.rsplit("/", 1)[-1] not in ("sh", "java") for t in tools):
        raise Decline("the HEALTHCHECK runs a program the JRE image may not have")  # timid:
    repeated = user_setup_runs(facts)
    check_user(facts, runtime, repeated)
    lines = []
    if facts.workdir and facts.workdir != "/":
        lines.append(f"WORKDIR {facts.workdir}")
    lines.append(f"COPY --from={facts.build_stage} {source} {target}")
    sizes = image_facts()["images"]["eclipse-temurin"]["sizes"]
    before = size_of(("java", "sizes", tool), knowledge()) if facts.image.repo != "eclipse-temurin" else float(sizes["jdk_alpine" if alpine else "jdk"])
    after = float(sizes["jre_alpine" if alpine else "jre"])
    vendor = ""
    m = re.search(knowledge()["java"]["maven"]["jdk_vendor_in_tag"], facts.image.tag)
    if m and m.group(1) != "eclipse-temurin":
        vendor = f" The build ran on {m.group(1)} {major}; the runtime is Eclipse Temurin {major}."
    note = (
        f"Runtime on `{runtime}`: the JRE of the same Java {major}"
        + (f" on the same {variant}" if variant else "")
        + f", with the jar copied from {expected_dir}. "
        "Maven/Gradle, the JDK and the dependency cache stay in the build stage." + vendor
        + " Check that the application starts."
    )
    plan = Plan(runtime, lines, [], "copy only the jar", note, before, after, "DF404")
    plan.extra_runtime = [facts.text(i) for i in repeated]
    return plan


def _check_jar_name(facts: Facts, tool: str, name: str) -> None:
    build = facts.context.build_context
    if build is None:
        raise Decline("no build context to confirm the jar name")  # timid:
    if tool == "maven":
        pom = build.read_text("pom.xml")
        if pom is None:
            raise Decline("no pom.xml to confirm the jar name")  # timid:
        body = re.sub(r"<parent>.*?</parent>", "", pom, flags=re.S)
        body = re.sub(r"<dependencies>.*?</dependencies>|<plugins>.*?</plugins>|<dependencyManagement>.*?</dependencyManagement>", "", body, flags=re.S)
        final = re.search(r"<finalName>\s*([^<]+?)\s*</finalName>", pom)
        artifact = re.search(r"<artifactId>\s*([^<]+?)\s*</artifactId>", body)
        version = re.search(r"<version>\s*([^<]+?)\s*</version>", body)
        expected = final.group(1) if final else (f"{artifact.group(1)}-{version.group(1)}" if artifact and version else None)
        packaging = re.search(r"<packaging>\s*([^<]+?)\s*</packaging>", body)
        if packaging and packaging.group(1) != "jar":
            raise Decline(f"pom.xml packaging is `{packaging.group(1)}`")  # timid:
    else:
        settings = (build.read_text("settings.gradle") or build.read_text("settings.gradle.kts") or "")
        script = build.read_text("build.gradle") or build.read_text("build.gradle.kts") or ""
        project = re.search(r"rootProject\.name\s*=\s*['\"]([^'\"]+)['\"]", settings)
        version = re.search(r"^version\s*=?\s*['\"]([^'\"]+)['\"]", script, re.M)
        if re.search(r"archiveFileName|archiveBaseName|archivesBaseName|archiveVersion|archiveClassifier", script):
            raise Decline("the Gradle build renames its jar")  # timid:
        expected = f"{project.group(1)}-{version.group(1)}" if project and version else (project.group(1) if project else None)
    if expected is None or "${" in expected:
        raise Decline("the jar name cannot be confirmed from the build file")  # timid:
    if name != f"{expected}.jar":
        raise Decline(f"the container runs `{name}`, but the build file names the jar `{expected}.jar`")
