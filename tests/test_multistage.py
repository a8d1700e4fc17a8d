"""DF401-DF406: splitting single-stage builds, and toolchain images in a final stage.

The golden cases `golden/multistage-*` show whole files; these tests pin the
decisions: which runtime image, what is copied, and every reason to decline.
"""

from __future__ import annotations

import pytest

from helpers import dedent, diagnostics, fixed, run
from rewriter.rules import Applicability
from rewriter.syntax import parse
from transforms.multistage import Image, dev_runtime_data, runtime_libraries, slim_tag
from transforms.multistage.go import go_string_literals

GO_MOD = "module example.com/app\n\ngo 1.26\n"
MAIN_GO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n'
GO_FILES = {"go.mod": GO_MOD, "main.go": MAIN_GO}


def go_file(build: str = "RUN go build -o /bin/app .", tail: str = 'CMD ["/bin/app"]', image: str = "golang:1.26") -> str:
    return f"FROM {image}\nWORKDIR /src\nCOPY . .\n{build}\n{tail}\n"


def only(text: str, **kwargs: object):  # type: ignore[no-untyped-def]
    found = diagnostics(text, select="DF4", **kwargs)
    assert len(found) == 1, found
    return found[0]


# -- image references ------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "repo", "tag"),
    [
        ("python:3.12", "python", "3.12"),
        ("docker.io/library/node:22-slim", "node", "22-slim"),
        ("registry.example.com:5000/team/golang:1.26", "registry.example.com:5000/team/golang", "1.26"),
        ("rust", "rust", ""),
    ],
)
def test_image_parse(ref: str, repo: str, tag: str) -> None:
    image = Image.parse(ref)
    assert (image.repo, image.tag) == (repo, tag)


@pytest.mark.parametrize(
    ("repo", "tag", "slim"),
    [
        ("python", "3.12", "3.12-slim"),
        ("python", "3.12-bookworm", "3.12-slim-bookworm"),
        ("python", "3.12.8-slim", "3.12.8-slim"),
        ("python", "", "slim"),
        ("node", "22", "22-slim"),
        ("node", "24-bookworm", "24-bookworm-slim"),
        ("node", "22-alpine", "22-alpine"),
        ("node", "lts-bookworm", "lts-bookworm-slim"),
        ("node", "lts", "lts-slim"),
    ],
)
def test_slim_tag_keeps_version_and_debian_release(repo: str, tag: str, slim: str) -> None:
    assert slim_tag(repo, Image(repo, tag, False)) == slim


def test_runtime_library_of_a_wrapper_dev_package_follows_its_dependency() -> None:
    dev = {
        "libwrap-dev": {"depends": ["libreal-dev | libother-dev"], "runtime": []},
        "libreal-dev": {"depends": ["libreal7"], "runtime": ["libreal7"]},
    }
    assert runtime_libraries(dev, "libwrap-dev") == ["libreal7"]


def test_dev_runtime_data_maps_libpq() -> None:
    data = dev_runtime_data()
    assert data is not None and runtime_libraries(data["dev"], "libpq-dev") == ["libpq5"]


# -- Go --------------------------------------------------------------------------


def test_go_split_is_unsafe_and_explains_itself() -> None:
    found = only(go_file(), files=GO_FILES)
    assert found.fix is not None and found.fix.applicability == Applicability.UNSAFE
    assert "distroless/static-debian13" in found.fix.title
    assert found.saving_mb and found.saving_mb > 0
    assert fixed(go_file(), select="DF4", files=GO_FILES) == go_file()  # not applied without --unsafe-fixes


def test_go_split_output() -> None:
    assert fixed(go_file(), select="DF4", unsafe=True, files=GO_FILES) == dedent(
        """
        FROM golang:1.26 AS build
        WORKDIR /src
        COPY . .
        RUN CGO_ENABLED=0 go build -o /bin/app .

        # Runtime stage (dockerfix DF401): copy only the binary
        FROM gcr.io/distroless/static-debian13
        WORKDIR /src
        COPY --from=build /bin/app /bin/app
        CMD ["/bin/app"]
        """
    )


@pytest.mark.parametrize("build", ["RUN CGO_ENABLED=0 go build -o /bin/app .", "ENV CGO_ENABLED=0\nRUN go build -o /bin/app ."])
def test_go_cgo_already_disabled_is_not_repeated(build: str) -> None:
    out = fixed(go_file(build), select="DF4", unsafe=True, files=GO_FILES)
    assert out.count("CGO_ENABLED=0") == 1


def test_go_binary_named_after_the_module_when_built_without_o() -> None:
    out = fixed(go_file("RUN go build .", 'CMD ["./app"]'), select="DF4", unsafe=True, files=GO_FILES)
    assert "COPY --from=build /src/app /src/app\n" in out


@pytest.mark.parametrize(
    "build",
    [
        "RUN cd cmd/app && go build -o app .",
        "RUN cd cmd \\\n && cd app \\\n && go build -o app .",
        "RUN go build -C cmd/app -o app .",
    ],
    ids=["cd", "cd-twice", "go-build-C"],
)
def test_go_output_follows_cd_and_go_build_C(build: str) -> None:
    out = fixed(go_file(build, 'CMD ["/src/cmd/app/app"]'), select="DF4", unsafe=True, files={**GO_FILES, "cmd/app/main.go": MAIN_GO})
    assert "COPY --from=build /src/cmd/app/app /src/cmd/app/app\n" in out


