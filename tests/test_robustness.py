"""Hostile and degenerate input (tests/adversarial.py): never a traceback, an exit code of 0, 1 or 2,
output that BuildKit's parser reads, and a second run that changes nothing.

CI runs each case once at a fixed size (a few seconds in all).  A soak runs
them at several sizes and many random mutations of them:

    DOCKERFIX_SOAK=1 [DOCKERFIX_SOAK_COUNT=5000] [DOCKERFIX_SOAK_SEED=7] ./dev test tests/test_robustness.py -k soak

and saves any input that breaks the contract under /tmp/dockerfix-soak-failures/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from adversarial import CASES, generate, mutations
from rewriter.context import Settings
from rewriter.engine import FixError, fix_source
from rewriter.rules import Applicability, Rule
from rewriter.syntax import DockerfileSyntaxError, parse

try:
    import dockerfile as buildkit
except ImportError:  # pragma: no cover
    buildkit = None

SOAK = bool(os.environ.get("DOCKERFIX_SOAK"))
UNSAFE = Settings(unsafe_fixes=True)
CONTEXT = Path(tempfile.mkdtemp(prefix="dockerfix-robustness-context-"))
(CONTEXT / "requirements.txt").write_text("flask==3.0.3\n")

# Sizes for CI: each case big enough to break what it aims at (Python's
# recursion limit is 1,000; quadratic costs show past a few thousand).
CI_DEFAULT_SIZE = 1000
CI_SIZES = {
    "nested_subshells": 3000,
    "nested_command_substitutions": 3000,
    "nested_ifs": 3000,
    "nested_braces": 3000,
    "nested_json_arrays": 3000,
    "nested_onbuild": 3000,
    "long_and_chain": 3000,
    "long_pipeline": 3000,
    "long_continuation": 5000,  # 20,000 and more in the soak (3 s here, most of it in passes reading 20,000 packages)
    "continuation_of_comments": 20000,
    "long_directive_whitespace": 3000,
    "many_stages": 300,
    "stage_chain": 300,
    "many_env_and_args": 300,
    "many_suppressions": 300,
    "nested_parameter_expansions": 300,  # BuildKit's own lexer is quadratic here: 1,000 take it 3 s
    "odd_whitespace": 300,
    "degenerate_files": 50,
}
CI_SET = list(generate(CI_DEFAULT_SIZE, CI_SIZES))


def check_contract(data: bytes) -> str:
    """Fix `data` as `dockerfix --unsafe-fixes` would and check the contract; say what happened."""
    try:
        first = fix_source(data, settings=UNSAFE, context_dir=CONTEXT)
    except DockerfileSyntaxError as exc:
        assert "\n" not in exc.message, exc.message
        return "refused"
    assert not first.internal_errors, first.internal_errors
    output = first.output.decode("utf-8")
    if buildkit is not None:
        assert len(buildkit.parse_string(output.lstrip("\ufeff"))) == len(parse(first.output).instructions)
    if first.changed:
        second = fix_source(first.output, settings=UNSAFE, context_dir=CONTEXT)
        assert second.output == first.output, "not a fixed point"
        return "fixed"
    return "unchanged"


@pytest.mark.parametrize("data", [data for _, data in CI_SET], ids=[name for name, _ in CI_SET])
def test_adversarial_input_keeps_the_contract(data: bytes) -> None:
    check_contract(data)


def test_every_case_has_a_ci_size_that_is_not_trivial() -> None:
    assert set(CI_SIZES) <= set(CASES)
    assert all(size >= 50 for size in CI_SIZES.values())


def test_no_input_in_the_adversarial_set_prints_a_traceback(tmp_path: Path) -> None:
    """One process over every case, as a user would run it: one line per problem, no traceback.
    (Sizes capped at 1,500: past Python's recursion limit, and cheap.)"""
    for name, data in generate(CI_DEFAULT_SIZE, {name: min(size, 1500) for name, size in CI_SIZES.items()}):
        (tmp_path / f"{name}.Dockerfile").write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-m", "rewriter.cli", "--check", "--unsafe-fixes", "--context", str(CONTEXT), str(tmp_path)],
        capture_output=True,
        timeout=300,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-3000:]
    assert done.returncode in (0, 1, 2), stderr[-3000:]
    one_line_error = re.compile(rf"^{re.escape(str(tmp_path))}/[\w.-]+\.Dockerfile(:\d+)?: \S")
    assert all(one_line_error.match(line) for line in stderr.splitlines()), stderr[-3000:]


def _raises(context: object) -> list[object]:
    raise RecursionError("maximum recursion depth exceeded")


BROKEN = Rule("DF999", "broken-rule", "a rule with a bug", Applicability.SAFE, _raises)


def test_a_pass_that_raises_is_a_fix_error_naming_it() -> None:
    with pytest.raises(FixError, match=r"^DF999 raised RecursionError: maximum recursion depth exceeded at tests/test_robustness\.py:\d+$"):
        fix_source(b"FROM python:3.12\n", rules=[BROKEN])


def test_a_pass_that_raises_is_one_line_and_exit_2_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rewriter import cli

    (tmp_path / "Dockerfile").write_text("FROM python:3.12\n")
    monkeypatch.setattr(cli, "_rules", lambda settings: [BROKEN])
    assert cli.main([str(tmp_path / "Dockerfile")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{tmp_path / 'Dockerfile'}: internal error: DF999 raised RecursionError"), err


@pytest.mark.skipif(not SOAK, reason="soak runs only when asked for: DOCKERFIX_SOAK=1")
def test_soak() -> None:
    """Every case at several sizes, then many random mutations of them; prints the tally."""
    count = int(os.environ.get("DOCKERFIX_SOAK_COUNT", "3000"))
    seed = int(os.environ.get("DOCKERFIX_SOAK_SEED", "0"))
    inputs = [(name, data) for n in (1, 10, 100, 5000) for name, data in generate(n)]
    inputs += list(generate(30000, {name: 300 for name in ("many_stages", "stage_chain", "many_env_and_args", "many_suppressions")}))
    seeds = [data for _, data in generate(12)]
    inputs += [(f"mutation-{seed}-{i}", data) for i, data in enumerate(mutations(seeds, count, seed))]
    tally: dict[str, int] = {}
    failures: list[str] = []
    saved = Path(tempfile.gettempdir()) / "dockerfix-soak-failures"
    for name, data in inputs:
        try:
            outcome = check_contract(data)
        except Exception as exc:  # noqa: BLE001 - collected, saved and reported below
            outcome = "FAILED"
            saved.mkdir(exist_ok=True)
            (saved / f"{name}.Dockerfile").write_bytes(data)
            failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:200]}")
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"soak: {len(inputs)} inputs, {tally}")
    assert not failures, "\n".join(failures[:20])
