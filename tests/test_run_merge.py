"""DF216: consecutive RUNs joined only when the shell does the same thing.

The semantic tests run both versions with /bin/sh the way a build does:
each RUN in a fresh shell (`sh -c`), the build stopping at the first RUN
that fails; then they compare what was printed and whether the build
succeeded.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import pytest

from helpers import codes, fixed
from rewriter.context import FileContext
from rewriter.syntax import parse


def build(dockerfile: str) -> tuple[str, bool]:
    """Run the RUNs of a one-stage Dockerfile like a builder: (output, success)."""
    document = parse(dockerfile)
    context = FileContext(document)
    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dockerfix-merge-") as workdir:
        for instruction in context.runs():
            script = context.shell(instruction)
            assert script is not None
            proc = subprocess.run(["sh", "-c", script.source.text], cwd=workdir, capture_output=True, text=True, timeout=10)
            out.append(proc.stdout.replace(workdir, "<workdir>"))
            if proc.returncode != 0:
                return "".join(out), False
    return "".join(out), True


PAIRS = [
    ("echo a", "echo b"),
    ("false", "echo b"),
    ("true; false", "echo b"),
    ("false; true", "echo b"),
    ("echo a || exit 0", "echo b"),
    ("test -e /nonexistent || exit 0", "echo b"),
    ("cd /", "pwd"),
    ("cd / && mkdir -p x", "pwd"),
    ("X=1", 'echo "x=$X"'),
    ("export X=1", 'echo "x=$X"'),
    ("umask 077", "umask"),
    ("f() { echo f; }", "f 2>/dev/null || echo no-f"),
    ("for i in 1 2; do :; done", 'echo "i=$i"'),
    ("echo a", "false || echo recovered"),
    ("echo a", "echo b | cat"),
    ("echo a | false", "echo b"),
    ("trap 'echo bye' EXIT", "echo b"),
    ("exit 3", "echo b"),
    ("echo a", "exit 4"),
    ("(cd /tmp && echo in)", "pwd"),
    ("mkdir -p d/x && rm -rf d/*", "rm -rf d/* && ls d && echo b"),
    ("mkdir d && rm -r d", "rm -r d && echo b"),
    ("mkdir -p d/x; true || rm -rf d/x", "rm -rf d/x && ls d && echo b"),
]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs /bin/sh")
@pytest.mark.parametrize("first, second", PAIRS)
def test_joined_runs_do_what_the_build_did(first: str, second: str) -> None:
    before = f"FROM debian:12\nRUN {first}\nRUN {second}\n"
    after = fixed(before, select="DF216", raw=True, unsafe=True)
    assert build(after) == build(before), after


def test_cd_is_wrapped_in_a_subshell() -> None:
    assert fixed("FROM debian:12\nRUN cd /src && make\nRUN make install\n", select="DF216", raw=True, unsafe=True) == (
        "FROM debian:12\nRUN (cd /src && make) \\\n    && make install\n"
    )


def test_a_removal_the_first_run_ends_with_runs_once() -> None:
    """As after DF205 appended the lists cleanup to a RUN whose successor starts with it."""
    before = "FROM debian:12\nRUN apt-get update && apt-get clean && rm -rf /var/lib/apt/lists/*\nRUN rm -rf /var/lib/apt/lists/* && localedef -i en_US en_US.UTF-8\n"
    assert fixed(before, select="DF216", raw=True, unsafe=True) == (
        "FROM debian:12\nRUN apt-get update && apt-get clean && rm -rf /var/lib/apt/lists/* \\\n    && localedef -i en_US en_US.UTF-8\n"
    )


@pytest.mark.parametrize(
    "first, second",
    [
        ("make && rm -r build", "rm -r build && echo b"),  # not forced: fails the second time
        ("make || rm -rf build", "rm -rf build && echo b"),  # may not have run
        ("make && rm -rf build", "rm -rf dist && echo b"),
        ("make && rm -rf build", "rm -rf build"),  # nothing after it: the RUN is not rewritten
    ],
    ids=["not-forced", "after-or", "other-path", "alone"],
)
def test_a_removal_that_may_do_something_is_kept(first: str, second: str) -> None:
    after = fixed(f"FROM debian:12\nRUN {first}\nRUN {second}\n", select="DF216", raw=True, unsafe=True)
    assert after.count("rm -") == 2, after


def test_second_run_with_or_is_braced() -> None:
    assert fixed("FROM debian:12\nRUN make\nRUN make check || true\n", select="DF216", raw=True, unsafe=True) == (
        "FROM debian:12\nRUN make \\\n    && { make check || true; }\n"
    )


def test_no_double_parenthesis() -> None:
    """`((` would be read as arithmetic: a second wrap gets a space."""
    out = fixed("FROM debian:12\nRUN (cd /a && make)\nRUN cd /b\nRUN make\n", select="DF216", raw=True, unsafe=True)
    assert "((" not in out


def test_comments_between_are_kept_and_blank_lines_dropped() -> None:
    before = "FROM debian:12\nRUN a\n\n# why b\nRUN b\n"
    assert fixed(before, select="DF216", raw=True, unsafe=True) == "FROM debian:12\nRUN a \\\n# why b\n    && b\n"


@pytest.mark.parametrize(
    "style, expected",
    [
        ("RUN a && \\\n    b\nRUN c\n", "RUN a && \\\n    b && \\\n    c\n"),
        ("RUN a \\\n  && b\nRUN c\n", "RUN a \\\n  && b \\\n  && c\n"),
        ("RUN a\r\nRUN c\r\n", "RUN a \\\r\n    && c\r\n"),
        ("RUN a\nRUN b \\\n  && c\n", "RUN a \\\n  && b \\\n  && c\n"),
        ("RUN a\nRUN b && \\\n\tc\n", "RUN a && \\\n\tb && \\\n\tc\n"),
    ],
    ids=["trailing-and", "leading-and", "crlf", "one-line-first-leading", "one-line-first-trailing"],
)
def test_continuation_style_is_the_first_continued_runs(style: str, expected: str) -> None:
    assert fixed("FROM debian:12\n" + style, select="DF216", raw=True, unsafe=True) == "FROM debian:12\n" + expected


def test_backtick_escape() -> None:
    before = "# escape=`\nFROM debian:12\nRUN a\nRUN b\n"
    assert fixed(before, select="DF216", raw=True, unsafe=True) == "# escape=`\nFROM debian:12\nRUN a `\n    && b\n"


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM debian:12\nRUN set -e; cd /src; make\nRUN make install\n",
        "FROM debian:12\nRUN --network=none make test\nRUN make install\n",
        "FROM debian:12\nRUN <<EOF\nmake\nEOF\nRUN make install\n",
        "FROM debian:12\nRUN make\nRUN <<EOF\nmake install\nEOF\n",
        "FROM debian:12\nRUN cat <<EOF > /etc/x\nhi\nEOF\nRUN echo b\n",
        "FROM debian:12\nRUN sleep 1 &\nRUN echo b\n",
        "FROM debian:12\nRUN echo a\nRUN echo b; echo c\n",
        "FROM debian:12\nRUN echo a # note\nRUN echo b\n",
        "FROM debian:12\nRUN echo a;\nRUN echo b\n",
        'FROM debian:12\nRUN ["echo", "a"]\nRUN echo b\n',
        "FROM debian:12\nRUN echo a\nWORKDIR /x\nRUN echo b\n",
        'FROM debian:12\nSHELL ["/bin/bash", "-e", "-c"]\nRUN cd /x && make\nRUN echo b\n',
        "FROM debian:12\nONBUILD RUN echo a\nONBUILD RUN echo b\n",
        "FROM debian:12 AS a\nRUN echo a\nFROM debian:12\nRUN echo b\n",
        "FROM debian:12\nRUN if true; then\nRUN echo b\n",
    ],
    ids=[
        "set-e-and-cd", "different-flags", "heredoc-first", "heredoc-second", "heredoc-redirect", "background-job",
        "two-statements-second", "comment-at-end", "semicolon-at-end", "exec-form", "instruction-between",
        "shell-instruction", "onbuild", "different-stages", "parse-error",
    ],
)
def test_leaves_alone(dockerfile: str) -> None:
    assert codes(dockerfile, select="DF216", raw=True, unsafe=True) == []