def test_go_cd_in_one_run_does_not_move_the_next() -> None:
    text = go_file("RUN cd cmd && go vet ./...\nRUN go build -o app .", 'CMD ["./app"]')
    assert "COPY --from=build /src/app /src/app\n" in fixed(text, select="DF4", unsafe=True, files=GO_FILES)


@pytest.mark.parametrize(
    ("image", "workdir", "files", "binary"),
    [
        ("golang:1.13-alpine", "/go/src/app", {"main.go": MAIN_GO}, "app"),  # GOPATH mode: the folder under $GOPATH/src
        ("golang:1.10", "$GOPATH/src/example.com/tool", {"go.mod": GO_MOD, "main.go": MAIN_GO}, "tool"),  # go.mod ignored before 1.11
        ("golang:1.26", "/src", {"go.mod": "module example.com/app/v2\n", "main.go": MAIN_GO}, "app"),  # major version suffix
        ("golang:1.26", "/src", {"go.mod": GO_MOD, "cmd/api/main.go": MAIN_GO, "internal/x.go": "package x\n"}, "api"),
    ],
    ids=["gopath-mode", "gopath-env-in-workdir", "major-version", "one-main-under-dots"],
)
def test_go_install_dots_names_each_main_package(image: str, workdir: str, files: dict[str, str], binary: str) -> None:
    text = f"FROM {image}\nWORKDIR {workdir}\nCOPY . .\nRUN go install -v ./...\nCMD [\"{binary}\"]\n"
    out = fixed(text, select="DF4", unsafe=True, files=files)
    assert f"COPY --from=build /go/bin/{binary} /usr/local/bin/{binary}\n" in out


def test_digest_without_a_tag_declines() -> None:
    found = only(go_file(image="golang@sha256:" + "0" * 64), files=GO_FILES)
    assert found.fix is None and "digest without a tag" in found.message


MAKEFILE = """\
BIN := bin
NAME ?= shop

.PHONY: all build
all: build

build: deps
\t@echo building $(NAME)
\tcd cmd/$(NAME) && go build -o ../../$(BIN)/$(NAME) .

deps:
\tgo mod download
"""


@pytest.mark.parametrize("make", ["make", "make build"])
def test_go_build_in_a_simple_makefile_is_followed(make: str) -> None:
    files = {**GO_FILES, "Makefile": MAKEFILE, "cmd/shop/main.go": MAIN_GO}
    out = fixed(go_file(f"RUN {make}", 'CMD ["./bin/shop"]'), select="DF4", unsafe=True, files=files)
    assert f"RUN CGO_ENABLED=0 {make}\n" in out and "COPY --from=build /src/bin/shop /src/bin/shop\n" in out


def test_go_makefile_that_is_not_simple_declines() -> None:
    files = {**GO_FILES, "Makefile": "include vars.mk\nbuild:\n\tgo build -o $(OUT) .\n"}
    found = only(go_file("RUN make build", 'CMD ["./app"]'), files=files)
    assert found.fix is None and "not a simple Makefile" in found.message


def test_go_install_honours_gobin() -> None:
    text = go_file("ENV GOBIN=/out\nRUN go install ./cmd/app", 'CMD ["/out/app"]')
    assert "COPY --from=build /out/app /out/app\n" in fixed(text, select="DF4", unsafe=True, files={**GO_FILES, "cmd/app/main.go": MAIN_GO})


@pytest.mark.parametrize("build", ["RUN GOPATH=/build go install ./cmd/app", "RUN GOBIN=/build/bin go install ./cmd/app"])
def test_go_install_honours_an_assignment_in_front_of_the_command(build: str) -> None:
    out = fixed(go_file(build, 'CMD ["/build/bin/app"]'), select="DF4", unsafe=True, files={**GO_FILES, "cmd/app/main.go": MAIN_GO})
    assert "COPY --from=build /build/bin/app /build/bin/app\n" in out and "/go/bin" not in out


def test_go_build_of_files_names_the_binary_after_the_first() -> None:
    out = fixed(go_file("RUN go build ./cmd/main.go", 'CMD ["./main"]'), select="DF4", unsafe=True, files={**GO_FILES, "cmd/main.go": MAIN_GO})
    assert "COPY --from=build /src/main /src/main\n" in out


def test_go_without_go_mod_on_a_modules_only_go_declines() -> None:
    found = only("FROM golang:1-alpine\nWORKDIR /go/src/app\nCOPY . .\nRUN go install ./...\nCMD [\"app\"]\n", files={"main.go": MAIN_GO})
    assert found.fix is None and "no go.mod at or above /go/src/app" in found.message


def test_go_install_binary_goes_on_the_runtime_path() -> None:
    out = fixed(go_file("RUN go install ./cmd/app", 'CMD ["app"]'), select="DF4", unsafe=True, files={**GO_FILES, "cmd/app/main.go": MAIN_GO})
    assert "COPY --from=build /go/bin/app /usr/local/bin/app\n" in out


