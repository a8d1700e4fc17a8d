"""The shell inside RUN: what the shell runs, and where each word is in the file."""

from __future__ import annotations

import pytest
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


@pytest.mark.parametrize(
    "run, expected",
    [
        ("./setup.sh --yes", "./setup.sh"),
        ("bash -ex install.sh", "install.sh"),
        ("sudo -E bash scripts/repos", "scripts/repos"),
        (". ./env", "./env"),
        ("/opt/tool/configure", "/opt/tool/configure"),
        ("curl -fsSL https://example.com/setup | bash -", "-"),
        ("curl -fsSL https://example.com/setup | sudo -E bash", "-"),
        ("bash -c 'apt-get update'", None),
        ("/usr/bin/apt-get update", None),
        ("apt-get install -y jq", None),
        ("bash < /tmp/setup", "-"),
        ("curl -fsSL https://example.com/setup | sudo -u root bash -", "-"),
        ("sudo -u app bash setup.sh", "setup.sh"),
        ('sh -c "$(curl -fsSL https://example.com/setup)"', '"$(curl -fsSL https://example.com/setup)"'),
        ("sh -c 'cd /tmp && ./configure-repos'", "./configure-repos"),
        ('eval "$(curl -fsSL https://example.com/setup)"', "eval"),
        ("env bash /tmp/s.sh", "/tmp/s.sh"),
        ("/usr/bin/env DEBIAN_FRONTEND=noninteractive bash /tmp/s.sh", "/tmp/s.sh"),
        ("timeout 300 bash /tmp/s.sh", "/tmp/s.sh"),
        ("exec bash /tmp/s.sh", "/tmp/s.sh"),
        ("echo /tmp/s.sh | xargs bash", "-"),
        ('su -c "bash /tmp/s.sh" root', "su"),
        ("$SETUP --yes", "$SETUP"),
        ("python3 /tmp/setup_repo.py", "/tmp/setup_repo.py"),
        ("python3 -m pip install flask", None),
        ("busybox sh /tmp/s.sh", "/tmp/s.sh"),
        ('bash -o pipefail -c "echo hi | cat"', None),
        ("bash -O extglob -c 'echo hi'", None),
    ],
)
def test_script_run_names_the_script_a_command_runs(run: str, expected: str | None) -> None:
    """Passes treat such a script as able to do anything: dockerfix does not read it."""
    _, script = shell_of(f"FROM debian\nRUN {run}\n")
    last = [c for c in script.commands if not c.in_subshell][-1]  # not the curl of a `$(curl ...)`
    assert last.script_run == expected


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


def _script(text: str):  # type: ignore[no-untyped-def]
    from rewriter.shell import ShellScript
    from rewriter.text import LogicalText

    return ShellScript(LogicalText.from_slices(text, [(0, len(text))]))


def _chain(text: str, errexit: bool) -> list[tuple[str, str]] | None:
    script = _script(text)
    items = script.chain(script.root.children, errexit)
    return None if items is None else [(text[span.start : span.end], op) for span, op in items]


