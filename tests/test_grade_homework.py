"""cifar/grade_homework.py on honest, broken and hostile submissions, with small generated data.

Every sample in tests/homework_samples is one student's file.  Hostile ones name paths
with @OUTSIDE@ (a folder outside every scratch folder), @SUBMISSIONS@, @REPO@, @SITE@ (the
Python installation's packages), @OUT@ (the report folder), @DATA@, @RUBRIC@, @CACHE@,
@STICKY@ (a sticky folder of root's where every user may write) and the addresses of local
listeners (@TCP_PORT@, @UDP_PORT@, @UNIX_PATH@, @ABSTRACT@), filled in here.  The class is
graded once in bubblewrap, the hostile part of it again as an unprivileged user (the grader
as root) and under Landlock (each skipped where it cannot run), the round-4 part on a
simulated kernel without Landlock (with namespaces, and without), and a few files once more
unconfined, with --unconfined.
"""

import csv
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile

import pytest

from conftest import (REPO_ROOT, Listeners, assert_clean_failure, generated_arrays,
                      on_simulated_kernel, write_npz)
from grader import processes, safe_text, scoring
from grader.boundary import sandbox, scratch
from grader.boundary.submissions import student_name
from grader.homeworks import ACCURACY_TEST
from grader.homeworks.mlp import HOMEWORK

SAMPLES = os.path.join(REPO_ROOT, "tests", "homework_samples")
GRADER = "cifar/grade_homework.py"
ALL_CHECKS = list(HOMEWORK.check_names)
CHECK = {check.kind: check.name for check in HOMEWORK.checks}


class Check:
    """The MLP homework's check names, as the rubric spells them."""
    COMPILED, INPUT, UNITS, ACTIVATIONS, PARAMETERS, LOSS = (CHECK[kind] for kind in (
        "compiled", "input", "dense_units", "activations", "parameters", "loss"))
SURVIVOR_MARKER = "nnlab-survivor-marker"
SECRET = "s3cret-token-of-the-instructor"
PLANTED = os.path.join(sysconfig.get_paths()["purelib"], "escaped_marker.py")
needs_bubblewrap = pytest.mark.skipif(sandbox.bubblewrap_problem() is not None,
                                      reason=f"no bubblewrap here: {sandbox.bubblewrap_problem()}")

LONG_NAME = "long_" + "x" * 245  # 250 characters: with ".json", longer than a file name may be
HONEST = ["correct", "correct_try_imports", "correct_required_parameters", "correct_functional",
          "run_at_import", "prints_megabytes", "correct_cp949", "correct_bom", "correct_crlf",
          "correct_handout", "correct_tensorflow_functions", "correct_2019_style",
          "correct_activation_layers", "correct_layers_built_backwards"]
NOT_FILES = {"linked_to_classmate": "a symbolic link, not a file",
             "named_pipe": "not a regular file", "oversized": "a file of 1,200,000 bytes"}
# sample -> (words of the error or of not_gradable, or None; checks that fail; trained?)
EXPECTED = {
    **{name: (None, [], True) for name in HONEST},
    "wrong_sizes": (None, [Check.UNITS, Check.PARAMETERS], True),
    "wrong_activations": (None, [Check.ACTIVATIONS], True),
    "not_compiled": (None, [Check.COMPILED, Check.LOSS], True),
    "huge_model": ("not trained: 181,008,010 parameters", [Check.UNITS, Check.PARAMETERS], False),
    **{name: (words, ALL_CHECKS, False) for name, words in NOT_FILES.items()},
    "syntax_error": ("syntax error at line 2", ALL_CHECKS, False),
    "missing_nn_model": ("no NN_model(): the file defines no function NN_model()", ALL_CHECKS,
                         False),
    "raises": ("NN_model() raised IndexError: list index out of range", ALL_CHECKS, False),
    "infinite_loop": ("timed out after 40 s while building the model", ALL_CHECKS, False),
    "calls_sys_exit": ("NN_model() called sys.exit SystemExit: 0", ALL_CHECKS, False),
    "memory_bomb": ("ran out of memory", ALL_CHECKS, False),
    "formula_output": ("NN_model() raised ValueError: =cmd", ALL_CHECKS, False),
    "cheat_forges_records": ("NN_model() saved no model", ALL_CHECKS, False),
    "cheat_patches_grader": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "cheat_predict_from_stack": ("non-standard object keras.src.models.sequential.Sequential: "
                                 "not graded automatically", ALL_CHECKS, False),
    "cheat_lambda_lookup": ("non-standard layer Lambda: not graded automatically", ALL_CHECKS,
                            False),
    "cheat_patches_keras": (None, [], True),
    "cheat_relu_named_sigmoid": (None, [], True),
    "cheat_extra_layers": (None, [Check.UNITS], True),
    "cheat_dense_options": (None, [Check.UNITS], True),
    "cheat_reference_answer": ("no NN_model(): line", ALL_CHECKS, False),
    "cheat_copies_classmate": ("NN_model() raised", ALL_CHECKS, False),
    "escape_dir_fd": ("NN_model() raised", ALL_CHECKS, False),
    "escape_native_writers": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_spawn_passfds": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_setsid_survivor": ("NN_model() raised PermissionError", ALL_CHECKS, False),
    "escape_writes_files": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_disables_tripwire": ("NN_model() raised FileNotFoundError", ALL_CHECKS, False),
    # in bubblewrap the grader's files cannot be replaced; in the process sandbox they can,
    # and are then not read (see test_process_sandbox_still_grades_and_says_it_is_weaker)
    "attack_fifos_and_links": ("NN_model() raised FileExistsError", ALL_CHECKS, False),
    "attack_markdown": ("NN_model() raised ValueError: ![pixel]", ALL_CHECKS, False),
    "escape_fork_bomb": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_fills_disk": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    # round 3
    "escape_native_tamper": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_signals_grader": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_reads_secrets": ("NN_model() raised ValueError: found:", ALL_CHECKS, False),
    "attack_surrogate_texts": (None, [], True),
    "attack_config_types": ("a model config that is not one Keras wrote", ALL_CHECKS, False),
    "wrong_reshape_between": (None, [Check.UNITS, Check.PARAMETERS], True),
    "wrong_softmax_over_batch": (None, [Check.ACTIVATIONS], True),
    "prints_flood": ("printed more than 8 MiB while building the model", ALL_CHECKS, False),
    # round 4
    "escape_changes_modes": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_network": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_fallocate": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_sigio_grader": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_leaves_files": (None, [Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS], True),
    "escape_reads_class": ("NN_model() raised ValueError: found nothing", ALL_CHECKS, False),
    "attack_console_lines": ("NN_model() raised ValueError: oops\n[99/99]", ALL_CHECKS, False),
    "cheat_integer_input": (None, [Check.INPUT], True),
    "cheat_bfloat16_activation": (None, [Check.UNITS], True),
    LONG_NAME: (None, [], True),
    "notebook": ("no NN_model(): the file defines no function NN_model()", ALL_CHECKS, False),
    "notes": ("not a Python file (.txt): not graded", ALL_CHECKS, False),
}
# What a hostile class tries where the grader has no bubblewrap (rounds 1-3).
HOSTILE = sorted(name for name in EXPECTED if name.startswith(("escape_", "attack_", "cheat_"))
                 and name not in ("cheat_reference_answer",)) + ["correct", "prints_flood"]