def test_go_with_cgo_runs_on_distroless_base_without_cgo_enabled_0() -> None:
    files = {**GO_FILES, "main.go": 'package main\n\n// #include <stdio.h>\nimport "C"\n\nfunc main() {}\n'}
    out = fixed(go_file(), select="DF4", unsafe=True, files=files)
    assert "FROM gcr.io/distroless/base-debian13\n" in out
    assert "CGO_ENABLED" not in out


@pytest.mark.parametrize("cmd", ["CMD /bin/app --port 80", 'CMD ["/bin/sh", "-c", "/bin/app --port $PORT"]'])
def test_go_command_in_a_shell_gets_debian_slim_with_ca_certificates(cmd: str) -> None:
    out = fixed(go_file(tail=cmd), select="DF4", unsafe=True, files=GO_FILES)
    assert "FROM debian:trixie-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\n" in out


def test_go_named_user_is_created_again_on_debian_slim() -> None:
    text = go_file(tail="RUN useradd -r app\nUSER app\nCMD /bin/app")
    out = fixed(text, select="DF4", unsafe=True, files=GO_FILES)
    runtime = out.split("FROM debian:trixie-slim", 1)[1]
    assert "RUN useradd -r app\n" in runtime and runtime.endswith("USER app\nCMD /bin/app\n")


def test_go_output_keeps_crlf() -> None:
    text = go_file().replace("\n", "\r\n")
    out = run(text, select="DF4", unsafe=True, files=GO_FILES, raw=True).output.decode()
    assert "\n" not in out.replace("\r\n", "")
    assert "FROM gcr.io/distroless/static-debian13\r\n" in out


def test_go_file_without_final_newline() -> None:
    out = fixed(go_file().rstrip("\n"), select="DF4", unsafe=True, files=GO_FILES)
    assert out.endswith('RUN CGO_ENABLED=0 go build -o /bin/app .\n\n# Runtime stage (dockerfix DF401): copy only the binary\n'
                        'FROM gcr.io/distroless/static-debian13\nWORKDIR /src\nCOPY --from=build /bin/app /bin/app\nCMD ["/bin/app"]\n')


def test_go_moved_instructions_keep_their_comments_and_continuations() -> None:
    tail = "# the port\nEXPOSE 8080 \\\n    8443\nCMD [\"/bin/app\"]"
    out = fixed(go_file(tail=tail), select="DF4", unsafe=True, files=GO_FILES)
    build, runtime = out.split("# Runtime stage", 1)
    assert "EXPOSE" not in build and "# the port\nEXPOSE 8080 \\\n    8443\n" in runtime


def test_repeated_env_brings_the_arg_it_uses() -> None:
    text = go_file(tail='ARG VERSION=dev\nENV APP_VERSION=$VERSION\nCMD ["/bin/app"]')
    runtime = fixed(text, select="DF4", unsafe=True, files=GO_FILES).split("# Runtime stage", 1)[1]
    assert "ARG VERSION=dev\n" in runtime and "ENV APP_VERSION=$VERSION\n" in runtime


def test_build_only_env_is_not_repeated() -> None:
    text = go_file(tail='ENV GOFLAGS=-mod=vendor\nCMD ["/bin/app"]')
    runtime = fixed(text, select="DF4", unsafe=True, files=GO_FILES).split("# Runtime stage", 1)[1]
    assert "GOFLAGS" not in runtime



# -- Go programs that read files at run time ----------------------------------------


def test_go_string_literals_skip_comments_runes_imports_and_escapes() -> None:
    source = dedent(
        """\
        package main

        import (
        \t"os"
        \tt "text/template"
        )
        import "fmt"

        // "in a comment.txt"
        var quote = '"'
        var a, b, c = "templates/*.html", `raw/dir`, "line\\n" /* "nor.here" */
        """
    )
    assert list(go_string_literals(source)) == ["templates/*.html", "raw/dir"]


def reads(main: str, **files: str) -> str:
    source = f'package main\n\nimport "os"\n\nfunc main() {{ {main} }}\n'
    return fixed(go_file(), select="DF4", unsafe=True, files={**GO_FILES, "main.go": source, **files})


def test_go_copies_a_file_a_literal_names_even_through_a_variable() -> None:
    out = reads('name := "data/cities.json"; os.ReadFile(name)', **{"data/cities.json": "[]"})
    assert "COPY --from=build /src/data/cities.json /src/data/cities.json\n" in out


def test_go_default_read_of_godotenv_is_the_dot_env_file() -> None:
    out = reads("godotenv.Load(); os.Exit(0)", **{".env": "A=1\n"})
    assert "COPY --from=build /src/.env /src/.env\n" in out


def test_go_literal_naming_only_go_sources_is_not_what_it_reads() -> None:
    out = reads('os.ReadFile("internal")', **{"internal/x.go": "package internal\n", "seed.sql": ""})
    assert "COPY --from=build /src /src\n" in out and "/src/internal" not in out


def test_go_data_file_missing_from_the_checkout_brings_the_whole_application_folder() -> None:
    out = reads('os.ReadFile("settings.yaml"); os.ReadFile("data/cities.json")', **{"data/cities.json": "[]"})
    assert out.endswith("WORKDIR /src\nCOPY --from=build /bin/app /bin/app\nCOPY --from=build /src /src\nCMD [\"/bin/app\"]\n")


