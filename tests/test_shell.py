"""The shell inside RUN: what the shell runs, and where each word is in the file."""

from __future__ import annotations

from helpers import dedent
from rewriter.context import FileContext
from rewriter.syntax import parse


def shell_of(text: str, index: int = 1):  # type: ignore[no-untyped-def]
    document = parse(dedent(text) if not text.startswith("FROM") else text)
    context = FileContext(document)
    return document, context.shell(document.instructions[index])


def located(document, word) -> str:  # type: ignore[no-untyped-def]
    return document.text[word.span.start : word.span.end]


def test_words_map_through_continuations_and_dropped_comments() -> None:
    document, script = shell_of(
        """
        FROM debian
        RUN apt-get update && \\
            # a comment line BuildKit drops
            apt-get install -y \\
                curl
        """
    )
    install = script.commands[1]
    assert install.name == "apt-get"
    assert [w.value for w in install.args] == ["install", "-y", "curl"]
    assert [located(document, w) for w in install.args] == ["install", "-y", "curl"]


def test_backtick_escape_continuations() -> None:
    document, script = shell_of("# escape=`\nFROM debian\nRUN apt-get install `\n    curl\n", index=1)
    assert [located(document, w) for w in script.commands[0].args] == ["install", "curl"]


def test_quoted_and_dynamic_words() -> None:
    _, script = shell_of("FROM debian\nRUN pip install 'flask==3.0' \"gunicorn\" $EXTRA\n")
    assert script.commands[0].arg_values() == ["install", "flask==3.0", "gunicorn", None]


def test_env_prefix_assignments_are_not_the_command_name() -> None:
    _, script = shell_of("FROM debian\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y curl\n")
    command = script.commands[0]
    assert command.name == "apt-get"
    assert [a.text for a in command.assignments] == ["DEBIAN_FRONTEND=noninteractive"]


def test_command_name_is_the_basename() -> None:
    _, script = shell_of("FROM debian\nRUN /usr/local/bin/pip install x\n")
    assert script.commands[0].name == "pip"


def test_heredoc_script_is_the_body() -> None:
    document, script = shell_of("FROM debian\nRUN <<EOF\nset -e\napt-get update\nEOF\n")
    assert [c.name for c in script.commands] == ["set", "apt-get"]
    assert located(document, script.commands[1].args[0]) == "update"


def test_chomped_heredoc_script_strips_leading_tabs() -> None:
    document, script = shell_of("FROM debian\nRUN <<-EOF\n\tapt-get update\n\tEOF\n")
    assert located(document, script.commands[0].words[0]) == "apt-get"


def test_command_with_heredocs_is_the_whole_program() -> None:
    _, script = shell_of("FROM debian\nRUN cat <<EOF > /etc/x && echo done\nbody\nEOF\n")
    assert [c.name for c in script.commands] == ["cat", "echo"]


def test_no_shell_for_exec_form_other_interpreters_and_other_shells() -> None:
    assert shell_of('FROM debian\nRUN ["apt-get", "update"]\n')[1] is None
    assert shell_of("FROM debian\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n")[1] is None
    assert shell_of('FROM debian\nSHELL ["pwsh", "-c"]\nRUN echo\n', index=2)[1] is None
    assert shell_of('FROM debian\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN echo\n', index=2)[1] is not None


def test_statements_and_and_or_chains() -> None:
    document, script = shell_of("FROM debian\nRUN a && b || c; d &\n")
    statements = script.statements()
    assert [[(document.text[s.start : s.end], op) for s, op in st.and_or] for st in statements] == [
        [("a", ""), ("b", "&&"), ("c", "||")],
        [("d", "")],
    ]
    assert [st.terminator for st in statements] == [";", "&"]


def test_what_leaks_into_a_merged_run() -> None:
    _, script = shell_of("FROM debian\nRUN cd /src && export A=1 && (cd /tmp) && make &\n")
    assert script.changes_shell_state() == ["a background job (&)", "cd", "export"]
    _, clean = shell_of("FROM debian\nRUN apt-get update && apt-get install -y curl\n")
    assert clean.changes_shell_state() == []


def test_non_ascii_text_keeps_exact_positions() -> None:
    document, script = shell_of("FROM debian\nRUN echo 'héllo wörld' && pip install flask\n")
    assert located(document, script.commands[1].args[1]) == "flask"


def test_commands_know_their_context() -> None:
    _, script = shell_of("FROM debian\nRUN if true; then pip install a; fi && (pip install b)\n")
    first, second = [c for c in script.commands if c.name == "pip"]
    assert first.conditional and not first.in_subshell
    assert second.in_subshell and not second.conditional


def test_syntax_errors_are_visible() -> None:
    _, script = shell_of("FROM debian\nRUN echo 'unterminated\n")
    assert script.has_errors
