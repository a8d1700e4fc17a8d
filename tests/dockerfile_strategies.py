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


# -- realistic Dockerfiles, for the passes -------------------------------------------------

BASES = ["python:3.12", "python:3.11-slim", "node:22", "golang:1.23", "ubuntu:24.04", "debian:bookworm", "alpine:3.20", "ruby:3.3", "ubuntu:latest", "python"]
RUN_FRAGMENTS = [
    "apt-get update",
    "apt-get install -y curl",
    "apt-get install -y --no-install-recommends ca-certificates git",
    "apt-get install python3 python3-pip",
    "apt install -y build-essential libpq-dev",
    "rm -rf /var/lib/apt/lists/*",
    "apk add curl",
    "apk update",
    "pip install -r requirements.txt",
    "pip3 install flask gunicorn",
    "python -m pip install --upgrade pip",
    "npm ci",
    "npm install",
    "npm run build",
    "yarn install --frozen-lockfile",
    "go mod download",
    "go build -o /app ./...",
    "cd /src",
    "export PATH=/opt/bin:$PATH",
    "echo done",
    "gem install bundler",
    "bundle install",
    "dnf install -y gcc",
    "yum install gcc",
]
OTHER = ["WORKDIR /app", "COPY . .", "COPY . /app", "COPY requirements.txt .", "COPY package*.json ./", "ENV PYTHONUNBUFFERED=1", "EXPOSE 8000", "USER 1000", "ARG VERSION=1"]
TAILS = ['CMD ["python", "app.py"]', 'CMD ["node", "server.js"]', 'ENTRYPOINT ["/app"]', "CMD gunicorn app:app"]


@st.composite
def realistic_dockerfiles(draw) -> str:
    eol = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    lines = [f"FROM {draw(st.sampled_from(BASES))}"]
    for _ in range(draw(st.integers(1, 7))):
        if draw(st.booleans()):
            fragments = draw(st.lists(st.sampled_from(RUN_FRAGMENTS), min_size=1, max_size=4))
            style = draw(st.sampled_from(["inline", "continued", "heredoc", "semicolons"]))
            if style == "inline":
                lines.append("RUN " + " && ".join(fragments))
            elif style == "semicolons":
                lines.append("RUN set -e; " + "; ".join(fragments))
            elif style == "continued":
                joined = (" && \\" + eol + "    ").join(fragments)
                comment = draw(st.sampled_from(["", "    # a comment" + eol]))
                lines.append("RUN " + joined.replace(eol + "    ", eol + comment + "    ", 1) if comment else "RUN " + joined)
            else:
                lines.append("RUN <<EOF" + eol + eol.join(fragments) + eol + "EOF")
        else:
            lines.append(draw(st.sampled_from(OTHER)))
    lines.append(draw(st.sampled_from(TAILS)))
    return eol.join(lines) + eol