def test_go_template_name_is_not_a_missing_file() -> None:
    out = reads('t, _ := template.ParseGlob("views/*.html"); t.ExecuteTemplate(os.Stdout, "home.html", nil)', **{"views/home.html": ""})
    assert "COPY --from=build /src/views /src/views\n" in out and "COPY --from=build /src /src" not in out


def test_go_declines_when_a_run_sets_owners_on_a_file_it_reads() -> None:
    files = {**GO_FILES, "main.go": 'package main\nimport "os"\nfunc main() { os.ReadFile("conf/app.ini") }\n', "conf/app.ini": ""}
    found = only(go_file(build="RUN go build -o /bin/app . && chown -R 1000 conf"), files=files)
    assert found.fix is None and "COPY --from would not keep" in found.message


# -- Python ----------------------------------------------------------------------

PY = {"requirements.txt": "flask\n", "app.py": "print('hi')\n"}


def py_file(before: str = "", image: str = "python:3.12", cmd: str = 'CMD ["python", "app.py"]', pip: str = "RUN pip install -r requirements.txt") -> str:
    return f"FROM {image}\n{before}WORKDIR /app\nCOPY . .\n{pip}\n{cmd}\n"


def test_python_dev_packages_become_their_runtime_libraries() -> None:
    text = py_file("RUN apt-get update && apt-get install -y gcc libpq-dev default-libmysqlclient-dev curl\n", image="python:3.12-slim")
    out = fixed(text, select="DF4", unsafe=True, files=PY)
    runtime = out.split("# Runtime stage", 1)[1]
    assert "--no-install-recommends curl libmariadb3 libpq5 &&" in runtime
    assert "gcc" not in runtime and "ldd" not in runtime  # slim build image: nothing linked silently


def test_python_venv_goes_before_the_first_pip_install() -> None:
    out = fixed(py_file(), select="DF4", unsafe=True, files=PY)
    assert 'COPY . .\nRUN python -m venv /opt/venv\nENV PATH="/opt/venv/bin:$PATH"\nRUN pip install' in out


def test_python_file_copied_outside_the_app_is_copied_from_the_build_stage() -> None:
    text = py_file("COPY gunicorn.conf.py /etc/gunicorn/\n")
    out = fixed(text, select="DF4", unsafe=True, files={**PY, "gunicorn.conf.py": "workers = 2\n"})
    assert "COPY --from=build /etc/gunicorn/gunicorn.conf.py /etc/gunicorn/gunicorn.conf.py\n" in out


def test_python_chown_of_the_app_is_kept() -> None:
    text = py_file(pip="RUN pip install -r requirements.txt && chown -R 1000:1000 /app")
    assert "COPY --from=build --chown=1000:1000 /app /app\n" in fixed(text, select="DF4", unsafe=True, files=PY)


def test_python_entrypoint_script_that_execs_the_cmd_is_accepted() -> None:
    files = {**PY, "entrypoint.sh": "#!/usr/bin/env bash\nset -e\necho starting > /dev/stderr\nexec \"$@\"\n"}
    text = py_file(cmd='ENTRYPOINT ["./entrypoint.sh"]\nCMD ["python", "app.py"]')
    assert "# Runtime stage" in fixed(text, select="DF4", unsafe=True, files=files)


def test_python_healthcheck_with_curl_installs_curl_in_slim() -> None:
    text = py_file(cmd='HEALTHCHECK CMD curl -f http://localhost/ || exit 1\nCMD ["python", "app.py"]')
    runtime = fixed(text, select="DF4", unsafe=True, files=PY).split("# Runtime stage", 1)[1]
    assert "install -y --no-install-recommends curl &&" in runtime


# -- Node, Java, Rust -----------------------------------------------------------

PACKAGE = '{"scripts": {"build": "tsc"}, "dependencies": {"express": "4"}, "devDependencies": {"typescript": "5"}}'
NODE = {"package.json": PACKAGE, "package-lock.json": '{"packages": {}}', "tsconfig.json": '{"compilerOptions": {"outDir": "out"}}'}


def node_file(image: str = "node:22", install: str = "RUN npm ci", cmd: str = 'CMD ["node", "out/index.js"]') -> str:
    return f"FROM {image}\nWORKDIR /app\nCOPY package*.json ./\n{install}\nCOPY . .\nRUN npm run build\n{cmd}\n"


def test_node_runtime_installs_production_dependencies_and_copies_the_output() -> None:
    runtime = fixed(node_file(), select="DF4", unsafe=True, files=NODE).split("# Runtime stage", 1)[1]
    assert "FROM node:22-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\nCOPY --from=build /app/out /app/out\n" in runtime


def test_node_install_with_cache_clean_keeps_it() -> None:
    runtime = fixed(node_file(install="RUN npm ci && npm cache clean --force"), select="DF4", unsafe=True, files=NODE).split("# Runtime stage", 1)[1]
    assert "RUN npm ci --omit=dev && npm cache clean --force\n" in runtime


def test_macos_only_install_script_is_ignored() -> None:
    lock = '{"packages": {"node_modules/fsevents": {"hasInstallScript": true, "optional": true, "os": ["darwin"]}}}'
    assert "# Runtime stage" in fixed(node_file(), select="DF4", unsafe=True, files={**NODE, "package-lock.json": lock})


def test_node_lts_alias_is_a_supported_version() -> None:
    assert "FROM node:lts-slim\n" in fixed(node_file(image="node:lts"), select="DF4", unsafe=True, files=NODE)


