"""tree-sitter-bash -> `Script`: walk every node, dequote words like the shell, keep where each command sits.

The walk is generic on purpose: any node kind we do not name is still descended into, so a command
hidden in a construct we did not think of is still found. What we cannot read is recorded in
`Script.errors` (ERROR and MISSING nodes) and the engine never calls such input READ.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from console.core.classify.ir import Redirect, Script, SimpleCommand, Stdin, Word

# Deeper syntax trees than this are not analysed (a wall of nested subshells is not something to auto-run).
MAX_NODE_DEPTH = 120

_DYNAMIC_NODES = frozenset(
    {
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
    }
)
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
_ANSI_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)", re.DOTALL)
_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_BRACE = re.compile(r"\{([^{}]*,[^{}]*)\}")


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


def parse_script(text: str) -> Script:
    shadow = _UNSAFE_FOR_PARSER.sub("_", text) if _UNSAFE_FOR_PARSER.search(text) else text
    tree = parser().parse(shadow.encode("ascii"))
    builder = _Builder(text)
    builder.visit(tree.root_node, "", 0)
    return builder.script


def _unescape_unquoted(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _unescape_double_quoted(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\([\\\"$`\n])", lambda m: "" if m.group(1) == "\n" else m.group(1), text)


def _ansi_c(body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        head = code[0]
        if head in "xuU" and len(code) > 1:
            return chr(min(int(code[1:], 16), 0x10FFFF))
        if head.isdigit():
            return chr(int(code, 8) & 0xFF)
        if head == "c" and len(code) == 2:
            return chr(ord(code[1]) & 0x1F)
        return _ANSI_SIMPLE.get(code, "\\" + code)

    return _ANSI_ESCAPE.sub(replace, body)


def expand_braces(text: str) -> list[str]:
    """Comma brace expansion as bash does it for `{a,b}` (nested handled left to right); ranges are kept."""
    match = _BRACE.search(text)
    if match is None:
        return [text]
    head, tail = text[: match.start()], text[match.end() :]
    results: list[str] = []
    for part in match.group(1).split(","):
        results.extend(expand_braces(head + part + tail))
        if len(results) > 256:
            break
    return list(dict.fromkeys(results))


def _node_text(node: Node, src: str) -> str:
    return src[node.start_byte : node.end_byte]


def decode_word(node: Node, src: str) -> Word:
    """Quote removal for one word node: `\\rm` -> rm, `'r''m'` -> rm, `$'\\x72\\x6d'` -> rm."""
    kind = node.type
    if kind in {"word", "number"}:
        return Word(_unescape_unquoted(_node_text(node, src)))
    if kind == "raw_string":
        return Word(_node_text(node, src)[1:-1], quoted=True)
    if kind == "ansi_c_string":
        return Word(_ansi_c(_node_text(node, src)[2:-1]), quoted=True)
    if kind in _DYNAMIC_NODES:
        return Word(_node_text(node, src), dynamic=True)
    if kind in ("string", "translated_string"):
        parts: list[str] = []
        dynamic = False
        for child in node.children:
            ctype = child.type
            if ctype == "string_content":
                parts.append(_unescape_double_quoted(_node_text(child, src)))
            elif ctype == "string":
                inner = decode_word(child, src)
                parts.append(inner.text)
                dynamic = dynamic or inner.dynamic
            elif child.is_named:
                parts.append(_node_text(child, src))
                dynamic = True
            elif ctype not in ('"', '$"', "$"):
                parts.append(_node_text(child, src))
        return Word("".join(parts), dynamic=dynamic, quoted=True)
    if kind == "concatenation":
        texts: list[str] = []
        dynamic = False
        quoted = False
        for child in node.children:
            inner = decode_word(child, src)
            texts.append(inner.text)
            dynamic = dynamic or inner.dynamic
            quoted = quoted or inner.quoted
        return Word("".join(texts), dynamic=dynamic, quoted=quoted)
    # Anything else (an unexpected node in word position) is treated as known only at run time.
    return Word(_node_text(node, src), dynamic=True)


def argument_words(node: Node, src: str) -> list[Word]:
    """A word node as the argv entries it becomes, with unquoted comma braces expanded."""
    word = decode_word(node, src)
    if node.type == "concatenation" and not word.quoted and "{" in word.text and "," in word.text:
        return [Word(text, dynamic=word.dynamic) for text in expand_braces(word.text)]
    return [word]


def _literal_output(command: SimpleCommand) -> str | None:
    """What a producer writes to a pipe, when it is fixed text: `echo 'ls'`, `printf 'ls\\n'`, `cat <<< x`."""
    if not command.argv or any(word.dynamic for word in command.argv):
        return None
    name = command.argv[0].text
    args = [word.text for word in command.argv[1:]]
    if name == "echo":
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            if "e" in args[0] and any("\\" in arg for arg in args[1:]):
                return None
            args = args[1:]
        return " ".join(args) + "\n"
    if name == "printf" and len(args) == 1 and "%" not in args[0]:
        return _ansi_c(args[0])
    if name == "cat" and not args and command.stdin is not None and command.stdin.kind != "pipe":
        return command.stdin.text
    return None


class _Builder:
    def __init__(self, src: str) -> None:
        self.src = src
        self.script = Script()
        self._built: dict[int, SimpleCommand] = {}
        self._redirects_done: set[int] = set()
        self._functions: list[str] = []

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
        name = _node_text(name_node, self.src) if name_node is not None else ""
        value = decode_word(value_node, self.src) if value_node is not None else Word("")
        return name, value

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
                fd = _node_text(child, self.src)
            elif not child.is_named:
                op = op or _node_text(child, self.src)
            elif target is None:
                target = decode_word(child, self.src)
        if op in (">&", "<&") and target is not None and (target.text.isdigit() or target.text == "-"):
            return  # descriptor duplication or close: neutral
        if op == ">&":
            op = "&>"
        redirect = Redirect(op=op, target=target, fd=fd)
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
                quoted = any(q in _node_text(child, self.src) for q in "'\"\\")
            elif kind == "heredoc_body":
                body = child
            elif kind == "<<-":
                strip_tabs = True
            elif kind in _REDIRECT_NODES:
                self._attach_redirect(cmd, child)
        text: str | None = ""
        if body is not None:
            text = _node_text(body, self.src)
            if not quoted and any(c.type != "heredoc_content" for c in body.named_children):
                text = None
            elif text is not None and strip_tabs:
                text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
        if cmd is not None:
            cmd.stdin = Stdin("heredoc", text, "a heredoc")

    # Walk -----------------------------------------------------------------------------------------

    def visit(self, node: Node, context: str, depth: int) -> None:
        if depth > MAX_NODE_DEPTH:
            self.script.too_deep = True
            return
        kind = node.type
        if node.is_missing:
            self.script.errors.append(f"missing `{kind}`")
            return
        if kind == "ERROR":
            snippet = _node_text(node, self.src).strip()
            snippet = snippet if len(snippet) <= 40 else snippet[:39] + "…"
            self.script.errors.append(f"cannot parse `{snippet}`")
        elif kind == "command":
            cmd = self.command(node, context)
            self.script.commands.append(cmd)
            for child in node.children:
                if child.type == "variable_assignment":
                    for inner in child.children:
                        self.visit(inner, context, depth + 1)
                else:
                    self.visit(child, context, depth + 1)
            return
        elif kind == "redirected_statement":
            self._redirected(node, context)
        elif kind == "pipeline":
            self._pipeline(node, context)
        elif kind == "variable_assignment":
            self.script.assignments.append(self._assignment(node))
        elif kind in ("declaration_command", "unset_command"):
            self._declaration(node, context, depth)
            return
        elif kind == "function_definition":
            name_node = node.child_by_field_name("name")
            name = _node_text(name_node, self.src) if name_node is not None else ""
            self.script.functions.add(name)
            self._functions.append(name)
            for child in node.children:
                self.visit(child, "function body", depth + 1)
            self._functions.pop()
            return
        elif kind in _CONTEXT_OF:
            context = _CONTEXT_OF[kind]
        for child in node.children:
            self.visit(child, context, depth + 1)

    def _declaration(self, node: Node, context: str, depth: int) -> None:
        argv: list[Word] = []
        for child in node.children:
            if not child.is_named:
                argv.append(Word(_node_text(child, self.src)))
            elif child.type == "variable_assignment":
                name, value = self._assignment(child)
                self.script.assignments.append((name, value))
                argv.append(Word(f"{name}={value.text}", dynamic=value.dynamic))
            else:
                argv.append(decode_word(child, self.src))
        self.script.commands.append(SimpleCommand(argv=argv, context=context))
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
            self.script.commands.append(cmd)
        for child in node.children:
            if child.type in _REDIRECT_NODES:
                self._attach_redirect(cmd, child)

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
            consumer.stdin = Stdin("pipe", _literal_output(producer), producer.display(40))
