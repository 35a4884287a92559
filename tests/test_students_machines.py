"""The student's side on the machines, settings and habits students have: macOS and Windows
(simulated: POSIX-only modules made unimportable, sys.platform set), consoles that cannot show
"✓", Keras 3 set to another backend, a Python without TensorFlow, the handout away from the
suite, a notebook given to the self-check."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, assert_clean_failure

SAMPLES = os.path.join(REPO_ROOT, "tests", "homework_samples")
CHECK = os.path.join(REPO_ROOT, "cifar", "check_homework.py")

# Loaded by the checking process alone (the stage it starts runs with -I): a machine whose
# Python has no resource or fcntl, no /proc for the launcher, and (Windows) no process groups.
# TensorFlow is loaded first, as on the real system; then the platform changes.
SIMULATION = '''
import os, subprocess, sys
sys.path.insert(0, os.environ["SUITE"])
from nnlab.quiet_tensorflow import import_tensorflow
import_tensorflow()  # loaded as on the real system: what is simulated is the suite's own code
BLOCKED = ("resource", "fcntl")
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED:
            raise ModuleNotFoundError(f"import of {name} halted", name=name)
sys.meta_path.insert(0, Blocked())
sys.platform = os.environ["SIMULATED_PLATFORM"]
if sys.platform == "win32":
    del os.killpg, os.setsid
'''


@pytest.fixture
def simulated(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(SIMULATION)

    def env(platform, **extra):
        return dict(os.environ, PYTHONPATH=str(folder), SIMULATED_PLATFORM=platform,
                    PYTHONUNBUFFERED="1", SUITE=REPO_ROOT, **extra)
    return env


def check(path, env, *flags):
    return subprocess.run([sys.executable, CHECK, str(path), *flags], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_the_self_check_works_on_macos_and_windows_unconfined(simulated, platform):
    result = check(os.path.join(SAMPLES, "correct.py"), simulated(platform))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "in a separate process, not confined: fine for your own file" in result.stdout
    assert "Checks: 70/70 points" in result.stdout
    assert "--regrade" not in result.stdout and "bubblewrap" not in result.stdout


@pytest.mark.parametrize("encoding", ["cp949", "cp1252"])
def test_the_self_check_survives_consoles_that_cannot_show_its_marks(encoding):
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    result = subprocess.run([sys.executable, CHECK, os.path.join(SAMPLES, "wrong_sizes.py")],
                            cwd=REPO_ROOT, env=env, capture_output=True, timeout=300)
    output = result.stdout.decode(encoding)
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    assert "OK input of 3072 values" in output and "X only Dense layers" in output


def test_the_untouched_handout_and_a_notebook_get_one_clear_line(tmp_path):
    result = check(os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py"), dict(os.environ))
    assert result.returncode == 1
    assert "NN_model() is not written yet" in result.stdout
    assert "note:" not in result.stdout  # not the handout's own import lines
    notebook = tmp_path / "homework.ipynb"
    notebook.write_text('{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}')
    assert_clean_failure(check(notebook, dict(os.environ)), "is a notebook", "download it")


def test_the_handout_alone_on_a_desktop_says_where_to_run_it(tmp_path):
    desktop = tmp_path / "바탕 화면"  # a Korean folder name with a space
    desktop.mkdir()
    shutil.copy(os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py"), desktop)
    result = subprocess.run([sys.executable, "Train_NN_cifar.py"], cwd=desktop,
                            capture_output=True, text=True, timeout=120)
    assert_clean_failure(result, "run this file from the suite's cifar/ folder")


@pytest.mark.parametrize("settings", [{"KERAS_BACKEND": "jax"}, {"KERAS_BACKEND": "torch"},
                                      {"TF_USE_LEGACY_KERAS": "1"}])
def test_keras_runs_on_tensorflow_whatever_the_machine_says(run_script, script_env, settings,
                                                           mnist_npz, tmp_path):
    result = run_script("mnist_keras/Train_NN_keras.py", "--data", mnist_npz, "--epochs", 1,
                        "--model", tmp_path / "m.keras", env=dict(script_env, **settings))
    assert result.returncode == 0, result.stderr
    assert f"note: {next(iter(settings))}" in result.stderr and "ignored" in result.stderr


def test_a_python_without_tensorflow_says_what_to_do(run_script, script_env, mnist_npz,
                                                     tmp_path):
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'tensorflow'\", name='tensorflow')\n")
    env = dict(script_env, PYTHONPATH=str(tmp_path / "fake"))
    result = run_script("mnist/Train_NN.py", "--data", mnist_npz, env=env)
    message = assert_clean_failure(result, "tensorflow is not installed for", "pip install")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message.startswith("error:")
