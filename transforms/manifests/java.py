"""Java: Maven (`dependency:go-offline` before `mvn package`) and Gradle (`gradle dependencies` before a build)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from rewriter.context import toml_loads
from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms.manifests.common import (
    MAX_INCLUDED_FILES,
    URL,
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
    needed, note = configuration_risk(project, folder, files)
    if any(name in ("-I", "--init-script") for name, _ in options):
        note = note or "an init script (`--init-script`) runs while Gradle configures the build and may read files that are not copied yet."
    files.extend(f for f in needed if f not in files)
    applicability = Applicability.UNSAFE if note else Applicability.SAFE
    return Plan("build", "gradle", files=tuple(files), applicability=applicability, note=note, prefetch=prefetch, prefetch_safe=not note)


_SCRIPT = re.compile(r"(?:^|/)(settings|build)\.gradle(?:\.kts)?$")
_LITERAL = re.compile(r"""\s*(?:"([^"$\\]*)"|'([^'$\\]*)')\s*""")
_READS = re.compile(
    r"\.(?:text|readText|readLines|readBytes|bytes|inputStream|newInputStream|withInputStream|withReader|newReader|bufferedReader|"
    r"eachLine|forEachLine|useLines|listFiles|eachFile|eachDir|eachFileRecurse|walk|walkTopDown|load|readString|readAllLines|readAllBytes|"
    r"newBufferedReader)\b"
    r"|\b(?:JsonSlurper|XmlSlurper|XmlParser)\s*\(|\bproviders\.fileContents\b|\bfrom\s*\(\s*files\s*\("
    r"|(?<![\w.])load\s*\(|\b(?:FileInputStream|FileReader|RandomAccessFile|Scanner)\s*\("  # `Properties().apply { load(...) }`
)
# A stream opened on something other than `file("x")`/`File(...)` (`FileInputStream("x")`, relative to the JVM's
# working directory, or on a path in a variable): which file it reads is not provable.
_STREAM = re.compile(r"\b(?:FileInputStream|FileReader|RandomAccessFile|Scanner)\s*\(")
_FILE_ARGUMENT = re.compile(r"\s*(?:(?:rootProject|project)\s*\.\s*)?(?:file|File)\s*\(")
_RUNS = re.compile(r"\b(?:ProcessBuilder|exec|javaexec)\s*[({]|\.execute\s*\(|\bproviders\.(?:exec|javaexec)\b|\bRuntime\.getRuntime\b")
_FILE_CALL = re.compile(r"\b(?:file|files|File|fileTree)\s*\(")
_NOT_FROM_SETTINGS = re.compile(r"\b(includeFlat|projectDir|buildFileName|includeBuild)\b")


