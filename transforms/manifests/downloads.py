"""Installer scripts piped from a download into an interpreter: `curl -sS URL | php -- --install-dir=/usr/bin`.

Such a pipeline runs code from the network, so in general nothing says what it reads.  For the installers
`meta.installer_scripts` of the data file lists (read from their source), it is known: they read nothing of
the working directory and write only into the folder they are told, so a RUN of them may move in front of
the source copy with the install that needs the tool."""

from __future__ import annotations

from rewriter.shell import Command, ShellScript
from rewriter.text import Span
from transforms.manifests.common import Project, names_copy, normpath, package_managers, parse_options

_STDOUT_DOWNLOAD = {"curl": ("-o", "--output", "-O", "--remote-name", "--remote-name-all"), "wget": ()}
"""Download commands, and the options that would make them write a file instead of standard output."""


def installer_pipeline(script: ShellScript, span: Span, project: Project) -> bool:
    """True if the pipeline at `span` is `curl|wget <known installer URL> | <its interpreter> ...` that reads and
    writes nothing of the project."""
    commands = [c for c in script.commands if span.start <= c.span.start and c.span.end <= span.end]
    if len(commands) != 2 or any(c.assignments or c.span != c.statement_span or c.in_subshell for c in commands):
        return False  # timid: another shape, an env prefix, a redirection
    download, interpreter = commands
    url = _stdout_url(download)
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


def _stdout_url(command: Command) -> str | None:
    """The URL a `curl`/`wget` command writes to standard output; None for anything else."""
    values = command.arg_values()
    if command.name not in _STDOUT_DOWNLOAD or any(v is None for v in values):
        return None
    words = [v for v in values if v is not None]
    if command.name == "wget":
        pairs = list(zip(words, [*words[1:], ""]))
        if not any(w in ("-O-", "-qO-") or (w in ("-O", "-qO") and after == "-") for w, after in pairs):
            return None  # wget writes a file unless told `-O -`
    elif any(w in _STDOUT_DOWNLOAD["curl"] or w.startswith(("--output=", "-o")) for w in words if w.startswith("-")):
        return None
    urls = [w for w in words if w.startswith(("https://", "http://"))]
    return urls[0].rstrip("/") if len(urls) == 1 else None


def _outside(folder: str, project: Project) -> bool:
    """True for an absolute folder that is not the copy's destination, in it, or above it."""
    if not folder.startswith("/"):
        return False
    return not names_copy(project, normpath(folder))
