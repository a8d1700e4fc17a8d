"""Dependency manifests before source copies (DF101, DF102), and installs that read no context (DF103).

`COPY . .` followed by `RUN pip install -r requirements.txt` reinstalls every
dependency whenever any source file changes, because the copy's layer (and
so every later one) misses the build cache.  Copying the manifests first and
installing from them before the source copy keeps the install cached until a
manifest changes.

The pass works in three steps, each of which may decline:

1. find a *source copy*: `COPY`/`ADD` of the whole build context, or of a
   folder of it, with flags it can carry over (`--chown`, `--chmod`, `--link`)
   and a destination it can resolve (WORKDIR, relative paths, ARG/ENV);
2. find the first RUN after it that needs the project; between them may lie
   metadata (LABEL, EXPOSE, CMD...), ENV/ARG/USER and one absolute WORKDIR
   (repeated before the install, so it runs as before) and RUNs that read
   and write nothing of the project (`pip install poetry`: moved along).
   Split the RUN's `&&` chain into a head that reads no source (installs
   from manifests, system package installs, `cd`) and the rest; or, for
   tools that fetch while they build (`go build`, `mvn package`, `dotnet
   publish`...), find the dependency-only command to run first;
3. work out, from the real build context, exactly which files the head
   reads; decline when it reads more than manifests (local paths, lifecycle
   scripts, workspaces with missing members) or when the later full copy
   would overwrite what it installed (`node_modules` in the context).

The edit inserts `COPY <manifests> <dest>/` and `RUN <head>` before the
source copy and removes the head from the original RUN (the whole RUN when
nothing is left).  Package-manager facts live in `data/package_managers.toml`.

Where things are: `common.py` holds the model (`Plan`, `Project`, option and
path helpers) and the registry of ecosystems; `patterns.py` finds step 1 and
2 (the source copy, what lies between, what is already ordered), with
`steps.py` deciding which steps between are repeated, moved or left in
place (`ownership.py`: those that change only owners and modes) and `conditions.py` evaluating `if [ -f manifest ]` from the context;
`edits.py` divides the RUN and plans the edit; `findings.py` puts them
together, once per file, for the rules below (DF103 moves installs that
read nothing of the context, with the same machinery);
`python_metadata.py` reads the dependencies a project declares statically,
for `pip install .`.  Each ecosystem module (`python.py`,
`node.py`, `go.py`, `java.py`, `dotnet.py`, `ruby.py`, `php.py`, `rust.py`)
says what its install reads and writes and when moving it is safe, and
registers its command names with `common.installs`: adding an ecosystem is
one new module, its entry in the data file and its golden cases.
"""

from __future__ import annotations

import importlib
import os
from typing import Iterator

from rewriter.context import FileContext
from rewriter.rules import Applicability, Diagnostic, Rule, rule
from transforms.manifests.findings import findings


def _register_ecosystems() -> None:
    """Import every module of the package: the ecosystem modules register their commands with `common.installs`
    (discovered, not listed, so that a new ecosystem is one new file)."""
    for folder in __path__:
        for entry in sorted(os.listdir(folder)):
            if entry.endswith(".py") and not entry.startswith("_"):
                importlib.import_module(f"{__name__}.{entry[:-3]}")


_register_ecosystems()


def _diagnostics(context: FileContext, own: Rule) -> Iterator[Diagnostic]:
    for finding in findings(context):
        if finding.code != own.code:
            continue
        fix = own.fix(finding.applicability, finding.title, *finding.edits) if finding.edits else None
        yield own.diagnostic(finding.message, finding.span, fix, note=finding.note)


_ORDER = 200


