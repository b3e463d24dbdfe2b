"""HTML to readable text with the stdlib parser: blocks become lines, table rows become "label: value" lines.

Portals send their label/value pairs as two-cell table rows; writing each row as `label: value` lets one
line reader (labels.py) handle HTML and plain-text bodies alike. A table is set apart by blank lines so
the text after it (a signature) is never read as the continuation of its last row.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_WHITESPACE = re.compile(r"\s+")
# Attributes and comments carry nothing we read; dropping them first halves the stdlib parser's work.
_TAG_ATTRIBUTES = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MARKED_SECTION = re.compile(r"<!\[[^<>]*\]>")
_BLANK_LINES = re.compile(r"\n{3,}")
_SKIPPED = frozenset({"script", "style", "title", "template"})
_BLOCKS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre",
        "section", "article", "header", "footer", "hr", "address", "center", "form", "fieldset", "caption",
    }
)  # fmt: skip


class _Row:
    __slots__ = ("cells", "cell", "flat", "depth")

    def __init__(self, depth: int) -> None:
        self.depth = depth  # how many tables deep the row sits
        self.cells: list[str] = []
        self.cell: list[str] | None = None  # the cell being read, None between cells
        self.flat = False  # a table nested in this row: its cells are written as plain lines


class _HtmlToText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.rows: list[_Row] = []
        self.tables = 0
        self.skipping = 0

    def updatepos(self, i: int, j: int) -> int:
        return j  # line and column bookkeeping is only for error messages, and costs a count per tag

    def _buffer(self) -> list[str]:
        """Where text goes: the open cell of the innermost row, else the current line."""
        if self.rows and self.rows[-1].cell is not None:
            return self.rows[-1].cell
        return self.line

    def _flush(self) -> None:
        text = "".join(self.line).strip()
        if text:
            self.lines.append(text)
        self.line = []

    def _blank(self) -> None:
        self._flush()
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def _break(self) -> None:
        buffer = self._buffer()
        if buffer is self.line:
            self._flush()
        else:
            buffer.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self._break()
        elif tag == "table":
            if self.rows and self.rows[-1].cell is not None:
                self._flatten(self.rows[-1])
            self.tables += 1
            self._blank()
        elif tag == "tr":
            self._close_rows(self.tables)  # a <tr> left open by sloppy HTML ends where the next one starts
            self._flush()
            self.rows.append(_Row(self.tables))
        elif tag in ("td", "th"):
            if not self.rows or self.rows[-1].depth < self.tables:
                self.rows.append(_Row(self.tables))
            row = self.rows[-1]
            self._end_cell(row)
            row.cell = []
        elif tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("td", "th"):
            if self.rows:
                self._end_cell(self.rows[-1])
        elif tag == "tr":
            if self.rows:
                self._emit_row(self.rows.pop())
        elif tag == "table":
            self._close_rows(self.tables)
            self.tables = max(0, self.tables - 1)
            self._blank()
        elif tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._buffer().append(_WHITESPACE.sub(" ", data))

    def _close_rows(self, depth: int) -> None:
        while self.rows and self.rows[-1].depth >= depth:
            self._emit_row(self.rows.pop())

    def _end_cell(self, row: _Row) -> None:
        if row.cell is not None:
            row.cells.append(_cell_text(row.cell))
            row.cell = None

    def _flatten(self, row: _Row) -> None:
        """A layout table holds another table: what the outer row has read so far becomes plain lines."""
        self._end_cell(row)
        self._flush()
        self.lines.extend(cell for cell in row.cells if cell)
        row.cells = []
        row.flat = True

    def _emit_row(self, row: _Row) -> None:
        self._end_cell(row)
        self._flush()
        cells = [cell for cell in row.cells if cell]
        if row.flat or len(cells) < 2:
            self.lines.extend(cells)
            return
        label = cells[0].rstrip().rstrip(":").rstrip()
        value = " ".join(cells[1:]).lstrip(": ")
        self.lines.append(f"{label}: {value}")

    def text(self) -> str:
        self.close()
        self._close_rows(0)
        self._flush()
        return _BLANK_LINES.sub("\n\n", "\n".join(self.lines)).strip()


def _cell_text(parts: list[str]) -> str:
    lines = (line.strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: one line per block, `label: value` per two-cell table row."""
    html = _TAG_ATTRIBUTES.sub(r"<\1>", _COMMENT.sub("", html))
    try:
        return _convert(html)
    except AssertionError:  # the stdlib parser gives up on some broken `<![...]>` sections (Outlook writes them)
        return _convert(_MARKED_SECTION.sub("", html).replace("<![", "&lt;!["))


def _convert(html: str) -> str:
    parser = _HtmlToText()
    parser.feed(html)
    return parser.text()
