"""mnist/Train_NN.py, Test_NN.py and show_mnist_data.py run as students run them."""

import json
import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT, accuracy_from, assert_clean_failure, run_and_report_tensorflow

TRAIN, TEST, SHOW = "mnist/Train_NN.py", "mnist/Test_NN.py", "mnist/show_mnist_data.py"


@pytest.fixture
def trained(run_script, mnist_npz, tmp_path):
    """A softmax network trained briefly on generated data; returns its checkpoint path."""
    checkpoint = str(tmp_path / "model" / "mnist_NN_model.ckpt")
    result = run_script(TRAIN, "--data", mnist_npz, "--steps", 30, "--model", checkpoint)
    assert result.returncode == 0, result.stderr
    return checkpoint


def test_help_lists_every_flag_without_importing_tensorflow():
    result, tensorflow_loaded = run_and_report_tensorflow(TRAIN, "--help")
    for flag in ("--steps", "--epochs", "--batch-size", "--shuffle", "--seed", "--hidden",
                 "--hidden-units", "--activation", "--init", "--optimizer", "--learning-rate",
                 "--cost", "--model", "--data", "--mirror", "--dataset", "--gradients"):
        assert flag in result.stdout
    assert "(default: 1000)" in result.stdout
    assert not tensorflow_loaded


@pytest.mark.parametrize("script", [
    "mnist/Test_NN.py", "mnist/show_mnist_data.py", "mnist/run_experiments.py",
    "mnist_keras/Train_NN_keras.py", "mnist_keras/Test_NN_keras.py", "cifar/Test_NN_cifar.py",
    "cifar/show_cifar_data.py", "cifar/grade_homework.py", "cifar/check_homework.py"])
def test_no_script_loads_tensorflow_for_help(script):
    result, tensorflow_loaded = run_and_report_tensorflow(script, "--help")
    assert "usage:" in result.stdout and not tensorflow_loaded


def test_the_handout_loads_keras_at_the_top_as_in_2019():
    # the probe can tell: the handout imports keras before parsing its flags, on purpose
    result, tensorflow_loaded = run_and_report_tensorflow("cifar/Train_NN_cifar.py", "--help")
    assert "usage:" in result.stdout and tensorflow_loaded


@pytest.mark.parametrize("cwd", [REPO_ROOT, os.path.join(REPO_ROOT, "mnist")])
def test_default_model_is_the_root_model_folder_from_any_folder(cwd):
    result = subprocess.run([sys.executable, os.path.join(REPO_ROOT, TRAIN), "--help"], cwd=cwd,
                            capture_output=True, text=True)
    expected = os.path.join(REPO_ROOT, "model", "mnist_NN_model.ckpt")
    assert expected in result.stdout.replace("\n", "").replace(" ", "")


def test_train_then_test_from_the_scripts_own_folder(run_script, mnist_npz, tmp_path):
    checkpoint = str(tmp_path / "model.ckpt")
    mnist_folder = os.path.join(REPO_ROOT, "mnist")
    trained = run_script("mnist/Train_NN.py", "--data", mnist_npz, "--steps", 30,
                         "--model", checkpoint, cwd=mnist_folder)
    assert trained.returncode == 0, trained.stderr
    assert "Training NN_comp_graph_without_hidden_layer on MNIST: 30 steps of 100" in trained.stdout
    assert accuracy_from(trained.stdout, "against training data:") > 0.8
    assert trained.stderr == ""  # no TensorFlow start-up noise

    tested = run_script("mnist/Test_NN.py", "--data", mnist_npz, "--model", checkpoint,
                        cwd=mnist_folder)
    assert tested.returncode == 0, tested.stderr
    assert accuracy_from(tested.stdout, "Accuracy of trained model against test data:") > 0.8
    assert "No sign of overfitting" in tested.stdout
    samples = [line for line in tested.stdout.splitlines() if line.startswith("actual: ")]
    assert len(samples) == 5 and all(", predicted: " in line for line in samples)


