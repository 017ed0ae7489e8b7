"""tree-sitter-bash -> `Script`: walk every node, dequote words like the shell, keep where each command sits.

The walk is generic on purpose: any node kind we do not name is still descended into, so a command
hidden in a construct we did not think of is still found. What we cannot read is recorded in
`Script.errors` (ERROR and MISSING nodes) and the engine never calls such input READ.

Longer than most modules on purpose: the builder is one walk over the tree, and its handlers share that walk's
state (working directory, variable values, loops, functions, arithmetic to judge). Reading a line before the
parser is in lines.py, words in words.py, arithmetic in arith.py, directories in workdir.py.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from console.core.classify.arith import Verdicts, assigned_names, subscript
from console.core.classify.continuations import join_continuations
from console.core.classify.ir import Redirect, Script, SimpleCommand, Stdin, Word
from console.core.classify.lines import false_heredoc_ends, literal_output, plain_command
from console.core.classify.paramexp import split_expansion
from console.core.classify.words import argument_words, decode_word, node_text
from console.core.classify.workdir import CHANGES_DIRECTORY, WorkDir

_DATE_FORMAT = re.compile(r"\+(%[sYmdHMSjuUVwNz]|[-:. ])+")

# Deeper syntax trees than this are not analysed (a wall of nested subshells is not something to auto-run).
MAX_NODE_DEPTH = 120

_CONTEXT_OF = {
    "command_substitution": "substitution",
    "process_substitution": "process substitution",
    "subshell": "subshell",
    "for_statement": "loop",
    "c_style_for_statement": "loop",
    "while_statement": "loop",
    "heredoc_body": "heredoc",
}
_REDIRECT_NODES = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_LOOPS = frozenset({"for_statement", "c_style_for_statement", "while_statement"})
# Each runs in a copy of the shell: a `cd` inside does not move the rest of the line.
_SUBSHELLS = frozenset({"subshell", "command_substitution", "process_substitution"})
_ARITH_TEST = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})
# Builtins that assign the variables they are given from input (`read x`): values hitl cannot see.
_READS_INTO = frozenset({"read", "mapfile", "readarray", "getopts", "printf"})
_GLOB = frozenset("*?[")
_VARIABLE = re.compile(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})")
_PLAIN_EXPANSIONS = re.compile(r"(?:[^$`\\]|\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\}))*")
# Nodes with nothing inside to find (no command, substitution, redirect or arithmetic): not descended into.
# Anonymous tokens (`;`, `|`, `(`) are skipped too, unless the tree has errors (a MISSING token is one).
_LEAVES = frozenset(
    {"word", "number", "raw_string", "ansi_c_string", "string_content", "variable_name", "special_variable_name"}
    | {"file_descriptor", "comment", "heredoc_start", "heredoc_end", "test_operator", "regex", "simple_expansion"}
    | {"heredoc_content", "extglob_pattern"}
)


# tree-sitter-bash 0.25 can crash the whole process on some input (found by the property tests: U+0004 in
# some contexts, `{` followed by a private-use character). So the parser only ever sees printable ASCII,
# tab and newline: every other character becomes `_`, one character for one, which keeps byte offsets equal
# to character offsets, and all text is then read from the original string. Bash treats those characters
# as ordinary word characters too (it splits words only on blanks), and the guards have already made such
# input at least WRITE.
_UNSAFE_FOR_PARSER = re.compile(r"[^\t\n\x20-\x7e]")


@cache
def parser() -> Parser:
    """One parser per process: building the Language object is the expensive part."""
    return Parser(Language(tree_sitter_bash.language()))


def parse_script(text: str, *, cwd: str = "", cwd_known: bool = True) -> Script:
    """Parse `text` as bash does. `cwd`/`cwd_known`: the working directory it starts in (a `bash -c` inside
    `cd /srv && ...` starts in /srv)."""
    text = join_continuations(text)
    plain = plain_command(text, cwd, cwd_known)
    if plain is not None:
        return plain
    safe = (text.isascii() and "\r" not in text and text.isprintable()) or not _UNSAFE_FOR_PARSER.search(text)
    shadow = text if safe else _UNSAFE_FOR_PARSER.sub("_", text)
    if "<<" in shadow:
        shadow = false_heredoc_ends(shadow)
    tree = parser().parse(shadow.encode("ascii"))
    builder = _Builder(text, WorkDir(cwd, cwd_known))
    builder.fast = not tree.root_node.has_error
    builder.visit(tree.root_node, "", 0)
    return builder.finish()


class _Builder:
    def __init__(self, src: str, workdir: WorkDir) -> None:
        self.src = src
        self.script = Script()
        self.workdir = workdir
        self.values = self.script.values
        self.uses: list[tuple[str, int, str, str]] = []  # (variable, offset, kind, shown): see arith.Values
        self.evaluated: list[tuple[str, int, str, bool]] = []  # (arithmetic text, offset, shown, parsed)
        self._built: dict[int, SimpleCommand] = {}
        self._redirects_done: set[int] = set()
        self._loose_at: dict[int, list[int]] = {}  # node id -> loose redirects to stamp where that node starts
        self._functions: list[str] = []
        self._loops = 0
        self.fast = False  # the tree has no ERROR or MISSING node: anonymous tokens and leaves are skipped
        self.associative: set[str] = set()  # arrays declared `-A`: their subscripts are not arithmetic
        self.integers: set[str] = set()  # variables declared `-i`: every later assignment is arithmetic

    def finish(self) -> Script:
        """Judge what arithmetic and prompt expansion would evaluate, once every assignment is known, and
        leave commands in function bodies without a directory when the line moves around (a body runs
        wherever it is called)."""
        if not (self.evaluated or self.uses or self.workdir.changed):
            return self.script
        verdicts = Verdicts()
        for text, offset, shown, parsed in self.evaluated:
            self.values.evaluate(
                text, offset, shown, verdicts, where=f" in `{shown}`", parsed=parsed, numeric=numeric_output
            )
        for name, offset, kind, shown in self.uses:
            self.values.judge(name, offset, kind, shown, verdicts)
        self.script.nested += verdicts.nested
        self.script.hidden += list(dict.fromkeys(verdicts.hidden))
        if self.workdir.changed:
            for cmd in self.script.commands:
                if cmd.function is not None:
                    cmd.cwd_known = False
                    cmd.redirects = [replace(r, cwd_known=False) for r in cmd.redirects]
        return self.script

    # Simple commands ------------------------------------------------------------------------------

    def command(self, node: Node, context: str) -> SimpleCommand:
        found = self._built.get(node.id)
        if found is not None:
            return found
        cmd = SimpleCommand(argv=[], context=context, function=self._functions[-1] if self._functions else None)
        for child in node.children:
            kind = child.type
            if kind == "variable_assignment":
                name, value = self._assignment(child)
                cmd.assignments.append((name, value))
            elif kind == "command_name":
                for inner in child.children:
                    cmd.argv.extend(argument_words(inner, self.src))
            elif kind in _REDIRECT_NODES:
                self._attach_redirect(cmd, child)
            elif child.is_named:
                cmd.argv.extend(argument_words(child, self.src))
        self._built[node.id] = cmd
        return cmd

    def _assignment(self, node: Node) -> tuple[str, Word]:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = node_text(name_node, self.src) if name_node is not None else ""
        value = decode_word(value_node, self.src) if value_node is not None else Word("")
        base = name.partition("[")[0]
        if value_node is not None and value_node.type == "arithmetic_expansion":
            literal: str | None = "0"  # `x=$((...))` is an integer
        else:
            literal = None if value.dynamic or (value_node is not None and value_node.type == "array") else value.text
        if value_node is not None and base in self.integers:
            self._arithmetic(value_node, node_text(value_node, self.src))  # `declare -i n; n=$(cat f)`
            literal = "0"
        if value_node is not None and value_node.type == "array" and base not in self.associative:
            for element in value_node.named_children:  # `a=([$x]=first)`: each index is arithmetic
                text = node_text(element, self.src)
                if text.startswith("["):
                    index = subscript("a" + text)
                    if index is not None:
                        self._arithmetic(element, index)
        self.values.assign(base, node.start_byte, literal)
        return name, value

    def _ran(self, cmd: SimpleCommand, at: int) -> None:
        """A simple command was reached in the order bash runs the line: stamp its directory, then apply
        what it does to the directory and to the variables arithmetic may read."""
        cmd.cwd, cmd.cwd_known = self.workdir.path, self.workdir.known
        if cmd.redirects and self.workdir.changed:  # a redirect opens its file where the command runs
            cmd.redirects = [replace(r, cwd=cmd.cwd, cwd_known=cmd.cwd_known) for r in cmd.redirects]
        if not cmd.argv or cmd.argv[0].dynamic:
            return
        argv = cmd.argv[1:] if cmd.argv[0].text in ("builtin", "command") and len(cmd.argv) > 1 else cmd.argv
        name = argv[0].text
        if name in CHANGES_DIRECTORY:
            self.workdir.change(argv, repeats=self._loops > 0)
        elif name in ("eval", "source", ".") or (name in self.script.functions and self._changes_directory(name)):
            if name not in ("eval",) or any(d in w.text for w in argv[1:] for d in CHANGES_DIRECTORY):
                self.workdir.lose()  # code hitl parses separately (or not at all) may change directory
        elif name in _READS_INTO:
            for word in argv[1:]:
                if not word.text.startswith("-") and (name != "printf" or argv[1].text == "-v"):
                    self.values.assign(word.text.partition("[")[0], at, None)

    def _substitute(self, cmd: SimpleCommand, at: int) -> None:
        """`f=/etc/hosts.allow; : > "$f"`: a variable the line set once, to literal text, before this command
        is that text, as bash would expand it (only plain `$name`/`${name}` expansions are replaced)."""
        cmd.argv = [self._literal(self._tilde(word, at), at) for word in cmd.argv]
        cmd.redirects = [
            replace(r, target=self._literal(self._tilde(r.target, at), at)) if r.target is not None else r
            for r in cmd.redirects
        ]

    def _tilde(self, word: Word, at: int) -> Word:
        """`HOME=/etc; cp x ~/passwd` writes /etc/passwd: once the line sets HOME, `~` is that value (or only
        known at run time), not the home the host would name."""
        if word.dynamic or not (word.text == "~" or word.text.startswith("~/")) or "HOME" not in self.values.seen:
            return word
        assigned = self.values.seen["HOME"]
        literal = assigned[0][1] if len(assigned) == 1 and assigned[0][0] < at else None
        if literal is None:
            return Word(word.text, dynamic=True, quoted=word.quoted)
        return Word(literal + word.text[1:], quoted=word.quoted)

    def _literal(self, word: Word, at: int) -> Word:
        if not word.dynamic or not _VARIABLE.search(word.text) or not _PLAIN_EXPANSIONS.fullmatch(word.text):
            return word  # only `$name`/`${name}` are replaced: a `<(...)` word stays dynamic
        missing = False

        def value(match: re.Match[str]) -> str:
            nonlocal missing
            name = match.group(1) or match.group(2)
            assigned = self.values.seen.get(name, [])
            if name == "HOME" and not assigned and match.start() == 0 and word.text[match.end() :][:1] in ("", "/"):
                return "~"  # `$HOME/x` is `~/x`: the home of the user the shell runs as, found on the host
            literal = assigned[0][1] if len(assigned) == 1 and assigned[0][0] < at else None
            if literal is None or (not word.quoted and any(c in literal for c in " \t\n*?[")):
                missing = True  # unknown, or an unquoted value bash would split or glob
                return match.group(0)
            return literal

        text = _VARIABLE.sub(value, word.text)
        return word if missing else Word(text, dynamic=False, quoted=word.quoted)

    def _changes_directory(self, function: str) -> bool:
        return any(
            c.function == function and c.argv and c.argv[0].text in CHANGES_DIRECTORY for c in self.script.commands
        )

    # Redirects ------------------------------------------------------------------------------------

    def _attach_redirect(self, cmd: SimpleCommand | None, node: Node) -> None:
        kind = node.type
        if kind == "herestring_redirect":
            words = [decode_word(c, self.src) for c in node.children if c.is_named]
            text = " ".join(w.text for w in words)
            literal = None if any(w.dynamic for w in words) else text + "\n"
            if cmd is not None:
                cmd.stdin = Stdin("herestring", literal, "a here-string")
            return
        if kind == "heredoc_redirect":
            self._heredoc(cmd, node)
            return
        fd: str | None = None
        op = ""
        target: Word | None = None
        for child in node.children:
            if child.type == "file_descriptor":
                fd = node_text(child, self.src)
            elif not child.is_named:
                op = op or node_text(child, self.src)
            elif target is None:
                target = decode_word(child, self.src)
            elif cmd is not None:
                # `git >/dev/null reset --hard`: bash gives the words after a redirect's target to the command
                cmd.argv.extend(argument_words(child, self.src))
        if op in (">&", "<&") and target is not None and (target.text.isdigit() or target.text == "-"):
            return  # descriptor duplication or close: neutral
        if op == ">&":
            op = "&>"
        redirect = Redirect(op=op, target=target, fd=fd, cwd=self.workdir.path, cwd_known=self.workdir.known)
        if cmd is None:
            self.script.loose_redirects.append(redirect)
            return
        cmd.redirects.append(redirect)
        if op == "<" and target is not None:
            cmd.stdin = Stdin("file", None, target.text)

    def _heredoc(self, cmd: SimpleCommand | None, node: Node) -> None:
        quoted = False
        body: Node | None = None
        strip_tabs = False
        for child in node.children:
            kind = child.type
            if kind == "heredoc_start":
                quoted = any(q in node_text(child, self.src) for q in "'\"\\")
            elif kind == "heredoc_body":
                body = child
            elif kind == "<<-":
                strip_tabs = True
            elif kind in _REDIRECT_NODES:
                self._attach_redirect(cmd, child)
        text: str | None = ""
        if body is not None:
            text = node_text(body, self.src)
            if not quoted and any(c.type != "heredoc_content" for c in body.named_children):
                text = None
            elif text is not None and strip_tabs:
                text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
        if cmd is not None:
            cmd.stdin = Stdin("heredoc", text, "a heredoc")
            # `cat <<EOF | sh`: tree-sitter puts the rest of the pipeline inside the heredoc redirect
            for child in node.named_children:
                if child.type in ("pipeline", "command", "redirected_statement", "list"):
                    consumer = self._bound_command(child, cmd.context, last=False)
                    if consumer is not None and consumer.stdin is None:
                        consumer.stdin = Stdin("pipe", literal_output(cmd), cmd.display(40))

    # Text bash evaluates ----------------------------------------------------------------------------

    def _arithmetic(self, node: Node, text: str, *, parsed: bool = True) -> None:
        """An arithmetic context: the variables it names are evaluated as arithmetic (see arith.py); those
        it assigns hold integers afterwards. Not `parsed`: the text was a quoted string, so its command
        substitutions were not seen by the walk and are analysed from the text."""
        shown = " ".join(node_text(node, self.src).split())
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        self.evaluated.append((text, node.start_byte, shown, parsed))
        for name in assigned_names(text):
            self.values.assign(name, node.end_byte, "0")

    def _expansion(self, node: Node) -> None:
        """`${x@P}` (prompt expansion runs substitutions in x's value), `${!x}` (x names the variable to
        read, and a name with a subscript is evaluated), `${x:off:len}`, `${a[@]:off:len}`, `${@:off:len}`
        (offsets and lengths are arithmetic) -- for any parameter, positional and special ones too."""
        text = node_text(node, self.src)
        end = _closing_brace(self.src, node.start_byte + 2)
        if end > 0:
            text = self.src[node.start_byte : end + 1]
        parts = split_expansion(text[2:-1])
        if parts is None:
            return
        shown = text if len(text) <= 40 else text[:39] + "…"
        if parts.prompt:
            self.uses.append((parts.name, node.start_byte, "prompt", shown))
        if parts.indirect:
            self.uses.append((parts.name, node.start_byte, "indirect", shown))
        if parts.slice is not None:
            self._arithmetic(node, parts.slice)

    def _test(self, node: Node) -> None:
        """`[[ a -eq b ]]` evaluates both sides as arithmetic (`[ a -eq b ]`, the test builtin, reads plain
        integers and evaluates nothing); `-v name[sub]` evaluates the subscript in both."""
        double = bool(node.children) and node.children[0].type == "[["
        for expression in node.named_children:
            operator = next((c for c in expression.children if c.type == "test_operator"), None)
            if operator is None:
                continue
            word = node_text(operator, self.src)
            operands = [c for c in expression.named_children if c.type != "test_operator"]
            if double and expression.type == "binary_expression" and word in _ARITH_TEST:
                for operand in operands:
                    self._arithmetic(operand, node_text(operand, self.src))
            elif word == "-v":
                for operand in operands:
                    name = decode_word(operand, self.src)
                    index = subscript(name.text)
                    if name.dynamic and operand.type not in ("concatenation", "word"):
                        self.uses.append((name.text.strip('$"{}'), node.start_byte, "indirect", name.text))
                    elif index is not None:
                        self._arithmetic(operand, index, parsed=False)

    # Walk -----------------------------------------------------------------------------------------

    def visit(self, node: Node, context: str, depth: int) -> None:
        if depth > MAX_NODE_DEPTH:
            self.script.too_deep = True
            return
        kind = node.type
        loose = self._loose_at.pop(node.id, None)
        if loose:  # `cd /srv && { ...; } > f`: the group's redirect opens its file where the group starts
            self._restamp_loose(loose)
        if not self.fast:
            if node.is_missing:
                self.script.errors.append(f"missing `{kind}`")
                return
            if kind == "ERROR":
                snippet = node_text(node, self.src).strip()
                snippet = snippet if len(snippet) <= 40 else snippet[:39] + "…"
                self.script.errors.append(f"cannot parse `{snippet}`")
        if kind == "command":
            self._command_node(node, context, depth)
            return
        special = _SPECIAL.get(kind)
        if special is not None and special(self, node, context, depth):
            return
        if kind in _SUBSHELLS:
            saved = self.workdir
            self.workdir = saved.copy()
            inner = _CONTEXT_OF.get(kind, context)
            if kind == "process_substitution" and node.children and node.children[0].type == ">(":
                inner = "output process substitution"  # its standard input is what the outer command writes
            self._children(node, inner, depth)
            self.workdir = saved
            return
        if kind in _LOOPS:
            self._loops += 1
            self._children(node, _CONTEXT_OF[kind], depth)
            self._loops -= 1
            return
        self._children(node, _CONTEXT_OF.get(kind, context), depth)

    def _command_node(self, node: Node, context: str, depth: int) -> None:
        cmd = self.command(node, context)
        if (
            any(w.dynamic for w in cmd.argv)
            or any(r.target and r.target.dynamic for r in cmd.redirects)
            or ("HOME" in self.values.seen and _mentions_home(cmd))
        ):
            self._substitute(cmd, node.start_byte)
        self.script.commands.append(cmd)
        fast = self.fast
        for child in node.children:
            if fast and (not child.is_named or child.type in _LEAVES):
                continue
            if child.type == "variable_assignment":
                for inner in child.children:
                    self.visit(inner, context, depth + 1)
            else:
                self.visit(child, context, depth + 1)
        self._ran(cmd, node.end_byte)

    # Node kinds with work of their own. Each returns True when it has visited the children itself.

    def _on_redirected(self, node: Node, context: str, depth: int) -> bool:
        self._redirected(node, context)
        return False

    def _on_pipeline(self, node: Node, context: str, depth: int) -> bool:
        self._pipeline(node, context)
        self._children(node, context, depth, each_in_subshell=True)
        return True

    def _on_assignment(self, node: Node, context: str, depth: int) -> bool:
        self.script.assignments.append(self._assignment(node))
        return False

    def _on_declaration(self, node: Node, context: str, depth: int) -> bool:
        self._declaration(node, context, depth)
        return True

    def _on_function(self, node: Node, context: str, depth: int) -> bool:
        name_node = node.child_by_field_name("name")
        name = node_text(name_node, self.src) if name_node is not None else ""
        self.script.functions.add(name)
        self._functions.append(name)
        saved = self.workdir.copy()
        for child in node.children:
            self.visit(child, "function body", depth + 1)
        self.workdir = saved
        self._functions.pop()
        return True

    def _on_arithmetic(self, node: Node, context: str, depth: int) -> bool:
        self._arithmetic(node, _inside(node, self.src))
        return False

    def _on_compound(self, node: Node, context: str, depth: int) -> bool:
        if node.child_count and node.children[0].type == "((":
            self._arithmetic(node, _inside(node, self.src))
        return False

    def _on_c_for(self, node: Node, context: str, depth: int) -> bool:
        self._arithmetic(node, _inside(node, self.src, closing="))"))
        return False

    def _on_subscript(self, node: Node, context: str, depth: int) -> bool:
        text = node_text(node, self.src)
        index = subscript(text)
        if index is not None and index not in ("@", "*") and text.partition("[")[0] not in self.associative:
            self._arithmetic(node, index)  # an associative array's key is a string, not arithmetic
        return False

    def _on_expansion(self, node: Node, context: str, depth: int) -> bool:
        self._expansion(node)
        return False

    def _on_test(self, node: Node, context: str, depth: int) -> bool:
        self._test(node)
        return False

    def _on_for(self, node: Node, context: str, depth: int) -> bool:
        self._for_values(node)
        return False

    def _children(self, node: Node, context: str, depth: int, *, each_in_subshell: bool = False) -> None:
        """Visit the children in order; a pipeline's elements and a job sent to the background (`cmd &`)
        run in their own copy of the shell."""
        children = node.children
        fast = self.fast
        background = not each_in_subshell and node.type in _STATEMENT_LISTS and any(c.type == "&" for c in children)
        for index, child in enumerate(children):
            if fast and (not child.is_named or child.type in _LEAVES):
                continue
            alone = each_in_subshell or (background and index + 1 < len(children) and children[index + 1].type == "&")
            if alone and child.is_named:
                saved = self.workdir
                self.workdir = saved.copy()
                self.visit(child, context, depth + 1)
                self.workdir = saved
            else:
                self.visit(child, context, depth + 1)

    def _for_values(self, node: Node) -> None:
        variable = node.child_by_field_name("variable")
        if variable is None:
            return
        values = [c for c in node.children_by_field_name("value")]
        words = [decode_word(v, self.src) for v in values]
        literal = all(not w.dynamic and not (_GLOB & set(w.text)) for w in words) and values
        name = node_text(variable, self.src)
        for word in words if literal else [Word("", dynamic=True)]:
            self.values.assign(name, node.start_byte, None if word.dynamic else word.text)

    def _declaration(self, node: Node, context: str, depth: int) -> None:
        argv: list[Word] = []
        integer = associative = False
        for child in node.children:
            if not child.is_named:
                argv.append(Word(node_text(child, self.src)))
            elif child.type == "variable_assignment":
                name_node = child.child_by_field_name("name")
                base = node_text(name_node, self.src).partition("[")[0] if name_node is not None else ""
                if associative:
                    self.associative.add(base)
                if integer:
                    self.integers.add(base)  # its value (now and later) is evaluated as arithmetic
                name, value = self._assignment(child)
                self.script.assignments.append((name, value))
                argv.append(Word(f"{name}={value.text}", dynamic=value.dynamic))
            else:
                literal = child.type == "variable_name"
                word = Word(node_text(child, self.src)) if literal else decode_word(child, self.src)
                integer = integer or (word.text.startswith("-") and "i" in word.text)
                associative = associative or (word.text.startswith("-") and "A" in word.text)
                argv.append(word)
                if not word.text.startswith("-"):
                    name = word.text.partition("=")[0].partition("[")[0]
                    if associative:
                        self.associative.add(name)
                    if integer:
                        self.integers.add(name)
        cmd = SimpleCommand(argv=argv, context=context)
        cmd.cwd, cmd.cwd_known = self.workdir.path, self.workdir.known
        self.script.commands.append(cmd)
        for child in node.children:
            inner_nodes = child.children if child.type == "variable_assignment" else [child]
            for inner in inner_nodes:
                self.visit(inner, context, depth + 1)

    def _bound_command(self, node: Node | None, context: str, last: bool) -> SimpleCommand | None:
        """The simple command a redirect or pipe attaches to: bash binds a redirect after a list to the
        last command of the list; a pipe feeds the first command of the next element."""
        while node is not None:
            kind = node.type
            if kind == "command":
                return self.command(node, context)
            if kind == "redirected_statement":
                self._redirected(node, context)
                node = node.child_by_field_name("body")
            elif kind in ("list", "pipeline"):
                named = [c for c in node.children if c.is_named]
                node = (named[-1] if last else named[0]) if named else None
            else:
                return None
        return None

    def _redirected(self, node: Node, context: str) -> None:
        if node.id in self._redirects_done:
            return
        self._redirects_done.add(node.id)
        body = node.child_by_field_name("body")
        cmd = self._bound_command(body, context, last=True)
        if body is None:
            # `> file` alone: bash opens (and truncates) the file with no command at all.
            cmd = SimpleCommand(argv=[], context=context, function=self._functions[-1] if self._functions else None)
            cmd.cwd, cmd.cwd_known = self.workdir.path, self.workdir.known
            self.script.commands.append(cmd)
        mark = len(self.script.loose_redirects)
        for child in node.children:
            if child.type in _REDIRECT_NODES:
                self._attach_redirect(cmd, child)
        bound = _last_element(body)
        if cmd is None and bound is not None and bound is not body and len(self.script.loose_redirects) > mark:
            self._loose_at[bound.id] = list(range(mark, len(self.script.loose_redirects)))

    def _restamp_loose(self, indexes: list[int]) -> None:
        for i in indexes:
            redirect = self.script.loose_redirects[i]
            self.script.loose_redirects[i] = replace(redirect, cwd=self.workdir.path, cwd_known=self.workdir.known)

    def _pipeline(self, node: Node, context: str) -> None:
        elements = [c for c in node.children if c.is_named]
        for producer_node, consumer_node in itertools.pairwise(elements):
            consumer = self._bound_command(consumer_node, context, last=False)
            if consumer is None or consumer.stdin is not None:
                continue
            producer = self._bound_command(producer_node, context, last=True)
            if producer is None:
                consumer.stdin = Stdin("pipe", None, "a compound command")
                continue
            consumer.stdin = Stdin("pipe", literal_output(producer), producer.display(40))


def _mentions_home(cmd: SimpleCommand) -> bool:
    words = [*cmd.argv, *(r.target for r in cmd.redirects if r.target is not None)]
    return any(w.text == "~" or w.text.startswith("~/") for w in words)


def _last_element(node: Node | None) -> Node | None:
    """The element of a list or pipeline a trailing redirect binds to (bash: the last one)."""
    while node is not None and node.type in ("list", "pipeline"):
        named = [c for c in node.children if c.is_named]
        node = named[-1] if named else None
    return node


_DIGIT_SET = re.compile(r"^(\[:digit:\]|0-9|[0-9]+|\\n|[-0-9]|\[0-9\])+$")
_NUMERIC_STAT = re.compile(r"^(%[sbBfhiuUgGtTWXYZ]|[ ,.:])+$")


def numeric_output(text: str) -> bool:
    """Whether the command substitution `text` can only print a number: one pipeline ending in `nproc`,
    `getconf`, `id -u`, `date +%s`, `wc -l` on standard input, `grep -c`/`pgrep -c` on one input,
    `tr -dc 0-9`, `stat -c %s` or a literal number. Arithmetic on such output runs nothing."""
    if any(sep in text for sep in (";", "&", "\n", "`", "$(", "<(")):
        return False
    commands = parse_script(text).commands
    if not commands or not commands[-1].argv or any(w.dynamic for w in commands[-1].argv):
        return False
    argv = [w.text for w in commands[-1].argv]
    name, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    options = [a for a in args if a.startswith("-")]
    operands = [a for a in args if not a.startswith("-")]
    if name in ("nproc", "getconf"):
        return True
    if name == "id":
        return bool(options) and all(set(o[1:]) <= set("ugr") for o in options)
    if name == "date":
        return len(operands) == 1 and _DATE_FORMAT.fullmatch(operands[0]) is not None
    if name == "wc":
        return not operands and bool(options) and all(set(o[1:]) <= set("lcwmL") for o in options)
    if name in ("grep", "pgrep", "egrep", "fgrep"):
        return "-c" in options or ("--count" in args and len(operands) <= (2 if name != "pgrep" else 1))
    if name == "tr":
        flags = "".join(o[1:] for o in options)
        return "d" in flags and "c" in flags and len(operands) == 1 and _DIGIT_SET.match(operands[0]) is not None
    if name == "stat":
        formats = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-c", "--format")]
        return len(formats) == 1 and _NUMERIC_STAT.match(formats[0]) is not None
    if name in ("echo", "printf"):
        return all(a.lstrip("-").isdigit() for a in operands)
    return False


_SPECIAL: dict[str, Callable[[_Builder, Node, str, int], bool]] = {
    "redirected_statement": _Builder._on_redirected,
    "pipeline": _Builder._on_pipeline,
    "variable_assignment": _Builder._on_assignment,
    "declaration_command": _Builder._on_declaration,
    "unset_command": _Builder._on_declaration,
    "function_definition": _Builder._on_function,
    "arithmetic_expansion": _Builder._on_arithmetic,
    "compound_statement": _Builder._on_compound,
    "c_style_for_statement": _Builder._on_c_for,
    "subscript": _Builder._on_subscript,
    "expansion": _Builder._on_expansion,
    "test_command": _Builder._on_test,
    "for_statement": _Builder._on_for,
}
# Where `cmd &` can appear: a job sent to the background runs in a copy of the shell.
_STATEMENT_LISTS = frozenset(
    {"program", "list", "do_group", "compound_statement", "subshell", "if_statement", "elif_clause"}
    | {"else_clause", "case_item", "function_definition"}
)


def _inside(node: Node, src: str, closing: str | None = None) -> str:
    """The text between a construct's opening and closing tokens (`$((` ... `))`, `((` ... `))`)."""
    children = node.children
    if len(children) < 2:
        return ""
    start = children[0].end_byte
    end = node.end_byte
    if closing is not None:
        end = next((c.start_byte for c in children if c.type == closing), end)
    elif not children[-1].is_named:
        end = children[-1].start_byte
    if node.type == "c_style_for_statement":
        start = next((c.end_byte for c in children if c.type == "(("), start)
    return src[start:end]


def _closing_brace(src: str, start: int) -> int:
    """Index of the `}` that closes a `${` whose body starts at `start` (-1 if none)."""
    depth = 1
    i = start
    while i < len(src):
        char = src[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
