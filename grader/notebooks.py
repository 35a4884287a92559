"""Homework handed in as a Jupyter or Colab notebook: its code, as the file the grader runs.

The code cells (nbformat 4) are joined in order into one Python file; markdown cells and
stored outputs are ignored (an output is no evidence of anything).  IPython-only lines
(`!pip install ...`, `%matplotlib inline`, the `%%time` line of a cell) are left out, and a
cell of another language (`%%bash`, `%%html`, ...) entirely; what was left out is said.
"""

import json

OTHER_LANGUAGES = ("%%bash", "%%sh", "%%script", "%%html", "%%javascript", "%%js", "%%latex",
                   "%%markdown", "%%svg", "%%writefile", "%%perl", "%%ruby")


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
        if source.lstrip().startswith(OTHER_LANGUAGES):
            left_out.append(source.lstrip().splitlines()[0] + " (the whole cell)")
            continue
        lines = []
        for line in source.splitlines():
            if line.lstrip().startswith(("!", "%")):
                left_out.append(line.strip())
            else:
                lines.append(line)
        cells.append("\n".join(lines))
    return ("\n\n".join(cells) + "\n").encode("utf-8"), left_out
