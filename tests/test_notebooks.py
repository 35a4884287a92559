"""Homework handed in as Jupyter or Colab notebooks: graded and self-checked as the .py would
be, every broken notebook one line in its row, and the handout's notebook twin in step."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, assert_clean_failure, generated_arrays, write_npz
from grader.boundary.notebooks import NotANotebook, notebook_code

SAMPLES = os.path.join(REPO_ROOT, "tests", "homework_samples")


def colab_notebook(source, nbformat=4):
    """A notebook as Colab saves one: IPython lines, a markdown cell, stored outputs that claim
    a high accuracy, the code split over cells."""
    head, _, tail = source.partition("\ndef NN_model")
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# My homework\n", "<b>100%</b>"]},
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "source":
         ["!pip install tensorflow\n", "%matplotlib inline\n"], "outputs": []},
        {"cell_type": "code", "metadata": {}, "execution_count": 2, "source": head.splitlines(True),
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["accuracy: 0.99\n"]}]},
        {"cell_type": "code", "metadata": {}, "execution_count": 3,
         "source": ("%%time\ndef NN_model" + tail).splitlines(True), "outputs": []},
        {"cell_type": "code", "metadata": {}, "execution_count": 4,
         "source": ["%%bash\n", "echo not python\n"], "outputs": []},
    ]
    return json.dumps({"cells": cells, "metadata": {"colab": {"provenance": []}},
                       "nbformat": nbformat, "nbformat_minor": 0})


def test_a_notebooks_code_cells_without_ipython_lines():
    source = open(os.path.join(SAMPLES, "correct.py")).read()
    code, left_out = notebook_code(colab_notebook(source).encode())
    assert left_out == ["!pip install tensorflow", "%matplotlib inline", "%%time",
                        "%%bash (the whole cell)"]
    compile(code, "notebook", "exec")
    assert b"def NN_model" in code and b"accuracy: 0.99" not in code and b"<b>" not in code


NOT_PYTHON_HERE = ["%%file cheat.py", "%%writefile cheat.py", "%%writefile -a cheat.py",
                   "%%python", "%%python2", "%%python3", "%%pypy", "%%script python3",
                   "%%bash", "%%sh", "%%html", "%%javascript", "%%js", "%%latex", "%%markdown",
                   "%%svg", "%%perl", "%%ruby", "%%sx", "%%system", "%%made_up_magic",
                   "%%time\n%%writefile cheat.py", "%%capture out\n%%python3"]
RUN_AS_PYTHON_HERE = ["%%time", "%%timeit -n1 -r1", "%%capture out"]
WRONG_NN_MODEL = "def NN_model():\n    raise ValueError('the body of a cell that is not Python')\n"


def notebook_of(*sources):
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "id": f"cell{number}", "source": source} for number, source in enumerate(sources)]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5}).encode()


@pytest.mark.parametrize("magic", NOT_PYTHON_HERE)
def test_a_cell_that_ipython_does_not_run_as_the_notebooks_python_is_left_out(magic):
    right = open(os.path.join(SAMPLES, "correct.py")).read()
    code, left_out = notebook_code(notebook_of(right, magic + "\n" + WRONG_NN_MODEL))
    assert b"the body of a cell" not in code and b"def NN_model" in code
    assert left_out == [magic.splitlines()[-1] + " (the whole cell)"]


@pytest.mark.parametrize("magic", RUN_AS_PYTHON_HERE)
def test_a_cell_that_ipython_runs_as_python_keeps_its_code(magic):
    code, left_out = notebook_code(notebook_of(magic + "\n" + WRONG_NN_MODEL))
    assert b"the body of a cell" in code and left_out == [magic]


@pytest.mark.parametrize("content, words", [
    (b'{"cells": [', "not valid JSON"),
    (b"\xff\xfe not even text", "not valid JSON"),
    (json.dumps({"worksheets": [], "nbformat": 3, "nbformat_minor": 0,
                 "metadata": {}}).encode(), "nbformat 3"),
    (b'{"nbformat": 4}', "not a Jupyter notebook"),
])
def test_broken_notebooks_are_one_line(content, words):
    with pytest.raises(NotANotebook, match=words):
        notebook_code(content)


@pytest.fixture(scope="module")
def graded_notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebooks")
    submissions = folder / "submissions"
    submissions.mkdir()
    correct = open(os.path.join(SAMPLES, "correct.py")).read()
    shutil.copy(os.path.join(SAMPLES, "correct.py"), submissions / "as_py.py")
    (submissions / "as_colab.ipynb").write_text(colab_notebook(correct))
    (submissions / "file_cell_after.ipynb").write_bytes(notebook_of(
        correct, "%%file answer.py\n" + WRONG_NN_MODEL))  # not Python: left out
    (submissions / "syntax_in_a_cell.ipynb").write_text(
        colab_notebook(correct.replace("def NN_model():", "def NN_model(:")))
    (submissions / "broken_json.ipynb").write_text('{"cells": [')
    (submissions / "old_format.ipynb").write_text(colab_notebook(correct, nbformat=3))
    data = write_npz(folder / "cifar10.npz", generated_arrays((32, 32, 3), 200, 100))
    result = subprocess.run([sys.executable, "cifar/grade_homework.py", str(submissions),
                             "--data", data, "--epochs", "1", "--out", str(folder / "grades")],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    grades = json.load(open(folder / "grades" / "grades.json"))["submissions"]
    return {row["student"]: row for row in grades}, folder


def test_a_colab_notebook_scores_as_its_py(graded_notebooks):
    rows, _ = graded_notebooks
    notebook, script = rows["as_colab"], rows["as_py"]
    assert notebook["score"] == script["score"] and all(check[1] for check in notebook["checks"])
    assert notebook["checks"] == script["checks"] and notebook["accuracy"] == script["accuracy"]
    assert any("IPython-only lines left out: !pip install tensorflow" in problem
               for problem in notebook["problems"])


def test_a_file_cell_does_not_replace_the_notebooks_nn_model(graded_notebooks):
    rows, _ = graded_notebooks
    notebook, script = rows["file_cell_after"], rows["as_py"]
    assert notebook["score"] == script["score"] and notebook["accuracy"] == script["accuracy"]
    assert all(check[1] for check in notebook["checks"])
    assert any("%%file answer.py (the whole cell)" in problem
               for problem in rows["file_cell_after"]["problems"])


def test_broken_notebooks_get_a_row_that_says_why(graded_notebooks):
    rows, _ = graded_notebooks
    assert rows["syntax_in_a_cell"]["error"].startswith("syntax error at line")
    assert rows["broken_json"]["error"].startswith("a notebook that is not valid JSON")
    assert rows["old_format"]["error"].startswith("a notebook of nbformat 3")


def test_the_self_check_reads_a_notebook(tmp_path):
    notebook = tmp_path / "homework.ipynb"
    notebook.write_text(colab_notebook(open(os.path.join(SAMPLES, "correct.py")).read()))
    result = subprocess.run([sys.executable, "cifar/check_homework.py", str(notebook)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Checks: 70/70 points" in result.stdout and "!pip install" in result.stdout
    broken = tmp_path / "old.ipynb"
    broken.write_text(colab_notebook("x = 1\ndef NN_model():\n    pass\n", nbformat=3))
    assert_clean_failure(subprocess.run([sys.executable, "cifar/check_homework.py", str(broken)],
                                        cwd=REPO_ROOT, capture_output=True, text=True,
                                        timeout=300), "nbformat 3")


def test_the_handouts_notebook_is_the_twin_of_its_py():
    result = subprocess.run([sys.executable, "cifar/make_notebook.py", "--check"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    code, left_out = notebook_code(open(os.path.join(REPO_ROOT, "cifar",
                                                     "Train_NN_cifar.ipynb"), "rb").read())
    assert b"def NN_model(" in code and left_out == []