def test_yarn_classic_uses_production_flag() -> None:
    files = {**NODE, "yarn.lock": ""}
    text = node_file(install="RUN yarn install --frozen-lockfile").replace("npm run build", "yarn build")
    assert "RUN yarn install --production --frozen-lockfile\n" in fixed(text, select="DF4", unsafe=True, files=files)


def test_java_maven_jar_name_from_final_name() -> None:
    pom = "<project><artifactId>a</artifactId><version>1</version><build><finalName>app</finalName></build></project>"
    text = "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /w\nCOPY . .\nRUN mvn package\nCMD [\"java\", \"-jar\", \"target/app.jar\"]\n"
    out = fixed(text, select="DF4", unsafe=True, files={"pom.xml": pom})
    assert "FROM eclipse-temurin:17-jre\nWORKDIR /w\nCOPY --from=build /w/target/app.jar /w/target/app.jar\n" in out


@pytest.mark.parametrize(
    ("image", "runtime"),
    [
        ("maven:3.9-eclipse-temurin-21-noble", "eclipse-temurin:21-jre-noble"),
        ("maven:3.9-eclipse-temurin-17-alpine", "eclipse-temurin:17-jre-alpine"),
        ("eclipse-temurin:21-jdk-jammy", "eclipse-temurin:21-jre-jammy"),
        ("eclipse-temurin:25", "eclipse-temurin:25-jre"),
    ],
)
def test_java_runtime_keeps_the_jdk_version_and_os(image: str, runtime: str) -> None:
    pom = "<project><artifactId>a</artifactId><version>1</version></project>"
    text = f"FROM {image}\nWORKDIR /w\nCOPY . .\nRUN ./mvnw package\nCMD [\"java\", \"-jar\", \"target/a-1.jar\"]\n"
    assert f"FROM {runtime}\n" in fixed(text, select="DF4", unsafe=True, files={"pom.xml": pom})


def test_rust_without_native_libraries_runs_on_distroless_cc() -> None:
    text = "FROM rust:1.88\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/hello\"]\n"
    out = fixed(text, select="DF4", unsafe=True, files={"Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\n'})
    assert "FROM gcr.io/distroless/cc-debian13\nWORKDIR /app\nCOPY --from=build /app/target/release/hello /app/target/release/hello\n" in out


def test_rust_with_libpq_needs_debian_slim_and_libpq5() -> None:
    text = "FROM rust:1.88\nRUN apt-get update && apt-get install -y libpq-dev\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/hello\"]\n"
    out = fixed(text, select="DF4", unsafe=True, files={"Cargo.toml": '[package]\nname = "hello"\n'})
    assert "FROM debian:trixie-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libpq5 &&" in out


# -- already multi-stage ----------------------------------------------------------


def test_final_stage_on_jdk_becomes_jre_and_keeps_its_name() -> None:
    text = dedent(
        """
        FROM maven:3.9-eclipse-temurin-21 AS build
        RUN mvn package
        FROM eclipse-temurin:21-jdk AS app
        COPY --from=build /target/app.jar /app.jar
        ENTRYPOINT ["java", "-jar", "/app.jar"]
        """
    )
    assert fixed(text, select="DF4", unsafe=True) == text.replace("eclipse-temurin:21-jdk AS app", "eclipse-temurin:21-jre AS app")


def test_final_stage_go_built_in_a_parent_stage_counts() -> None:
    text = "FROM golang:1.26 AS deps\nENV CGO_ENABLED=0\nRUN go build -o /x .\nFROM deps AS b\nFROM golang:1.26\nCOPY --from=b /x /x\nCMD [\"/x\"]\n"
    assert "FROM gcr.io/distroless/static-debian13\n" in fixed(text, select="DF4", unsafe=True)


def test_final_stage_rust_with_system_packages_declines() -> None:
    text = "FROM rust:1.88 AS b\nRUN apt-get update && apt-get install -y libpq-dev\nRUN cargo build --release\nFROM rust:1.88\nCOPY --from=b /target/release/x /x\nCMD [\"/x\"]\n"
    found = only(text)
    assert found.fix is None and "system packages" in found.message


def test_final_stage_go_without_cgo_disabled_gets_distroless_base() -> None:
    text = "FROM golang:1.26 AS b\nRUN go build -o /x .\nFROM golang:1.26\nCOPY --from=b /x /x\nCMD [\"/x\"]\n"
    assert "FROM gcr.io/distroless/base-debian13\n" in fixed(text, select="DF4", unsafe=True)



def test_node_start_through_npx_of_a_devdependency_declines() -> None:
    files = {**NODE, "package.json": PACKAGE.replace('"typescript": "5"', '"typescript": "5", "vite": "5"')}
    found = only(node_file(cmd='CMD ["npx", "vite", "preview"]'), files=files)
    assert found.fix is None and "`npx vite`, a devDependency" in found.message


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        ("tsc && echo ok > server/flag.txt", "writes a file with a redirect"),
        ("rimraf src/legacy && tsc", "removes files outside its output"),
        ("eslint --fix src && tsc", "rewrites sources"),
    ],
)
def test_node_build_script_that_changes_files_the_runtime_stage_copies_declines(build: str, reason: str) -> None:
    files = {**NODE, "package.json": PACKAGE.replace('"build": "tsc"', f'"build": "{build}"')}
    found = only(node_file(), files=files)
    assert found.fix is None and reason in found.message