@pytest.mark.parametrize(
    ("text", "errexit", "expected"),
    [
        pytest.param("a && b && c", False, [("a", ""), ("b", "&&"), ("c", "&&")], id="and-list"),
        pytest.param("a; b", False, None, id="semicolons-without-errexit"),
        pytest.param("set -e; a; b", True, [("set -e", ""), ("a", ";"), ("b", ";")], id="semicolons-under-errexit"),
        pytest.param("set -e\na\nb && c", True, [("set -e", ""), ("a", ";"), ("b", ";"), ("c", "&&")], id="last-statement-an-and-list"),
        pytest.param("set -e; a && b; c", True, None, id="and-list-before-another-statement"),
        pytest.param("a || b", True, None, id="or-list"),
        pytest.param("a & b", True, None, id="background-job"),
        pytest.param('x="$(uname -m)"; a', True, [('x="$(uname -m)"', ""), ("a", ";")], id="assignment-is-an-item"),
    ],
)
def test_chain_is_an_and_chain_or_a_list_under_errexit(text: str, errexit: bool, expected: list[tuple[str, str]] | None) -> None:
    assert _chain(text, errexit) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param('[ "$CI" != "true" ]', {"CI"}, id="string-comparison"),
        pytest.param('[ -n "${TOKEN}" ] && [ "$A" = "$B" ]', {"TOKEN", "A", "B"}, id="list-of-tests"),
        pytest.param("! [ -z $X ] || [[ $Y == a* ]]", {"X", "Y"}, id="negation-and-pattern"),
        pytest.param('[ "$N" -ge 2 ]', {"N"}, id="number-comparison"),
        pytest.param('[ x$X = xa ]', {"X"}, id="concatenation"),
        pytest.param("[ -f package.json ]", None, id="file-test"),
        pytest.param('[ -x "$CC" ]', None, id="file-test-on-a-variable"),
        pytest.param('[ "$(uname -m)" = x86_64 ]', None, id="command-substitution"),
        pytest.param("[ $? = 0 ]", None, id="special-parameter"),
        pytest.param('[ "$RANDOM" = 1 ]', None, id="volatile-variable"),
        pytest.param('[ "${X:-a}" = a ]', None, id="expansion-with-an-operator"),
        pytest.param("grep -q x file", None, id="a-command"),
    ],
)
def test_value_test_variables_reads_only_comparisons_of_variables(condition: str, expected: set[str] | None) -> None:
    from rewriter.shell import value_test_variables

    script = _script(f"if {condition}; then a; fi")
    conditions, _ = script.arms(script.root.named_children[0])
    found = value_test_variables(script, list(conditions[0]))
    assert found == (None if expected is None else frozenset(expected))


def test_arms_of_an_if_are_each_clause_body() -> None:
    text = 'if [ "$A" = 1 ]; then a && b; elif [ "$A" = 2 ]; then c; else d; e; fi'
    script = _script(text)
    conditions, arms = script.arms(script.root.named_children[0])
    assert [[script.text_of(n) for n in c] for c in conditions] == [['[ "$A" = 1 ]'], ['[ "$A" = 2 ]']]
    assert [text[a.span.start : a.span.end] for a in arms if a.span is not None] == ["a && b", "c", "d; e"]


def test_arms_of_a_case_are_its_item_bodies_and_fallthrough_is_refused() -> None:
    text = 'case "$ARCH" in amd64) T=x86_64 ;; *) echo no; exit 1 ;; esac'
    script = _script(text)
    conditions, arms = script.arms(script.root.named_children[0])
    assert [script.text_of(n) for n in conditions[0]] == ['"$ARCH"']
    assert [text[a.span.start : a.span.end] for a in arms if a.span is not None] == ["T=x86_64", "echo no; exit 1"]
    fallthrough = _script('case "$A" in a) x ;& b) y ;; esac')
    assert fallthrough.arms(fallthrough.root.named_children[0]) is None


def test_a_word_that_is_only_a_backquoted_comment_is_no_word() -> None:
    document, script = shell_of("FROM debian\nRUN apt-get install -y libxslt1-dev `# for lxml` curl && echo ok\n")
    assert not script.has_errors
    install = script.commands[0]
    assert install.arg_values() == ["install", "-y", "libxslt1-dev", "curl"]
    assert [located(document, w) for w in install.args][-1] == "curl"


@pytest.mark.parametrize(
    "run",
    [
        "RUN echo '`# quoted`' curl\n",  # single quotes: literal text
        'RUN echo "`# in a string`" curl\n',  # a substitution inside a word, expanding to ""
        "RUN echo x`# glued` curl\n",  # part of a word
        "RUN echo ok # a comment with `# backquotes` in it\n",
    ],
)
def test_backquoted_comments_inside_other_words_are_left_to_the_parser(run: str) -> None:
    from rewriter.shell import comment_substitutions

    _, script = shell_of("FROM debian\n" + run)
    assert comment_substitutions(script.source.text) == []
