"""Hostile and degenerate Dockerfiles, generated: what a new user, a generator or a fuzzer might feed dockerfix.

Each case is a function of a size `n` (nesting depth, line count, repeats), so
CI runs them small and a soak runs them large; `mutations` derives many more
from them with a seeded random generator.  Every input is bytes, as read from
disk: some are not valid UTF-8 or contain NUL bytes on purpose.
"""

from __future__ import annotations

import random
from typing import Callable, Iterator

from rewriter.syntax import KNOWN_INSTRUCTIONS

Case = Callable[[int], "bytes | list[bytes]"]
CASES: dict[str, Case] = {}


def case(function: Case) -> Case:
    CASES[function.__name__] = function
    return function


def _file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


# -- nesting ---------------------------------------------------------------------


@case
def nested_subshells(n: int) -> bytes:
    return _file("FROM debian:12", "RUN " + "( " * n + "apt-get install -y curl" + " )" * n)


@case
def nested_command_substitutions(n: int) -> bytes:
    return _file("FROM python:3.12", "RUN echo " + '"$(' * n + "pip install flask" + ')"' * n)


@case
def nested_ifs(n: int) -> bytes:
    return _file("FROM python:3.12", "RUN " + "if true; then " * n + "pip install flask" + "; fi" * n)


@case
def nested_braces(n: int) -> bytes:
    return _file("FROM python:3.12", "RUN " + "{ " * n + "pip install flask" + "; }" * n)


@case
def nested_test_brackets(n: int) -> bytes:
    return _file("FROM debian:12", "RUN " + "[[ " * n + "-f x" + " ]]" * n + " && apt-get update")


@case
def nested_arrays(n: int) -> bytes:
    return _file("FROM debian:12", "RUN " + "a=( " * n + "b" + " )" * n)


@case
def nested_parameter_expansions(n: int) -> bytes:
    return _file("FROM debian:12", "ENV A=1", "RUN echo " + "${A:-" * n + "x" + "}" * n)


@case
def nested_json_arrays(n: int) -> bytes:
    return _file("FROM debian:12", "RUN " + "[" * n + "]" * n, "CMD " + "[" * n + '"x"' + "]" * n)