HELD_FOR_REVIEW = {"cheat_patches_keras", "cheat_relu_named_sigmoid", "cheat_patches_grader",
                   "cheat_predict_from_stack", "cheat_reference_answer", "cheat_copies_classmate",
                   "cheat_forges_records", "escape_dir_fd", "escape_spawn_passfds",
                   "escape_setsid_survivor", "escape_native_writers", "escape_disables_tripwire",
                   "attack_fifos_and_links", "escape_fork_bomb", "escape_fills_disk",
                   "escape_native_tamper", "escape_signals_grader", "attack_surrogate_texts",
                   "attack_config_types", "escape_changes_modes", "escape_network",
                   "escape_fallocate", "escape_sigio_grader", "escape_leaves_files",
                   "escape_reads_class"}
# What a fourth round of hostile students tried: graded also on a kernel without Landlock.
ROUND_4 = ["correct", "escape_changes_modes", "escape_network", "escape_fallocate",
           "escape_sigio_grader", "escape_leaves_files", "escape_reads_class",
           "cheat_copies_classmate"]
LEFT_MARK = "nnlab-left-by-stage"  # what escape_leaves_files names its files
PROCESS_SANDBOX_SAMPLES = ["correct", "cheat_copies_classmate", "cheat_reference_answer",
                           "escape_dir_fd", "escape_writes_files", "escape_setsid_survivor",
                           "cheat_patches_keras", "escape_fork_bomb", "escape_fills_disk",
                           "linked_to_classmate", "attack_fifos_and_links",
                           "escape_sigio_grader", "escape_network", "escape_fallocate",
                           "escape_reads_class"]


