"""Write the handouts' notebook twins, Train_NN_cifar.ipynb and Train_CNN_cifar.ipynb, from
Train_NN_cifar.py and Train_CNN_cifar.py.

    python cifar/make_notebook.py            # after every change to a handout
    python cifar/make_notebook.py --check    # exit 1 if a notebook is not its .py's twin

For students who work in Jupyter or Colab: the handout's docstring as a text cell, then its
code cut where a student would look (imports, sizes, NN_model() or CNN_model() to implement,
the training program, running it), with the two lines a notebook cannot run as they are: the
suite's root is the folder above the notebook (a notebook has no __file__), and the program
runs with the handout's default flags (a notebook's command line is the kernel's).  A test
checks that the committed notebooks are exactly what this script writes.
"""

import argparse
import ast
import os
import sys

import nbformat

CIFAR = os.path.dirname(os.path.abspath(__file__))
HANDOUTS = {"Train_NN_cifar.py": "NN_model", "Train_CNN_cifar.py": "CNN_model"}  # and what to write
IN_A_NOTEBOOK = {
    "sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  "
    "# the suite's root":
        'sys.path.insert(0, os.path.abspath(".."))  # the suite\'s root: this notebook runs in cifar/',
    'if __name__ == "__main__":\n    run_training(main)':
        'run_training(lambda: main([]))  # the handout\'s defaults; main(["--epochs", "1"]) for a '
        'quick try',
}
INTRODUCTION = ("Run this notebook from the suite's `cifar/` folder (Jupyter), or upload the suite "
                "and open it there (Colab). Implement `{function}()` in its cell, then run every "
                "cell. Hand in this notebook, or `{handout}`: the grader reads both.")


def kind(statement):
    """Which cell a top-level statement of the handout belongs in."""
    if isinstance(statement, ast.FunctionDef):
        return "model" if statement.name in HANDOUTS.values() else "program"
    if isinstance(statement, ast.If):
        return "run"
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        return "sizes"
    return "setup"


def cells_of(source):
    """The handout's code as (kind, text) cells, comments kept with the code below them."""
    lines = source.splitlines()
    body = ast.parse(source).body[1:]  # the docstring is the text cell
    cells, start = [], body[0].lineno - 1
    for number, statement in enumerate(body):
        end = statement.end_lineno
        following = body[number + 1] if number + 1 < len(body) else None
        if following is None or kind(following) != kind(statement):
            text = "\n".join(lines[start:end]).strip("\n")
            for line, replacement in IN_A_NOTEBOOK.items():
                text = text.replace(line, replacement)
            cells.append((kind(statement), text))
            start = end if following is None else following.lineno - 1
            if following is not None:  # comments just above a statement go with it
                while start > end and lines[start - 1].lstrip().startswith("#"):
                    start -= 1
    return cells


def notebook_path(handout):
    return os.path.join(CIFAR, handout.replace(".py", ".ipynb"))


def notebook_text(handout):
    with open(os.path.join(CIFAR, handout), encoding="utf-8") as file:
        source = file.read()
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}
    docstring = ast.get_docstring(ast.parse(source))
    title, _, rest = docstring.partition("\n")
    introduction = INTRODUCTION.format(function=HANDOUTS[handout], handout=handout)
    notebook.cells.append(nbformat.v4.new_markdown_cell(f"# {title}\n\n{rest.strip()}\n\n"
                                                        f"{introduction}"))
    for kind_name, text in cells_of(source):
        notebook.cells.append(nbformat.v4.new_code_cell(text))
    for number, cell in enumerate(notebook.cells, 1):
        cell["id"] = f"cell-{number}"  # stable ids: the same .py always gives the same notebook
    return nbformat.writes(notebook) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook is not its .py's twin")
    args = parser.parse_args()
    for handout in HANDOUTS:
        text, notebook = notebook_text(handout), notebook_path(handout)
        if args.check:
            with open(notebook, encoding="utf-8") as file:
                if file.read() != text:
                    sys.exit(f"error: {notebook} is not {handout}'s twin: run "
                             "python cifar/make_notebook.py")
            print(f"{notebook} is {handout}'s twin")
            continue
        with open(notebook, "w", encoding="utf-8") as file:
            file.write(text)
        print(f"Notebook written to {notebook}")


if __name__ == "__main__":
    main()
