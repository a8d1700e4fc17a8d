"""`dockerfix completion bash|zsh|fish`: shell completion scripts.

typer would have generated these; with argparse we generate them from the
same parser the command uses, so options and completions cannot drift.

    eval "$(dockerfix completion bash)"      # ~/.bashrc
    dockerfix completion zsh > "${fpath[1]}/_dockerfix"
    dockerfix completion fish > ~/.config/fish/completions/dockerfix.fish
"""

from __future__ import annotations

import argparse
import sys


def _options(parser: argparse.ArgumentParser) -> list[tuple[str, str, tuple[str, ...] | None, bool]]:
    """(option, help, choices, takes a value) for every long option."""
    found = []
    for action in parser._actions:  # argparse has no public API for this
        for option in action.option_strings:
            if option.startswith("--"):
                choices = tuple(action.choices) if action.choices else None
                found.append((option, (action.help or "").replace("'", ""), choices, action.nargs != 0))
    return found


def bash(parser: argparse.ArgumentParser, subcommands: tuple[str, ...]) -> str:
    options = _options(parser)
    words = " ".join([o for o, *_ in options] + list(subcommands))
    cases = "\n".join(f"        {o}) COMPREPLY=( $(compgen -W '{' '.join(c)}' -- \"$cur\") ); return;;" for o, _, c, _ in options if c)
    return f"""# bash completion for dockerfix
_dockerfix() {{
    local cur prev
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    case "$prev" in
{cases}
        --context) COMPREPLY=( $(compgen -d -- "$cur") ); return;;
    esac
    if [[ "$cur" == -* ]] || [[ $COMP_CWORD -eq 1 && -z "$cur" ]]; then
        COMPREPLY=( $(compgen -W '{words}' -- "$cur") )
    fi
    COMPREPLY+=( $(compgen -f -- "$cur") )
}}
complete -o filenames -F _dockerfix dockerfix
"""


def zsh(parser: argparse.ArgumentParser, subcommands: tuple[str, ...]) -> str:
    specs = []
    for option, help_text, choices, takes_value in options_sorted(parser):
        help_text = help_text.replace("[", "(").replace("]", ")").replace(":", " ")
        if choices:
            specs.append(f"'{option}[{help_text}]:value:({' '.join(choices)})'")
        elif takes_value:
            specs.append(f"'{option}[{help_text}]:value:_files'")
        else:
            specs.append(f"'{option}[{help_text}]'")
    return "#compdef dockerfix\n_arguments \\\n  " + " \\\n  ".join(specs) + f" \\\n  '1:command or path:({' '.join(subcommands)})' \\\n  '*:path:_files'\n"


def options_sorted(parser: argparse.ArgumentParser) -> list[tuple[str, str, tuple[str, ...] | None, bool]]:
    return sorted(_options(parser))


def fish(parser: argparse.ArgumentParser, subcommands: tuple[str, ...]) -> str:
    lines = ["# fish completion for dockerfix"]
    for option, help_text, choices, takes_value in options_sorted(parser):
        line = f"complete -c dockerfix -l {option[2:]} -d '{help_text}'"
        if choices:
            line += f" -x -a '{' '.join(choices)}'"
        elif takes_value:
            line += " -r"
        lines.append(line)
    lines.append(f"complete -c dockerfix -n '__fish_use_subcommand' -a '{' '.join(subcommands)}'")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    from rewriter.cli import SUBCOMMANDS, Parser, main_parser

    parser = Parser(prog="dockerfix completion", description="Print a shell completion script.")
    parser.add_argument("shell", choices=("bash", "zsh", "fish"))
    args = parser.parse_args(argv)
    generate = {"bash": bash, "zsh": zsh, "fish": fish}[args.shell]
    sys.stdout.write(generate(main_parser(), SUBCOMMANDS))
    return 0
