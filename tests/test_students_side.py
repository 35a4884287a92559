"""The students' side (issue 26): the slide's code in the lesson files, offline after one run,
one line for the wrong Python and for Ctrl-C, the console's cost and the picture's agree."""

import ast
import os
import re
import signal
import subprocess
import sys
import venv
import warnings

import numpy as np
import pytest

from conftest import REPO_ROOT, accuracy_from, generated_arrays, write_npz

LESSON_FILES = ("mnist/Train_NN.py", "mnist/Test_NN.py", "mnist_keras/Train_NN_keras.py",
                "mnist_keras/Test_NN_keras.py", "cifar/Train_NN_cifar.py")
STUDENT_SCRIPTS = (
    "mnist/Train_NN.py", "mnist/Test_NN.py", "mnist/Train_CNN.py", "mnist/Test_CNN.py",
    "mnist/show_mnist_data.py", "mnist/run_experiments.py",
    "mnist_keras/Train_NN_keras.py", "mnist_keras/Test_NN_keras.py",
    "mnist_keras/Train_CNN_keras.py", "mnist_keras/Test_CNN_keras.py",
    "cifar/Train_NN_cifar.py", "cifar/Test_NN_cifar.py", "cifar/Train_CNN_cifar.py",
    "cifar/Test_CNN_cifar.py", "cifar/show_cifar_data.py", "cifar/check_homework.py",
    "cifar/grade_homework.py")
SHARE_TOOL = os.path.join(REPO_ROOT, "..", "shared", "tools", "lesson_share.py")
UNREACHABLE = "http://127.0.0.1:9/"  # a mirror nobody answers on: any download fails at once


# The lesson files: the slide's calls as code, and mostly lesson.

# The rule of ../shared/tools/lesson_share.py, kept here so that CI (without ../shared) counts
# the same way: code lines are not blank, comments or docstrings; plumbing lines name flags,
# paths, the suite's helpers, pictures, progress, logging, imports or the main() guard.
PLUMBING = re.compile(r"\b(args|cli|parser|argv|plots|progress|log|nnlab|paths|sys|os|report|"
                      r"checkpoints|datasets|training_log|StepProgress|run_training|main|"
                      r"__name__|import|from)\b")


def lesson_share(path):
    source = open(path, encoding="utf-8").read()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and \
                isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = [line.strip().split("  #")[0] for number, line in enumerate(source.splitlines(), 1)
             if line.strip() and not line.strip().startswith("#") and number not in docstrings]
    return sum(1 for line in lines if not PLUMBING.search(line)) / len(lines)


@pytest.mark.parametrize("script", LESSON_FILES)
def test_each_lesson_file_is_at_least_half_lesson(script):
    assert lesson_share(os.path.join(REPO_ROOT, script)) >= 0.5


@pytest.mark.skipif(not os.path.isfile(SHARE_TOOL), reason="../shared/tools/lesson_share.py absent")
def test_the_shared_lesson_count_agrees():
    result = subprocess.run([sys.executable, SHARE_TOOL, "--min", "0.5", *LESSON_FILES],
                            cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def calls(path):
    """Every call of the file's code (comments and docstrings are not code)."""
    tree = ast.parse(open(os.path.join(REPO_ROOT, path), encoding="utf-8").read())
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def method_calls(path, method, on_call=None):
    """Calls of `.method(...)`, on the result of a call of `on_call(...)` where given."""
    found = []
    for call in calls(path):
        function = call.func
        if isinstance(function, ast.Attribute) and function.attr == method:
            if on_call is None:
                found.append(call)
            elif isinstance(function.value, ast.Call) and \
                    getattr(function.value.func, "attr", None) == on_call:
                found.append(call)
    return found


def test_the_slides_tensorflow_calls_are_code():
    minimize = method_calls("NN_comp_graph.py", "minimize", "GradientDescentOptimizer")
    assert minimize and ast.literal_eval(minimize[0].func.value.args[0]) == 0.01
    save = method_calls("mnist/Train_NN.py", "save", "Saver")
    assert save and save[0].args[0].id == "sess"
    restore = method_calls("mnist/Test_NN.py", "restore", "Saver")
    assert restore and restore[0].args[0].id == "sess"
    runs = [call for call in method_calls("mnist/Train_NN.py", "run")
            if getattr(call.func.value, "id", None) == "sess" and call.args
            and getattr(call.args[0], "id", None) == "train"]
    assert runs and [keyword.arg for keyword in runs[0].keywords] == ["feed_dict"]
    for script in ("mnist/Train_NN.py", "mnist/Test_NN.py"):
        placeholders = method_calls(script, "placeholder")
        assert [ast.unparse(call.args[1]) for call in placeholders] == ["[None, 784]",
                                                                        "[None, 10]"]


@pytest.mark.parametrize("script, methods", [
    ("mnist_keras/Train_NN_keras.py", ("add", "compile", "fit", "evaluate", "save")),
    ("mnist_keras/Test_NN_keras.py", ("evaluate",)),
    ("cifar/Train_NN_cifar.py", ("fit", "evaluate", "save")),
])
def test_the_slides_keras_calls_are_code(script, methods):
    for method in methods:
        assert method_calls(script, method), method


def test_the_handout_explains_input_dim_and_its_warning_is_hidden():
    handout = ast.parse(open(os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py"),
                             encoding="utf-8").read())
    model_function = next(node for node in handout.body
                          if isinstance(node, ast.FunctionDef) and node.name == "NN_model")
    assert "input_dim" in ast.get_docstring(model_function)  # said where the student writes
    from nnlab.homework import input_dim_accepted
    from nnlab.quiet_tensorflow import import_tensorflow
    keras = import_tensorflow().keras
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with input_dim_accepted():
            keras.layers.Dense(3, input_dim=4)
        assert caught == []
        keras.layers.Dense(3, input_dim=4)  # elsewhere Keras still says it
        assert any("input_dim" in str(warning.message) for warning in caught)


# Offline after one run.

@pytest.fixture
def fresh_home(tmp_path):
    """A student's fresh account with no network: an empty HOME, Keras' cache in it (no
    KERAS_HOME), and downloads sent to an address where nobody answers."""
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "MNIST_DATA", "CIFAR10_DATA",
                          "FASHION_MNIST_DATA", "KERAS_HOME")}
    env.update(HOME=str(home), NNLAB_MIRROR=UNREACHABLE, MPLBACKEND="Agg",
               PYTHONUNBUFFERED="1")
    return env


