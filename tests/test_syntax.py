"""The syntax tree: what BuildKit would read, and every byte kept.

Each test states one rule of BuildKit's parser that dockerfix must follow.
"""

from __future__ import annotations

import pytest

from helpers import dedent
from rewriter.syntax import DockerfileSyntaxError, parse


def doc(text: str):  # type: ignore[no-untyped-def]
    return parse(dedent(text))


# -- round trip --------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfFROM alpine\n",
        b"FROM alpine\r\nRUN echo \\\r\n  crlf\r\n",
        b"FROM alpine\nRUN echo mixed\r\nCMD [\"sh\"]",
        b"FROM alpine\n\n\n   \t\n# trailing comment without newline",
        b"FROM alpine\nRUN echo caf\xc3\xa9 \xe2\x9c\x93\n",
        b"\tFROM\talpine\n",
    ],
    ids=["bom", "crlf", "mixed-no-final-newline", "trailing-trivia", "utf8", "tabs"],
)
def test_render_gives_back_every_byte(data: bytes) -> None:
    assert parse(data).render() == data


# -- parser directives ---------------------------------------------------------------


def test_escape_directive_makes_backtick_the_continuation() -> None:
    d = doc(
        """
        # escape=`
        FROM mcr.microsoft.com/windows/servercore
        RUN dir C:\\ `
            /w
        """
    )
    assert d.escape == "`"
    assert d.instructions[1].args.text == "dir C:\\     /w"
    assert d.instructions[1].end_line == 4


def test_directives_count_only_at_the_very_top() -> None:
    d = doc(
        """
        # a comment first
        # escape=`
        FROM alpine
        """
    )
    assert d.escape == "\\" and d.directives == ()
    assert [e.kind for e in d.elements[:2]] == ["comment", "comment"]


def test_blank_line_ends_the_directives() -> None:
    assert parse("\n# escape=`\nFROM alpine\n").escape == "\\"


def test_directive_names_are_case_insensitive_and_spacing_is_free() -> None:
    d = parse("#  SYNTAX = docker/dockerfile:1\n# Check=skip=all\nFROM alpine\n")
    assert [(x.name, x.value) for x in d.directives] == [("syntax", "docker/dockerfile:1"), ("check", "skip=all")]


def test_repeated_directive_is_an_error() -> None:
    with pytest.raises(DockerfileSyntaxError, match="only one escape parser directive") as exc:
        parse("# escape=`\n# escape=\\\nFROM alpine\n")
    assert exc.value.line == 2


def test_invalid_escape_token_is_an_error() -> None:
    with pytest.raises(DockerfileSyntaxError, match="invalid escape token"):
        parse("# escape=x\nFROM alpine\n")


# -- continuations -------------------------------------------------------------------


def test_comment_and_blank_lines_inside_a_continuation_are_dropped() -> None:
    d = doc(
        """
        FROM alpine
        RUN apk add \\
            # the shell never sees this
            curl \\

            git
        """
    )
    run = d.instructions[1]
    assert run.args.text == "apk add     curl     git"
    assert (run.line, run.end_line) == (2, 6)


def test_escaped_escape_is_not_a_continuation() -> None:
    d = parse("FROM alpine\nRUN echo a \\\\\nRUN echo b\n")
    assert len(d.instructions) == 3


def test_first_line_may_be_the_escape_alone() -> None:
    d = parse("FROM alpine\nRUN \\\n  echo hi\n")
    assert d.instructions[1].args.text == "echo hi"


def test_logical_text_maps_back_to_the_file() -> None:
    text = "FROM alpine\nRUN apk add \\\n  # comment\n  curl\n"
    run = parse(text).instructions[1]
    at = run.args.text.index("curl")
    span = run.args.span(at, at + 4)
    assert text[span.start : span.end] == "curl"
    whole = run.args.physical_span
    assert text[whole.start : whole.end] == "apk add \\\n  # comment\n  curl"


def test_crlf_is_not_part_of_the_arguments() -> None:
    run = parse(b"FROM alpine\r\nRUN echo a \\\r\n  b\r\n").instructions[1]
    assert run.args.text == "echo a   b"


# -- keywords, flags, forms ------------------------------------------------------------


def test_keywords_keep_their_case_and_name_is_upper() -> None:
    ins = parse("from alpine\nrUn echo\n").instructions[1]
    assert (ins.keyword.text, ins.name) == ("rUn", "RUN")


def test_flags_are_extracted_with_values_unquoted() -> None:
    ins = parse('FROM alpine\nRUN --mount=type=cache,target="/root/.cache" --network=none echo hi\n').instructions[1]
    assert [(f.name, f.value) for f in ins.flags] == [("mount", "type=cache,target=/root/.cache"), ("network", "none")]
    assert ins.args.text == "echo hi"
    assert ins.flag("network").raw == "--network=none"


def test_double_dash_ends_the_flags() -> None:
    ins = parse("FROM alpine\nCOPY --link -- --weird-name /dst\n").instructions[1]
    assert [f.name for f in ins.flags] == ["link"]
    assert [w.text for w in ins.words()] == ["--weird-name", "/dst"]


def test_exec_form_is_decoded_with_spans() -> None:
    text = 'FROM alpine\nCMD ["python", "-m", "app"]\n'
    cmd = parse(text).instructions[1]
    assert cmd.json == ("python", "-m", "app")
    assert [text[w.span.start : w.span.end] for w in cmd.words()] == ['"python"', '"-m"', '"app"']


def test_invalid_json_is_shell_form() -> None:
    assert parse('FROM alpine\nRUN ["echo", oops]\n').instructions[1].json is None


def test_json_with_non_strings_is_an_error() -> None:
    with pytest.raises(DockerfileSyntaxError, match="must be comprised of strings"):
        parse('FROM alpine\nCMD ["sleep", 1]\n')


