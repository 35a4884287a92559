"""The CNN homework (--homework cnn) graded end to end, on small generated data.

tests/cnn_samples holds a class as the CNN homework gets it: one network written two ways,
ordinary CNNs of other designs, a logits output with a loss told so, and one file for each
check the homework makes failing (an MLP handed in as a CNN, a wrong input, no compile(), a
logits output fed to a loss that wants probabilities, a frozen layer, a network far over the
compute budget, one too big to build, a loss for integer labels), and layers the grader does
not rebuild.  The reference answer is graded beside them as one more student.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

import pytest

from conftest import REPO_ROOT, generated_arrays, write_npz
from grader.boundary import sandbox
from grader.homeworks import cnn

SAMPLES = os.path.join(REPO_ROOT, "tests", "cnn_samples")
GRADER = "cifar/grade_homework.py"
HOMEWORK = cnn.HOMEWORK
CHECK = {check.kind: check.name for check in HOMEWORK.checks}
# sample -> the checks it fails (by kind), and whether its network is trained
EXPECTED = {
    "reference": ([], True),
    "cnn_sequential": ([], True),
    "cnn_functional": ([], True),
    "cnn_global_pooling": ([], True),
    "cnn_logits": ([], True),
    "cnn_logits_as_probabilities": (["output"], False),
    "cnn_mlp_instead": (["convolution"], False),
    "cnn_wrong_input": (["input"], False),
    "cnn_not_compiled": (["compiled", "loss"], False),
    "cnn_frozen_layer": (["layer_kinds"], False),
    "cnn_over_budget": (["budget"], False),
    "cnn_sparse_loss": (["loss"], False),
}
NOT_GRADABLE = {"cnn_lstm": "LSTM is not a layer the grader rebuilds",
                "cnn_residual": "Add is not a layer the grader rebuilds"}
TOO_BIG = {"cnn_too_big_to_build": "ran out of memory in CNN_model(), building its network"}


def sandbox_choice():
    """The first sandbox that works here (as the grader's auto), else skip."""
    for mode, problem in (("bwrap", sandbox.bubblewrap_problem), ("user", sandbox.user_problem),
                          ("landlock", sandbox.landlock_problem)):
        if problem() is None:
            return mode
    pytest.skip("no sandbox confines submissions here")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    mode = sandbox_choice()
    folder = tmp_path_factory.mktemp("cnn-class")
    submissions = folder / "submissions"
    shutil.copytree(SAMPLES, submissions)
    shutil.copy(os.path.join(REPO_ROOT, HOMEWORK.reference), submissions / "reference.py")
    data = write_npz(folder / "cifar10.npz",
                     generated_arrays((32, 32, 3), train_size=200, test_size=100))
    command = [sys.executable, GRADER, str(submissions), "--homework", "cnn", "--data", data,
               "--epochs", "1", "--workers", "2", "--sandbox", mode, "--out",
               str(folder / "grades"), "--cache", str(folder / "cache")]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    grades = json.load(open(folder / "grades" / "grades.json"))
    return {"result": result, "folder": folder, "command": command,
            "rows": {row["student"]: row for row in grades["submissions"]}, "grades": grades}


def failed(row):
    kinds = {name: kind for kind, name in CHECK.items()}
    return sorted(kinds[test["name"]] for test in row["tests"]
                  if test["status"] == "failed" and test["name"] in kinds)


def test_every_file_has_a_row_and_no_row_says_the_grader_failed(graded):
    rows = graded["rows"]
    assert set(rows) == set(EXPECTED) | set(NOT_GRADABLE) | set(TOO_BIG)
    for name, row in rows.items():
        assert "the grader failed" not in (row.get("error") or ""), (name, row.get("error"))
        assert "Traceback" not in graded["result"].stderr


def test_each_check_fails_once_with_a_reason_and_what_to_change(graded):
    rows = graded["rows"]
    for name, (failing, trained) in EXPECTED.items():
        row = rows[name]
        assert failed(row) == sorted(failing), (name, failed(row), row.get("error"))
        assert (row["accuracy"] is not None) == trained, (name, row.get("error"))
        for test in row["tests"]:
            if test["status"] == "failed" and test["name"] in CHECK.values():
                assert test["output"] and test["advice"], (name, test)
    budget = next(test for test in rows["cnn_over_budget"]["tests"]
                  if test["name"] == CHECK["budget"])
    assert "GFLOPs an image (the budget: 5,000,000 and 100.0 MFLOPs)" in budget["output"]
    assert [advice[:16] for advice in budget["advice"]] == ["fewer operations"]
    logits = next(test for test in rows["cnn_logits"]["tests"] if test["name"] == CHECK["output"])
    assert "from_logits=True" in logits["output"]
    for name, words in {**NOT_GRADABLE, **TOO_BIG}.items():
        problem = rows[name].get("not_gradable") or rows[name].get("error") or ""
        assert problem.startswith(words) or words in problem, (name, problem)
        assert rows[name]["accuracy"] is None


def test_one_network_written_two_ways_is_trained_once_and_scored_alike(graded):
    rows = graded["rows"]
    sequential, functional = rows["cnn_sequential"], rows["cnn_functional"]
    assert sequential["network"]["sha256"] == functional["network"]["sha256"]
    assert sequential["accuracy"] == functional["accuracy"]
    assert sequential["score"] == functional["score"]
    assert {sequential["network"]["trained"], functional["network"]["trained"]} == \
        {"here", "by another submission"}
    assert "Adam" in sequential["network"]["description"]
    assert "SGD 0.05" in rows["cnn_global_pooling"]["network"]["description"]


def test_files_that_fail_a_check_score_below_every_file_that_trained(graded):
    rows = graded["rows"]
    trained = [row["score"] for row in rows.values() if row["accuracy"] is not None]
    failing = [row["score"] for name, row in rows.items() if row["accuracy"] is None]
    assert trained and failing and max(failing) < min(trained)


def test_only_networks_that_pass_are_trained_and_the_cost_is_said_first(graded):
    stdout = graded["result"].stdout
    trained = {row["network"]["sha256"] for row in graded["rows"].values()
               if row["accuracy"] is not None}
    assert f"Trainings: {len(trained)} trainings done" in stdout
    assert len(list((graded["folder"] / "cache").glob("*.json"))) == len(trained)
    cost = next(line for line in stdout.splitlines() if "distinct network" in line)
    assert f"make {len(trained)} distinct networks" in cost and " on the CPU with " in cost
    assert stdout.index(cost) < stdout.index("Trainings: ")
    summary = (graded["folder"] / "grades" / "summary.md").read_text()
    assert "## What training cost" in summary and "Estimated before training" in summary
    assert graded["grades"]["run"]["estimated_seconds"] > 0


def test_the_cnn_report_and_pages_speak_of_cnn_model(graded):
    grades = graded["folder"] / "grades"
    assert "CNN_model" in (grades / "summary.md").read_text()
    page = (grades / "feedback" / "cnn_mlp_instead.md").read_text()
    assert "Checks of CNN_model()" in page and "to change: start with convolutions" in page


def test_grading_again_trains_nothing(graded, tmp_path):
    command = list(graded["command"])
    command[command.index("--out") + 1] = str(tmp_path / "again")
    again = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Trainings: 0 trainings done" in again.stdout and "from the cache" in again.stdout
    # every file, also those that fail a check or raise, taken from the files cache
    assert f"{len(graded['rows'])} files checked before with these settings" in again.stdout
    rows = {row["student"]: row for row in
            json.load(open(tmp_path / "again" / "grades.json"))["submissions"]}
    assert {name: row["score"] for name, row in rows.items()} == \
        {name: row["score"] for name, row in graded["rows"].items()}


def run_self_check(path):
    return subprocess.run([sys.executable, "cifar/check_homework.py", path], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600)


def test_the_self_check_knows_the_cnn_homework_by_its_function():
    sandbox_choice()
    reference = run_self_check(HOMEWORK.reference)
    assert reference.returncode == 0, reference.stdout + reference.stderr
    assert "Checks: 55/55 points" in reference.stdout and "CNN_model" in reference.stdout
    mlp = run_self_check(os.path.join(SAMPLES, "cnn_mlp_instead.py"))
    assert mlp.returncode != 0
    lines = mlp.stdout.splitlines()
    failing = [line for line in lines if line.startswith("✗")]
    assert len(failing) == 1 and CHECK["convolution"] in failing[0]
    assert "to change: start with convolutions" in mlp.stdout
    handout = run_self_check("cifar/Train_CNN_cifar.py")
    assert handout.returncode != 0
    assert handout.stdout.count("NotImplementedError") == 1
    assert "IMPLEMENT HERE" in handout.stdout


def notebook_of(source):
    """A Jupyter notebook (nbformat 4) whose one code cell is `source`."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["%matplotlib inline\n"] + source.splitlines(keepends=True)}]})


def test_shards_report_only_and_notebooks_follow_the_cnn_homework(graded, tmp_path):
    """A notebook of the sequential sample and the reference, graded in two shards sharing the
    class's cache, then reported: the same scores as the class run, and nothing trained."""
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(graded["folder"] / "submissions" / "reference.py", submissions)
    sequential = open(os.path.join(SAMPLES, "cnn_sequential.py"), encoding="utf-8").read()
    (submissions / "cnn_notebook.ipynb").write_text(notebook_of(sequential))
    command = list(graded["command"])
    command[command.index(str(graded["folder"] / "submissions"))] = str(submissions)
    command[command.index("--out") + 1] = str(tmp_path / "shards")
    for part in ("1/2", "2/2"):
        sharded = subprocess.run(command + ["--shard", part], cwd=REPO_ROOT,
                                 capture_output=True, text=True, timeout=900)
        assert sharded.returncode == 0, sharded.stderr[-2000:]
        assert "Trainings: 0 trainings done" in sharded.stdout
    reported = subprocess.run([sys.executable, GRADER, "--report-only", "--homework", "cnn",
                               "--out", str(tmp_path / "shards")], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=600)
    assert reported.returncode == 0, reported.stderr[-2000:]
    rows = {row["student"]: row for row in
            json.load(open(tmp_path / "shards" / "grades.json"))["submissions"]}
    assert rows["reference"]["score"] == graded["rows"]["reference"]["score"]
    assert rows["cnn_notebook"]["score"] == graded["rows"]["cnn_sequential"]["score"]
    assert rows["cnn_notebook"]["network"]["sha256"] == \
        graded["rows"]["cnn_sequential"]["network"]["sha256"]
    assert "CNN_model" in (tmp_path / "shards" / "summary.md").read_text()


def test_the_gradescope_package_grades_the_cnn_homework(graded, tmp_path):
    from grader.boundary import sandbox
    if sandbox.user_problem():
        pytest.skip(f"no unprivileged stage user here: {sandbox.user_problem()}")
    data = graded["command"][graded["command"].index("--data") + 1]
    package = tmp_path / "cnn.zip"
    made = subprocess.run([sys.executable, GRADER, "--homework", "cnn", "--gradescope-package",
                           str(package), "--data", data, "--epochs", "1", "--timeout", "300"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr[-2000:]
    root = pathlib.Path(tempfile.mkdtemp(prefix="autograder-"))
    try:
        os.chmod(root, 0o755)
        (root / "submission").mkdir()
        with zipfile.ZipFile(package) as archive:
            archive.extractall(root / "source")
        shutil.copy(os.path.join(SAMPLES, "cnn_mlp_instead.py"),
                    root / "submission" / "Train_CNN_cifar.py")
        env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
        run = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                             capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stderr[-2000:]
        results = json.load(open(root / "results" / "results.json"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert len(results["tests"]) == len(HOMEWORK.checks) + 1
    convolution = next(test for test in results["tests"] if test["name"] == CHECK["convolution"])
    assert convolution["status"] == "failed" and convolution["score"] == 0
    assert results["score"] == graded["rows"]["cnn_mlp_instead"]["score"]
    assert "lecture 4" in results["output"]