def test_hidden_layer_run_is_tested_as_a_hidden_layer_network(run_script, mnist_npz, tmp_path):
    checkpoint = str(tmp_path / "hidden.ckpt")
    result = run_script(TRAIN, "--data", mnist_npz, "--steps", 40, "--hidden", "--init",
                        "glorot", "--hidden-units", 16, "--activation", "tanh", "--optimizer",
                        "adam", "--model", checkpoint)
    assert result.returncode == 0, result.stderr
    metadata = json.load(open(checkpoint + ".json"))
    assert metadata["builder"] == "NN_comp_graph_with_hidden_layer"
    assert metadata["options"]["hidden_units"] == 16 and metadata["options"]["activation"] == "tanh"
    tested = run_script(TEST, "--data", mnist_npz, "--model", checkpoint, "--samples", 3)
    assert tested.returncode == 0, tested.stderr
    assert tested.stdout.count("actual: ") == 3


def test_epochs_and_same_seed_give_the_same_numbers(run_script, mnist_npz, tmp_path):
    outputs = []
    for name in ("a", "b"):
        result = run_script(TRAIN, "--data", mnist_npz, "--epochs", 2, "--batch-size", 50,
                            "--shuffle", "--hidden", "--init", "glorot", "--seed", 7,
                            "--model", tmp_path / name / "m.ckpt")
        assert result.returncode == 0, result.stderr
        assert "24 steps of 50 images" in result.stdout  # 600 images / 50 = 12 per epoch
        outputs.append(accuracy_from(result.stdout, "against training data:"))
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("flags, words", [
    (["--steps", "-5"], ["--steps", "positive whole number"]),
    (["--batch-size", "0"], ["--batch-size", "positive"]),
    (["--batch-size", "5000"], ["--batch-size: 5000 is larger than the 600 training images"]),
    (["--steps", "3", "--epochs", "1"], ["not allowed with argument"]),
    (["--optimizer", "rmsprop"], ["invalid choice"]),
    (["--activation", "relu"], ["--activation: needs the hidden-layer network (--hidden)"]),
    (["--exact-symmetry"], ["--exact-symmetry: needs the hidden-layer network (--hidden)"]),
    (["--learning-rate", "0"], ["greater than 0"]),
    (["--learning-rate", "inf"], ["must be a finite number greater than 0, not inf"]),
    (["--learning-rate", "nan"], ["must be a finite number greater than 0, not nan"]),
    (["--seed", "-1"], ["--seed: must be a whole number from 0 to 4294967295, not -1"]),
    (["--seed", "1.5"], ["--seed: must be a whole number from 0 to 4294967295, not '1.5'"]),
    (["--model", "x.h5"], ["x.h5 is a Keras file name"]),
    (["--frobnicate"], ["unrecognized arguments"]),
])
def test_bad_flags_are_one_line_errors(run_script, mnist_npz, tmp_path, flags, words):
    flags = [str(tmp_path / flag) if flag == "x.h5" else flag for flag in flags]
    result = run_script(TRAIN, "--data", mnist_npz, "--model", tmp_path / "m.ckpt", *flags)
    assert_clean_failure(result, *words)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # not a usage block
    assert "(see --help)" in result.stderr
    assert not os.path.exists(tmp_path / "m.ckpt.index")


def test_missing_data_file(run_script, tmp_path):
    result = run_script(TRAIN, "--data", tmp_path / "none.npz", "--model", tmp_path / "m.ckpt")
    assert_clean_failure(result, "none.npz does not exist")


def test_diverging_training_stops_without_saving(run_script, mnist_npz, tmp_path):
    result = run_script(TRAIN, "--data", mnist_npz, "--steps", 50, "--learning-rate", "1e38",
                        "--model", tmp_path / "m.ckpt")
    assert_clean_failure(result, "lower --learning-rate", "no model was saved")
    assert not os.path.exists(tmp_path / "m.ckpt.index")