def test_onbuild_wraps_an_instruction() -> None:
    ins = parse("FROM alpine\nONBUILD COPY --chown=1 . /app\n").instructions[1]
    assert ins.effective.name == "COPY" and ins.effective.flags[0].name == "chown"


# -- heredocs -----------------------------------------------------------------------


def test_heredoc_body_and_terminator_belong_to_the_instruction() -> None:
    d = doc(
        """
        FROM alpine
        RUN <<EOF
        echo one
        EOF
        CMD ["sh"]
        """
    )
    run = d.instructions[1]
    assert (run.line, run.end_line) == (2, 4)
    assert run.heredocs[0].content == "echo one\n"


def test_chomped_heredoc_terminator_may_be_indented_with_tabs() -> None:
    run = parse("FROM alpine\nRUN <<-EOT\n\techo one\n\tEOT\n").instructions[1]
    assert run.heredocs[0].chomp and run.heredocs[0].content == "\techo one\n"


def test_quoted_delimiter_disables_expansion() -> None:
    run = parse("FROM alpine\nRUN <<'EOF' cat\n$HOME\nEOF\n").instructions[1]
    assert run.heredocs[0].name == "EOF" and not run.heredocs[0].expand


def test_several_heredocs_are_read_in_order() -> None:
    copy = parse("FROM alpine\nCOPY <<A <<B /etc/\na\nA\nb\nB\n").instructions[1]
    assert [(h.name, h.content) for h in copy.heredocs] == [("A", "a\n"), ("B", "b\n")]


def test_heredoc_must_start_a_word_for_buildkit() -> None:
    run = parse("FROM alpine\nRUN cat<<EOF\nCMD [\"sh\"]\n").instructions[1]
    assert run.heredocs == ()


def test_heredocs_only_on_run_copy_add_in_shell_form() -> None:
    d = parse('FROM alpine\nENV A=<<EOF\nRUN ["cat", "<<EOF"]\n')
    assert len(d.instructions) == 3


def test_unterminated_heredoc_names_the_instruction_line() -> None:
    with pytest.raises(DockerfileSyntaxError, match="unterminated heredoc") as exc:
        parse("FROM alpine\n\nRUN <<EOF\necho\n")
    assert exc.value.line == 3


# -- stages and errors -----------------------------------------------------------------


def test_stages_know_base_alias_and_index() -> None:
    d = doc(
        """
        ARG BASE=python:3.12
        FROM ${BASE} AS build
        RUN echo
        FROM scratch
        COPY --from=build / /
        """
    )
    assert [(s.index, s.image, s.alias, s.name) for s in d.stages] == [(0, "${BASE}", "build", "build"), (1, "scratch", None, "1")]
    assert [i.stage for i in d.instructions] == [-1, 0, 0, 1, 1]
    assert d.global_args[0].name == "ARG"
    assert d.stage_named("BUILD") is d.stages[0]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("FROM alpine\nFOO bar\n", "unknown instruction: FOO", 2),
        ("RUN echo\nFROM alpine\n", "before the first FROM", 1),
        ("ARG A\n", "no FROM", 1),
        ("# only a comment\n", "file with no instructions", 1),
        ("", "file with no instructions", 1),
        ("FROM alpine\nONBUILD FROM alpine\n", "isn't allowed as an ONBUILD trigger", 2),
        ("FROM alpine\nENV ONLYKEY\n", "ENV must have two arguments", 2),
        ("FROM alpine\nLABEL a=b c\n", "can't find = in", 2),
    ],
)
def test_errors_name_the_line(text: str, message: str, line: int) -> None:
    with pytest.raises(DockerfileSyntaxError, match=message) as exc:
        parse(text)
    assert exc.value.line == line


@pytest.mark.parametrize(
    ("syntax", "frontend"),
    [
        ("docker/dockerfile:1", None),
        ("docker/dockerfile:1.7-labs", None),
        ("docker/dockerfile-upstream:master", None),
        ("docker.io/docker/dockerfile:1@sha256:" + "0" * 64, None),
        ("docker/dockerfile", None),
        ("devthefuture/dockerfile-x", "devthefuture/dockerfile-x"),
        ("registry.example.com/docker/dockerfile:1", "registry.example.com/docker/dockerfile:1"),
        ("localhost:5000/docker/dockerfile", "localhost:5000/docker/dockerfile"),
    ],
)
def test_an_unknown_instruction_is_blamed_on_another_frontend_the_file_names(syntax: str, frontend: str | None) -> None:
    """BuildKit builds with the image `# syntax=` names: an instruction its own parser lacks may be that frontend's."""
    with pytest.raises(DockerfileSyntaxError) as exc:
        parse(f"# syntax={syntax}\nFROM alpine\nINCLUDE base.dockerfile\nONBUILD INCLUDE x\n")
    assert exc.value.line == 3
    if frontend is None:
        assert exc.value.message == "unknown instruction: INCLUDE"
    else:
        assert exc.value.message.startswith(f"unknown instruction: INCLUDE; the file is written for the frontend {frontend} ")


def test_an_unknown_onbuild_trigger_is_blamed_on_the_other_frontend_too() -> None:
    with pytest.raises(DockerfileSyntaxError, match="written for the frontend example/frontend"):
        parse("# syntax=example/frontend:2\nFROM alpine\nONBUILD INCLUDE x\n")


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [(b"FROM alpine\n\x00\x01", "binary file", 2), (b"FROM alpine\nRUN echo \xff\n", "invalid UTF-8", 2)],
)
def test_bytes_that_are_not_text_are_refused(data: bytes, message: str, line: int) -> None:
    with pytest.raises(DockerfileSyntaxError, match=message) as exc:
        parse(data)
    assert exc.value.line == line