def run(script, *args, env, timeout=600):
    return subprocess.run([sys.executable, os.path.join(REPO_ROOT, script), *map(str, args)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_after_one_run_with_data_the_plain_commands_work_offline(fresh_home, mnist_npz, tmp_path):
    model = tmp_path / "models" / "mnist_NN_model.ckpt"
    first = run("mnist/Train_NN.py", "--data", mnist_npz, "--steps", 20, "--model", model,
                "--no-pictures", env=fresh_home)
    assert first.returncode == 0, first.stderr
    kept = os.path.join(fresh_home["HOME"], ".keras", "datasets", "mnist.npz")
    assert open(kept, "rb").read() == open(mnist_npz, "rb").read()
    os.remove(mnist_npz)  # from now on, only the kept copy can serve

    hidden = run("mnist/Train_NN.py", "--hidden", "--steps", 20, "--model", model,
                 "--no-pictures", env=fresh_home)
    assert hidden.returncode == 0, hidden.stderr
    assert "NN_comp_graph_with_hidden_layer on MNIST: 20 steps" in hidden.stdout
    tested = run("mnist/Test_NN.py", "--model", model, "--no-pictures", env=fresh_home)
    assert tested.returncode == 0, tested.stderr
    assert "Measuring accuracy on 200 test and 600 training images" in tested.stdout
    keras_run = run("mnist_keras/Train_NN_keras.py", "--epochs", 1, "--model",
                    tmp_path / "models" / "k.h5", "--no-pictures", env=fresh_home)
    assert keras_run.returncode == 0, keras_run.stderr
    shown = run("mnist/show_mnist_data.py", "--save", tmp_path / "digits.png", env=fresh_home)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("x_train.shape: (600, 28, 28)")


def test_without_a_kept_copy_the_plain_command_still_says_what_to_do(fresh_home, tmp_path):
    result = run("mnist/show_mnist_data.py", "--save", tmp_path / "d.png", env=fresh_home)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "cannot download MNIST" in result.stderr and "--data PATH" in result.stderr


@pytest.mark.parametrize("name, shape", [("cifar10", (32, 32, 3)), ("fashion_mnist", (28, 28))])
def test_every_data_set_is_kept_for_later(name, shape, tmp_path, monkeypatch):
    from nnlab import datasets
    monkeypatch.setenv(datasets.MIRROR_ENV_VAR, UNREACHABLE)
    arrays = generated_arrays(shape, train_size=40, test_size=10)
    source = write_npz(tmp_path / "copy.npz", arrays)
    cache = str(tmp_path / "keras")
    datasets.load(name, source, cache_dir=cache)
    os.remove(source)
    again = datasets.load(name, cache_dir=cache)
    assert again.source == os.path.join(cache, "datasets", f"{name}.npz")
    np.testing.assert_array_equal(again.x_train, arrays[0])
    np.testing.assert_array_equal(again.y_test, arrays[3])


def test_a_folder_of_idx_files_is_kept_as_an_npz(tmp_path, monkeypatch):
    from nnlab import datasets
    monkeypatch.setenv(datasets.MIRROR_ENV_VAR, UNREACHABLE)
    arrays = generated_arrays((28, 28), train_size=30, test_size=10)
    folder = tmp_path / "idx"
    folder.mkdir()
    for stem, array in zip(datasets.IDX_FILES, arrays):
        header = bytes([0, 0, 8, array.ndim]) + b"".join(
            size.to_bytes(4, "big") for size in array.shape)
        (folder / stem).write_bytes(header + array.astype(np.uint8).tobytes())
    cache = str(tmp_path / "keras")
    datasets.load("fashion_mnist", str(folder), cache_dir=cache)
    kept = os.path.join(cache, "datasets", "fashion_mnist.npz")
    modified = os.stat(kept).st_mtime_ns
    datasets.load("fashion_mnist", str(folder), cache_dir=cache)  # the same: not written again
    assert os.stat(kept).st_mtime_ns == modified
    np.testing.assert_array_equal(datasets.load("fashion_mnist", cache_dir=cache).x_test,
                                  arrays[2])


def test_a_home_that_cannot_be_written_still_trains(tmp_path, monkeypatch):
    from nnlab import datasets
    blocked = tmp_path / "keras"
    blocked.write_text("a file where the cache's folder should be")
    source = write_npz(tmp_path / "m.npz", generated_arrays((28, 28), train_size=20, test_size=5))
    assert len(datasets.load("mnist", source, cache_dir=str(blocked)).x_train) == 20


# The wrong Python: one without the suite's packages.

@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A Python with nothing installed: a virtual environment without the suite's packages
    (what the system python3 is when the suite's environment is not active)."""
    folder = tmp_path_factory.mktemp("bare") / "venv"
    venv.create(folder, with_pip=False)
    python = str(folder / "bin" / "python")
    assert subprocess.run([python, "-c", "import numpy"], capture_output=True).returncode != 0
    return python


@pytest.mark.parametrize("script", STUDENT_SCRIPTS)
def test_the_wrong_python_gets_one_line_that_says_what_to_do(bare_python, script):
    result = subprocess.run([bare_python, os.path.join(REPO_ROOT, script)], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "LANG": "C.UTF-8", "LANGUAGE": ""})
    output = (result.stdout + result.stderr).strip().splitlines()
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and 1 <= len(output) <= 3, output
    if "run as root" not in output[-1]:  # the self-check refuses root before anything else
        assert "is not installed for" in output[-1] and "requirements.txt" in output[-1], output


# Ctrl-C: one line, wherever it lands.

def interrupted(command, env, wait_for):
    """Start `command`, send SIGINT once its output shows `wait_for`; returns (status, stderr)."""
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    seen = ""
    while wait_for not in seen:
        line = process.stdout.readline()
        assert line, f"ended before showing {wait_for!r}: {seen}"
        seen += line
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


@pytest.fixture
def trained_nn(run_script, mnist_npz, tmp_path):
    model = str(tmp_path / "model" / "mnist_NN_model.ckpt")
    result = run_script("mnist/Train_NN.py", "--data", mnist_npz, "--steps", 20, "--model", model,
                        "--no-pictures")
    assert result.returncode == 0, result.stderr
    return model


def assert_one_line_interruption(status, stderr):
    assert status == 130
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert "Interrupted" in stderr


def test_ctrl_c_in_test_nn_is_one_line(script_env, mnist_npz, trained_nn):
    assert_one_line_interruption(*interrupted(
        [sys.executable, os.path.join(REPO_ROOT, "mnist", "Test_NN.py"), "--data", mnist_npz,
         "--model", trained_nn], script_env, "Measuring accuracy"))


def test_ctrl_c_in_the_viewer_is_one_line(script_env, mnist_npz, tmp_path):
    assert_one_line_interruption(*interrupted(
        [sys.executable, os.path.join(REPO_ROOT, "mnist", "show_mnist_data.py"), "--data",
         mnist_npz, "--save", tmp_path / "digits.png"], script_env, "x_train.shape"))


def test_ctrl_c_while_anything_runs_in_a_script_that_imported_nnlab(script_env):
    # the hook, whatever the script is doing: here a loop that never ends by itself
    code = ("import sys; sys.path.insert(0, '.'); import nnlab\n"
            "print('ready', flush=True)\nwhile True: pass\n")
    status, stderr = interrupted([sys.executable, "-c", code], script_env, "ready")
    assert status == 130 and stderr.strip().splitlines() == [
        "Interrupted (Ctrl-C): nothing more was done; run the same command again to start over."]


# The console's cost and the picture's.

def test_the_consoles_cost_is_the_one_the_curves_draw(run_script, mnist_npz, tmp_path):
    logdir = tmp_path / "logs"
    result = run_script("mnist/Train_NN.py", "--data", mnist_npz, "--steps", 20, "--model",
                        tmp_path / "m.ckpt", "--logdir", logdir, "--no-pictures")
    assert result.returncode == 0, result.stderr
    console = float(re.findall(r"step 20/20 .* cost: ([0-9.]+)", result.stdout)[0])
    from nnlab.quiet_tensorflow import import_tensorflow
    tf = import_tensorflow()
    drawn = [value.simple_value if value.HasField("simple_value") else
             float(tf.make_ndarray(value.tensor))
             for name in os.listdir(logdir)
             for event in tf.compat.v1.train.summary_iterator(str(logdir / name))
             for value in event.summary.value
             if event.step == 20 and value.tag == "training_cost"]
    assert drawn and console == pytest.approx(drawn[0], abs=1e-4)
    assert accuracy_from(result.stdout, "against training data:") > 0.5
