"""No path of the console or the CLI puts text on the terminal except through the one renderer.

The console builds what it shows with `console.tui.text` (which takes only `Shown` strings, so mypy rejects
text that skipped `console.core.textsafe.shown`), and the CLI writes with `console.commands.out`. This test
reads the source of every other module of `console.tui`, `console.commands` and `console/cli.py` and fails on
a direct way around them:

- building terminal text: `Text(...)`, `Text.assemble`, `Text.from_markup`, `Content(...)`, `Shown(...)`
  (a cast that would skip the renderer);
- printing or writing: `print(...)`, `.notify(...)`, `sys.stdout.write`, `.write(...)` on a stream;
- handing a widget a string built from values: an f-string, `+`, `%`, `.format`, `.join`, `str(...)` or an
  attribute or item of an object (where host, model and file text lives) as the content of `Static`, `Label`,
  `Button`, `Markdown`, `Input`, `DataTable.add_row`/`add_column`, `.update(...)`, `DiscoveryHit`/`Hit`,
  `Select` options, a Log's `write_line(s)` or a Text's `.append(text, style)`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "console"
RENDERERS = {ROOT / "tui" / "text.py", ROOT / "commands" / "out.py"}
MODULES = sorted(
    path
    for path in [*(ROOT / "tui").rglob("*.py"), *(ROOT / "commands").rglob("*.py"), ROOT / "cli.py"]
    if path not in RENDERERS
)

BUILDERS = {"Text", "Content", "Shown"}
BUILDER_METHODS = {("Text", "assemble"), ("Text", "from_markup"), ("Text", "from_ansi"), ("Content", "from_markup")}
WIDGETS = {"Static", "Label", "Button", "Markdown", "Input", "DiscoveryHit", "Hit", "Toast"}
CONTENT_KEYWORDS = {"content", "renderable", "label", "markdown", "value", "placeholder", "prompt", "display"}
SINK_METHODS = {
    "update",
    "add_row",
    "add_rows",
    "add_column",
    "add_columns",
    "set_options",
    "write_line",
    "write_lines",
}
STRING_BUILDING_CALLS = {"format", "join", "str", "repr", "ljust", "rjust", "center"}
RENDERER_CALLS = {"shown", "shown_line", "plain", "line", "labelled", "lines"}
"""What `print` and `.write` may be given besides constants (in a module that may write at all)."""


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _untrusted_shape(node: ast.expr) -> str | None:
    """Why `node`, given to a sink, may carry text that skipped the renderer; None when it cannot."""
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return "a string built with + or %"
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return "a value read from an object"
    if isinstance(node, ast.Call) and _name(node.func) in STRING_BUILDING_CALLS:
        return f"a string built with {_name(node.func)}()"
    if isinstance(node, ast.IfExp):
        return _untrusted_shape(node.body) or _untrusted_shape(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):
        return next((why for element in node.elts if (why := _untrusted_shape(element))), None)
    return None


def _rendered(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) or (isinstance(node, ast.Call) and _name(node.func) in RENDERER_CALLS)


def violations(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = _name(func)
        owner = _name(func.value) if isinstance(func, ast.Attribute) else ""
        arguments = [*node.args, *(k.value for k in node.keywords if k.arg in CONTENT_KEYWORDS)]
        if isinstance(func, ast.Name) and name in BUILDERS:
            yield node.lineno, f"{name}(...) builds terminal text outside the renderer"
        elif (owner, name) in BUILDER_METHODS:
            yield node.lineno, f"{owner}.{name} builds terminal text outside the renderer"
        elif name == "print" and isinstance(func, ast.Name):
            yield node.lineno, "print() writes to the terminal without the renderer (use console.commands.out)"
        elif name == "notify":
            yield node.lineno, ".notify() parses markup and skips the renderer (use console.tui.text.toast)"
        elif name == "write" and isinstance(func, ast.Attribute) and not all(map(_rendered, node.args)):
            yield node.lineno, ".write() to a stream skips the renderer (use console.commands.out)"
        elif name in WIDGETS or name in SINK_METHODS:
            for argument in arguments:
                if why := _untrusted_shape(argument):
                    yield node.lineno, f"{name}() is given {why}"
        elif name in {"append", "append_text"} and (len(node.args) > 1 or node.keywords):
            for argument in node.args[:1]:
                if why := _untrusted_shape(argument):
                    yield node.lineno, f"Text.{name}() is given {why}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_text_reaches_the_terminal_around_the_renderer(path: Path) -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {why}" for line, why in violations(ast.parse(path.read_text()))]
    assert found == []


def test_the_check_finds_each_way_around() -> None:
    """The rules themselves: each bypass below is found, each honest line is not."""
    bypasses = [
        "Static(step.command)",
        "Label(f'{host}')",
        "Text(request.title)",
        "Text.assemble(('x', 'bold'), host)",
        "self.notify(message)",
        "print(line)",
        "sys.stderr.write(error)",
        "widget.update('Host: ' + name)",
        "table.add_row(point.key, point.command)",
        "log.write_lines(event.lines)",
        "text.append(point.command, style='bold')",
        "Shown(request.host)",
        "Button(label=' '.join(words))",
    ]
    for source in bypasses:
        assert list(violations(ast.parse(source))), source
    honest = [
        "Static(plain(shown(step.command)))",
        "Label('Rollback timeline')",
        "table.add_row(*cells, key=point.key)",
        "widget.update(line(shown_line(host)))",
        "toast(self, shown_line(message))",
        "lines.append(point.command)",
        "stream.write(shown(fragment))",
    ]
    for source in honest:
        assert not list(violations(ast.parse(source))), source
