"""Multi-stage builds: keep compilers, headers, SDKs and caches out of the final image (DF4xx).

A single-stage build ships everything it needed to build: the Go toolchain,
gcc and the `-dev` headers pip compiled against, devDependencies, Maven and
its repository.  These passes split such a file into the stage it was (named
`build`) and a small runtime stage appended after it, which copies only what
runs: the binary, the virtual environment and the source, the production
`node_modules` and the build output, the jar.

How the split is written (minimal edits, so a reviewer sees exactly what
changed): ` AS build` is inserted after the image of the FROM; the
instructions that only describe the running container (CMD, ENTRYPOINT,
EXPOSE, HEALTHCHECK, LABEL, STOPSIGNAL, VOLUME, a trailing USER) are moved,
byte for byte and with the comment lines above them, into the runtime stage;
ENV (except build-only variables), the final USER and the ARGs they use are
repeated there; the build stage itself changes only where the runtime needs
it (`CGO_ENABLED=0 ` before `go build`, a venv before the first `pip
install`).  Anything the split cannot establish from the file and its build
context is a reason to decline: the diagnostic then carries no fix and says
why (`# timid:` marks each place).

What the base image sets counts (`transforms/base_images`, `[image_configs]`):
its WORKDIR is where relative paths resolve when the Dockerfile sets none
(golang: /go; `/` for python), and a stage without CMD or ENTRYPOINT runs
the base image's; the split then needs a runtime image that starts the same
(`python3` on python and python-slim) and declines otherwise (golang's `bash`).

Alpine: the split declines rather than derive an apk `-dev` -> runtime
mapping.  Alpine's names follow no rule a table could be built from without
its archive (`postgresql-dev` -> `libpq`, `openssl-dev` -> `libssl3` and
`libcrypto3`, `jpeg-dev` -> `libjpeg-turbo`), and no sourced table of them is
shipped, so DF402 says "the -dev -> runtime library data is Debian's", and a
Go (cgo) or Rust build on Alpine, which links musl, has no distroless or
Debian runtime that fits.  A Go binary built with CGO_ENABLED=0 links
nothing, so a Go build on Alpine still splits onto distroless static.

A build image pinned by digest keeps the digest; the runtime image is chosen
by the tag written beside it (the note says it is not pinned); a digest
without a tag declines.

Run order (see `transforms/__init__.py`): these rules have `order=400`, after
package-cache hygiene (100), manifests-before-sources (200) and base images
(300).  The engine re-parses after every round and these fixes take the
whole stage, so the split reads a stage the earlier passes have finished
with, as long as their edits overlap ours (the FROM line, moved instructions);
an edit that does not overlap can land in the same round, and the next round
sees the split file, where those passes then work per stage.  The runtime
stage is written so that it gives the earlier passes nothing to do: its apt
install already uses `--no-install-recommends` and removes the lists.  The
base-image pass should leave the image of a non-final stage alone: a build
stage needs its compilers (moving `golang:1.22 AS build` to a slim image would
undo the reason for the split).

Knowledge: image facts (slim and JRE variants, distroless names, sizes) come
from `data/base_images.toml`; the -dev -> runtime library mapping and the
list of compiler packages from `data/debian_dev_runtime.toml` (Debian 12
metadata); tool conventions from `data/multistage.toml`.
"""

from __future__ import annotations

from typing import Iterator

from rewriter.context import FileContext
from rewriter.rules import Applicability, Diagnostic, Edit, rule
from rewriter.text import Span
from rewriter.variables import resolve_image
from transforms.multistage.common import (
    Decline,
    Image,
    dev_runtime_data,
    knowledge,
    runtime_libraries,
    size_text,
    slim_tag,
    split_rule,
)
from transforms.multistage.final_stage import TOOLCHAIN_IMAGES, plan_final_stage
from transforms.multistage.go import debian_go_packages, plan_go
from transforms.multistage.java import plan_java
from transforms.multistage.node import plan_node
from transforms.multistage.python import plan_python
from transforms.multistage.rust import plan_rust

__all__ = ["Image", "dev_runtime_data", "runtime_libraries", "slim_tag"]