def test_node_build_script_may_clear_its_own_output() -> None:
    files = {**NODE, "package.json": PACKAGE.replace('"build": "tsc"', '"build": "rimraf out && tsc 2> /dev/null"')}
    assert "COPY --from=build /app/out /app/out\n" in fixed(node_file(), select="DF4", unsafe=True, files=files)


def test_node_build_script_with_an_unknown_command_declines() -> None:
    files = {**NODE, "package.json": PACKAGE.replace('"build": "tsc"', '"build": "tsc && node scripts/bundle.js"')}
    found = only(node_file(), files=files)
    assert found.fix is None and "runs `node`, whose output directory is unknown" in found.message

# -- every reason to decline: a diagnostic without a fix, saying why -------------------


@pytest.mark.parametrize(
    ("text", "files", "reason"),
    [
        (go_file(tail='CMD ["go", "run", "."]'), GO_FILES, "runs `go` at start-up"),
        (go_file("RUN go build -o /bin/ ."), GO_FILES, "to a directory"),
        (go_file('RUN cd "$SRC" && go build -o app .'), GO_FILES, "in an unknown working directory"),
        (go_file().replace("/src", "/go"), {**GO_FILES, "main.go": 'package main\nimport "os"\nfunc main() { os.ReadFile(os.Args[1]) }\n'}, "module cache in /go/pkg"),
        (go_file(tail='USER app\nCMD ["/bin/app"]'), GO_FILES, "USER app"),
        (go_file(tail="RUN adduser -D app\nUSER app\nCMD /bin/app", image="golang:1.26-alpine"), GO_FILES, "created with Alpine tools"),
        (go_file(tail='CMD ["./start.sh"]'), GO_FILES, "cannot read in the build context"),
        (go_file(tail='CMD ["/bin/sh", "-c", "/bin/app && /bin/app --twice"]'), GO_FILES, "more than the built binary"),
        (go_file(tail='HEALTHCHECK CMD nc -z localhost 80\nCMD ["/bin/app"]'), GO_FILES, "`nc`"),
        (go_file("RUN apt-get update && apt-get install -y libsqlite3-dev\nRUN CGO_ENABLED=1 go build -o /bin/app ."), GO_FILES, "cgo"),
        (go_file(tail=""), GO_FILES, "no CMD or ENTRYPOINT"),
        (go_file("RUN go build -o /bin/app .", "ONBUILD RUN echo\nCMD [\"/bin/app\"]"), GO_FILES, "ONBUILD"),
        (py_file(pip="RUN pip install --user -r requirements.txt"), PY, "chosen location"),
        (py_file("RUN apt-get update && apt-get install -y libfoo-dev\n"), PY, "`libfoo-dev` is not in the -dev -> runtime library data"),
        (py_file("RUN python setup.py install\n"), PY, "`python` may change files outside"),
        (py_file(cmd='CMD ["./entrypoint.sh"]'), {**PY, "entrypoint.sh": "#!/bin/sh\napt-get install -y libpq5\nexec python app.py\n"}, "installs at run time"),
        (py_file(cmd='CMD ["sh", "-c", "pip install -r requirements.txt && python app.py"]'), PY, "installs at run time"),
        (py_file(pip="RUN pip install -r requirements.txt\nRUN sed -i s/a/b/ app.py").replace("WORKDIR /app\n", ""), PY, "after they were copied may change them"),
        (py_file(pip="RUN pip install -e .").replace("WORKDIR /app\n", ""), PY, "`pip install` of a local project"),
        (node_file(cmd='CMD ["npm", "run", "dev"]'), {**NODE, "package.json": PACKAGE.replace('"tsc"}', '"tsc", "dev": "ts-node src/index.ts"}')}, "ts-node"),
        (node_file(image="node:12"), NODE, "no `--omit=dev`"),
        (node_file(), {**NODE, "tsconfig.json": '{"compilerOptions": {}}'}, "no outDir"),
        (node_file(), {**NODE, "package-lock.json": '{"packages": {"node_modules/bcrypt": {"hasInstallScript": true}}}'}, "install script"),
        (node_file(install="RUN yarn install").replace("npm run build", "yarn build"), {**NODE, ".yarnrc.yml": "", "yarn.lock": ""}, "yarn 2+"),
        ("FROM maven:3.9\nWORKDIR /w\nCOPY . .\nRUN mvn package\nCMD [\"java\", \"-jar\", \"target/a.jar\"]\n", {}, "does not name its JDK"),
        ("FROM maven:3.9-eclipse-temurin-21\nWORKDIR /w\nCOPY . .\nRUN mvn package\nCMD [\"mvn\", \"spring-boot:run\"]\n", {}, "runs `mvn` at start-up"),
        ("FROM maven:3.9-eclipse-temurin-21\nWORKDIR /w\nCOPY . .\nRUN mvn package\nCMD [\"java\", \"-jar\", \"target/other.jar\"]\n",
         {"pom.xml": "<project><artifactId>a</artifactId><version>1</version></project>"}, "names the jar `a-1.jar`"),
        ("FROM rust:1.88\nWORKDIR /app\nCOPY . .\nCMD [\"cargo\", \"run\", \"--release\"]\n", {"Cargo.toml": '[package]\nname = "x"\n'}, "runs `cargo` at start-up"),
        ("FROM rust:1.88\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/x\"]\n", {"Cargo.toml": '[workspace]\nmembers = ["a"]\n'}, "workspace"),
        ("FROM rust:1.88\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/x\"]\n",
         {"Cargo.toml": '[package]\nname = "x"\n', "Cargo.lock": '[[package]]\nname = "pq-sys"\nversion = "0.6.3"\n'}, "`pq-sys` links a system library"),
        ("FROM rust:1.88\nWORKDIR /app\nCOPY . .\nRUN cd sub && cargo build --release\nCMD [\"./sub/target/release/y\"]\n",
         {"Cargo.toml": '[package]\nname = "x"\n', "sub/Cargo.toml": '[package]\nname = "y"\n'}, "cargo build after `cd`"),
        (go_file("RUN go build -o app . && mv app /usr/local/bin/"), GO_FILES, "moves or removes the build output"),
        (node_file(), {**NODE, "package.json": PACKAGE.replace('"tsc"}', '"tsc", "prepare": "husky"}')}, "`prepare` runs during the install"),
        (py_file(cmd='CMD ["/usr/local/bin/gunicorn", "app:app"]'), PY, "by absolute path"),
        (py_file("RUN echo 'export X=1' >> /etc/profile\n"), PY, "writes `/etc/profile` outside"),
        (py_file(cmd='ENTRYPOINT ["./entrypoint.sh"]\nCMD ["pip", "install", "x"]'), {**PY, "entrypoint.sh": "#!/bin/sh -e\nexec \"$@\"\n"}, "runs `pip install`"),
    ],
    ids=[
        "go-run", "go-output-dir", "go-cd", "go-reads-files-beside-module-cache", "go-named-user-distroless", "go-alpine-user-on-debian", "go-missing-script", "go-sh-c",
        "go-healthcheck-nc", "go-cgo-with-libs", "go-no-cmd", "onbuild", "pip-user", "unknown-dev-package", "python-setup-install",
        "entrypoint-installs", "sh-c-installs", "files-in-root-changed", "files-in-root-editable", "node-dev-server", "node-too-old", "tsc-no-outdir",
        "native-addon", "yarn-berry", "maven-unknown-jdk", "mvn-at-start", "jar-name-mismatch", "cargo-run", "cargo-workspace",
        "rust-sys-crate", "cargo-after-cd", "go-output-moved", "npm-prepare-script", "python-absolute-interpreter", "python-redirect-outside",
        "entrypoint-exec-args",
    ],
)
def test_declines_with_a_reason(text: str, files: dict[str, str], reason: str | None) -> None:
    found = only(text, files=files)
    assert found.fix is None and found.applicability == Applicability.SUGGESTION
    assert "not split" in found.message
    if reason is not None:
        assert reason in found.message
    assert fixed(text, select="DF4", unsafe=True, files=files) == text