def test_unwritable_model_folder_fails_before_training(run_script, mnist_npz, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = run_script(TRAIN, "--data", mnist_npz, "--model", blocker / "m.ckpt")
    assert_clean_failure(result, "cannot write to", "--model")
    assert "Training" not in result.stdout


def test_test_without_checkpoint_says_train_first(run_script, tmp_path):
    result = run_script(TEST, "--model", tmp_path / "nothing.ckpt")
    assert_clean_failure(result, "no trained model", "run Train_NN.py first")


def test_mismatched_checkpoint(run_script, mnist_npz, trained, tmp_path):
    hidden = str(tmp_path / "hidden.ckpt")
    assert run_script(TRAIN, "--data", mnist_npz, "--steps", 5, "--hidden",
                      "--model", hidden).returncode == 0
    os.replace(hidden + ".json", trained + ".json")  # describes a network the variables are not
    result = run_script(TEST, "--data", mnist_npz, "--model", trained)
    assert_clean_failure(result, "does not match the network", "run Train_NN.py again")


def test_partial_checkpoint(run_script, mnist_npz, trained):
    data_files = [name for name in os.listdir(os.path.dirname(trained)) if ".data-" in name]
    os.remove(os.path.join(os.path.dirname(trained), data_files[0]))
    result = run_script(TEST, "--data", mnist_npz, "--model", trained)
    assert_clean_failure(result, "run Train_NN.py again")


def test_interrupted_training_keeps_the_last_good_model(script_env, mnist_npz, trained):
    folder = os.path.dirname(trained)
    before = {name: open(os.path.join(folder, name), "rb").read() for name in os.listdir(folder)}
    process = subprocess.Popen([sys.executable, TRAIN, "--data", mnist_npz, "--steps", str(10**7),
                                "--model", trained], cwd=REPO_ROOT, env=script_env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = ""
    while "cost:" not in seen:  # wait until the progress bar shows training under way
        character = process.stdout.read(1)
        assert character, "training ended before it could be interrupted"
        seen += character
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Interrupted" in stderr and "Traceback" not in stderr and "Exception" not in stderr
    after = {name: open(os.path.join(folder, name), "rb").read() for name in os.listdir(folder)}
    assert after == before  # same files, same bytes, no scratch folder left


def test_show_mnist_data_is_the_2019_mosaic_with_its_label_grid(run_script, mnist_npz, tmp_path):
    save = tmp_path / "pics" / "digits.png"
    result = run_script(SHOW, "--data", mnist_npz, "--save", save)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "x_train.shape: (600, 28, 28), y_train.shape: (600,)"
    assert lines[1].startswith("y_train[:10]: [")
    grid = lines[3:23]
    assert [len(row.split()) for row in grid] == [30] * 20  # 600 labels, 20 rows of 30
    labels = np.load(mnist_npz)["y_train"]
    assert [int(label) for row in grid for label in row.split()] == labels[:600].tolist()
    from matplotlib.image import imread
    height, width = imread(save).shape[:2]
    assert width > height > 200  # one wide mosaic, not a grid of captioned panels


def test_show_mnist_data_default_picture_goes_where_the_pictures_go(run_script, mnist_npz):
    from nnlab.paths import MODEL_DIR
    result = run_script(SHOW, "--data", mnist_npz, "--split", "test", "--offset", 170)
    assert result.returncode == 0, result.stderr
    assert f"Picture saved to {MODEL_DIR / 'mnist_data.png'}" in result.stdout
    assert [len(row.split()) for row in result.stdout.splitlines()[3:]][:1] == [30]
    assert len(result.stdout.splitlines()[3:-1]) == 1  # 30 test images are left after #170


def test_data_from_keras_cache_leaves_no_tensorflow_noise(run_script, script_env, mnist_npz,
                                                          tmp_path):
    cache = os.path.join(script_env["KERAS_HOME"], "datasets")
    os.makedirs(cache)
    shutil.copy(mnist_npz, os.path.join(cache, "mnist.npz"))  # not Keras' bytes: good arrays
    result = run_script(SHOW, "--save", tmp_path / "digits.png")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the loader's Keras import goes through the quiet import
    assert result.stdout.startswith("x_train.shape: (600, 28, 28)")


def test_show_mnist_data_indices_and_names(run_script, mnist_npz, tmp_path):
    result = run_script(SHOW, "--data", mnist_npz, "--indices", 0, 5, 9, "--save",
                        tmp_path / "three.png")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()[3].split()) == 3
    result = run_script(SHOW, "--data", mnist_npz, "--indices", 999999)
    assert_clean_failure(result, "--indices: 999999 is outside 0..599")
    result = run_script(SHOW, "--dataset", "fashion_mnist", "--data", mnist_npz, "--names",
                        "--indices", 0, 1, "--save", tmp_path / "f.png")
    assert result.returncode == 0, result.stderr
    names = result.stdout.splitlines()[3]
    from nnlab.datasets import FASHION_MNIST
    assert any(name in names for name in FASHION_MNIST.class_names), names


TEST_NN_2019 = '''import os
os.environ['TF_CPP_MIN_LOG_LEVEL']='3'  # disable TF logging
import sys
import numpy as np
import tensorflow as tf
from NN_comp_graph import NN_comp_graph


def test(x_test, y_test):
    accuracy, train = NN_comp_graph(x_test, y_test)
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session() as sess:
        saver.restore(sess, "./model/mnist_NN_model.ckpt")
        print("Accurary of trained model against test data:", sess.run(accuracy))


def run():
    with np.load(sys.argv[1]) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    x_test = x_test.astype("float32").reshape(-1, 784) / 255
    y_test = tf.keras.utils.to_categorical(y_test)
    test(x_test, y_test)


run()
'''


def run_2019_test_nn(run_script, data, folder):
    """The 2019 Test_NN.py, as a student's copy: NN_comp_graph on numpy arrays, no feed."""
    checkpoint = folder / "model" / "mnist_NN_model.ckpt"
    trained = run_script(TRAIN, "--data", data, "--model", checkpoint, "--no-pictures")
    assert trained.returncode == 0, trained.stderr
    (folder / "Test_NN.py").write_text(TEST_NN_2019)
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    tested = subprocess.run([sys.executable, "Test_NN.py", data], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=300)
    assert tested.returncode == 0, tested.stderr
    return accuracy_from(tested.stdout, "Accurary of trained model against test data:")


def test_the_2019_test_script_works_with_this_graph_module(run_script, mnist_npz, tmp_path):
    assert run_2019_test_nn(run_script, mnist_npz, tmp_path) > 0.8


@pytest.mark.parametrize("notes, words", [
    ({"builder": "placeholders", "options": {}, "dataset": "mnist"}, "is not one of"),
    ({"builder": "__import__", "options": {}, "dataset": "mnist"}, "is not one of"),
    ({"builder": "NN_comp_graph_with_hidden_layer", "options": {}}, "does not say which data"),
    ({"builder": "NN_comp_graph_with_hidden_layer", "options": {"activation": "softsign"},
      "dataset": "mnist"}, "option activation = 'softsign' is not valid"),
    ({"builder": "NN_comp_graph_without_hidden_layer", "options": {"hidden_units": 5},
      "dataset": "mnist"}, "takes no option 'hidden_units'"),
    ({"builder": "NN_comp_graph_without_hidden_layer", "options": [], "dataset": "mnist"},
     "options are not an object"),
    ([1, 2, 3], "a JSON list, not an object"),
    ({"builder": "NN_comp_graph_without_hidden_layer", "options": {}, "dataset": "imagenet"},
     "unknown data set 'imagenet'"),
])
def test_notes_beside_a_checkpoint_are_checked(run_script, mnist_npz, trained, notes, words):
    with open(trained + ".json", "w") as file:
        json.dump(notes, file)
    result = run_script(TEST, "--data", mnist_npz, "--model", trained)
    assert_clean_failure(result, words, "run Train_NN.py again")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("script", [TRAIN, TEST, SHOW])
def test_missing_data_is_reported_before_tensorflow_loads(tmp_path, script):
    result, tensorflow_loaded = run_and_report_tensorflow(script, "--data", tmp_path / "none.npz")
    assert result.stderr.splitlines() == [
        f"{os.path.basename(script)}: error: argument --data: {tmp_path / 'none.npz'} does not "
        "exist: give the path of a local copy, or leave --data out to use Keras' cache or a "
        "download (see --help)"]
    assert not tensorflow_loaded


def test_test_follows_the_data_recorded_beside_the_model(run_script, mnist_npz, trained):
    notes = json.load(open(trained + ".json"))
    assert notes["data"] == mnist_npz and notes["dataset"] == "mnist"
    result = run_script(TEST, "--model", trained, "--no-pictures")  # no --data, offline
    assert result.returncode == 0, result.stderr
    assert "Measuring accuracy on 200 test and 600 training images..." in result.stdout


def test_progress_in_a_log_has_no_control_characters(run_script, mnist_npz, tmp_path):
    result = run_script(TRAIN, "--data", mnist_npz, "--steps", 40, "--model", tmp_path / "m.ckpt")
    assert result.returncode == 0, result.stderr
    assert not any(character in result.stdout for character in "\b\r\x1b")
    assert "step 40/40" in result.stdout