def configuration_risk(project: Project, folder: str, files: list[str]) -> tuple[list[str], str]:
    """The safety proof of `gradle dependencies` before the source copy: (more files it needs, why it is not safe).

    The task configures the build, which runs the settings and every build script, then prints the root
    project's dependency graph, resolving its configurations into ~/.gradle (a download cache; what it
    misses, subprojects' dependencies among them, the build downloads later), and the build after the
    source copy configures everything again with all files in place.  So the inserted step changes nothing
    but caches when configuring the build reads no file that is not copied: scripts applied with `apply
    from` are copied with the build files (a URL is fetched in both orders); a script that reads files while
    it runs (`.readText()`, `Properties.load`, `fileTree`...) names each of them with a literal path,
    copied with the build files when the context has it (a literal that names a folder, or a path built at
    run time or `File("x")` / `FileInputStream("x")`, relative to the JVM's working directory, is not
    provable; a stream on `file("x")` is), and runs no program
    (`exec`, `.execute()`); every project the settings include has a build script, so its folder exists
    (Gradle 9 refuses a project without one: docs.gradle.org, upgrading_version_8.html#deprecated_missing_project_directory); and every plugin applied is one of `inert_plugins`, which
    read the project's files only in their tasks.  buildSrc and included builds are declined before this."""
    needed: list[str] = []
    queue = [(f, _folder_of(f)) for f in files if _SCRIPT.search(f)]  # (script, folder of the project it configures)
    seen: set[str] = set()
    reading = ""
    literal_paths: list[str] = []
    computed = ""
    while queue:
        path, base = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        text = _code(project.read(path) or "")
        for match in re.finditer(r"\bapply\s*\(?\s*from\s*[:=]([^\n,)]*)", text):
            target = _literal(match.group(1))
            if target is None:
                return [], f"`{path}` applies a script from a path built at run time, which may be a file not copied yet."
            if URL.match(target):
                continue
            script = normpath(in_folder(base, target))
            if script.startswith("..") or not project.is_file(script):
                return [], f"`{path}` applies `{target}`, which is not in the copied folder."
            needed.append(script)
            queue.append((script, base))  # an applied script resolves paths against the project that applies it
        if PurePosixPath(path).name.startswith("settings.gradle"):
            why = _settings_risk(project, folder, path, text, files, needed)
            if why:
                return [], why
        unknown = next((p for p in _applied_plugins(project, folder, text) if p not in package_managers()["gradle"]["inert_plugins"]), None)
        if unknown is not None:
            return [], f"`{path}` applies the plugin `{unknown}`, which may read files of the project that are not copied yet while Gradle configures the build."
        found = _RUNS.search(text)
        if found:
            return [], f"`{path}` runs a program while Gradle configures the build (`{found.group(0).strip()}`), which may read any file of the project."
        found = _READS.search(text)
        if found and not reading:
            reading = f"`{path}` reads files while Gradle configures the build (`{found.group(0).strip()}`)"
        for call in _STREAM.finditer(text):
            if not _FILE_ARGUMENT.match(text, call.end()):
                computed = computed or path
        for call in _FILE_CALL.finditer(text):
            paths = _literal_arguments(text, call.end())
            if paths is None or call.group(0).startswith("File") or any(p.startswith("/") for p in paths):
                computed = computed or path  # `File("x")` is relative to the JVM's working directory; "/x" may be the copy's
            else:
                literal_paths.extend(normpath(in_folder(folder if "rootProject." in text[max(0, call.start() - 12) : call.start()] else base, p)) for p in paths)
    if not reading:
        return needed, ""
    if computed:
        return [], f"{reading}, and `{computed}` builds a file's path at run time, so it may read one that is not copied yet."
    for path in literal_paths:
        if path.startswith(".."):
            return [], f"{reading}, and names `{path}`, outside the copied folder."
        if project.is_file(path):
            needed.append(path)
        elif project.exists(path):
            return [], f"{reading}, and names the folder `{path}`, which holds files of the project that are not copied yet."
    return needed, ""


def _folder_of(path: str) -> str:
    folder = str(PurePosixPath(path).parent)
    return "" if folder == "." else folder


def _code(text: str) -> str:
    """A Groovy or Kotlin build script without its comments."""
    text = re.sub(r"(?s)/\*.*?\*/", "", text)
    return re.sub(r"(?m)(^|\s)//.*$", r"\1", text)


def _literal(text: str) -> str | None:
    match = _LITERAL.fullmatch(text.strip().removesuffix(")"))
    return None if match is None else (match.group(1) if match.group(1) is not None else match.group(2))


def _literal_arguments(text: str, start: int) -> list[str] | None:
    """The string literals of a call's arguments from `start` (after its parenthesis); None unless all are literals."""
    end = text.find(")", start)
    if end < 0:
        return None
    arguments = [a for a in text[start:end].split(",")]
    values = [_literal(a) for a in arguments]
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def _block(text: str, opening: int) -> str:
    """The text between the brace at `opening` and the one that closes it."""
    depth = 0
    for i in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[opening + 1 : i]
    return text[opening + 1 :]


