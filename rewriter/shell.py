"""The shell inside RUN: commands, lists, pipelines and words, with exact file positions.

Why tree-sitter-bash: it is a real grammar of the shell language (MIT
licensed), written in C and fast, and it never throws away input: every node
has a byte range, and input it cannot make sense of becomes an ERROR node we
can see and be timid about.  bashlex is GPL-3.0 and raises on unfamiliar
syntax; a hand-written tokenizer would be one more shell grammar to get wrong.

What the shell sees is not what the file holds: BuildKit joins continuation
lines and drops comment lines inside them, and a `RUN <<EOF` heredoc body is
the script itself.  `shell_source` builds that text as a `LogicalText`, and
every span here is mapped back through it to the Dockerfile, so a pass can
insert `--no-cache-dir` after `install` without re-flowing the instruction.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple, Sequence

from rewriter.syntax import Instruction, heredoc_name
from rewriter.text import LogicalText, Span, concat

if TYPE_CHECKING:
    import tree_sitter

# Commands that change the state of the shell itself, so that what follows
# them in the same shell behaves differently (and merging RUNs would change
# meaning).  Source: POSIX special built-ins plus bash's state built-ins.
STATE_CHANGING_BUILTINS = frozenset(
    {
        "cd", "pushd", "popd", "export", "set", "shopt", "source", ".", "exit", "exec", "umask",
        "trap", "alias", "unalias", "unset", "readonly", "declare", "typeset", "local", "ulimit",
        "eval", "return", "shift", "enable", "hash", "builtin",
    }
)

# Shells whose scripts tree-sitter-bash can read.
POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "busybox"})
_SYSTEM_BIN_FOLDERS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/")
"""Where the distribution's own programs live: a path there names a program, not a script of the build."""
_COMMAND_TOKENS = re.compile(r"[\s;&|()`$\"'=]+")
"""What separates the words a shell text may run as commands (`Command.mentions`)."""

# Past these a script is not handed to tree-sitter, and the RUN is treated as
# unreadable, like one with a syntax error: its error recovery is quadratic in
# the nesting of some constructs (`a=( a=( ...`, `$[ $[ ...`: 10,000 levels
# take seconds), and its heredoc scanner in the heredocs of one command (3,000
# take 1.4 s).  No real script comes within a tenth of either.
MAX_BRACKET_DEPTH = 256
MAX_HEREDOC_OPERATORS = 256


@lru_cache(maxsize=1)
def _parser() -> tree_sitter.Parser:
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


class ShellWord(NamedTuple):
    """A word of a command as written, its literal value if static, and where it is."""

    text: str
    value: str | None
    span: Span


class Command(NamedTuple):
    """A simple command: assignments, name, arguments.

    `ancestors` holds the kinds of node the command is nested in (a set, so
    that a script nested thousands deep costs no more per command than a flat
    one), `parent` the kind of the innermost one ("" at the top).
    """

    words: tuple[ShellWord, ...]
    assignments: tuple[ShellWord, ...]
    span: Span
    statement_span: Span
    ancestors: frozenset[str]
    parent: str

    @property
    def name(self) -> str | None:
        if not self.words or self.words[0].value is None:
            return None
        return self.words[0].value.rsplit("/", 1)[-1]

    @property
    def args(self) -> tuple[ShellWord, ...]:
        return self.words[1:]

    def arg_values(self) -> list[str | None]:
        return [w.value for w in self.words[1:]]

    @property
    def in_subshell(self) -> bool:
        return "subshell" in self.ancestors or "command_substitution" in self.ancestors

    @property
    def script_run(self) -> str | None:
        """The code this command runs that dockerfix does not read, or None.

        `./setup.sh`, `bash install.sh`, `. env.sh`, `python3 add_repo.py`,
        `curl ... | sh` and `bash < file` (`-`), `sh -c "$(curl ...)"`,
        `eval ...`, `$SETUP`, and any of them behind `sudo -u x`, `env`,
        `timeout 60`, `xargs`...: a pass must assume such code may do anything
        the build's user can (add an apt repository, run `apt-get`).  Programs
        in the system's own bin folders, `python3 -m MODULE` and a `sh -c`
        text whose commands are all read are not.
        """
        return unread_code([w.value for w in self.words], [w.text for w in self.words], "pipeline" in self.ancestors)

    def mentions(self, programs: Iterable[str]) -> bool:
        """True if a word after the command name names one of `programs`: the command may run it
        (`sudo apt-get`, `timeout 60 apt-get`, `sh -c "apt-get ..."`, `xargs apt-get`)."""
        wanted = set(programs)
        return any(token.rsplit("/", 1)[-1] in wanted for token in self.tokens())

    def tokens(self) -> list[str]:
        """The words after the command name, and the words of the shell texts among them, as a command
        they may run would see them (`sh -c "apt-get purge -y x"`: sh's -c, then apt-get, purge, -y, x)."""
        return [token for word in self.words[1:] for token in _COMMAND_TOKENS.split(word.value if word.value is not None else word.text) if token]

    @property
    def conditional(self) -> bool:
        """Runs only under a condition (if/while/case/for/function or after `||`)."""
        return any(
            a in ("if_statement", "while_statement", "for_statement", "case_statement", "function_definition", "c_style_for_statement")
            for a in self.ancestors
        )


