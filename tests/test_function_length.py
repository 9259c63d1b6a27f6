"""No library function longer than 60 lines of code without a written reason.

A function's lines of code are the lines of its body that hold code: its
docstring (and the docstrings of anything nested in it), blank lines and
comment-only lines are not counted, nor are the lines of its signature. A
function over the limit passes when the line directly above its `def` (or
above its first decorator) is a comment `# long: <reason>` with a reason.
"""

import ast
import io
import pathlib
import re
import tokenize

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("keras_gan", "callbacks")
LIMIT = 60
REASON = re.compile(r"#\s*long:\s*(\S.*)$")

_NOT_CODE = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}


def _code_lines(source):
    """Returns the numbers of the lines that hold a code token."""
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in _NOT_CODE:
            # A multi-line string (or bracketed expression) holds every
            # line it spans.
            lines.update(range(token.start[0], token.end[0] + 1))
    return lines


def _docstring_lines(tree):
    """Returns the line numbers of every docstring in `tree`."""
    lines = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def long_functions(source, limit=LIMIT):
    """Lists the functions of `source` over `limit` lines of code without a reason.

    Args:
        source: Python source text.
        limit: the most lines of code a function may have without a
            `# long: <reason>` comment. Defaults to `LIMIT`.

    Returns:
        A list of `(line, name, count)`: the line of the `def`, the
        function's name and its lines of code.
    """
    tree = ast.parse(source)
    code = _code_lines(source) - _docstring_lines(tree)
    text = source.splitlines()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = range(node.body[0].lineno, node.end_lineno + 1)
        count = sum(1 for line in body if line in code)
        if count <= limit:
            continue
        top = min([node.lineno] + [d.lineno for d in node.decorator_list])
        above = text[top - 2].strip() if top >= 2 else ""
        if not REASON.match(above):
            found.append((node.lineno, node.name, count))
    return sorted(found)


def _body(lines):
    return "".join(f"    x{i} = {i}\n" for i in range(lines))


SYNTHETIC = (
    "def short():\n"
    '    """A docstring\n'
    "\n"
    '    of several lines."""\n'
    "    # A comment.\n"
    "\n" + _body(60) + "    text = '''a string\n"
    "\n"
    "    inside'''\n"
    "\n"
    "\n"
    "# long: a table written out, one entry a line.\n"
    "@staticmethod\n"
    "def with_reason():\n" + _body(61) + "\n"
    "# long:\n"
    "@staticmethod\n"
    "def empty_reason():\n" + _body(61) + "\n"
    "class Holder:\n"
    "    def method(self):\n" + "".join(f"        y{i} = {i}\n" for i in range(61))
)


def test_counter_skips_docstrings_blanks_and_comments():
    # 60 assignments + a 3-line string is 63 lines of code.
    assert long_functions(SYNTHETIC, limit=63) == []
    assert [name for _, name, _ in long_functions(SYNTHETIC, limit=62)][0] == "short"
    short = [f for f in long_functions(SYNTHETIC) if f[1] == "short"]
    assert short == [(1, "short", 63)]


def test_counter_flags_without_reason_and_accepts_one():
    names = {name: count for _, name, count in long_functions(SYNTHETIC)}
    assert "with_reason" not in names
    assert names["empty_reason"] == 61
    assert names["method"] == 61
    assert long_functions("def f():\n" + _body(60)) == []
    assert long_functions("def f():\n" + _body(61)) == [(1, "f", 61)]


def _library_files():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_no_long_function_without_reason():
    listing = [
        f"{path.relative_to(ROOT)}:{line} {name} {count}"
        for path in _library_files()
        for line, name, count in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert not listing, (
        f"Functions over {LIMIT} lines of code (docstring, blank and comment lines "
        "aside); shorten them or put `# long: <reason>` on the line above the def:\n"
        + "\n".join(listing)
    )