@case
def unclosed_openers(n: int) -> bytes:
    return _file("FROM debian:12", "RUN " + "$( ` ( { [[ $(( a=( " * (n // 8 + 1) + "pip install flask")


@case
def nested_onbuild(n: int) -> bytes:
    return _file("FROM debian:12", "ONBUILD " * n + "RUN pip install flask")


@case
def stage_chain(n: int) -> bytes:
    lines = ["ARG BASE=python:3.12", "FROM $BASE AS s0", "ENV PIP_X=1", "WORKDIR /app"]
    for i in range(1, n):
        lines += [f"FROM s{i - 1} AS s{i}", f"WORKDIR sub{i}", f"RUN pip install pkg{i}"]
    return _file(*lines)


# -- length ----------------------------------------------------------------------


@case
def long_and_chain(n: int) -> bytes:
    return _file("FROM debian:12", "RUN apt-get update" + " && true" * n + " && apt-get install -y curl")


@case
def long_pipeline(n: int) -> bytes:
    return _file("FROM python:3.12", "RUN pip install flask" + " | cat" * n)


@case
def long_lines(n: int) -> list[bytes]:
    """Lines up to BuildKit's limit (65,535 bytes), and one past it."""
    width = min(n * 100, 65535 - len("LABEL x=") - 2)
    return [
        _file("FROM python:3.12", "RUN pip install " + "a" * (width - 100), "LABEL x=" + "é" * (width // 2)),
        _file("FROM python:3.12", "RUN pip install " + "a" * (n * 100)),
    ]


@case
def long_continuation(n: int) -> bytes:
    return _file("FROM debian:12", "RUN apt-get update && apt-get install -y \\", *(f"    pkg{i} \\" for i in range(n)), "    curl")


@case
def continuation_of_comments(n: int) -> bytes:
    return _file("FROM debian:12", "RUN apt-get update && \\", *("# comment \\" for _ in range(n)), "", "    apt-get install -y curl")


@case
def many_instructions(n: int) -> bytes:
    return _file("FROM python:3.12", *(f"RUN pip install pkg{i}" for i in range(n)))


@case
def many_env_and_args(n: int) -> bytes:
    lines = ["FROM python:3.12", "ARG V0=0"]
    for i in range(1, n):
        lines += [f"ARG V{i}=$V{i - 1}", f"ENV E{i}=${{V{i}}}", f"RUN pip install pkg{i}==$E{i}"]
    return _file(*lines)


@case
def many_stages(n: int) -> bytes:
    lines: list[str] = []
    for i in range(n):
        lines += [f"FROM python:3.12 AS s{i}", f"COPY --from=s{max(0, i - 1)} /a /a", "RUN pip install flask"]
    return _file(*lines)


@case
def many_heredocs(n: int) -> bytes:
    lines = ["FROM python:3.12"]
    for i in range(n):
        lines += [f"RUN <<EOF{i}", "pip install flask", f"EOF{i}"]
    lines.append("RUN cat " + " ".join(f"<<H{i}" for i in range(n)))
    for i in range(n):
        lines += [f"body {i}", f"H{i}"]
    return _file(*lines)


@case
def unterminated_heredoc(n: int) -> bytes:
    return _file("FROM python:3.12", "RUN <<EOF", *("pip install flask" for _ in range(n)))


@case
def many_suppressions(n: int) -> bytes:
    lines = ["FROM python:3.12"]
    for i in range(n):
        lines += [f"# dockerfix: ignore=DF201 DF216 DF{i % 300}", f"RUN pip install pkg{i}"]
    return _file(*lines)


@case
def long_directive_whitespace(n: int) -> bytes:
    return b"# syntax=a" + b" " * (n * 20) + b"b\n" + b"# escape=" + b"\t" * (n * 20) + b"`\nFROM debian:12\n"


@case
def many_words(n: int) -> bytes:
    return _file("FROM debian:12", "RUN apt-get install -y " + " ".join(f"p{i}" for i in range(n * 10)))


# -- bytes and line breaks -------------------------------------------------------


@case
def nul_after_text(n: int) -> bytes:
    return _file("FROM python:3.12", "RUN pip install flask") + b"\x00" * n


@case
def invalid_utf8(n: int) -> bytes:
    return _file("FROM python:3.12", "RUN pip install flask") + b"\xff\xfe" * n


@case
def mixed_line_endings(n: int) -> bytes:
    endings = [b"\n", b"\r\n", b"\r", b"\r\r\n", b"\n\r"]
    lines = [b"FROM python:3.12", b"RUN pip install flask \\", b"    requests", b"RUN apt-get update", b"RUN apt-get install -y curl"]
    out = b""
    for i in range(n):
        line = lines[i % len(lines)] if i else lines[0]
        out += line + endings[i % len(endings)]
    return out


@case
def odd_whitespace(n: int) -> list[bytes]:
    spaces = ["\u00a0", "\u2028", "\u3000", "\x0b", "\x0c", "\x1c", "\u2029", "\t", "\u0085"]
    out = []
    for s in spaces:
        lines = ["\ufeffFROM python:3.12"]
        lines += [f"RUN pip install{s}flask{s}\\{s}" for _ in range(max(1, n // 100))]
        lines += ["  requests", f"{s}RUN{s}pip install flask", f"ENV A{s}B", f"LABEL a=b{s}c=d"]
        out.append(_file(*lines))
    return out


@case
def empty_arguments(n: int) -> list[bytes]:
    """Every instruction keyword with nothing, or next to nothing, after it."""
    forms = ["{}", "{} ", "{} \\\n", "{} \\\n# comment\n", "{} []", '{} [""]', "{} --mount=", "{} --", "{} <<EOF\nEOF", "{} ''", "{} =", "{} \\"]
    return [_file("FROM python:3.12", form.format(keyword)) for keyword in sorted(KNOWN_INSTRUCTIONS) for form in forms]


@case
def degenerate_files(n: int) -> list[bytes]:
    return [
        b"", b"\n" * n, "\ufeff".encode(), b"\xef\xbb\xbf" * 2, b"# only a comment\n" * n, b"\\\n" * n, b"FROM", b"FROM \\",
        b"# escape=`\nFROM x `\n", b"\r" * n, b"FROM x\r" * n, b"# syntax=x\n" * 3 + b"FROM x\n", b"FROM x\n\\",
    ]


def generate(n: int, sizes: dict[str, int] | None = None) -> Iterator[tuple[str, bytes]]:
    """Every case at size n (or at `sizes[name]`), named `case-size[-k]`."""
    for name, make in CASES.items():
        size = (sizes or {}).get(name, n)
        made = make(size)
        if isinstance(made, bytes):
            yield f"{name}-{size}", made
        else:
            for k, data in enumerate(made):
                yield f"{name}-{size}-{k}", data


def mutations(seeds: list[bytes], count: int, seed: int = 0) -> Iterator[bytes]:
    """Random edits of the seed files: splices, repeated slices, dropped or flipped bytes, mixed in line breaks."""
    rng = random.Random(seed)
    tokens = [b"\\\n", b"\r", b"\r\n", b"(", b")", b"$(", b"<<EOF\n", b"EOF\n", b"\x00", b"\xff", b"[", b'"', b"'", b"`", b"&&", b"#", b"\n", b"RUN ", b"FROM s0 AS s1\n", b"ONBUILD "]
    for _ in range(count):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            if not data:
                data += rng.choice(tokens)
                continue
            at = rng.randrange(len(data) + 1)
            action = rng.randrange(5)
            if action == 0:
                data[at:at] = rng.choice(tokens) * rng.choice((1, 1, 2, 50))
            elif action == 1:
                end = min(len(data), at + rng.randint(1, 200))
                data[at:at] = data[at:end] * rng.randint(1, 20)
            elif action == 2:
                del data[at : at + rng.randint(1, 20)]
            elif action == 3 and at < len(data):
                data[at] = rng.randrange(256)
            else:
                other = rng.choice(seeds)
                cut = rng.randrange(len(other) + 1)
                data[at:] = other[cut:]
        yield bytes(data)
