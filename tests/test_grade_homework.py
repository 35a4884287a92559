"""cifar/grade_homework.py on hostile and broken submissions, with small generated data."""

import csv
import json
import os

import pytest

from conftest import REPO_ROOT, assert_clean_failure, generated_arrays, write_npz
from nnlab import grading_report, homework_checks

SAMPLES = os.path.join(REPO_ROOT, "tests", "homework_samples")
GRADER = "cifar/grade_homework.py"
ALL_CHECKS = list(homework_checks.CHECK_NAMES)

# sample -> (full marks?, words of the error or None, checks that fail)
EXPECTED = {
    "correct": (True, None, []),
    "wrong_sizes": (False, None, ["Dense layers of 3000, 2000 and 10 units", "15,241,010 parameters"]),
    "wrong_activations": (False, None, ["activations sigmoid, sigmoid, softmax"]),
    "not_compiled": (False, None, ["returns a compiled Keras model", "loss: categorical cross entropy"]),
    "syntax_error": (False, "syntax error at line 2", ALL_CHECKS),
    "missing_nn_model": (False, "no NN_model(): the file defines no function NN_model()", ALL_CHECKS),
    "raises": (False, "NN_model() raised IndexError: list index out of range", ALL_CHECKS),
    "run_at_import": (True, None, []),
    "infinite_loop": (False, "timed out after 45 s", ALL_CHECKS),
    "calls_sys_exit": (False, "NN_model() called sys.exit SystemExit: 0", ALL_CHECKS),
    "memory_bomb": (False, "NN_model() raised MemoryError", ALL_CHECKS),
    "prints_megabytes": (True, None, []),
    "writes_files": (False, "NN_model() raised PermissionError: the grader forbids writing "
                            "outside the working folder", ALL_CHECKS),
}