class Statement(NamedTuple):
    """A top-level item of the script, with the operator that ends it (`;`, `&`, newline or end)."""

    span: Span
    logical: tuple[int, int]
    terminator: str
    and_or: tuple[tuple[Span, str], ...]


class ShellScript:
    """A parsed shell script with positions in the Dockerfile."""

    def __init__(self, source: LogicalText) -> None:
        self.source = source
        text = source.text
        data = text.encode("utf-8")
        self._ascii = len(data) == len(text)
        self._char_at: list[int] | None = None
        if not self._ascii:
            table = [0] * (len(data) + 1)
            b = 0
            for i, ch in enumerate(text):
                width = len(ch.encode("utf-8"))
                for k in range(width):
                    table[b + k] = i
                b += width
            table[len(data)] = len(text)
            self._char_at = table
        unreadable = text.count("<<") > MAX_HEREDOC_OPERATORS or nested_too_deep(text)
        if substitutions := comment_substitutions(text):
            blanked = bytearray(data)  # parsed as the nothing it expands to; the script's text keeps it
            for start, end in substitutions:
                begin = len(text[:start].encode("utf-8"))
                blanked[begin : begin + len(text[start:end].encode("utf-8"))] = b" " * len(text[start:end].encode("utf-8"))
            data = bytes(blanked)
        self.tree = _parser().parse(b"" if unreadable else data)
        self.root = self.tree.root_node
        self.has_errors = unreadable or self.root.has_error
        self._commands: tuple[Command, ...] | None = None
        self._statements: tuple[Statement, ...] | None = None
        self._by_span: dict[Span, list[tree_sitter.Node]] | None = None
        self._commands_by_span: dict[Span, list[Command]] | None = None

    # -- positions ---------------------------------------------------------
    def char(self, byte_offset: int) -> int:
        return byte_offset if self._char_at is None else self._char_at[byte_offset]

    def logical(self, node: tree_sitter.Node) -> tuple[int, int]:
        return self.char(node.start_byte), self.char(node.end_byte)

    def span(self, node: tree_sitter.Node) -> Span:
        start, end = self.logical(node)
        return self.source.span(start, end)

    def text_of(self, node: tree_sitter.Node) -> str:
        start, end = self.logical(node)
        return self.source.text[start:end]

    # -- structure ---------------------------------------------------------
    @property
    def commands(self) -> tuple[Command, ...]:
        """Every simple command, in source order, at any depth."""
        if self._commands is None:
            self._commands = tuple(self._collect())
        return self._commands

    def _collect(self) -> list[Command]:
        """Commands in source order, walked with a stack: a script nested
        deeper than Python's recursion limit is still only a script.  (The
        walk hands each command its parent: tree-sitter finds `node.parent`
        by descending from the root, a cost in the depth.)"""
        out: list[Command] = []
        # (node, its parent if it is a command, kinds enclosing it, the innermost of them)
        stack: list[tuple[tree_sitter.Node, tree_sitter.Node | None, frozenset[str], str]] = [(self.root, None, frozenset(), "")]
        while stack:
            node, command_parent, ancestors, parent_kind = stack.pop()
            is_command = command_parent is not None
            if is_command:
                out.append(self._command(node, command_parent, ancestors, parent_kind))
                inside, innermost = _with(ancestors, "command"), "command"
            else:
                inside, innermost = ancestors, parent_kind
            # The words of a command are not commands; what they contain (`$(...)`) may be.
            for child in reversed(node.named_children):
                if is_command:
                    stack.append((child, None, inside, innermost))
                elif child.type == "command":
                    stack.append((child, node, inside, innermost))
                else:
                    stack.append((child, None, _with(inside, child.type), child.type))
        return out

    def _command(self, node: tree_sitter.Node, parent: tree_sitter.Node, ancestors: frozenset[str], parent_kind: str) -> Command:
        words: list[ShellWord] = []
        assignments: list[ShellWord] = []
        for child in node.named_children:
            if child.type == "variable_assignment":
                assignments.append(self._word(child))
            elif child.type == "command_name":
                inner = child.named_children[0] if child.named_children else child
                words.append(self._word(inner))
            elif child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                continue
            else:
                words.append(self._word(child))
        statement = parent if parent.type == "redirected_statement" else node
        return Command(tuple(words), tuple(assignments), self.span(node), self.span(statement), ancestors, parent_kind)

    def _word(self, node: tree_sitter.Node) -> ShellWord:
        return ShellWord(self.text_of(node), self._static_value(node), self.span(node))

    def _static_value(self, node: tree_sitter.Node) -> str | None:
        kind = node.type
        text = self.text_of(node)
        if kind in ("word", "number"):
            return _unescape(text) if node.named_child_count == 0 else None
        if kind == "raw_string":
            return text[1:-1]
        if kind == "string":
            if any(c.type not in ("string_content",) for c in node.named_children):
                return None
            return _unescape_double(text[1:-1])
        if kind == "concatenation":
            parts = [self._static_value(c) if c.type != "concatenation" else None for c in node.named_children]
            if any(p is None for p in parts) or not parts:
                return None
            # Characters between parts (none in well-formed input) are literal.
            return "".join(p for p in parts if p is not None)
        if kind == "variable_assignment":
            return text
        return None

    def statements(self) -> tuple[Statement, ...]:
        """Top-level statements and, within each, its `&&`/`||` chain (read once, asked often)."""
        if self._statements is None:
            self._statements = self._read_statements()
        return self._statements

    def _read_statements(self) -> tuple[Statement, ...]:
        out: list[Statement] = []
        children = self.root.children
        for i, child in enumerate(children):
            if not child.is_named or child.type == "comment":
                continue
            terminator = "\n"
            nxt = children[i + 1] if i + 1 < len(children) else None
            if nxt is not None and not nxt.is_named and nxt.type in (";", "&", ";;"):
                terminator = nxt.type
            elif nxt is None:
                terminator = ""
            out.append(Statement(self.span(child), self.logical(child), terminator, tuple(self._and_or(child))))
        return tuple(out)

    def _and_or(self, node: tree_sitter.Node) -> list[tuple[Span, str]]:
        """Flatten a left-nested `list` into (item, operator-before-it) pairs.

        `a && b && c` nests one level per operator, so the walk keeps its own
        stack: a chain of ten thousand commands is read like one of three.
        """
        if node.type != "list":
            return [(self.span(node), "")]
        out: list[tuple[Span, str]] = []
        children = [iter(node.children)]
        operators = [""]  # the operator before the next item, per level
        while children:
            child = next(children[-1], None)
            if child is None:
                children.pop()
                operators.pop()
            elif not child.is_named:
                operators[-1] = child.type
            elif child.type == "list":  # its first item takes the operator before the list
                children.append(iter(child.children))
                operators.append(operators[-1])
            elif child.type != "comment":
                out.append((self.span(child), operators[-1]))
        return out

    def and_or_items(self, node: tree_sitter.Node) -> list[tuple[Span, str]]:
        """The items of an and-or list (`a && b || c`) with the operator before each ("" for the first)."""
        return self._and_or(node)

    def chain(self, nodes: Sequence[tree_sitter.Node], errexit: bool) -> tuple[tuple[Span, str], ...] | None:
        """The items of the statements `nodes` (a script's, or a body's: separators and comments included) when
        they run as one `&&` chain, each with the operator before it (`&&`, or `;` between statements); None
        otherwise.

        One and-or list of `&&` only is a chain.  Under errexit so is a `;`/newline list: a failing command ends
        the script there, as `&&` would.  Only its last statement may be an `&&` list: in `a && b; c` a failing
        `a` does not end the script (errexit ignores all but the last command of an and-or list)."""
        if any(not n.is_named and n.type not in (";", "\n") for n in nodes):
            return None  # `&`, `;;`
        statements = [n for n in nodes if n.is_named and n.type != "comment"]
        if not statements or (len(statements) > 1 and not errexit):
            return None
        items: list[tuple[Span, str]] = []
        for i, node in enumerate(statements):
            own = self._and_or(node)
            if any(op not in ("", "&&") for _, op in own) or (len(own) > 1 and i < len(statements) - 1):
                return None
            items.extend((span, ";" if i and not op else op) for span, op in own)
        return tuple(items)

    def commands_at(self, span: Span) -> list[Command]:
        """The commands whose own or statement span (with its redirections) is `span`."""
        if self._commands_by_span is None:
            self._commands_by_span = {}
            for command in self.commands:
                self._commands_by_span.setdefault(command.span, []).append(command)
                if command.statement_span != command.span:
                    self._commands_by_span.setdefault(command.statement_span, []).append(command)
        return self._commands_by_span.get(span, [])

    def commands_in(self, node: tree_sitter.Node) -> list[Command]:
        """The commands inside `node`, at any depth."""
        return [c for n in walk(node) if n.type == "command" for c in self.commands_at(self.span(n))]

    def node_at(self, span: Span, kind: str | None = None) -> tree_sitter.Node | None:
        """The outermost node (of `kind`, if given) at `span`: a statement found by its position."""
        if self._by_span is None:
            self._by_span = {}
            for node in walk(self.root):
                if node.is_named:
                    self._by_span.setdefault(self.span(node), []).append(node)
        return next((n for n in self._by_span.get(span, ()) if kind is None or n.type == kind), None)

    def arms(self, node: tree_sitter.Node) -> tuple[tuple[tuple[tree_sitter.Node, ...], ...], tuple[Arm, ...]] | None:
        """The conditions and the arms of an `if` (then, each elif, else) or a `case` (the subject as its one
        condition, then each item's body, the patterns left out); None for anything else, or a `case` whose item
        falls through (`;&`, `;;&`)."""
        if node.type == "if_statement":
            return self._if_arms(node)
        if node.type != "case_statement":
            return None
        subject = tuple(c for c in node.named_children if c.type != "case_item")
        arms: list[Arm] = []
        for item in (c for c in node.children if c.type == "case_item"):
            children = list(item.children)
            if any(c.type in (";&", ";;&") for c in children):
                return None
            close = next((i for i, c in enumerate(children) if c.type == ")"), None)
            if close is None:
                return None
            arms.append(self._arm(tuple(c for c in children[close + 1 :] if c.type != ";;")))
        return (subject,), tuple(arms)

    def _if_arms(self, node: tree_sitter.Node) -> tuple[tuple[tuple[tree_sitter.Node, ...], ...], tuple[Arm, ...]]:
        conditions: list[tuple[tree_sitter.Node, ...]] = []
        arms: list[Arm] = []
        for clause in (node, *(c for c in node.children if c.type in ("elif_clause", "else_clause"))):
            condition: list[tree_sitter.Node] = []
            body: list[tree_sitter.Node] = []
            part = "body" if clause.type == "else_clause" else "condition"
            for child in clause.children:
                if child.type in ("if", "elif", "else", "fi", "elif_clause", "else_clause"):
                    continue
                if child.type == "then":
                    part = "body"
                elif part == "condition":
                    if child.type != ";" and child.type != "comment":
                        condition.append(child)
                else:
                    body.append(child)
            if clause.type != "else_clause":
                conditions.append(tuple(condition))
            arms.append(self._arm(tuple(body)))
        return tuple(conditions), tuple(arms)

    def _arm(self, body: tuple[tree_sitter.Node, ...]) -> Arm:
        named = [n for n in body if n.is_named and n.type != "comment"]
        return Arm(body, self.source.span(self.char(named[0].start_byte), self.char(named[-1].end_byte)) if named else None)

    def changes_shell_state(self) -> list[str]:
        """What in this script would leak into commands appended after it."""
        reasons: list[str] = []
        for command in self.commands:
            if command.in_subshell:
                continue
            if command.name in STATE_CHANGING_BUILTINS:
                reasons.append(command.name)
            elif command.name is None and command.words:
                reasons.append("a command whose name is computed")
        stack: list[tuple[tree_sitter.Node, str]] = [(self.root, "")]  # (node, its parent's kind)
        while stack:
            node, parent = stack.pop()
            stack.extend((child, node.type) for child in reversed(node.children))
            if node.type in ("declaration_command", "unset_command"):
                reasons.append(self.text_of(node).split(None, 1)[0])
            elif node.type == "variable_assignment" and parent == "program":
                reasons.append("a shell variable assignment")
            elif node.type == "variable_assignments" and parent in ("program", "list"):
                reasons.append("a shell variable assignment")
            elif node.type == "&":
                reasons.append("a background job (&)")
            elif node.type == "heredoc_redirect":
                reasons.append("a heredoc")
        return sorted(set(reasons))