@rule(
    "DF101",
    "source-copied-before-dependency-install",
    summary="dependencies are installed after the whole source is copied, so every source change reinstalls them",
    applicability=Applicability.SAFE,
    hadolint=(),
    order=_ORDER,
)
def source_copied_before_dependency_install(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Moves a dependency install that runs right after `COPY . .` (or a copy of
    the folder holding the manifests) in front of it: the manifests it reads
    are copied first, the install runs, then the rest of the source is copied
    and the rest of the RUN (`npm run build`, `collectstatic`...) runs.

    Covers `pip install -r` (following `-r`/`-c` includes), `uv pip install -r`
    and `uv pip sync` (with the uv.toml, `[tool.uv]` pyproject.toml and
    .python-version uv discovers from its working directory up), `npm
    ci`/`npm install`, `yarn install` (classic and Berry), `pnpm install`,
    `pipenv install`/`sync`, `poetry install --no-root`, `uv sync
    --no-install-project`, `go mod download`, `mvn dependency:go-offline`,
    `dotnet restore`, `bundle install` and `composer install --no-scripts
    --no-autoloader`.  The files copied are exactly those the install reads
    and that exist in the build context and are not excluded by
    `.dockerignore`, less those an earlier `COPY` already put in place with
    nothing since that may change them.  A file counts as already ordered
    only when a RUN before the source copy installs from the project; a tool
    install such as `pip install uv` or `npm config set` does not.

    ## Why is this bad?
    `COPY . .` changes whenever any file of the context changes, and the build
    cache of every later instruction goes with it: each edit to the source
    downloads and installs every dependency again.

    ## Example
    ```dockerfile
    WORKDIR /app
    COPY . .
    RUN pip install --no-cache-dir -r requirements.txt && python manage.py collectstatic --noinput
    ```

    Use instead:
    ```dockerfile
    WORKDIR /app
    COPY requirements.txt ./
    RUN pip install --no-cache-dir -r requirements.txt
    COPY . .
    RUN python manage.py collectstatic --noinput
    ```

    Instructions between the copy and the install are kept working: ENV,
    ARG, USER and an absolute WORKDIR are repeated before the install (only
    when repeating them is idempotent and the copy does not use what they
    set; after a copy to a relative destination a WORKDIR back to the
    copy's folder follows the install; where the WORKDIR would create the
    copy's folder as another user, the manifest copy goes first and creates
    it as the source copy did); an ENV or ARG that refers to itself (`ENV PATH=/app/.venv/bin:$PATH`)
    moves instead; RUNs that read and write nothing of the project (`pip
    install poetry`, `apt-get install ...`) and COPYs that write outside the
    copy's destination (`COPY --from=ghcr.io/astral-sh/uv /uv /bin/`) move
    with it; RUNs of `chmod`, `chown`, `rm`, `mkdir`, `touch` on copied
    paths, and COPYs into the destination, stay after the copy when nothing
    they change is read or written by the install (a `chmod +x gradlew` of a
    manifest the install runs is also repeated after the manifest copy: the
    source copy resets the mode and the chmod sets it again).  A RUN of only
    `chown`/`chmod`/`chgrp`, recursive too (`chown -R app /app`), stays
    after the copy when the install writes nothing under what it changes
    (pip's packages go into the interpreter's environment, or `~/.local`
    outside the copy) and can do without it (it runs as root, or reads
    files the build context lets others read), so that files, owners and
    modes come out the same (`ownership.py`).  A `cd`, `set`,
    `export` or assignment (`arch="$(uname -m)"`, whose commands read nothing
    of the project) at the head of a split chain is repeated in front of the
    rest; a `;` list under `set -e` splits like an `&&` chain (its last
    statement may be an `&&` list); `if [ -f manifest ]; then ...; fi` runs
    the branch the build context selects; an `if`/`case` whose condition only
    compares variables (`if [ "$CI" != true ]; then npm ci && npm run build;
    else ...; fi`, with CI a build argument) moves whole when every arm does,
    and is otherwise split arm by arm: before the copy it runs each arm's
    head, after it each arm's rest, so that for every value of the variables
    the same arm runs as before; a `case` that only sets variables (`case
    "$TARGETARCH" in amd64) T=x86_64 ;; *) echo unsupported; exit 1 ;; esac`)
    moves with the install and is repeated after the copy; flags of the RUN
    (`--mount=type=cache`...) are kept on both parts; comments above a RUN that
    moves whole move with it.  `COPY [".", "/app/"]`, `COPY ./ ./` and `COPY *
    ./` (when the manifests are top-level files no folder's contents replace)
    count as copies of the whole context.

    ## Fix safety
    Safe means the container behaves the same: the same image config, the
    same installed dependencies, the same application files.  Build and
    download caches may differ, and so may a lock file that the install
    rewrote and the source copy puts back as committed, where nothing reads
    it later (Bundler's Gemfile.lock is read at run time).  Each ecosystem
    proves it from the Dockerfile and the build context (docs/layer-order.md):

    - always: the files copied are exactly those the install reads, and
      nothing the install writes (`node_modules`, `.venv`, `vendor`, `obj`)
      is in the context; a destination folder the manifest copy now creates
      is the same folder (BuildKit makes it 0755, or the --chmod, owned by
      the --chown user, whichever COPY creates it); a repeated absolute
      WORKDIR creates no folder the source copy would have made with
      another owner (where it would, and the copy's destination is
      absolute, the manifest copy goes first and makes the folder as the
      source copy did);
    - pip and `uv pip`: requirement files with no local path, `-e` or
      local index;
    - npm, yarn, pnpm: no lifecycle script (but those the data file knows
      to do the same in both orders: `npx only-allow pnpm`, `husky install`
      without a `.git` in the context), local path or configuration naming
      project files; without a frozen lock,
      also no later step that reads the lock file (`npm prune`, `npm ci` in
      another stage, a `COPY --from` of it); the same for `uv sync` and
      `pipenv install` (`uv run` reads uv.lock);
    - go: module mode (a go.mod, no GO111MODULE=off, a Go that has
      modules), no go.work (or GOWORK), no local `replace`;
    - composer: no plugin can run: composer.lock lists no
      `composer-plugin` package (so the plugins `allow-plugins` allows are
      never installed), or the stage's Composer (from the composer image,
      its installer or a download; 2.2.15 and later) runs none because
      `allow-plugins` allows none (a build has no terminal, and an
      unlisted plugin then stops the install or is skipped); a root
      package that is no plugin, no package-event scripts, and without a
      lock no install or update event scripts either;
    - dotnet: every `<Import>` and `<ProjectReference>` of the project
      files and of the Directory.Build.props/.targets and
      Directory.Packages.props above them resolves to a copied file; an
      `obj` folder in the context, which the source copy puts over what
      restore wrote, has the restore's cache file, and a later `dotnet
      build`/`publish` of the project restores again (no `--no-restore`);
    - bundler: a frozen install, or a committed Gemfile.lock whose
      DEPENDENCIES are the Gemfile's gems with the same requirements and
      whose PLATFORMS cover the image.
    - maven: one pom without core or build extensions (`dependency:go-offline`
      fills only ~/.m2 and runs no plugin).

    Unsafe, with a note saying what may differ, when a proof fails (an
    unresolved MSBuild import, a plugin, a lock file read later, an
    uncovered platform, a WORKDIR that would create a folder the manifest copy does not, a multi-module
    maven build, a poetry plugin) and
    for `uv pip install -r pyproject.toml`.  Declined, with a note saying why, for local path
    installs (`-e .`, `./pkg`, `file:`), `--target`,
    `VIRTUAL_ENV` or a `.venv` in the copied folder, lifecycle scripts
    that may read the source, a local NuGet feed,
    symbolic-link manifests, an install that is not in an `&&` chain (or a
    `;` list under `set -e`), an `if` whose condition runs a command or
    tests a file (`[ "$(uname -m)" = x86_64 ]`, `[ -d dist ]`: its answer
    may differ before the copy), a command before the install in the same
    RUN that may read the project (`cp .env.example .env`), an install
    word only the shell knows (`cargo build ${EXTRA_ARGS}`: a --build-arg
    may give it any value), and steps between the copy and the install
    that may need the source (`RUN ./configure`, SHELL) or change what it
    reads or writes (`rm package-lock.json`, `chown -R` over the
    `node_modules` the install writes, a COPY onto a manifest).
    """
    yield from _diagnostics(context, source_copied_before_dependency_install)


@rule(
    "DF102",
    "build-fetches-dependencies-after-source-copy",
    summary="a build that downloads its dependencies runs after the whole source is copied",
    applicability=Applicability.SAFE,
    order=_ORDER,
)
def build_fetches_dependencies_after_source_copy(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    For build tools that download dependencies while they build (`go build`,
    `mvn package`, `gradle build`, `dotnet publish`, `poetry install`, `uv
    sync`, `composer install`, `composer update`), inserts before `COPY . .` a copy of the
    manifests and the tool's dependency-only command (`go mod download`,
    `mvn dependency:go-offline`, `gradle dependencies`, `dotnet restore`,
    `poetry install --no-root`, `uv sync --no-install-project`, `composer
    install --no-scripts --no-autoloader`, and `composer update` with the
    same flags); the build itself stays after the
    copy, unchanged.  For cargo (`cargo build`, `cargo install --path .`) it
    builds the dependencies against stub targets, then removes the stubs and
    the crate's own artifacts (`cargo clean -p`).  For `pip
    install .` (or `-e .`) it installs the dependencies the project declares
    statically: the requirement file setup.py or setuptools reads, or the
    list of `[project] dependencies` or a literal `install_requires`.

    ## Why is this bad?
    Every source change invalidates the build's layer, so all dependencies
    are downloaded again although the manifests did not change.

    ## Example
    ```dockerfile
    WORKDIR /src
    COPY . .
    RUN go build -o /app ./cmd/server
    ```

    Use instead:
    ```dockerfile
    WORKDIR /src
    COPY go.mod go.sum ./
    RUN go mod download
    COPY . .
    RUN go build -o /app ./cmd/server
    ```

    ## Fix safety
    The command after the copy is kept as it was (rather than turned into a
    root-only step such as `poetry install --only-root` or `composer
    dump-autoload`): it installs the project, runs the scripts the
    dependency-only step skipped, and fetches anything the prefetch missed,
    so the result is the original command's.  The inserted command is new,
    so it is safe only where its ecosystem proves it changes nothing the
    definition of safe counts (see DF101 and docs/layer-order.md):
    `go mod download` writes only the module cache, verified against
    go.sum (no go.work, GOWORK or local `replace`); `composer install
    --no-scripts --no-autoloader` installs the locked packages that the
    later install finds in place (no plugin that can run, no
    package-event scripts);
    `composer update --no-scripts --no-autoloader` runs no plugin when
    composer.json requires only the platform (`php`, `ext-*`) or no plugin
    may run, and the original update after the copy resolves again and
    writes the lock file later steps read;
    `dotnet restore` reads the same files in both orders when every MSBuild
    import resolves to a copied file, and the build's own restore finds
    obj/ current; `mvn dependency:go-offline` of one pom without extensions
    fills only ~/.m2; `gradle dependencies` configures the build and
    resolves the root project into ~/.gradle (the build downloads what it
    missed) when configuring reads no file that is not copied: no `apply
    from` of an uncopied script, file reads only by literal paths (those
    files are copied too), no program run, every included project with its
    build script, and only plugins known to read the project in their tasks
    alone (`inert_plugins`); `poetry install --no-root` reads pyproject.toml,
    poetry.lock, poetry.toml and a PEP 621 license file, never the readme or
    the packages, which only the install of the project itself (after the
    copy) builds (no plugin configured in pyproject.toml);
    `uv sync --no-install-project` fills .venv from the
    copied manifests, and the original `uv sync`, exact by default, then
    leaves .venv as it alone would have (not with `--inexact` and a lock
    file that may change).  Unsafe otherwise: go-offline fails in a
    multi-module build whose modules depend on each other, a Gradle build
    script may read a file that is not copied yet (another plugin, a path
    built at run time, a program it runs), a poetry plugin may read the
    source.  The same declines as
    DF101 apply (local `replace`s, path dependencies, buildSrc, an `obj`
    with stale restore outputs in the context...).  Cargo's stub build is safe when every crate of the
    project (workspace members, path dependencies) lies in the folder cargo
    runs in, with no vendored source and no target/ in the context: `cargo
    clean -p` removes every artifact and fingerprint of those crates, so the
    build after the copy compiles them from the real sources (COPY keeps the context's older mtimes, which would
    otherwise make the stub's binary look fresh), against dependencies
    compiled with the same options; the stubs, and a Cargo.lock the stub
    build wrote where none is committed, are removed.  `pip install .`
    (and `-e .`) is safe when the declaration is static and complete (no
    `dynamic` dependencies, no computed `install_requires`; setup.py is read
    with libcst, never run): `pip install .` then finds exactly the
    requirements it would resolve already installed.  Extras (`.[pg,cli]`)
    are installed first with the dependencies when pyproject.toml lists them
    statically (an extra naming the project itself stands for its extras'
    lists): the same requirement set, so the same resolution.  Unsafe when
    the extras come from a variable (`.[${EXTRAS}]`: the inserted install
    uses the file's value, and a build given another one would keep both),
    for extras the pass cannot read, or a requirement file with option
    lines.
    """
    yield from _diagnostics(context, build_fetches_dependencies_after_source_copy)



@rule(
    "DF103",
    "context-free-install-after-source-copy",
    summary="software that needs nothing from the build context is installed after the source copy",
    applicability=Applicability.SAFE,
    order=_ORDER,
)
def context_free_install_after_source_copy(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Moves RUNs that install software without reading the build context
    (`apt-get install`, `apk add`, `dnf install`, `pip install flask
    gunicorn`, `npm install -g pm2`, `docker-php-ext-install pdo`, `gem
    install`...) from after `COPY . .` to before it.  When such commands
    head a chain (`apt-get install -y libzip-dev && docker-php-ext-install zip
    && chown -R www-data /var/www/html`), only they move; the rest of the RUN
    stays where it was.  Steps between the copy and the install are handled
    as for DF101 (ENV, ARG, USER, WORKDIR repeated; steps that read nothing of
    the project moved; steps on copied files the install does not touch left
    in place).  Reported only when DF101 does not already move them with a
    dependency install.

    ## Why is this bad?
    `COPY . .` changes whenever any file of the context changes, and every
    later layer is rebuilt: the packages are downloaded and installed again
    after each source edit although nothing they depend on changed.

    ## Example
    ```dockerfile
    WORKDIR /app
    COPY . .
    RUN pip install --no-cache-dir Flask gunicorn
    CMD ["gunicorn", "app:app"]
    ```

    Use instead:
    ```dockerfile
    WORKDIR /app
    RUN pip install --no-cache-dir Flask gunicorn
    COPY . .
    CMD ["gunicorn", "app:app"]
    ```

    ## Fix safety
    Safe: a moved command reads and writes nothing of the copied folder (no
    argument names a path of it, no pattern that could match one, no
    redirection, no `cd` into it, no install from a requirements file), the
    copy's destination is not `/` (where the copy could overwrite what the
    install put in the image), and the steps it crosses are the copy and
    steps that commute with it, so the image has the same files and
    configuration.  A chain is split only where it is an `&&` chain or a `;`
    list under `set -e`, so a failure still stops the build.  Unsafe when a
    WORKDIR is repeated before the moved commands (it then creates the folder
    before the source copy does, with another mode).
    """
    yield from _diagnostics(context, context_free_install_after_source_copy)