def snapshot(folder):
    """Every file under `folder` with its size and modification time."""
    state = {}
    for root, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name not in ("__pycache__", ".pytest_cache", ".git")]
        for name in files:
            path = os.path.join(root, name)
            info = os.stat(path)
            state[path] = (info.st_size, info.st_mtime_ns)
    return state


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every sample once, with a rubric whose accuracy rule any trained model meets."""
    import subprocess
    import sys
    folder = tmp_path_factory.mktemp("grading")
    data = write_npz(folder / "cifar10.npz",
                     generated_arrays((32, 32, 3), train_size=200, test_size=100))
    rubric = json.load(open(os.path.join(REPO_ROOT, "cifar", "rubric.json")))
    rubric["accuracy"] = {"points": 30, "zero_at": 0.0, "full_marks_at": 0.01}
    json.dump(rubric, open(folder / "rubric.json", "w"))
    before = snapshot(REPO_ROOT), snapshot(folder)
    command = [sys.executable, GRADER, SAMPLES, "--data", data, "--epochs", "1", "--workers", "2",
               "--timeout", "45", "--memory", "6000", "--rubric", str(folder / "rubric.json"),
               "--out", str(folder / "grades")]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    after = snapshot(REPO_ROOT), snapshot(folder)
    return {"result": result, "folder": folder, "before": before, "after": after,
            "command": command,
            "grades": json.load(open(folder / "grades" / "grades.json"))}


def by_student(graded):
    return {row["student"]: row for row in graded["grades"]["submissions"]}


def test_grader_finishes_and_grades_every_sample(graded):
    assert graded["result"].returncode == 0, graded["result"].stderr
    assert set(by_student(graded)) == set(EXPECTED)
    assert "[13/13]" in graded["result"].stdout


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_sample_gets_its_exact_result(graded, student):
    full_marks, error, failing = EXPECTED[student]
    row = by_student(graded)[student]
    assert (row["score"] == row["max_score"] == 100) is full_marks, row
    if error:
        assert row["error"] and row["error"].startswith(error), row["error"]
    else:
        assert row["error"] is None
    if "returns a compiled Keras model" in failing:
        assert row["accuracy"] is None  # an uncompiled model is not trained
    elif not error:
        assert 0.0 <= row["accuracy"] <= 1.0
    failed = [test["name"] for test in row["tests"] if test["status"] == "failed"
              and test["name"] != grading_report.ACCURACY_TEST]
    assert failed == failing
    for test in row["tests"]:
        assert test["output"]  # every check says why


def test_wrong_checks_say_what_was_found(graded):
    rows = by_student(graded)
    reasons = {test["name"]: test["output"] for test in rows["wrong_sizes"]["tests"]}
    assert reasons["Dense layers of 3000, 2000 and 10 units"] == "Dense units [1000, 500, 10]"
    reasons = {test["name"]: test["output"] for test in rows["wrong_activations"]["tests"]}
    assert reasons["activations sigmoid, sigmoid, softmax"] == "activations ['relu', 'relu', 'softmax']"


def test_printed_megabytes_are_capped(graded):
    row = by_student(graded)["prints_megabytes"]
    assert row["output_bytes"] > 10_000_000  # what it printed...
    assert len(row["output_tail"]) <= 3000  # ...and what the report keeps of it
    assert "accuracy:" in row["output_tail"].rstrip().splitlines()[-1]  # training came after


def test_nothing_outside_the_scratch_folders_changed(graded):
    repo_before, data_before = graded["before"]
    repo_after, data_after = graded["after"]
    assert repo_after == repo_before  # no escaped.txt beside the samples, no suite file touched
    assert not os.path.exists(os.path.join(SAMPLES, "escaped.txt"))
    changed = {path for path in set(data_before) | set(data_after)
               if data_before.get(path) != data_after.get(path)}
    report_folder = str(graded["folder"] / "grades")
    assert all(path.startswith(report_folder) for path in changed)  # only the report was written


def test_report_files(graded):
    grades = graded["folder"] / "grades"
    rows = list(csv.DictReader(open(grades / "grades.csv")))
    assert {row["student"] for row in rows} == set(EXPECTED)
    correct = next(row for row in rows if row["student"] == "correct")
    assert correct["score"] == "100.0" and correct["max_score"] == "100.0"
    summary = (grades / "summary.md").read_text()
    assert "13 submissions graded" in summary and "## Most common failures" in summary
    result = json.load(open(grades / "results" / "correct.json"))
    assert {"score", "max_score", "tests"} <= set(result)
    assert {"name", "score", "max_score", "status", "output"} == set(result["tests"][0])


def test_a_second_run_resumes_instead_of_grading_again(graded):
    import subprocess
    result = subprocess.run(graded["command"], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Grading 0 submissions (13 already graded)" in result.stdout


def test_scoring_follows_the_rubric():
    rubric = grading_report.load_rubric(os.path.join(REPO_ROOT, "cifar", "rubric.json"))
    checks = [[name, True, "ok"] for name in ALL_CHECKS]
    assert grading_report.scored({"checks": checks, "accuracy": 0.33}, rubric)["score"] == 100
    half = grading_report.scored({"checks": checks, "accuracy": 0.19}, rubric)
    assert half["score"] == 70 + 15  # accuracy halfway between 0.10 and 0.28
    none = grading_report.scored({"checks": [], "accuracy": None, "error": "boom"}, rubric)
    assert none["score"] == 0 and none["tests"][0]["output"] == "not checked: boom"


def test_bad_rubric_and_paths(run_script, tmp_path):
    bad = tmp_path / "rubric.json"
    bad.write_text('{"checks": {"no such check": 5}, "accuracy": {"points": 1, "zero_at": 0, '
                   '"full_marks_at": 1}}')
    assert_clean_failure(run_script(GRADER, SAMPLES, "--rubric", bad), "unknown checks")
    assert_clean_failure(run_script(GRADER, tmp_path / "nothing"), "does not exist")


def test_definitions_only_leaves_out_calls_and_guards():
    source = ("import os\nx = 3\ny = os.getcwd()\nrun()\nif __name__ == '__main__':\n"
              "    main()\ndef NN_model():\n    return x\nwhile True:\n    pass\n"
              "history = run()\nscores = model.fit(x, y)\ndef run():\n    pass\n")
    kept = homework_checks.definitions_only(source, "s.py")
    assert [line for line, _ in kept] == [1, 2, 3, 7, 13]