@pytest.mark.parametrize(
    ("text", "files"),
    [
        ("FROM golang:1.26 AS build\nRUN go build -o /x .\nFROM gcr.io/distroless/static-debian13\nCOPY --from=build /x /x\nCMD [\"/x\"]\n", {}),
        (py_file(image="python:3.12-slim"), PY),
        (py_file(image="python:3.12-alpine"), PY),
        ("FROM python:3.12\nCMD [\"python\", \"-c\", \"print(1)\"]\n", {}),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n", NODE),
        ("FROM debian:trixie-slim\nRUN apt-get update\nCMD [\"bash\"]\n", {}),
        ("FROM eclipse-temurin:21-jre\nCOPY app.jar /app.jar\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n", {}),
        ("FROM ubuntu:24.04 AS base\nFROM base\nCMD [\"true\"]\n", {}),
        ("FROM python:3.12-slim\nSHELL [\"/bin/bash\", \"-c\"]\nWORKDIR /app\nRUN pip install flask && python setup.py install\nCMD [\"flask\", \"run\"]\n", {}),
    ],
    ids=["already-split", "python-slim-no-compilers", "python-alpine-pure", "python-no-pip", "node-no-build", "not-a-toolchain", "jre", "final-from-stage",
         "python-slim-blocked-but-nothing-to-split"],
)
def test_noop(text: str, files: dict[str, str]) -> None:
    assert diagnostics(text, select="DF4", files=files) == []


def test_output_of_every_split_parses_and_is_a_fixed_point() -> None:
    for text, files in [(go_file(), GO_FILES), (py_file(), PY), (node_file(), NODE)]:
        once = fixed(text, select="DF4", unsafe=True, files=files)
        parse(once)
        assert fixed(once, select="DF4", unsafe=True, files=files) == once