def handout_with_answer():
    """cifar/Train_NN_cifar.py with NN_model() written as the 2019 handout invites."""
    with open(os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py"), encoding="utf-8") as file:
        handout = file.read()
    body = ("    model = Sequential()\n"
            "    model.add(Dense(units=size_hidden1, activation=activation, input_dim=size_in))\n"
            "    model.add(Dense(units=size_hidden2, activation=activation))\n"
            "    model.add(Dense(units=size_out, activation=\"softmax\"))\n"
            "    model.compile(loss=\"categorical_crossentropy\", metrics=[\"accuracy\"], "
            "optimizer=optimizer)\n"
            "    return model\n")
    start = handout.index("    raise NotImplementedError")
    return handout[:start] + body + handout[start + len("    raise NotImplementedError\n"):]


def write_class(folder, outside, names, out=None, places=None):
    """The samples `names` as a class's submissions, placeholders filled in (`places`: more
    placeholders and their values)."""
    folder.mkdir()
    out = out or folder.parent / "grades"
    correct = open(os.path.join(SAMPLES, "correct.py"), encoding="utf-8").read()
    korean = "# 과제: 신경망 모델 (김철수)\n" + correct.replace('"""A correct', '"""정답: A correct')
    generated = {"correct_cp949": korean.encode("cp949"),
                 "correct_bom": b"\xef\xbb\xbf" + korean.encode("utf-8"),
                 "correct_crlf": correct.replace("\n", "\r\n").encode(),
                 "correct_handout": handout_with_answer().encode()}
    for name in names:
        if name == "linked_to_classmate":  # from a student's archive: a link to another file
            (folder / f"{name}.py").symlink_to(os.path.join(SAMPLES, "correct.py"))
            continue
        if name == "named_pipe":  # a pipe never ends: reading it must not hang the grader
            os.mkfifo(folder / f"{name}.py")
            continue
        if name in ("notebook", "notes"):  # an empty notebook, and a file that is no Python
            (folder / ("notebook.ipynb" if name == "notebook" else "notes.txt")).write_text(
                '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}')
            continue
        if name == "oversized":
            content = correct.encode() + b"#" * (1_200_000 - len(correct.encode()))
        elif name in generated:
            content = generated[name]
        elif name == LONG_NAME:
            content = correct.encode()
        else:
            content = open(os.path.join(SAMPLES, name + ".py"), "rb").read()
        content = (content.replace(b"@OUTSIDE@", str(outside).encode())
                   .replace(b"@SUBMISSIONS@", str(folder).encode())
                   .replace(b"@REPO@", REPO_ROOT.encode())
                   .replace(b"@SITE@", sysconfig.get_paths()["purelib"].encode())
                   .replace(b"@OUT@", str(out).encode()))
        for placeholder, value in (places or {}).items():
            content = content.replace(placeholder.encode(), str(value).encode())
        (folder / f"{name}.py").write_bytes(content)


def snapshot(folder):
    """Every file under `folder` with its size, modification time, mode and owner."""
    state = {}
    for root, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name not in ("__pycache__", ".pytest_cache",
                                                               ".git", "model")]
        for name in files:
            path = os.path.join(root, name)
            info = os.stat(path)
            state[path] = (info.st_size, info.st_mtime_ns, info.st_mode, info.st_uid)
    return state


def targets_of_mode_changes():
    """What escape_changes_modes tries to change that root owns, with its state and attributes."""
    paths = [processes.LAUNCHER,
             os.path.join(sysconfig.get_paths()["purelib"], "keras", "__init__.py"),
             os.path.realpath(sys.executable)]
    state = {}
    for path in paths:
        info = os.stat(path)
        state[path] = (info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns,
                       sorted(os.listxattr(path)))
    return state


def left_by_stages():
    """Files and folders escape_leaves_files (or escape_fallocate) left where every user may
    write, searched as deep as other users may pass."""
    found = []
    for top in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
        for root, folders, names in os.walk(top):
            folders[:] = [name for name in folders
                          if os.stat(os.path.join(root, name), follow_symlinks=False).st_mode
                          & 0o001 or LEFT_MARK in name]
            found += [os.path.join(root, name) for name in folders + names
                      if LEFT_MARK in name or name.startswith("nnlab-reserved-")]
    return found


def survivors():
    """Processes still running that a sample started."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as file:
                if SURVIVOR_MARKER.encode() in file.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def grade_class(tmp_path_factory, names, *extra, folder=None, kernel=None):
    """Grade the samples `names` with the flags `extra` (in `folder`, else a new one of pytest's,
    which other users cannot reach; on a simulated `kernel`, see conftest.on_simulated_kernel),
    with listeners for the stages to try and a sticky folder of root's for them to litter."""
    folder = folder or tmp_path_factory.mktemp("grading")
    folder.mkdir(mode=0o755, exist_ok=True)
    outside = folder / "outside"
    outside.mkdir()
    sticky = tempfile.mkdtemp(prefix="nnlab-sticky-")
    os.chmod(sticky, 0o1777)  # as /tmp/.X11-unix: every user may write, none remove another's
    listeners = Listeners()
    cache = folder / "cache"
    places = {"@DATA@": folder / "cifar10.npz", "@RUBRIC@": folder / "rubric.json",
              "@CACHE@": cache, "@STICKY@": sticky, **listeners.places()}
    write_class(folder / "submissions", outside, names, places=places)
    data = write_npz(folder / "cifar10.npz",
                     generated_arrays((32, 32, 3), train_size=200, test_size=100))
    rubric = HOMEWORK.rubric()
    rubric["accuracy"] = {"points": 30, "zero_at": 0.0, "full_marks_at": 0.01}
    json.dump(rubric, open(folder / "rubric.json", "w"))
    before = snapshot(REPO_ROOT), snapshot(folder), targets_of_mode_changes()
    command = [sys.executable, GRADER, str(folder / "submissions"), "--data", data, "--epochs",
               "1", "--workers", "2", "--timeout", "40", "--memory", "6000", "--rubric",
               str(folder / "rubric.json"), "--out", str(folder / "grades"), "--cache",
               str(cache), *extra]
    env = dict(os.environ, GRADER_TEST_SECRET=SECRET)  # what no report may ever show
    try:
        result = subprocess.run(on_simulated_kernel(kernel, command) if kernel else command,
                                cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                timeout=1800)
    finally:
        heard = listeners.close()
    after = snapshot(REPO_ROOT), snapshot(folder), targets_of_mode_changes()
    left = left_by_stages() + [os.path.join(sticky, name) for name in os.listdir(sticky)]
    shutil.rmtree(sticky, ignore_errors=True)
    grades_file = folder / "grades" / "grades.json"
    return {"result": result, "folder": folder, "outside": outside, "before": before,
            "after": after, "command": command, "survivors": survivors(), "heard": heard,
            "left": left, "grades": json.load(open(grades_file)) if grades_file.exists() else {}}


