"""Texts from submissions made safe where they enter the grader's outputs: the console, Markdown,
spreadsheets.

A submission decides its file name, what it prints and the messages of the errors it causes; all
of them reach the instructor's terminal, summary.md, the students' pages and grades.csv.  Here
they lose what could move a terminal's cursor, render as a link or an image, or run as a
spreadsheet formula, and are cut to a sensible length.
"""

import json
import re
import unicodedata

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # a negative score, not a formula
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


ALWAYS_ESCAPED = set("\\`*[]<|~$")  # code, emphasis, links, HTML, table cells, strikethrough, math
LINE_STARTS = set("#>-+=|~`")  # at a line's start: a heading, quote, list, rule, table, fence


def markdown_text(value):
    """Text shown as itself in Markdown (CommonMark, and GitHub's tables, strikethrough,
    autolinks and math), escaped only where a character would change the rendering there, so
    that the file still reads well as plain text ("model.compile()", "'relu'").

    Always escaped: `\\` before punctuation, `` ` ``, `*`, `[`, `]`, `<`, `|`, `~`, `$`; `_`
    unless inside a word ("NN_model"); `&` before what could be an entity; `@` (e-mail
    autolinks), the ":" of "://" and the "." of "www." (GitHub's bare links); at the start of a
    line `>` and a `#`, `-`, `+`, `=`, "1." or "1)" that would start a heading, list or rule.
    Blank lines and indentation are dropped: a text never ends the paragraph or list item it
    stands in."""
    value = re.sub(r"\n\s*", "\n", str(value)).lstrip()
    out, leading_digits = [], 0  # digits since the line began (-1: something else came)
    for index, character in enumerate(value):
        before = value[index - 1] if index else "\n"
        after = value[index + 1] if index + 1 < len(value) else ""
        escape = (
            character in ALWAYS_ESCAPED and (character != "\\" or not after.isalnum())
            or character == "_" and not (before.isalnum() and after.isalnum())
            or character == "&" and (after.isalnum() or after == "#")
            or character == "@"
            or character == ":" and value.startswith("//", index + 1)
            or character == "." and value[max(0, index - 3):index].lower() == "www"
            or before == "\n" and character in LINE_STARTS and (
                character in ">|~`" or after in ("", " ", "\t", "\n", character))
            or character in ".)" and 0 < leading_digits < 10 and after in ("", " ", "\t", "\n"))
        out.append("\\" + character if escape else character)
        leading_digits = (0 if character == "\n" else leading_digits + 1
                          if leading_digits >= 0 and character.isdigit() else -1)
    return "".join(out)


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
        if value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
            return "'" + value
    return value