@rule("DF401", "go-single-stage", summary="Go binary built and shipped in one stage", applicability=Applicability.UNSAFE, order=400)
def go_single_stage(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Splits a single-stage Go build into a `golang` build stage and a runtime
    stage that holds only the binary: `gcr.io/distroless/static` on the current
    Debian (with `CGO_ENABLED=0 ` added to `go build` when no file imports
    "C" and no module needs cgo), `distroless/base` when cgo is needed, or
    `debian:<codename>-slim` when the start-up command or HEALTHCHECK needs a
    shell, curl or wget.  A build on a debian or ubuntu image with Go from
    the release's packages (`apt-get install golang-go`, `golang-1.NN-go`)
    is split the same way: the apt install stays in the build stage, and
    the runtime is distroless static for a static binary, else the build's
    own image without the toolchain (the same C library for cgo).

    ## Why is this bad?
    The golang image is about 300 MB of compiler, standard library sources and
    module cache; the binary is usually 10-30 MB.

    ## Example
    ```dockerfile
    FROM golang:1.26
    WORKDIR /src
    COPY . .
    RUN go build -o /bin/server .
    CMD ["/bin/server"]
    ```

    Use instead:
    ```dockerfile
    FROM golang:1.26 AS build
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /bin/server .

    FROM gcr.io/distroless/static-debian13
    WORKDIR /src
    COPY --from=build /bin/server /bin/server
    CMD ["/bin/server"]
    ```

    ## Fix safety
    Unsafe: the binary is copied, and when a source reads files at run time
    (os.ReadFile, templates, http.Dir, viper...), the files and folders that
    string literals of the sources name in the image (relative to the
    WORKDIR, or absolute; the folder of a glob), less Go sources. When a
    literal names a data file the build context lacks (a git-ignored `.env`
    that a `COPY . .` brings where the image is built), or no literal names
    one, the application files (the stage's COPY destinations) are copied
    whole. The binary's path follows `cd DIR &&`, `go build -C`, `-o`, a
    simple Makefile's recipe behind `make [target]` (read, never run), the
    base image's WORKDIR, and Go's naming (the module path in go.mod, or
    the folder under $GOPATH/src in GOPATH mode, as the image's Go release
    and GO111MODULE choose; `go install` writes to GOBIN or $GOPATH/bin).
    Declines (no fix, a message saying why) when the application files
    share a folder with the module cache, when the container runs `go` at
    start-up or a script that installs, when the output of `go build` is
    not known, and when cgo is needed together with system libraries.
    With Go from Debian's packages, the Go release is the package's (the
    release's default for golang-go), GOPATH defaults to /root/go, and the
    split declines when the stage installs packages other than the
    toolchain and build tools (the program might run one of them).
    """
    stages = context.document.stages
    debian = len(stages) == 1 and bool(debian_go_packages(context, stages[0]))
    repos = ("golang", *knowledge()["go"]["debian"]["images"]) if debian else ("golang",)
    yield from split_rule(context, go_single_stage, repos, plan_go)


@rule("DF402", "python-single-stage", summary="Python dependencies built with compilers in the final image", applicability=Applicability.UNSAFE, order=400)
def python_single_stage(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Splits a single-stage Python build (the full `python` image, or a slim one
    with compilers and `-dev` packages installed) into a build stage that
    installs the dependencies into a virtual environment at `/opt/venv`, and a
    runtime stage on the slim image of the same Python version that copies the
    venv and the application directory and installs only the runtime
    libraries the `-dev` packages stood for (libpq-dev -> libpq5), as Debian's
    package metadata says (`data/debian_dev_runtime.toml`).

    ## Why is this bad?
    The full image is about 390 MB against 45 MB for slim; gcc, the headers
    and pip's build dependencies are only needed while pip compiles.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y gcc libpq-dev
    WORKDIR /app
    COPY . .
    RUN pip install -r requirements.txt
    CMD ["python", "app.py"]
    ```

    Use instead: the same as a build stage (`AS build`, a venv before pip),
    then
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
    WORKDIR /app
    COPY --from=build /opt/venv /opt/venv
    COPY --from=build /app /app
    ENV PATH="/opt/venv/bin:$PATH"
    CMD ["python", "app.py"]
    ```

    ## Fix safety
    Unsafe: the runtime has only what is listed. On the full image, where a
    compiled package can link to a library nobody installed explicitly, the
    runtime stage checks the venv with `ldd` and fails the build instead of
    shipping a broken image. A RUN after the build that only creates
    directories or sets modes and owners outside the application directory
    (`mkdir`, `chmod`, `chgrp`, `chown`) is replayed after the runtime stage's
    copies, when each path it changes is one the runtime stage has.
    `pipenv install --system` and `poetry install` with
    `virtualenvs.create false` install into the venv like pip (the build
    stage sets VIRTUAL_ENV for poetry). Build steps whose output can be read
    from the project without running it stay in the build stage, and what
    they write outside the application directory is copied:
    `manage.py collectstatic` (STATIC_ROOT) and `compilemessages`
    (LOCALE_PATHS), read from the settings module with libcst;
    `python -m compileall`, `pybabel compile -d`, nltk and spaCy downloads,
    and a build script that only calls those downloaders. Without CMD or
    ENTRYPOINT, the split follows the `python3` both base images start and
    checks the commands of the compose services that build the Dockerfile.
    Declines when another RUN changes files outside the application
    directory (the message names the command, or the settings line that
    could not be evaluated), pip installs to a chosen location, a `-dev`
    package has no known runtime library, the runtime image is a Debian
    older than 12 and needs runtime libraries (the -dev data names them as
    Debian 12 does), or the container installs or runs poetry or pipenv at
    start-up. A slim tag of a release no longer published (`-slim-buster`)
    is its own runtime image.
    """
    yield from split_rule(context, python_single_stage, ("python",), plan_python)


@rule("DF403", "node-single-stage", summary="Node build tooling and devDependencies in the final image", applicability=Applicability.UNSAFE, order=400)
def node_single_stage(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Splits a single-stage Node build that runs a build script into a build
    stage (the original: install everything, build) and a runtime stage on the
    slim image of the same Node version that repeats the manifest COPY,
    installs production dependencies only (`npm ci --omit=dev`,
    `yarn install --production`, `pnpm install --prod`), repeats the source
    COPY and copies the build output (tsc's outDir, `dist` for vite, `.next`...).

    ## Why is this bad?
    devDependencies (TypeScript, bundlers, test tools) are often most of
    `node_modules`, and the full node image is about 400 MB against 75 MB.

    ## Example
    ```dockerfile
    FROM node:22
    WORKDIR /app
    COPY package*.json ./
    RUN npm ci
    COPY . .
    RUN npm run build
    CMD ["node", "dist/server.js"]
    ```

    Use instead: the same as `AS build`, then
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package*.json ./
    RUN npm ci --omit=dev
    COPY . .
    COPY --from=build /app/dist /app/dist
    CMD ["node", "dist/server.js"]
    ```

    ## Fix safety
    Unsafe. The build script is read command by command (`tsc && vite
    build`: tsc with noEmit writes nothing; `npm run X` is followed; lint and
    removal steps write nothing new), each tool's output from its config
    where literal (tsconfig outDir, webpack output.path). package.json and
    the build configuration are read in the folder of the build context the
    stage copied into its WORKDIR (`COPY apps/web/ ./` in a monorepo). A
    stage without a build step gets no diagnostic. An install with
    `--ignore-scripts` keeps the flag in the runtime stage, so package.json's
    lifecycle scripts (`prepare`, `postinstall`) run in neither stage; without
    it they would run after the production install and decline. What the
    build installed with apt is installed in the runtime stage too (ffmpeg
    the program may run), less compilers, with the runtime libraries of the
    `-dev` packages. Declines when the
    install or the build runs in another folder than the WORKDIR, the
    build tool's output directory is not known,
    the start command needs a devDependency, a production dependency runs an
    install script (a native addon that may not build on slim), the build
    installs a compiler and no npm lock file shows that no production
    dependency runs one, or the container installs at start-up.
    """
    yield from split_rule(context, node_single_stage, ("node",), plan_node)


@rule("DF404", "java-single-stage", summary="JDK and Maven/Gradle shipped with the jar", applicability=Applicability.UNSAFE, order=400)
def java_single_stage(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Splits a single-stage Maven or Gradle build into the build stage and a
    runtime stage on `eclipse-temurin:<N>-jre` (N = the JDK of the build
    image) that copies the jar the container runs with `java -jar`.

    ## Why is this bad?
    A JDK with Maven or Gradle and the dependency repository weighs 250 MB
    and more; the JRE about 95 MB.

    ## Example
    ```dockerfile
    FROM maven:3.9-eclipse-temurin-21
    WORKDIR /app
    COPY . .
    RUN mvn -B package -DskipTests
    CMD ["java", "-jar", "target/demo-1.0.jar"]
    ```

    Use instead: the same `AS build`, then
    ```dockerfile
    FROM eclipse-temurin:21-jre
    WORKDIR /app
    COPY --from=build /app/target/demo-1.0.jar /app/target/demo-1.0.jar
    CMD ["java", "-jar", "target/demo-1.0.jar"]
    ```

    ## Fix safety
    Unsafe. The jar name must match pom.xml (finalName, or artifactId-version)
    or the Gradle project name and version; a wildcard in a shell-form command
    is kept as a wildcard. Declines when the container does not start
    `java -jar`, or runs Maven/Gradle at start-up.
    """
    yield from split_rule(context, java_single_stage, ("maven", "gradle", "eclipse-temurin"), plan_java)


@rule("DF405", "rust-single-stage", summary="Rust toolchain shipped with the binary", applicability=Applicability.UNSAFE, order=400)
def rust_single_stage(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Splits a single-stage cargo build into the build stage and a runtime stage
    with only the binary (named from Cargo.toml: `[[bin]]` or the package
    name) on `gcr.io/distroless/cc` of the current Debian, or on
    `debian:<codename>-slim` with the runtime libraries of the `-dev` packages
    the build installed.

    ## Why is this bad?
    The rust image is over 500 MB; a release binary is a few MB.

    ## Example
    ```dockerfile
    FROM rust:1.88
    WORKDIR /app
    COPY . .
    RUN cargo build --release
    CMD ["/app/target/release/hello"]
    ```

    Use instead: the same `AS build`, then
    ```dockerfile
    FROM gcr.io/distroless/cc-debian13
    WORKDIR /app
    COPY --from=build /app/target/release/hello /app/target/release/hello
    CMD ["/app/target/release/hello"]
    ```

    ## Fix safety
    Unsafe: only the binary is copied. Declines for `cargo run` at start-up,
    workspaces, Alpine (musl) builds and outputs moved by `--target`.
    """
    yield from split_rule(context, rust_single_stage, ("rust",), plan_rust)


@rule("DF406", "final-stage-toolchain-image", summary="final stage of a multi-stage build is based on a toolchain image", applicability=Applicability.UNSAFE, order=400)
def final_stage_toolchain_image(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    In a multi-stage build whose final stage only copies an artifact from an
    earlier stage (`COPY --from=...`, no RUN) but is based on `golang`,
    `rust`, `maven`, `gradle` or an `eclipse-temurin` JDK, replaces the image
    of that FROM with the runtime image (distroless static or base for Go,
    distroless cc for Rust, `eclipse-temurin:<N>-jre` for Java). Stage names
    and `COPY --from` references are left as they are.

    ## Why is this bad?
    The build stage already did the work; the final stage still carries the
    whole toolchain.

    ## Example
    ```dockerfile
    FROM golang:1.26 AS build
    RUN CGO_ENABLED=0 go build -o /out/app .
    FROM golang:1.26
    COPY --from=build /out/app /app
    ENTRYPOINT ["/app"]
    ```

    Use instead: `FROM gcr.io/distroless/static-debian13` for the last stage.

    ## Fix safety
    Unsafe. Only when the stage runs nothing (no RUN, no COPY from the build
    context) and starts in exec form; a Go binary gets `static` only when
    every `go build` of the stages it copies from sets `CGO_ENABLED=0`.
    """
    try:
        found = plan_final_stage(context)
    except Decline as exc:
        final = context.document.stages[-1]
        ref = resolve_image(context.document, final)
        image = Image.parse(ref) if ref else None
        if image is not None and (image.repo in TOOLCHAIN_IMAGES or image.repo == "eclipse-temurin" and "jre" not in image.tag):
            yield final_stage_toolchain_image.diagnostic(
                f"final stage is based on the toolchain image `{ref}`; not changed: {exc}",
                Span(final.from_.span.start, final.from_.header_end),
                note="Base the final stage on a runtime image (distroless, a JRE, debian-slim) by hand.",
            )
        return
    if found is None:
        return
    from_, span, new, kind, before, after = found
    saving = before - after if before is not None and after is not None else None
    yield final_stage_toolchain_image.diagnostic(
        f"final stage ships the {kind} toolchain although it only copies an artifact{size_text(before, after)}",
        Span(from_.span.start, from_.header_end),
        final_stage_toolchain_image.fix(Applicability.UNSAFE, f"Base the final stage on `{new}`", Edit.replace(span, new)),
        note=f"`{new}` has no toolchain{' and no shell' if 'distroless' in new else ''}; the stage only copies from earlier stages and starts in exec form. Check that the image still starts.",
        saving_mb=saving,
    )
