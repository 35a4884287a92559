"""The pictures and TensorBoard logs of the MNIST lab, its Keras version and the homework."""

import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest
from matplotlib.image import imread

from conftest import REPO_ROOT, assert_clean_failure
from nnlab.quiet_tensorflow import import_tensorflow

tf = import_tensorflow()


def picture_size(path):
    """(width, height) in pixels of a non-empty PNG."""
    assert os.path.getsize(path) > 2000, path
    height, width = imread(path).shape[:2]
    return width, height


def event_contents(folder):
    """Whether the event files under `folder` hold a graph, and how many points each tag has."""
    graph, tags = False, {}
    for path in glob.glob(os.path.join(folder, "**", "events.out.tfevents.*"), recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            graph = graph or bool(event.graph_def)
            for value in event.summary.value:
                tags[value.tag] = tags.get(value.tag, 0) + 1
    return graph, tags


@pytest.fixture(scope="module")
def tf1_run(tmp_path_factory):
    """Train_NN.py --logdir, then Test_NN.py, on generated data."""
    from conftest import generated_arrays, write_npz
    folder = tmp_path_factory.mktemp("tf1")
    # noisy, and five test images labelled wrongly: there are always mistakes to draw
    x_train, y_train, x_test, y_test = generated_arrays((28, 28), noise=250)
    y_test[:5] = (y_test[:5] + 1) % 10
    data = write_npz(folder / "mnist.npz", [x_train, y_train, x_test, y_test])
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("DISPLAY", None)
    model, logdir = folder / "model" / "mnist_NN_model.ckpt", folder / "runs" / "x"
    trained = subprocess.run([sys.executable, "mnist/Train_NN.py", "--data", data, "--steps", "250",
                              "--model", str(model), "--logdir", str(logdir)],
                             cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    tested = subprocess.run([sys.executable, "mnist/Test_NN.py", "--data", data,
                             "--model", str(model)], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True)
    return {"trained": trained, "tested": tested, "model": model, "logdir": logdir,
            "folder": folder, "env": env}


def test_tf1_events_hold_the_graph_and_every_logged_point(tf1_run):
    assert tf1_run["trained"].returncode == 0, tf1_run["trained"].stderr
    graph, tags = event_contents(str(tf1_run["logdir"]))
    assert graph
    # cost, accuracy and the output weights' gradient every 10 of 250 steps; test accuracy at
    # steps 100, 200 and the last
    assert tags == {"training_cost": 25, "training_accuracy": 25, "gradient_norm/w": 25,
                    "test_accuracy": 3}
    assert f"tensorboard --logdir {tf1_run['logdir']}" in tf1_run["trained"].stdout


def test_tf1_pictures_beside_the_model(tf1_run):
    assert tf1_run["tested"].returncode == 0, tf1_run["tested"].stderr
    folder = tf1_run["model"].parent
    width, height = picture_size(folder / "mnist_NN_model_ckpt_curves.png")
    assert width > 800 and 300 < height < 500  # two panels side by side
    width, height = picture_size(folder / "mnist_NN_model_ckpt_confusion.png")
    assert 500 < width < 800 and 450 < height < 700
    assert picture_size(folder / "mnist_NN_model_ckpt_mistakes.png")[0] > 300
    width, height = picture_size(folder / "mnist_NN_model_ckpt_weights.png")
    assert width > 600 and height > 300  # 10 templates in 2 rows of 5
    for name in ("confusion", "mistakes", "weights"):
        assert f"Picture saved to {folder / f'mnist_NN_model_ckpt_{name}.png'}" in tf1_run["tested"].stdout


def test_choose_pictures_and_their_folder(tf1_run, run_script):
    folder = tf1_run["folder"] / "chosen"
    result = run_script("mnist/Test_NN.py", "--data", tf1_run["folder"] / "mnist.npz",
                        "--model", tf1_run["model"], "--pictures", "confusion",
                        "--picture-dir", folder)
    assert result.returncode == 0, result.stderr
    assert os.listdir(folder) == ["mnist_NN_model_ckpt_confusion.png"]


def test_a_new_model_leaves_no_picture_of_the_old_one(run_script, mnist_npz, tmp_path):
    model = tmp_path / "m.ckpt"
    assert run_script("mnist/Train_NN.py", "--data", mnist_npz, "--steps", 5,
                      "--no-pictures", "--model", model).returncode == 0
    assert run_script("mnist/Test_NN.py", "--model", model).returncode == 0
    assert (tmp_path / "m_ckpt_weights.png").exists()
    assert run_script("mnist/Train_NN.py", "--data", mnist_npz, "--steps", 5, "--hidden",
                      "--no-pictures", "--model", model).returncode == 0
    assert not any(name.endswith(".png") for name in os.listdir(tmp_path))  # all described the old
    assert run_script("mnist/Test_NN.py", "--model", model).returncode == 0
    pictures = sorted(name for name in os.listdir(tmp_path) if name.endswith(".png"))
    assert "m_ckpt_weights.png" not in pictures  # a hidden-layer network has no templates
    assert {"m_ckpt_confusion.png", "m_ckpt_mistakes.png"} <= set(pictures)


def test_tf1_and_keras_pictures_of_one_lab_never_collide(run_script, mnist_npz, tmp_path):
    for script, model in (("mnist/Train_NN.py", "lab.ckpt"), ("mnist_keras/Train_NN_keras.py",
                                                               "lab.h5")):
        result = run_script(script, "--data", mnist_npz, "--epochs", 1, "--model", tmp_path / model)
        assert result.returncode == 0, result.stderr
    assert {"lab_ckpt_curves.png", "lab_h5_curves.png"} <= set(os.listdir(tmp_path))


def test_one_epoch_curves_show_their_point(tmp_path):
    from nnlab import plots
    figure = plots.training_curves({"loss": ([1], [0.5]), "accuracy": ([1], [0.8])}, "epoch")
    axes = figure.axes
    assert all(line.get_marker() == "o" for axis in axes for line in axis.lines)
    figure.canvas.draw()
    ticks = [tick for tick in axes[0].get_xticks() if axes[0].get_xlim()[0] <= tick <= axes[0].get_xlim()[1]]
    assert ticks and all(float(tick).is_integer() for tick in ticks)


def test_unwritable_logdir_fails_before_training(run_script, mnist_npz, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_script("mnist/Train_NN.py", "--data", mnist_npz, "--model", tmp_path / "m.ckpt",
                        "--logdir", blocker / "logs")
    assert_clean_failure(result, "--logdir")
    assert "Training" not in result.stdout
    result = run_script("mnist_keras/Train_NN_keras.py", "--data", mnist_npz,
                        "--model", tmp_path / "m.h5", "--logdir", blocker / "logs")
    assert_clean_failure(result, "--logdir")
    assert "Epoch" not in result.stdout


def test_unwritable_picture_folder_fails_before_testing(tf1_run, run_script, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_script("mnist/Test_NN.py", "--model", tf1_run["model"],
                        "--picture-dir", blocker / "pictures")
    assert_clean_failure(result, "--picture-dir")
    assert "Accuracy" not in result.stdout


def test_keras_tensorboard_callback_and_pictures(run_script, mnist_npz, tmp_path):
    model, logdir = tmp_path / "k.h5", tmp_path / "logs"
    trained = run_script("mnist_keras/Train_NN_keras.py", "--data", mnist_npz, "--epochs", 3,
                         "--no-hidden", "--validation-split", "0.2", "--model", model,
                         "--logdir", logdir)
    assert trained.returncode == 0, trained.stderr
    _, tags = event_contents(str(logdir / "train"))
    assert tags["epoch_loss"] == 3 and tags["epoch_accuracy"] == 3
    _, tags = event_contents(str(logdir / "validation"))
    assert tags["epoch_loss"] == 3
    assert picture_size(tmp_path / "k_h5_curves.png")[0] > 800
    tested = run_script("mnist_keras/Test_NN_keras.py", "--data", mnist_npz, "--model", model)
    assert tested.returncode == 0, tested.stderr
    for name in ("confusion", "mistakes", "weights"):  # no hidden layer: templates too
        picture_size(tmp_path / f"k_h5_{name}.png")


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is None,
                    reason="TensorBoard is not installed (pip install tensorboard)")
def test_tensorboard_serves_the_scalars(tf1_run):
    process = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(tf1_run["logdir"].parent),
         "--host", "127.0.0.1", "--port", "0", "--reload_task", "blocking", "--reload_interval", "0", "--load_fast", "false"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=tf1_run["env"])
    try:
        for line in process.stdout:  # data are loaded before the address is printed
            if "http://127.0.0.1:" in line:
                url = line[line.index("http://"):].split()[0].rstrip("/")
                break
        else:
            pytest.fail("TensorBoard did not start")
        with urllib.request.urlopen(url + "/data/plugin/scalars/tags", timeout=30) as response:
            served = json.load(response)
        with urllib.request.urlopen(url + "/data/plugin/graphs/info", timeout=30) as response:
            graphs = json.load(response)
    finally:
        process.kill()
        process.wait()
    assert set(served["x"]) == {"training_cost", "training_accuracy", "test_accuracy",
                                "gradient_norm/w"}
    assert graphs["x"]["run_graph"]


@pytest.mark.parametrize("flags, words", [
    (["--init", "zeros"], "groups? of identical units.*: zero initial weights keep units identical"),
    (["--init", "zeros", "--exact-symmetry"],
     "in 1 group of identical units: zero initial weights keep units identical$"),
    (["--init", "glorot"], ", all distinct$")])
def test_inside_the_hidden_layer(run_script, mnist_npz, tmp_path, flags, words):
    model, logdir = tmp_path / "h.ckpt", tmp_path / "logs"
    trained = run_script("mnist/Train_NN.py", "--data", mnist_npz, "--hidden", *flags,
                         "--steps", 60, "--model", model, "--logdir", logdir)
    assert trained.returncode == 0, trained.stderr
    picture_size(tmp_path / "h_ckpt_gradients.png")
    _, tags = event_contents(str(logdir))
    assert tags["gradient_norm/w_hidden"] == tags["saturated_hidden_units"] == 6
    tested = run_script("mnist/Test_NN.py", "--model", model)
    assert tested.returncode == 0, tested.stderr
    width, height = picture_size(tmp_path / "h_ckpt_hidden_units.png")
    assert width > 600 and height > 600  # 100 units in 10 rows of 10
    line = next(line for line in tested.stdout.splitlines() if line.startswith("hidden units:"))
    assert line.startswith("hidden units: 100") and re.search(words, line), line


def test_distinct_units_are_counted_with_rounding_tolerance():
    import numpy as np
    from nnlab.report import unit_groups
    weights = np.tile(np.linspace(-1, 1, 784)[:, None], (1, 5))
    weights[:, 4] += 1e-9  # rounding-sized: still the same unit
    assert unit_groups(weights, np.zeros(5)) == [5]
    weights[:, 3] += 0.1
    assert unit_groups(weights, np.zeros(5)) == [4, 1]


def test_no_gradients_records_and_draws_none(run_script, mnist_npz, tmp_path):
    trained = run_script("mnist/Train_NN.py", "--data", mnist_npz, "--hidden", "--steps", 20,
                         "--no-gradients", "--model", tmp_path / "h.ckpt", "--logdir",
                         tmp_path / "logs")
    assert trained.returncode == 0, trained.stderr
    assert not (tmp_path / "h_ckpt_gradients.png").exists()
    _, tags = event_contents(str(tmp_path / "logs"))
    assert set(tags) == {"training_cost", "training_accuracy", "test_accuracy"}


def test_run_experiments_quick_writes_every_row_even_where_one_fails(run_script, mnist_npz,
                                                                      tmp_path, script_env):
    broken = tmp_path / "fashion.npz"
    broken.write_bytes(b"not the data")  # Fashion-MNIST unusable, as on a machine without it
    # a machine with a display: its scripts must still never wait for a window to be closed
    env = dict(script_env, FASHION_MNIST_DATA=str(broken), DISPLAY=":98", MPLBACKEND="TkAgg")
    result = run_script("mnist/run_experiments.py", "--quick", "--mnist", mnist_npz,
                        "--out", tmp_path, env=env, timeout=900)
    message = assert_clean_failure(result, "2 of", "experiments failed", "Fashion-MNIST")
    assert "their rows in" in message and "say why" in message
    rows = [line for line in (tmp_path / "experiments.md").read_text().splitlines()
            if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) >= 13
    failed = [row for row in rows if "failed:" in row]
    assert len(failed) == 2  # the softmax network's and the convolutional network's
    assert all("Fashion-MNIST" in row and str(broken) in row for row in failed)
    for row in rows:
        if row in failed:
            continue
        name, command, train, test, seconds = [cell.strip() for cell in row.strip("|").split("|")]
        assert command.startswith("`python mnist") and test.endswith("%") and seconds.isdigit()
    longer = next(row for row in rows if "300 units" in row)
    assert "--steps 600" in longer and "--steps 6000" not in longer  # shortened, not appended
    width, _ = picture_size(tmp_path / "experiments.png")
    assert width > 800