class Arm(NamedTuple):
    """One way through an `if` or `case`: its body's statements, and where the body lies."""

    body: tuple[tree_sitter.Node, ...]
    span: Span | None
    """From the first statement to the last; None for an empty body (`*) ;;`)."""


# Variables whose value changes from one read to the next.  Source: bash(1), "Shell Variables".
VOLATILE_VARIABLES = frozenset({"RANDOM", "SRANDOM", "SECONDS", "LINENO", "BASHPID", "EPOCHSECONDS", "EPOCHREALTIME", "BASH_COMMAND"})

# Test operators on strings and numbers (test(1)): no file, terminal or option test.
_VALUE_TESTS = frozenset({"=", "==", "!=", "=~", "-z", "-n", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-a", "-o", "!"})
_VALUE_NODES = frozenset(
    {
        "list", "negated_command", "test_command", "binary_expression", "unary_expression", "parenthesized_expression",
        "string", "string_content", "raw_string", "word", "number", "simple_expansion", "expansion",
        "variable_name", "concatenation", "extglob_pattern", "regex", "test_operator",
    }
)
_VALUE_TOKENS = frozenset({"[", "]", "[[", "]]", '"', "$", "${", "}", "&&", "||", "(", ")", *_VALUE_TESTS})


def value_test_variables(script: ShellScript, nodes: Sequence[tree_sitter.Node]) -> frozenset[str] | None:
    """The variables an `if` condition reads, when it only compares strings and numbers (`[ "$CI" != true ]`,
    `[ -n "$X" ] && [[ $A == a* ]]`): such a condition gives the same answer wherever those variables have the
    same values, before a COPY or after it.  None for anything else: a file test (the files differ), a
    command, `$(...)`, a special or volatile variable (`$?`, `$RANDOM`)."""
    if len(nodes) != 1:
        return None
    names: set[str] = set()
    for node in walk(nodes[0]):
        kind = node.type
        if node.is_named and kind not in _VALUE_NODES:
            return None
        if not node.is_named and kind not in _VALUE_TOKENS:
            return None
        if kind == "test_operator" and script.text_of(node) not in _VALUE_TESTS:
            return None
        if kind == "word" and script.text_of(node).startswith("-") and script.text_of(node) not in _VALUE_TESTS:
            return None  # (`[ -f x ]` read as words)
        if kind == "variable_name":
            names.add(script.text_of(node))
        if kind == "expansion" and any(c.type not in ("${", "variable_name", "}") for c in node.children):
            return None  # timid: `${X:-...}`, `${#X}`, `${X/a/b}`
    if names & VOLATILE_VARIABLES:
        return None
    return frozenset(names)


def _with(kinds: frozenset[str], kind: str) -> frozenset[str]:
    """`kinds` plus `kind`, the same object when nothing is added (nested scripts share their sets)."""
    return kinds if kind in kinds else kinds | {kind}


_WRAPPERS: dict[str, tuple[frozenset[str], int]] = {
    "sudo": (frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-T", "-U", "--user", "--group", "--chdir", "--host", "--prompt", "--role", "--type", "--other-user", "--close-from", "--command-timeout"}), 0),
    "doas": (frozenset({"-u", "-C"}), 0),
    "env": (frozenset({"-u", "-C", "-S", "--unset", "--chdir", "--split-string"}), 0),
    "exec": (frozenset({"-a"}), 0),
    "command": (frozenset(), 0),
    "builtin": (frozenset(), 0),
    "nice": (frozenset({"-n", "--adjustment"}), 0),
    "nohup": (frozenset(), 0),
    "time": (frozenset({"-f", "-o", "--format", "--output"}), 0),
    "timeout": (frozenset({"-s", "-k", "--signal", "--kill-after"}), 1),
    "stdbuf": (frozenset({"-i", "-o", "-e"}), 0),
    "setsid": (frozenset(), 0),
    "xargs": (frozenset({"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"}), 0),
    "gosu": (frozenset(), 1),
    "su-exec": (frozenset(), 1),
    "chroot": (frozenset({"--userspec", "--groups"}), 1),
}
"""Commands that run their operands as a command (their manual pages): name -> (options that take a value,
operands before the command: timeout's duration, gosu's user, chroot's folder)."""

_SHELL_VALUE_OPTIONS = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})
_INTERPRETER = re.compile(r"^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*)$")
"""Interpreters that run a script file given as their first operand."""
_INLINE_CODE = frozenset({"-c", "-e", "-r", "--eval", "--exec"})
"""Interpreter options whose value is the code to run (python -c, perl -e, node -e, php -r, ruby -e)."""


def unread_code(values: Sequence[str | None], texts: Sequence[str], piped: bool, depth: int = 0) -> str | None:
    """What `Command.script_run` says of a command given as its words' values (None: only the shell knows it)."""
    if not values:
        return None
    program = values[0]
    if program is None:
        return texts[0]  # `$SETUP`: a program only the shell knows
    name = program.rsplit("/", 1)[-1]
    operands = list(zip(values[1:], texts[1:]))
    if name in _WRAPPERS:
        takes_value, leading = _WRAPPERS[name]
        i = 0
        while i < len(operands):
            value = operands[i][0]
            if value is None:
                return operands[i][1]
            if value == "--":
                i += 1
                break
            if value.startswith("-") and value != "-":
                i += 2 if value in takes_value else 1
                continue
            if name == "env" and "=" in value:
                i += 1
                continue
            break
        rest = operands[i + leading :]
        return unread_code([v for v, _ in rest], [t for _, t in rest], piped, depth) if rest else None
    if name == "eval":
        return program
    if name in ("su", "runuser"):  # `su -c TEXT user`: a command text run as another user
        return program if any(v in ("-c", "--command") or (v or "").startswith("--command=") for v, _ in operands) else None
    if name in (".", "source"):
        return (operands[0][0] or operands[0][1]) if operands else None
    if name in POSIX_SHELLS or name == "zsh":
        if name == "busybox":
            return unread_code(values[1:], texts[1:], piped, depth) if operands and operands[0][0] in POSIX_SHELLS else None
        i = 0
        while i < len(operands):
            value, text = operands[i]
            if value is None:
                return text
            if value in _SHELL_VALUE_OPTIONS:
                i += 2
                continue
            if value.startswith(("-", "+")) and value not in ("-", "--"):
                if "c" in value.lstrip("-+") and not value.startswith("--"):
                    return _inline_shell(operands[i + 1 :], depth)
                i += 1
                continue
            return "-" if value in ("-", "--") else value
        return "-"  # the script comes from standard input: a pipe or a redirection
    if _INTERPRETER.match(name):
        for value, text in operands:
            if value is None:
                return text
            if value in _INLINE_CODE or value == "-m":
                return None  # inline code (checked by the passes' text markers) or an installed module
            if not value.startswith("-"):
                return value
        return "-" if piped else None
    if "/" in program and not program.startswith(_SYSTEM_BIN_FOLDERS):
        return program
    return program if name.endswith(".sh") else None


def _inline_shell(operands: Sequence[tuple[str | None, str]], depth: int) -> str | None:
    """`sh -c TEXT`: the code TEXT runs that dockerfix does not read (TEXT itself when only the shell knows it)."""
    if not operands:
        return None
    value, text = operands[0]
    if value is None or depth > 3 or "`" in value or "$(" in value:
        return text  # code only the shell knows
    script = ShellScript(LogicalText.from_slices(value, [(0, len(value))]))
    if script.has_errors:
        return text
    for command in script.commands:
        found = unread_code([w.value for w in command.words], [w.text for w in command.words], "pipeline" in command.ancestors, depth + 1)
        if found is not None:
            return found
    return None


def comment_substitutions(text: str) -> list[tuple[int, int]]:
    """Where an unquoted word is only a backquoted comment, the idiom for a comment inside a continued line
    (`apt-get install -y libxslt1-dev `# for lxml` curl`): the substitution runs nothing, and its empty
    unquoted expansion leaves no word.  tree-sitter-bash reads its `#` as a comment to the end of the line.

    Quotes, backslash escapes and real comments are followed so that a backquote inside them is not taken
    for one; anything that is not exactly a whole word of that shape is left to the parser."""
    found: list[tuple[int, int]] = []
    if "<<" in text or "`#" not in text:
        return found  # timid: a heredoc's body is not shell, and its quotes need not pair
    i, quote = 0, ""
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t\n;&|("):
            i = text.find("\n", i)
            if i < 0:
                break
        elif ch == "`" and text[i + 1 : i + 2] == "#" and (i == 0 or text[i - 1] in " \t\n"):
            end = text.find("`", i + 1)
            if end < 0 or "\n" in text[i:end] or text[end + 1 : end + 2] not in ("", " ", "\t", "\n"):
                return found
            found.append((i, end + 1))
            i = end
        i += 1
    return found


def nested_too_deep(text: str) -> bool:
    """More than MAX_BRACKET_DEPTH brackets of any kind open at once (quotes ignored: a cheap bound)."""
    if text.count("(") + text.count("[") + text.count("{") <= MAX_BRACKET_DEPTH:
        return False
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                return True
        elif ch in ")]}" and depth:
            depth -= 1
    return False


def walk(node: tree_sitter.Node, *, prune: frozenset[str] = frozenset()) -> Iterator[tree_sitter.Node]:
    """Every node under `node` in source order (without recursion); nodes of a kind in
    `prune` are yielded but not entered."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if n.type not in prune:
            stack.extend(reversed(n.children))


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _unescape_double(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in '$`"\\\n':
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def shell_source(instruction: Instruction, document_text: str) -> LogicalText | None:
    """The text the shell runs for a RUN (or ONBUILD RUN), mapped to the file.

    None when RUN is in exec (JSON) form, or is a heredoc script for another
    interpreter (`#!/usr/bin/env python3`).
    """
    ins = instruction.effective
    if ins.name != "RUN" or ins.json is not None:
        return None
    if not ins.heredocs:
        return ins.args
    if heredoc_name(ins.args.text) is not None:  # `RUN <<EOF`: the body is the script
        doc = ins.heredocs[0]
        first_line = doc.content.split("\n", 1)[0]
        if first_line.startswith("#!"):
            interpreter = first_line[2:].split()
            if interpreter and interpreter[0].endswith("/env") and len(interpreter) > 1:
                interpreter = interpreter[1:]
            if not interpreter or interpreter[0].rsplit("/", 1)[-1] not in POSIX_SHELLS:
                return None
        if not doc.chomp:
            return LogicalText.from_slices(document_text, [(doc.body.start, doc.body.end)])
        slices: list[tuple[int, int]] = []
        pos = doc.body.start
        while pos < doc.body.end:
            nl = document_text.find("\n", pos, doc.body.end)
            end = doc.body.end if nl < 0 else nl + 1
            start = pos
            while start < end and document_text[start] == "\t":
                start += 1
            slices.append((start, end))
            pos = end
        return LogicalText.from_slices(document_text, slices)
    tail_start = ins.header_end
    tail = LogicalText.from_slices(document_text, [(tail_start, instruction.span.end)])
    return concat(ins.args, tail)


def parse_shell(instruction: Instruction, document_text: str) -> ShellScript | None:
    source = shell_source(instruction, document_text)
    return None if source is None else ShellScript(source)
