"""Installer scripts piped from a download into an interpreter: `curl -sS URL | php -- --install-dir=/usr/bin`.

Such a pipeline runs code from the network, so in general nothing says what it reads.  For the installers
`meta.installer_scripts` of the data file lists (read from their source), it is known: they read nothing of
the working directory and write only into the folder they are told, so a RUN of them may move in front of
the source copy with the install that needs the tool."""

from __future__ import annotations

from rewriter.shell import ShellScript
from rewriter.text import Span
from transforms._shellfix import stdout_url
from transforms.manifests.common import Project, names_copy, normpath, package_managers, parse_options


def installer_pipeline(script: ShellScript, span: Span, project: Project) -> bool:
    """True if the pipeline at `span` is `curl|wget <known installer URL> | <its interpreter> ...` that reads and
    writes nothing of the project."""
    commands = [c for c in script.commands if span.start <= c.span.start and c.span.end <= span.end]
    if len(commands) != 2 or any(c.assignments or c.span != c.statement_span or c.in_subshell for c in commands):
        return False  # timid: another shape, an env prefix, a redirection
    download, interpreter = commands
    url = stdout_url(download)
    if url is None:
        return False
    entry = next((e for e in package_managers()["meta"]["installer_scripts"] if url == e["url"]), None)
    if entry is None or interpreter.name not in entry["interpreters"]:
        return False
    values = interpreter.arg_values()
    if any(v is None for v in values):
        return False
    option = entry.get("install_dir_option")
    if option is None:
        return not any(v for v in values if v and v not in ("-", "--"))  # timid: no arguments to the script
    words = [v for v in values if v is not None]
    script_args = words[words.index("--") + 1 :] if "--" in words else words  # `php -- --install-dir=...`
    options, _ = parse_options(script_args, {option})
    folders = [value for name, value in options if name == option]
    return len(folders) == 1 and _outside(folders[0], project)


def _outside(folder: str, project: Project) -> bool:
    """True for an absolute folder that is not the copy's destination, in it, or above it."""
    if not folder.startswith("/"):
        return False
    return not names_copy(project, normpath(folder))
