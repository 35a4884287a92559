"""Homework handed in as a Jupyter or Colab notebook: its code, as the file the grader runs.

The code cells (nbformat 4) are joined in order into one Python file; markdown cells and
stored outputs are ignored (an output is no evidence of anything).  IPython-only lines
(`!pip install ...`, `%matplotlib inline`, the `%%time` line of a cell) are left out.  A cell
whose cell magic runs its body as Python in the notebook itself (`%%time`, `%%timeit`,
`%%capture`, ...) keeps its body; a cell of any other cell magic is left out whole, since
IPython would not run its body as the notebook's Python: another language (`%%bash`,
`%%html`, `%%javascript`, ...), a file written (`%%writefile`, `%%file`), or Python run in
another process whose definitions never reach the notebook (`%%python3`, `%%pypy`,
`%%script python`).  What was left out is said.
"""

import json

# Cell magics whose body IPython runs as Python in the notebook's own namespace: the body is
# code; every other cell magic's body is not.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}


class NotANotebook(ValueError):
    """The file is not a notebook the grader reads; its message is one line."""


def notebook_code(raw):
    """(Python source, [IPython-only lines left out]) of a notebook's bytes."""
    import nbformat
    try:
        text = raw.decode("utf-8-sig")
        version = json.loads(text).get("nbformat") if text.lstrip().startswith("{") else None
    except (UnicodeDecodeError, ValueError, RecursionError, AttributeError):
        raise NotANotebook("a notebook that is not valid JSON: open it in Jupyter or Colab "
                           "and save it again") from None
    if isinstance(version, int) and version < 4:
        raise NotANotebook(f"a notebook of nbformat {version}: save it with a current Jupyter "
                           "or Colab (nbformat 4)")
    try:
        notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except Exception as error:  # nbformat's own reader: any shape it cannot read
        raise NotANotebook(f"not a Jupyter notebook ({type(error).__name__})") from None
    cells, left_out = [], []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        magic = foreign_cell_magic(source)
        if magic is not None:
            left_out.append(magic + " (the whole cell)")
            continue
        lines = []
        for line in source.splitlines():
            if line.lstrip().startswith(("!", "%")):
                left_out.append(line.strip())
            else:
                lines.append(line)
        cells.append("\n".join(lines))
    return ("\n\n".join(cells) + "\n").encode("utf-8"), left_out


def foreign_cell_magic(source):
    """The first line of the cell magic that makes IPython run a cell's body as something other
    than the notebook's Python (a Python cell magic's body is read again, as IPython does:
    "%%time" over "%%writefile x.py" writes a file); None where the body is Python."""
    while source.lstrip().startswith("%%"):
        source = source.lstrip()
        first, _, source = source.partition("\n")
        name = first[2:].split(maxsplit=1)[0] if first[2:].split() else ""
        if name not in PYTHON_CELL_MAGICS:
            return first.strip()
    return None
