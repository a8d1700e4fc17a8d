"""`dockerfix rules` and `dockerfix explain`: the rule catalogue, from the rules' own docstrings."""

from __future__ import annotations

import sys

from rewriter.rules import Rule, all_rules


def find(code: str) -> Rule | None:
    code = code.upper()
    for rule in all_rules():
        if rule.code == code or rule.name == code.lower():
            return rule
    return None


def print_rules(*, no_color: bool = False) -> int:
    from rewriter.outputs import use_color

    rules = all_rules()
    if use_color(sys.stdout, no_color):
        from rich.console import Console
        from rich.table import Table

        table = Table("code", "name", "fix", "summary", "hadolint", title="dockerfix rules")
        for rule in rules:
            table.add_row(rule.code, rule.name, str(rule.applicability), rule.summary, ", ".join(rule.hadolint))
        Console().print(table)
        return 0
    for rule in rules:
        extra = f"  ({', '.join(rule.hadolint)})" if rule.hadolint else ""
        print(f"{rule.code}\t{rule.name}\t{rule.applicability}\t{rule.summary}{extra}")
    return 0


def explain(code: str) -> int:
    rule = find(code)
    if rule is None:
        sys.stderr.write(f"dockerfix: error: no rule {code!r} (see `dockerfix rules`)\n")
        return 2
    print(f"{rule.code} ({rule.name})")
    print(f"fix: {rule.applicability}")
    if rule.hadolint:
        print(f"hadolint: {', '.join(rule.hadolint)}")
    if rule.buildkit:
        print(f"docker build checks: {', '.join(rule.buildkit)}")
    print()
    print(rule.documentation or rule.summary)
    return 0