@pytest.mark.parametrize(
    ("build", "config", "output"),
    [
        ("tsc -p tsconfig.build.json", "tsconfig.build.json", "/app/build"),
        ("tsc --project server", "server/tsconfig.json", "/app/server/build"),  # outDir is relative to the project file
        ("tsc -b", "tsconfig.json", "/app/build"),
    ],
)
def test_node_tsc_reads_the_project_file_the_command_names(build: str, config: str, output: str) -> None:
    files = {**NODE, "package.json": PACKAGE.replace('"build": "tsc"', f'"build": "{build}"'), config: '{"compilerOptions": {"outDir": "build"}}'}
    assert f"COPY --from=build {output} {output}\n" in fixed(node_file(), select="DF4", unsafe=True, files=files)


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        ("tsc -b server client", "`tsc --build` of several projects"),
        ("tsc -p ../shared/tsconfig.json", "a project outside the package"),
        ("tsc -b", "also builds the projects tsconfig.json references"),
    ],
)
def test_node_tsc_project_that_cannot_be_followed_declines(build: str, reason: str) -> None:
    config = '{"compilerOptions": {"outDir": "out"}, "references": [{"path": "./shared"}]}'
    files = {**NODE, "package.json": PACKAGE.replace('"build": "tsc"', f'"build": "{build}"'), "tsconfig.json": config}
    found = only(node_file(), files=files)
    assert found.fix is None and reason in found.message


def test_go_from_a_versioned_debian_package_installs_into_roots_gopath() -> None:
    text = (
        "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y --no-install-recommends golang-1.21-go\n"
        "ENV PATH=/usr/lib/go-1.21/bin:$PATH\nWORKDIR /src\nCOPY . .\nRUN go install .\nCMD [\"/root/go/bin/tool\"]\n"
    )
    files = {"go.mod": "module example.org/tool\n\ngo 1.21\n", "main.go": "package main\n\nfunc main() {}\n"}
    out = fixed(text, select="DF4", unsafe=True, files=files)
    assert "RUN CGO_ENABLED=0 go install .\n" in out
    assert "FROM gcr.io/distroless/static-debian13\n" in out and "COPY --from=build /root/go/bin/tool /root/go/bin/tool\n" in out


def test_go_from_debian_packages_in_gopath_mode_follows_the_release_default() -> None:
    """bionic's golang-go is Go 1.10, which builds in GOPATH mode: the binary is named after the folder."""
    text = "FROM ubuntu:18.04\nRUN apt-get update && apt-get install -y golang-go\nWORKDIR /root/go/src/relay\nCOPY . .\nRUN go install\nCMD [\"/root/go/bin/relay\"]\n"
    files = {"main.go": "package main\n\nfunc main() {}\n"}
    assert "COPY --from=build /root/go/bin/relay /root/go/bin/relay\n" in fixed(text, select="DF4", unsafe=True, files=files)


@pytest.mark.parametrize(
    ("packages", "kept"),
    [("golang-go git", True), ("--no-install-recommends golang-go git", False), ("golang-go gcc libc6-dev", False)],
    ids=["git-recommends-it", "no-recommends", "nothing-recommends-it"],
)
def test_a_runtime_on_the_builds_debian_image_keeps_the_ca_bundle_its_recommends_brought(packages: str, kept: bool) -> None:
    """A bare debian image has no CA bundle; git's Recommends brought one, and the program's HTTPS calls need it."""
    text = f"FROM debian:bookworm\nRUN apt-get update && apt-get install -y {packages}\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/app .\nCMD app > /tmp/out.log\n"
    files = {"go.mod": "module example.org/app\n\ngo 1.19\n", "main.go": "package main\n\nfunc main() {}\n"}
    runtime = fixed(text, select="DF4", unsafe=True, files=files).split("# Runtime stage", 1)[1]
    assert ("install -y --no-install-recommends ca-certificates" in runtime) is kept


def test_debian_image_without_a_go_toolchain_package_is_not_df401s() -> None:
    text = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y gcc\nWORKDIR /src\nCOPY . .\nRUN go build -o /x .\nCMD [\"/x\"]\n"
    assert diagnostics(text, select="DF4") == []


@pytest.mark.parametrize(
    "text",
    [
        "FROM maven:3.6.3-jdk-11\nWORKDIR /app\nCOPY . .\nCMD mvn spring-boot:run\n",  # builds at start-up: the toolchain is the runtime
        "FROM gradle:jdk8\nWORKDIR /src\nCOPY . /src/\nRUN chmod +x ./build.sh\n",  # a CI image: no build in the Dockerfile
    ],
    ids=["maven-runs-at-start-up", "gradle-ci-image"],
)
def test_java_image_without_a_build_in_the_stage_is_no_split_candidate(text: str) -> None:
    assert diagnostics(text, select="DF4") == []


def test_python3_dev_on_the_python_image_stays_in_the_build_stage() -> None:
    text = py_file("RUN apt-get update && apt-get install -y gcc python3-dev libpq-dev\n", image="python:3.11-slim")
    found = only(text, files=PY)
    runtime = fixed(text, select="DF4", unsafe=True, files=PY).split("# Runtime stage", 1)[1]
    assert "--no-install-recommends libpq5 &&" in runtime and "python3" not in runtime.split("\n", 2)[1]
    assert "python3-dev: headers of Debian's Python" in found.note and found.saving_mb == 57.0


def test_python3_dev_declines_when_the_container_runs_debians_python() -> None:
    text = py_file("RUN apt-get update && apt-get install -y gcc python3-dev\n", image="python:3.11-slim", cmd='CMD ["/usr/bin/python3", "app.py"]')
    found = only(text, files=PY)
    assert found.fix is None and "`/usr/bin/python3`, Debian's Python" in found.message