def _settings_risk(project: Project, folder: str, path: str, text: str, files: list[str], needed: list[str]) -> str:
    """Why the projects the settings include are not provably configured from the copied files ("" when they
    are); adds to `needed` each included project's gradle.properties (Gradle reads the one in a project's
    folder, and in the folders of the projects above it, as that project's properties)."""
    found = _NOT_FROM_SETTINGS.search(text)
    if found:
        return f"`{path}` sets `{found.group(1)}`, so where the projects' build scripts are is not followed."
    for match in re.finditer(r"(?m)^\s*include\b\s*\(?(.*)$", text):
        arguments = match.group(1).strip().removesuffix(")")
        names = [_literal(a) for a in arguments.split(",")] if arguments else [None]
        if any(n is None for n in names):
            return f"`{path}` includes projects whose names are built at run time."
        for name in names:
            segments = [p for p in (name or "").strip(":").split(":") if p]
            for i in range(1, len(segments) + 1):
                properties = in_folder(folder, "/".join([*segments[:i], "gradle.properties"]))
                if project.is_file(properties) and properties not in needed and properties not in files:
                    needed.append(properties)
            project_folder = in_folder(folder, (name or "").strip(":").replace(":", "/"))
            if not any(f in files for f in (in_folder(project_folder, "build.gradle"), in_folder(project_folder, "build.gradle.kts"))):
                return (
                    f"`{path}` includes the project `{name}`, which has no build script, so its folder does not exist before the "
                    "source copy (Gradle 9 refuses a project without its folder)."
                )
    return ""


def _applied_plugins(project: Project, folder: str, text: str) -> list[str]:
    """The ids of the plugins a script applies; `?` for one it names at run time."""
    managed = [m for m in re.finditer(r"\bpluginManagement\s*\{", text)]
    skipped = [(m.end() - 1, m.end() + len(_block(text, m.end() - 1))) for m in managed]
    ids: list[str] = []
    for match in re.finditer(r"(?<![\w.])plugins\s*\{", text):
        if any(a <= match.start() <= b for a, b in skipped):
            continue
        for statement in re.split(r"[\n;]", _block(text, match.end() - 1)):
            statement = re.sub(r"\s+apply\s*\(?\s*false\s*\)?\s*$", " <not applied>", statement.strip())
            statement = re.sub(r"\s+version\s*\(?\s*(\"[^\"]*\"|'[^']*'|[\w.]+)\s*\)?", "", statement).strip()
            if not statement or statement.endswith("<not applied>"):
                continue
            ids.append(_plugin_id(project, folder, statement))
    for match in re.finditer(r"\bapply\s*\(?\s*plugin\s*[:=]([^\n,)]*)", text):
        ids.append(_literal(match.group(1)) or "?")
    for match in re.finditer(r"\bplugins\.apply\s*\(([^)\n]*)\)", text):
        ids.append(_literal(match.group(1)) or "?")
    return ids


def _plugin_id(project: Project, folder: str, statement: str) -> str:
    """The plugin id of one statement of a `plugins {}` block: `id("x")`, `id 'x'`, `kotlin("jvm")`, `java`,
    `` `java-library` ``, `alias(libs.plugins.x)` (read from gradle/libs.versions.toml); `?` for anything else."""
    match = re.fullmatch(r"id\s*\(?\s*(\"[^\"$]*\"|'[^'$]*')\s*\)?", statement)
    if match:
        return match.group(1)[1:-1]
    match = re.fullmatch(r"kotlin\s*\(\s*\"([\w.-]+)\"\s*\)", statement)
    if match:
        return f"org.jetbrains.kotlin.{match.group(1)}"
    match = re.fullmatch(r"`?([\w-]+)`?", statement)
    if match:
        return match.group(1)
    match = re.fullmatch(r"alias\s*\(\s*libs\.plugins\.([\w.]+)\s*\)", statement)
    if match:
        return _catalog_plugin(project, folder, match.group(1)) or f"libs.plugins.{match.group(1)}"
    return statement


def _catalog_plugin(project: Project, folder: str, accessor: str) -> str | None:
    """The id of `libs.plugins.<accessor>` in gradle/libs.versions.toml (aliases `a-b`, `a_b`, `a.b` are one)."""
    text = project.read(in_folder(folder, "gradle/libs.versions.toml"))
    try:
        table = toml_loads(text or "").get("plugins", {})
    except ValueError:
        return None
    for alias, value in table.items() if isinstance(table, dict) else ():
        if re.sub(r"[-_]", ".", alias) == accessor:
            plugin = value.get("id") if isinstance(value, dict) else str(value).split(":", 1)[0]
            return str(plugin) if plugin else None
    return None