@pytest.fixture(scope="module")
def open_folder():
    """A folder every user may read (files too): as an instructor's class folder may well be,
    so that only the grader keeps it from the stages (pytest's folders are closed)."""
    from pathlib import Path
    folder = Path(tempfile.mkdtemp(prefix="nnlab-open-class-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The whole class graded once, in bubblewrap, with a rubric any trained model meets."""
    if sandbox.bubblewrap_problem():
        pytest.skip(f"no bubblewrap here: {sandbox.bubblewrap_problem()}")
    return grade_class(tmp_path_factory, sorted(EXPECTED), "--sandbox", "bwrap")


@pytest.fixture(scope="module")
def graded_in_processes(tmp_path_factory, open_folder):
    return grade_class(tmp_path_factory, PROCESS_SANDBOX_SAMPLES, "--sandbox", "process",
                       "--unconfined", folder=open_folder / "unconfined")


@pytest.fixture(scope="module")
def graded_as_user(tmp_path_factory):
    """The hostile class graded by root with bubblewrap out of reach: an unprivileged user."""
    if sandbox.user_problem():
        pytest.skip(f"no unprivileged stage user here: {sandbox.user_problem()}")
    return grade_class(tmp_path_factory, HOSTILE, "--sandbox", "user")


@pytest.fixture(scope="module")
def graded_under_landlock(tmp_path_factory):
    if sandbox.landlock_problem():
        pytest.skip(f"no Landlock here: {sandbox.landlock_problem()}")
    return grade_class(tmp_path_factory, HOSTILE, "--sandbox", "landlock")


def graded_on_simulated_kernel(tmp_path_factory, open_folder, kernel):
    """The round-4 class graded as an unprivileged user (the grader as root) on a kernel without
    Landlock, in a folder every user may read: only the grader keeps its files from the stages."""
    if sandbox.user_problem():
        pytest.skip(f"no unprivileged stage user here: {sandbox.user_problem()}")
    if sandbox.seccomp_problem():
        pytest.skip(f"no seccomp here to simulate the kernel: {sandbox.seccomp_problem()}")
    folder = open_folder / kernel
    return grade_class(tmp_path_factory, ROUND_4, "--sandbox", "user", folder=folder,
                       kernel=kernel)


@pytest.fixture(scope="module")
def graded_without_landlock(tmp_path_factory, open_folder):
    return graded_on_simulated_kernel(tmp_path_factory, open_folder, "no-landlock")


@pytest.fixture(scope="module")
def graded_without_namespaces(tmp_path_factory, open_folder):
    return graded_on_simulated_kernel(tmp_path_factory, open_folder, "no-namespaces")


def by_student(graded):
    """The rows by sample name (the long name's row is under the shorter id it was given)."""
    long_id = student_name(LONG_NAME + ".py")
    return {LONG_NAME if row["student"] == long_id else row["student"]: row
            for row in graded["grades"]["submissions"]}


def failed_checks(row):
    return [test["name"] for test in row["tests"]
            if test["status"] == "failed" and test["name"] != ACCURACY_TEST]


def test_grader_finishes_and_grades_every_sample(graded):
    assert graded["result"].returncode == 0, graded["result"].stderr
    assert "Traceback" not in graded["result"].stderr
    assert set(by_student(graded)) == set(EXPECTED)
    assert f"[{len(EXPECTED)}/{len(EXPECTED)}]" in graded["result"].stdout
    assert "Sandbox: bubblewrap" in graded["result"].stdout


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_sample_gets_its_exact_result(graded, student):
    words, failing, trained = EXPECTED[student]
    row = by_student(graded)[student]
    problem = row.get("not_gradable") or row.get("error")
    if words:
        assert problem and problem.startswith(words), problem
    else:
        assert problem is None, problem
    assert (row["accuracy"] is not None) is trained, row
    assert failed_checks(row) == failing
    assert bool(row.get("review")) is (student in HELD_FOR_REVIEW), row.get("review")
    for test in row["tests"]:
        assert test["output"]  # every check says why


def test_honest_files_get_full_marks(graded):
    rows = by_student(graded)
    for student in HONEST:
        assert rows[student]["score"] == rows[student]["max_score"] == 100, rows[student]


def test_every_model_that_passes_the_checks_is_trained_into_the_same_accuracy(graded):
    # The same network, the grader's seed and recipe: however the file was written.
    rows = by_student(graded)
    accuracies = {rows[student]["accuracy"] for student in HONEST}
    assert len(accuracies) == 1, accuracies


def test_extra_layers_and_changed_options_fail_the_layers_check(graded):
    reasons = {student: {test["name"]: test["output"] for test in row["tests"]}
               for student, row in by_student(graded).items()}
    assert reasons["cheat_extra_layers"][Check.UNITS] == \
        "Dense units [3000, 2000, 10]; also LayerNormalization, Rescaling"
    assert reasons["cheat_dense_options"][Check.UNITS].startswith(
        "Dense units [3000, 2000, 10]; not Keras' default Dense 1: kernel_initializer")


def test_the_sandbox_allows_one_process_and_bounded_folders(graded):
    rows = by_student(graded)
    if sandbox.seccomp_problem() is None:
        assert "started 0 processes" in rows["escape_fork_bomb"]["output_tail"]
    tail = rows["escape_fills_disk"]["output_tail"]
    assert ".: No space left on device after 2 files" in tail  # /work holds 128 MiB
    assert "/: Read-only file system after 0 files" in tail
    for folder in ("/tmp", "/", os.path.expanduser("~")):
        assert not [name for name in os.listdir(folder) if name.startswith("filler")]


def test_no_cheat_scores_as_high_as_an_honest_file(graded):
    rows = by_student(graded)
    honest = min(rows[student]["score"] for student in HONEST)
    for student in EXPECTED:
        if student.startswith(("cheat_", "escape_", "attack_")):
            assert rows[student]["score"] < honest, (student, rows[student]["score"])


def test_held_back_accuracy_says_why(graded):
    row = by_student(graded)["cheat_patches_keras"]
    accuracy = next(test for test in row["tests"] if test["name"] == ACCURACY_TEST)
    assert accuracy["score"] == 0
    assert "held back for the instructor's review" in accuracy["output"]
    assert "keras.Model.predict" in accuracy["output"]
    summary = (graded["folder"] / "grades" / "summary.md").read_text()
    assert "## For the instructor to look at" in summary
    assert "cheat_lambda_lookup: non-standard layer Lambda" in summary


def test_wrong_checks_say_what_was_found(graded):
    rows = by_student(graded)
    reasons = {test["name"]: test["output"] for test in rows["wrong_sizes"]["tests"]}
    assert reasons[Check.UNITS] == "Dense units [1000, 500, 10]"
    reasons = {test["name"]: test["output"] for test in rows["wrong_activations"]["tests"]}
    assert reasons[Check.ACTIVATIONS] == "activations ['relu', 'relu', 'softmax']"


def test_printed_megabytes_are_capped(graded):
    row = by_student(graded)["prints_megabytes"]
    assert row["output_bytes"] > 3_000_000  # what it printed...
    assert len(row["output_tail"]) <= safe_text.MAX_TEXT  # ...and what the report keeps of it


def test_nothing_escaped_and_nothing_survived(graded):
    assert_nothing_escaped(graded)


def assert_nothing_escaped(graded):
    """Nothing written outside the scratch folders but the report and the cache, nothing of
    root's changed (mode, owner, times, attributes), no listener reached, nothing left where
    every user may write, nothing left running, no secret of the grader's in anything it
    wrote or printed."""
    assert not os.listdir(graded["outside"])
    assert graded["survivors"] == []
    assert not os.path.exists(PLANTED)
    assert not os.path.exists(graded["folder"] / "grades" / "results" / "escaped_marker.json")
    for root, _, names in os.walk(graded["folder"] / "grades"):
        for name in names:
            assert SECRET.encode() not in open(os.path.join(root, name), "rb").read(), name
    assert SECRET not in graded["result"].stdout + graded["result"].stderr
    repo_before, data_before, targets_before = graded["before"]
    repo_after, data_after, targets_after = graded["after"]
    assert repo_after == repo_before
    assert targets_after == targets_before
    changed = {path for path in set(data_before) | set(data_after)
               if data_before.get(path) != data_after.get(path)}
    written = (str(graded["folder"] / "grades"), str(graded["folder"] / "cache"))
    assert all(path.startswith(written) for path in changed), changed
    assert graded["heard"] == set()
    assert graded["left"] == []


def test_no_cell_of_the_csv_is_a_formula(graded):
    rows = list(csv.reader(open(graded["folder"] / "grades" / "grades.csv", encoding="utf-8")))
    assert len(rows) == len(EXPECTED) + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(safe_text.FORMULA_STARTS), cell
    tails = [row[-1] for row in rows if row[0] == "formula_output"]
    assert tails and tails[0].startswith("'=1+2")


def test_the_report_shows_what_a_submission_wrote_as_text(graded):
    summary = (graded["folder"] / "grades" / "summary.md").read_text()
    line = next(line for line in summary.splitlines() if "| attack_markdown |" in line)
    assert "!\\[pixel\\](http\\://tracker.invalid/p.png) \\<img" in line
    problem_cell = line.split("|", 5)[5][:-1]  # the last cell, without the table's own "|"
    assert not re.search(r"(?<!\\)[<|\]\[]", problem_cell), problem_cell
    assert "\\x1b\\]0;all graded" in line  # Markdown for the text \x1b]0;all graded
    for output in (summary, graded["result"].stdout, (graded["folder"] / "grades" /
                                                      "grades.csv").read_text()):
        assert "\x1b" not in output and "\u202e" not in output


def test_report_files(graded):
    grades = graded["folder"] / "grades"
    summary = (grades / "summary.md").read_text()
    assert f"{len(EXPECTED)} submissions graded" in summary
    assert "## Where points were lost" in summary and "## The class, ranked" in summary
    assert "Dense units \\[1000, 500, 10\\]" in summary  # each failed check with its reason
    result = json.load(open(grades / "results" / "correct.json"))
    assert {"score", "max_score", "tests"} <= set(result)
    assert {"name", "score", "max_score", "status", "output", "advice"} == \
        set(result["tests"][0])


def test_a_second_run_resumes_and_survives_damaged_results(graded):
    results = graded["folder"] / "grades" / "results"
    (results / "raises.json").write_text("")  # a crash in the middle of an old write
    damaged = json.load(open(results / "wrong_sizes.json"))
    damaged["accuracy"] = "very high"
    (results / "wrong_sizes.json").write_text(json.dumps(damaged))
    result = subprocess.run(graded["command"], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert f": 2 submissions ({len(EXPECTED) - 2} already graded)" in result.stdout
    assert json.load(open(results / "wrong_sizes.json"))["accuracy"] is not None


@pytest.mark.parametrize("fixture", ["graded_as_user", "graded_under_landlock"])
def test_confined_without_bubblewrap_the_hostile_class_gets_nothing(request, fixture):
    graded = request.getfixturevalue(fixture)
    assert graded["result"].returncode == 0, graded["result"].stderr
    assert "Traceback" not in graded["result"].stderr
    assert "NOT confined" not in graded["result"].stdout
    assert "operating-system confinement" in graded["result"].stdout
    rows = by_student(graded)
    assert set(rows) == set(HOSTILE)  # every file a row: the grader was not stopped
    assert rows["correct"]["score"] == 100
    for student in HOSTILE:
        if student != "correct":
            assert rows[student]["score"] < 100, (student, rows[student]["score"])
    for student in ("escape_reads_secrets", "attack_config_types", "prints_flood",
                    "escape_native_tamper", "escape_signals_grader", "attack_surrogate_texts"):
        words, failing, trained = EXPECTED[student]
        problem = rows[student].get("not_gradable") or rows[student].get("error")
        assert (problem or "").startswith(words or ""), (student, problem)
        assert failed_checks(rows[student]) == failing, student
    assert_nothing_escaped(graded)


def assert_round_4_refused(rows, confined=True):
    """What the round-4 samples printed: every attempt refused, in the stage's own words."""
    tails = {name: rows[name]["output_tail"] for name in
             ("escape_network", "escape_fallocate", "escape_sigio_grader") if name in rows}
    for what in ("tcp", "udp", "unix", "abstract", "pair"):
        assert f"{what}: refused" in tails["escape_network"], tails["escape_network"]
    assert ": sent" not in tails["escape_network"]
    assert "fallocate refused" in tails["escape_fallocate"] and "took" not in \
        tails["escape_fallocate"], tails["escape_fallocate"]
    assert "armed 0: ; refused " in tails["escape_sigio_grader"], tails["escape_sigio_grader"]
    if "escape_changes_modes" in rows:
        tail = rows["escape_changes_modes"]["output_tail"]
        assert "launcher.py: chmod=refused chown=refused utime=refused touch=refused " \
               "setxattr=refused" in tail, tail
        assert "setuid: copy=refused model-file=refused new-file=refused" in tail, tail
        assert "=changed" not in tail and "setuid bit set" not in tail, tail
    if confined:
        assert rows["escape_reads_class"]["error"] == \
            "NN_model() raised ValueError: found nothing"


@pytest.mark.parametrize("fixture", ["graded", "graded_as_user", "graded_under_landlock"])
def test_round_4_gets_nothing_in_any_sandbox(request, fixture):
    """A stage that is never root changes nothing of root's; no socket, no hidden disk space,
    no signal by SIGIO; nothing of the grader's read (also checked: assert_nothing_escaped)."""
    graded = request.getfixturevalue(fixture)
    rows = by_student(graded)
    assert_round_4_refused(rows)
    for student in ("cheat_integer_input", "cheat_bfloat16_activation"):
        assert rows[student]["network"]["sha256"] != rows["correct"]["network"]["sha256"]
        assert rows[student]["score"] < rows["correct"]["score"]
    assert_nothing_escaped(graded)


@pytest.mark.parametrize("fixture, hidden_by", [
    ("graded_without_landlock", "the grader's files hidden by a mount namespace"),
    ("graded_without_namespaces", "the grader's files closed to other users while grading")])
def test_without_landlock_the_stage_reads_nothing_of_the_graders_and_leaves_nothing(
        request, fixture, hidden_by):
    graded = request.getfixturevalue(fixture)
    result = graded["result"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Landlock" not in result.stdout.split("Sandbox: ")[1].splitlines()[0]
    assert hidden_by in result.stdout
    rows = by_student(graded)
    assert set(rows) == set(ROUND_4) and rows["correct"]["score"] == 100
    assert all(rows[name]["score"] < 100 for name in ROUND_4 if name != "correct")
    assert_round_4_refused(rows)
    assert rows["cheat_copies_classmate"]["error"] == \
        "NN_model() raised FileNotFoundError: no classmate found"
    if fixture == "graded_without_namespaces":
        assert "closed to other users while grading (opened again at the end): " in result.stdout
        assert stat.S_IMODE(os.stat(graded["folder"] / "submissions").st_mode) == 0o755
        assert stat.S_IMODE(os.stat(graded["folder"] / "grades").st_mode) == 0o755
    assert_nothing_escaped(graded)


def test_report_only_says_where_the_class_was_graded(graded_as_user, tmp_path):
    out = tmp_path / "grades"
    shutil.copytree(graded_as_user["folder"] / "grades", out)
    result = subprocess.run([sys.executable, GRADER, "--report-only", "--out", str(out)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    summary = (out / "summary.md").read_text()
    assert "not confined" not in summary.lower() and "Warning" not in summary
    assert f"an unprivileged user of its own ({len(HOSTILE)})" in summary
    grades = json.load(open(out / "grades.json"))
    assert grades["sandbox"] == f"an unprivileged user of its own ({len(HOSTILE)})"
    assert grades["warning"] is None


def test_no_text_of_a_submission_prints_a_line_of_its_own(graded):
    lines = graded["result"].stdout.splitlines()
    assert not [line for line in lines if line.startswith(("[99/99]", "Report written to grades"))]
    assert not any("all graded" in line and "attack_console_lines" not in line for line in lines)
    (line,) = [line for line in lines if "] attack_console_lines: " in line]
    assert "oops\\n[99/99] kim" in line and "\\x0dReport" in line


def test_process_sandbox_still_grades_and_says_it_is_weaker(graded_in_processes):
    graded = graded_in_processes
    assert graded["result"].returncode == 0, graded["result"].stderr
    assert graded["result"].stdout.count("not confined by the operating system") == 1
    assert "NOT confined" in graded["result"].stdout
    summary = (graded["folder"] / "grades" / "summary.md").read_text()
    assert summary.splitlines()[2].startswith("> **Warning**: submissions were not confined")
    rows = by_student(graded)
    assert rows["correct"]["score"] == 100
    assert all(rows[name]["score"] < 100 for name in PROCESS_SANDBOX_SAMPLES if name != "correct")
    assert rows["escape_fills_disk"]["error"] == "wrote more than 256 MiB into its folder: stopped"
    assert rows["linked_to_classmate"]["error"].startswith("a symbolic link")
    assert rows["attack_fifos_and_links"]["error"] == \
        "the saved model is not a regular file of a sensible size"
    assert not os.listdir(graded["outside"])
    assert graded["survivors"] == []
    assert any("outside" in flag for flag in rows["escape_dir_fd"]["tripwire"])
    # Unconfined, the stage reads what every user may (here, a class folder open to all)...
    assert rows["escape_reads_class"]["error"].startswith(
        "NN_model() raised ValueError: found: class=")
    # ...but it is never root, and the seccomp filter still holds: no socket, no hidden disk
    # space, no signal to the grader by any route, and what it left behind is gone.
    assert_round_4_refused(rows, confined=False)
    assert graded["heard"] == set() and graded["left"] == []


@pytest.fixture
def stage_parent():
    """A folder for a stage's folder, as the grader's own: passable by the stage users."""
    from pathlib import Path
    folder = tempfile.mkdtemp(prefix="grade-test-")
    os.chmod(folder, 0o711)
    yield Path(folder)
    scratch.remove_folder(folder)


@needs_bubblewrap
def test_sandbox_bwrap_hides_the_machine(tmp_path, stage_parent):
    look = tmp_path / "look.py"
    look.write_text(
        "import os, socket, subprocess, sys\n"
        f"print(os.path.exists({REPO_ROOT!r}), os.path.exists(os.path.expanduser('~/.bashrc')))\n"
        "print(os.getcwd(), os.getpid())\n"
        "try:\n    socket.create_connection(('127.0.0.1', 22), timeout=2)\n"
        "except OSError as error:\n    print('no network', type(error).__name__)\n"
        "for path in ('/usr/written.txt', '/written.txt', '/dev/shm/written.txt'):\n"
        "    try:\n        open(path, 'w')\n    except OSError:\n        print('read-only')\n"
        "open('/work/status.json', 'w').write('back')\n"
        "open('/work/scratch.txt', 'w').write('private')\n"
        "try:\n"
        f"    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)  # {SURVIVOR_MARKER}'],"
        " start_new_session=True)\n"
        "except OSError:\n    print('no processes')\n")
    folder = stage_parent / "stage"
    owner = sandbox.new_stage_owner()  # as the grader starts bubblewrap
    sandbox.prepare_folder(str(folder), look.read_bytes(), owner, sandbox.PROBE_NAME)
    command = sandbox.stage_command("bwrap", str(folder), None, 2000, 60,
                                    {"PATH": "/usr/bin:/bin"}, owner)
    command[-3:] = [sys.executable, "-I", "/work/" + sandbox.PROBE_NAME]
    run = processes.run_limited(command, str(folder), {}, 60, user=owner)
    lines = run.output.splitlines()
    assert lines[0] == "False False", run.output
    assert lines[1].startswith("/work ")
    assert lines[2].startswith("no network") and lines[3:6] == ["read-only"] * 3
    if sandbox.seccomp_problem() is None:
        assert lines[6] == "no processes"
    assert (folder / "status.json").read_text() == "back"  # one of the two files that return
    assert sorted(os.listdir(folder)) == sorted([sandbox.PROBE_NAME, "model.keras",
                                                 "status.json"])
    assert survivors() == []  # a detached process would die with the sandbox's namespace


@pytest.mark.parametrize("mode", ["bwrap", "process"])
def test_a_stage_killed_by_a_signal_is_named_in_either_sandbox(stage_parent, mode):
    if mode == "bwrap" and sandbox.bubblewrap_problem():
        pytest.skip(f"no bubblewrap here: {sandbox.bubblewrap_problem()}")
    folder = stage_parent / "stage"
    owner = sandbox.new_stage_owner()
    sandbox.prepare_folder(str(folder), b"import ctypes\nctypes.string_at(0)\n", owner,
                           sandbox.PROBE_NAME)  # a segfault
    env = {"PATH": "/usr/bin:/bin"}
    command = sandbox.stage_command(mode, str(folder), None, 2000, 60, env, owner)
    command[-3:] = [sys.executable, "-I", sandbox.PROBE_NAME]
    run = processes.run_limited(command, str(folder), {} if mode == "bwrap" else env, 60,
                                user=owner if mode == "bwrap" else None)
    assert run.signal_name == "SIGSEGV", (run.returncode, run.output)


def test_sandbox_bwrap_refused_with_one_line_where_missing(run_script, script_env, tmp_path):
    env = dict(script_env, PATH=str(tmp_path))  # no bwrap on this PATH
    (tmp_path / "python3").symlink_to(sys.executable)
    result = subprocess.run([sys.executable, GRADER, SAMPLES, "--sandbox", "bwrap"],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    message = assert_clean_failure(result, "--sandbox bwrap", "install bubblewrap")
    assert len(result.stderr.strip().splitlines()) == 1, message


def test_bad_rubric_and_paths(run_script, tmp_path):
    bad = tmp_path / "rubric.json"
    bad.write_text('{"checks": {"no such check": 5}, "accuracy": {"points": 1, "zero_at": 0, '
                   '"full_marks_at": 1}}')
    assert_clean_failure(run_script(GRADER, SAMPLES, "--rubric", bad),
                         "names checks the mlp homework does not have")
    assert_clean_failure(run_script(GRADER, tmp_path / "nothing"), "does not exist")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_clean_failure(run_script(GRADER, empty), "holds no file to grade")


def test_reference_solution_is_not_handed_out_with_the_handout():
    handout = open(os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py"), encoding="utf-8").read()
    assert "import reference_solution" not in handout and "homework_solution" not in handout
    assert not os.path.exists(os.path.join(REPO_ROOT, "cifar", "homework_solution.py"))
    reference = open(os.path.join(REPO_ROOT, "grader", "reference_solution.py")).read()
    assert "Train_NN_cifar" not in reference.split('"""')[2]  # no import of the handout


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def dom_after_loading(page):
    """The page's DOM after a real browser loaded it and ran whatever it would run."""
    with tempfile.TemporaryDirectory() as profile:
        loaded = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=2000", "--dump-dom",
             f"file://{page}"], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    return loaded.stdout


def test_every_student_gets_a_page_with_the_score_of_the_csv(graded):
    grades = graded["folder"] / "grades"
    rows = list(csv.DictReader(open(grades / "grades.csv", encoding="utf-8")))
    for row in rows:
        page = (grades / "feedback" / f"{row['student'].lstrip(chr(39))}.md").read_text()
        assert f"**Score: {float(row['score']):g} / 100**" in page, row["student"]
    wrong = (grades / "feedback" / "wrong_sizes.md").read_text()
    assert "the first hidden layer has 1000 units; the homework asks for 3000" in wrong
    uncompiled = (grades / "feedback" / "not_compiled.md").read_text()
    assert "✗ **returns a compiled Keras model**" in uncompiled
    assert "to change: call model.compile" in uncompiled
    correct = (grades / "feedback" / "correct.md").read_text()
    assert "✗" not in correct and "**Score: 100 / 100**" in correct
    assert (grades / "feedback" / "correct.html").read_text().count("<li>") >= 6
    assert "![The class" in (grades / "summary.md").read_text()
    assert (grades / "class.png").stat().st_size > 10_000


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian package chromium)")
def test_a_hostile_page_runs_nothing_in_a_real_browser(graded, tmp_path):
    from grader.reports import feedback
    hostile = dict(by_student(graded)["attack_markdown"], student="hostile", error=(
        "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"
        "[win](javascript:document.title='PWNED') <a href=http://x.invalid>x</a> www.x.invalid"))
    feedback.write_pages(str(tmp_path), [dict(hostile, **scoring.scored(hostile, HOMEWORK))],
                         HOMEWORK, {"recipe": {"epochs": 1}})
    for page in (tmp_path / "hostile.html",
                 graded["folder"] / "grades" / "feedback" / "attack_markdown.html"):
        dom = dom_after_loading(page)
        assert "PWNED" not in dom.split("<body>")[0]  # the title was never changed
        body = dom.split("<body>", 1)[1]
        for element in ("<script", "<img", "<a ", "<iframe"):
            assert element not in body, (page.name, element)
        assert "&lt;img" in body  # shown as text
