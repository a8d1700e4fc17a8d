"""Properties every rewrite must have, on generated realistic Dockerfiles and every pass at once:
the output parses (ours and BuildKit's), a second run changes nothing, no pass misbehaves."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from dockerfile_strategies import realistic_dockerfiles
from rewriter.context import Settings
from rewriter.engine import fix_source
from rewriter.syntax import parse

try:
    import dockerfile as buildkit
except ImportError:  # pragma: no cover
    buildkit = None

CONTEXT = Path(tempfile.mkdtemp(prefix="dockerfix-property-context-"))
for name, content in {
    "requirements.txt": "flask==3.0.3\n",
    "package.json": '{"name": "app", "version": "1.0.0", "scripts": {"build": "echo build"}}\n',
    "package-lock.json": '{"name": "app", "lockfileVersion": 3, "packages": {}}\n',
    "go.mod": "module example.com/app\n\ngo 1.23\n",
    "go.sum": "",
    "app.py": "print('hi')\n",
}.items():
    (CONTEXT / name).write_text(content)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=realistic_dockerfiles())
def test_rewrites_parse_and_are_fixed_points(text: str, unsafe: bool) -> None:
    options = Settings(unsafe_fixes=unsafe)
    first = fix_source(text.encode(), settings=options, context_dir=CONTEXT)
    assert not first.internal_errors, first.internal_errors
    document = parse(first.output)
    second = fix_source(first.output, settings=options, context_dir=CONTEXT)
    assert second.output == first.output, "not a fixed point:\n" + first.output.decode()
    if buildkit is not None:
        assert len(buildkit.parse_string(first.output.decode())) == len(document.instructions)
