"""cifar/check_homework.py: the student's self-check runs the grader's own checks, no training."""

import os
import subprocess
import sys

from conftest import REPO_ROOT

SAMPLES = os.path.join(REPO_ROOT, "tests", "homework_samples")
CHECK = "cifar/check_homework.py"


def check(*args):
    return subprocess.run([sys.executable, CHECK, *map(str, args)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_a_correct_file_passes_every_check():
    result = check(os.path.join(SAMPLES, "correct_functional.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    marks = [line[0] for line in result.stdout.splitlines()[1:7]]
    assert marks == ["✓"] * 6
    assert "Checks: 70/70 points" in result.stdout
    assert "Traceback" not in result.stderr


def test_relu_hidden_layers_fail_the_activation_check():
    result = check(os.path.join(SAMPLES, "wrong_activations.py"))
    assert result.returncode == 1
    assert ("✗ activations sigmoid, sigmoid, softmax: activations ['relu', 'relu', 'softmax']"
            "  (0/15 points)") in result.stdout
    assert "Checks: 55/70 points" in result.stdout


def test_the_unfinished_handout_says_what_is_missing():
    result = check()  # cifar/Train_NN_cifar.py itself
    assert result.returncode == 1
    assert "✗ NN_model() is not written yet (it raises NotImplementedError)" in result.stdout


def test_a_flagged_file_is_warned_about():
    result = check(os.path.join(SAMPLES, "cheat_relu_named_sigmoid.py"))
    assert result.returncode == 1
    assert "warning: line 6: defines its own sigmoid()" in result.stdout


def test_a_missing_file_is_one_line(tmp_path):
    result = check(tmp_path / "nothing.py")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"check_homework.py: error: argument FILE: {tmp_path / 'nothing.py'} is not a file: "
        "give your Train_NN_cifar.py or Train_CNN_cifar.py (see --help)"]


def test_layers_the_homework_does_not_ask_for_fail_the_layers_check():
    result = check(os.path.join(SAMPLES, "cheat_extra_layers.py"))
    assert result.returncode == 1
    assert ("✗ only Dense layers of 3000, 2000 and 10 units: Dense units [3000, 2000, 10]; "
            "also LayerNormalization, Rescaling  (0/15 points)") in result.stdout
