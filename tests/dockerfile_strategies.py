"""Hypothesis strategies that write Dockerfiles the way people do, quirks included:
mixed line endings, both escape characters, comments and blank lines inside
continuations, heredocs of every flavour, JSON and shell forms, flags."""

from __future__ import annotations

from hypothesis import strategies as st

KEYWORDS = ["RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "WORKDIR", "USER", "EXPOSE", "CMD", "ENTRYPOINT", "VOLUME", "SHELL"]
FLAGS = {
    "RUN": ["--mount=type=cache,target=/root/.cache", "--network=none", "--mount=type=secret,id=tok"],
    "COPY": ["--chown=1000:1000", "--chmod=755", "--link", "--from=base"],
    "ADD": ["--chown=app", "--checksum=sha256:00"],
}
PLAIN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_./:=$", min_size=1, max_size=8)
ODD = st.sampled_from(['"quoted word"', "'single'", "a\\ b", "<<", "x#y", "[", "]", '"', "'", "é", "\t"])
WORD = st.one_of(PLAIN, PLAIN, PLAIN, ODD)


def _case(draw, word: str) -> str:
    style = draw(st.sampled_from(["upper", "lower", "title"]))
    return {"upper": word.upper(), "lower": word.lower(), "title": word.title()}[style]


@st.composite
def dockerfiles(draw) -> str:
    eol = lambda: draw(st.sampled_from(["\n", "\n", "\r\n"]))  # noqa: E731
    escape = draw(st.sampled_from(["\\", "\\", "`"]))
    out: list[str] = []
    if draw(st.booleans()):
        out.append("\ufeff")
    if draw(st.booleans()):
        out.append("# syntax=docker/dockerfile:1" + eol())
    if escape == "`" or draw(st.booleans()):
        out.append(f"# escape={escape}" + eol())
    out.append(_case(draw, "from") + " debian:bookworm-slim AS base" + eol())
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["instruction"] * 5 + ["comment", "blank", "heredoc", "json"]))
        if kind == "comment":
            out.append(draw(st.sampled_from(["", "  ", "\t"])) + "# " + draw(PLAIN) + eol())
        elif kind == "blank":
            out.append(draw(st.sampled_from(["", " ", "\t"])) + eol())
        elif kind == "json":
            keyword = draw(st.sampled_from(["RUN", "CMD", "ENTRYPOINT"]))
            items = draw(st.lists(PLAIN, min_size=1, max_size=3))
            out.append(_case(draw, keyword) + " [" + ", ".join(f'"{i}"' for i in items) + "]" + eol())
        elif kind == "heredoc":
            keyword = draw(st.sampled_from(["RUN", "COPY"]))
            name = draw(st.sampled_from(["EOF", "END", "x"]))
            opener = draw(st.sampled_from(["<<", "<<-"]))
            quoted = draw(st.sampled_from([name, f'"{name}"', f"'{name}'"]))
            target = " /dst" if keyword == "COPY" else draw(st.sampled_from(["", " bash", " cat > /f"]))
            out.append(f"{_case(draw, keyword)} {opener}{quoted}{target}" + eol())
            for _ in range(draw(st.integers(0, 3))):
                body = draw(st.lists(WORD, min_size=0, max_size=3))
                line = ("\t" if opener == "<<-" and draw(st.booleans()) else "") + " ".join(body)
                if line.strip("\t") != name:
                    out.append(line + eol())
            out.append(("\t" if opener == "<<-" and draw(st.booleans()) else "") + name + eol())
        else:
            keyword = draw(st.sampled_from(KEYWORDS))
            parts = [_case(draw, keyword)]
            if keyword in FLAGS and draw(st.booleans()):
                parts.append(draw(st.sampled_from(FLAGS[keyword])))
            words = draw(st.lists(WORD, min_size=1, max_size=6))
            if keyword in ("ENV", "LABEL"):
                words = [f"k{i}={w}" for i, w in enumerate(words)]
            line = " ".join(parts)
            for word in words:
                if draw(st.integers(0, 3)) == 0:
                    line += " " + escape + draw(st.sampled_from(["", " ", "\t"])) + eol()
                    for _ in range(draw(st.integers(0, 2))):
                        line += draw(st.sampled_from(["  # inside" + eol(), eol(), "   " + eol()]))
                    line += draw(st.sampled_from(["", "    ", "\t"])) + word
                else:
                    line += " " + word
            out.append(line + (eol() if draw(st.integers(0, 5)) else ""))
            if not out[-1].endswith("\n"):
                break
    return "".join(out)
