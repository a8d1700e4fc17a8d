"""Java: Maven (`dependency:go-offline` before `mvn package`) and Gradle (`gradle dependencies` before a build)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms.manifests.common import (
    MAX_INCLUDED_FILES,
    Env,
    Plan,
    Project,
    Verbatim,
    in_folder,
    installs,
    normpath,
    option_words,
    outputs_in_context,
    package_managers,
    parse_options,
    shell_quote,
)


@installs("mvn", "mvnw", tool="maven", fetches_in_build=True, keeps_variables=True)
def maven_install(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["maven"]
    options, goals = parse_options(words[1:], set(data["value_options"]))
    launcher = words[0]
    if _unknown_goal_or_file(words[1:], data):
        return Plan("source", "maven")  # timid: a goal or a file only the shell knows (`-P ${PROFILE}` is fine)
    if data["prefetch_goal"] in goals or "dependency:resolve" in goals:
        kind = "install"
    elif any(g in data["build_goals"] for g in goals):
        kind = "build"
    else:
        return Plan("source", "maven")
    folder = project.folder()
    given = next((value for name, value in options if name in ("-f", "--file") and value), None)
    if folder is None and not (given is not None and given.startswith("/") and not launcher.startswith("./")):
        return Plan("source", "maven", decline=project.outside())  # (`-f /abs/pom.xml`: the working directory does not matter)
    pom = in_folder(folder or "", "pom.xml")
    if given is not None:
        pom = project.context_path(given) or ""
        if project.exists(pom) and not project.is_file(pom):
            pom = in_folder(pom, "pom.xml")
    if not project.is_file(pom):
        return Plan("source", "maven", decline=f"`{pom}` is not in the build context")
    files, why = _maven_modules(project, pom, set())
    if why:
        return Plan("source", "maven", decline=why)
    root = str(PurePosixPath(pom).parent)
    root = "" if root == "." else root
    for name in data["optional"]:
        if project.is_file(in_folder(root, name)):
            files.append(in_folder(root, name))
    for name, value in options:
        if name in ("-s", "--settings", "-gs", "--global-settings", "-t", "--toolchains") and value:
            path = project.context_path(value)
            if path is None and folder is None and not value.startswith("/"):
                return Plan("source", "maven", decline=project.outside(value))
            if path is None or not project.is_file(path):
                continue  # a file of the image, not the context
            files.append(path)
    if launcher.startswith("./") and not project.is_file(in_folder(folder or "", launcher[2:])):
        return Plan("source", "maven", decline=f"`{launcher}` is not in the build context")
    why = outputs_in_context(project, root, data["outputs"], "maven")
    if why:
        return Plan("source", "maven", decline=why)
    note = offline_prefetch_risk(project, files)
    applicability = Applicability.UNSAFE if note else Applicability.SAFE
    if kind == "install":
        return Plan("install", "maven", files=tuple(files), applicability=applicability, note=note)
    kept = option_words(words[1:], set(data["value_options"]), ("-o", "--offline", "-pl", "--projects", "-rf", "--resume-from"))
    prefetch = " ".join([shell_quote(launcher), *map(shell_quote, kept), data["prefetch_goal"]])
    return Plan("build", "maven", files=tuple(files), applicability=applicability, note=note, prefetch=prefetch, prefetch_safe=not note)


def _unknown_goal_or_file(words: list[str], data: dict[str, object]) -> bool:
    """True if a word whose value only the shell knows (`Verbatim`) is a goal, or names a file (`-f ${POM}`)."""
    paths = set(data["path_options"])  # type: ignore[call-overload]
    values = set(data["value_options"])  # type: ignore[call-overload]
    for i, word in enumerate(words):
        if not isinstance(word, Verbatim):
            continue
        previous = words[i - 1] if i else ""
        if previous in paths or word.split("=", 1)[0] in paths or any(word.startswith(p) for p in paths if not p.startswith("--")):
            return True
        if not word.startswith("-") and previous not in values:
            return True
    return False


def offline_prefetch_risk(project: Project, files: list[str]) -> str:
    """The safety proof of `mvn dependency:go-offline` before the source copy; "" when safe.

    go-offline resolves the project's dependencies and plugins into the local repository (~/.m2), a
    download cache, and runs no plugin: the build after the source copy then finds there what it needs,
    and downloads what go-offline missed, so the image differs only in that cache.  That holds for one
    pom without build extensions: in a multi-module build go-offline resolves each module and fails on a
    module that depends on another module of the reactor, which is not installed yet; core extensions
    (.mvn/extensions.xml) and build extensions (`<extensions>true</extensions>`) run code when Maven
    loads the project, and may read files that are not copied yet."""
    for path in files:
        name = PurePosixPath(path).name
        if name == "extensions.xml" and PurePosixPath(path).parent.name == ".mvn":
            return f"`{path}` loads core extensions, which run when Maven starts and may read files of the project that are not copied yet."
        if not name.endswith(".xml") or PurePosixPath(path).parent.name == ".mvn":
            continue
        text = re.sub(r"(?s)<!--.*?-->", "", project.read(path) or "")
        if re.search(r"<modules>\s*<module>", text):
            return (
                f"`{path}` is a multi-module build: `dependency:go-offline` resolves every module and fails on one that depends "
                "on another module of the build, which is not installed yet."
            )
        if re.search(r"<extensions>\s*true\s*</extensions>|<build>.*<extensions>\s*<extension>", text, re.S):
            return f"`{path}` loads build extensions, which run when Maven reads the project and may read files that are not copied yet."
    return ""


def _maven_modules(project: Project, pom: str, seen: set[str]) -> tuple[list[str], str]:
    if pom in seen:
        return [], ""
    if len(seen) >= MAX_INCLUDED_FILES:
        return [], f"`{pom}` is one of more than {MAX_INCLUDED_FILES} module poms"
    seen.add(pom)
    text = project.read(pom)
    if text is None:
        return [], f"module pom `{pom}` is not in the build context: a module's manifest is missing"
    folder = str(PurePosixPath(pom).parent)
    folder = "" if folder == "." else folder
    files = [pom]
    parent = re.search(r"<parent>.*?<relativePath>\s*([^<\s]+)\s*</relativePath>.*?</parent>", text, re.S)
    if parent and parent.group(1).strip():
        rel = normpath(in_folder(folder, parent.group(1)))
        if rel.startswith(".."):
            return [], f"`{pom}` has a parent pom outside the copied folder"
        if project.exists(rel) and not project.is_file(rel):
            rel = in_folder(rel, "pom.xml")
        if project.is_file(rel) and rel not in seen:
            files.append(rel)
    for module in re.findall(r"<module>\s*([^<\s]+)\s*</module>", text):
        path = normpath(in_folder(folder, module))
        if not path.endswith(".xml"):
            path = in_folder(path, "pom.xml")
        more, why = _maven_modules(project, path, seen)
        if why:
            return [], why
        files.extend(more)
    return files, ""


@installs("gradle", "gradlew", tool="gradle", fetches_in_build=True)
def gradle_install(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["gradle"]
    options, tasks = parse_options(words[1:], set(data["value_options"]))
    launcher = words[0]
    if not any(t.split(":")[-1] in data["build_tasks"] for t in tasks):
        return Plan("source", "gradle")
    folder = project.folder()
    if folder is None:
        return Plan("source", "gradle", decline=project.outside())
    if any(name in ("-p", "--project-dir", "-c", "--settings-file", "-b", "--build-file") for name, _ in options):
        return Plan("source", "gradle", decline="a custom project dir or build file is not followed")
    if project.exists(in_folder(folder, "buildSrc")):
        return Plan("source", "gradle", decline="`buildSrc` is source code compiled before any dependency is resolved")
    files = [in_folder(folder, n) for n in data["optional"] if project.is_file(in_folder(folder, n))]
    if not any(PurePosixPath(f).name.startswith(("settings.gradle", "build.gradle")) for f in files):
        return Plan("source", "gradle", decline=f"no settings.gradle or build.gradle in `{folder or '.'}`")
    for f in files:
        if PurePosixPath(f).name.startswith("settings.gradle") and "includeBuild" in (project.read(f) or ""):
            return Plan("source", "gradle", decline="settings.gradle includes another build (`includeBuild`), which is source")
    if launcher.startswith("./") and not project.is_file(in_folder(folder, launcher[2:])):
        return Plan("source", "gradle", decline=f"`{launcher}` is not in the build context")
    for pattern in ("**/build.gradle", "**/build.gradle.kts"):
        files.extend(f for f in project.under(folder, pattern) if f not in files)
    why = outputs_in_context(project, folder, data["outputs"], "gradle")
    if why:
        return Plan("source", "gradle", decline=why)
    kept = option_words(words[1:], set(data["value_options"]), ("-x", "--exclude-task", "--offline", "--continuous", "-t"))
    prefetch = " ".join([shell_quote(launcher), *map(shell_quote, kept), data["prefetch_task"]])
    return Plan(
        "build", "gradle", files=tuple(files), applicability=Applicability.UNSAFE, prefetch=prefetch,
        note="`gradle dependencies` resolves the root project's configurations only; subprojects and plugins may still download during the build.",
    )

