"""Texts from submissions made safe where they enter the grader's outputs: the console, Markdown,
spreadsheets.

A submission decides its file name, what it prints and the messages of the errors it causes; all
of them reach the instructor's terminal, summary.md, the students' pages and grades.csv.  Here
they lose what could move a terminal's cursor, render as a link or an image, or run as a
spreadsheet formula, and are cut to a sensible length.
"""

import json
import unicodedata

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_TEXT = 3000


def printable(value):
    """`value` with its control and format characters, line and paragraph separators and lone
    surrogates written out ("\\x1b", "\\u2028", "\\udcff"): a submission's text must not move
    the instructor's terminal cursor, retitle the window, reverse the order of what follows
    (bidirectional overrides) or stop a UTF-8 writer (a surrogate, legal in a Python string and
    as a JSON escape, is not UTF-8).  Newlines and tabs stay: see one_line()."""
    return "".join(character if character in "\n\t" or
                   unicodedata.category(character) not in ("Cc", "Cf", "Cs", "Zl", "Zp") else
                   (f"\\x{ord(character):02x}" if ord(character) < 0x100 else
                    f"\\u{ord(character):04x}") for character in value)


def text(value, limit=500):
    """A printable string for the report from anything, cut to `limit` characters."""
    value = printable(value if isinstance(value, str) else json.dumps(value, default=repr))
    return value if len(value) <= limit else value[:limit - 1] + "…"


def one_line(value, limit=500):
    """text() for the console: one line, its newlines and tabs written out too ("\\n"), so that
    no submission writes a line of its own into the grader's output; cut to `limit` (None:
    not cut)."""
    value = printable(value if isinstance(value, str) else json.dumps(value, default=repr))
    value = value.replace("\n", "\\n").replace("\t", "\\t")
    return value if limit is None or len(value) <= limit else value[:limit - 1] + "…"


def markdown_text(value):
    """Text shown as itself in Markdown: no link, image, HTML, emphasis, code span or table
    cell of a submission's making (its error messages and output reach the report), and no
    autolink either: every ASCII punctuation character is backslash-escaped, as CommonMark
    allows, so "http://", "www." and "a@b" never appear as such in the file."""
    return "".join("\\" + character if character.isascii() and not character.isalnum()
                   and character not in " \t\n," else character for character in str(value))


def markdown_cell(value, limit=160):
    """Text for a Markdown table cell: one line, shown as itself, cut at a word."""
    value = " ".join(str(value).split())
    if len(value) > limit:
        value = value[:limit].rsplit(" ", 1)[0] + " …"
    return markdown_text(value)


def spreadsheet_safe(value):
    """A printable CSV cell that no spreadsheet reads as a formula."""
    if isinstance(value, str):
        value = printable(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value
