"""mnist/Train_NN.py, Test_NN.py and show_mnist_data.py run as students run them."""

import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, accuracy_from, assert_clean_failure

TRAIN, TEST, SHOW = "mnist/Train_NN.py", "mnist/Test_NN.py", "mnist/show_mnist_data.py"


@pytest.fixture
def trained(run_script, mnist_npz, tmp_path):
    """A softmax network trained briefly on generated data; returns its checkpoint path."""
    checkpoint = str(tmp_path / "model" / "mnist_model.ckpt")
    result = run_script(TRAIN, "--data", mnist_npz, "--steps", 30, "--model", checkpoint)
    assert result.returncode == 0, result.stderr
    return checkpoint


def test_help_lists_every_flag_without_importing_tensorflow():
    result = subprocess.run([sys.executable, "-X", "importtime", TRAIN, "--help"], cwd=REPO_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0
    for flag in ("--steps", "--epochs", "--batch-size", "--shuffle", "--seed", "--hidden",
                 "--hidden-units", "--activation", "--init", "--optimizer", "--learning-rate",
                 "--cost", "--model", "--data", "--mirror", "--dataset"):
        assert flag in result.stdout
    assert "(default: 1000)" in result.stdout
    assert " tensorflow" not in result.stderr  # -X importtime lists every module imported


@pytest.mark.parametrize("cwd", [REPO_ROOT, os.path.join(REPO_ROOT, "mnist")])
def test_default_model_is_the_root_model_folder_from_any_folder(cwd):
    result = subprocess.run([sys.executable, os.path.join(REPO_ROOT, TRAIN), "--help"], cwd=cwd,
                            capture_output=True, text=True)
    expected = os.path.join(REPO_ROOT, "model", "mnist_model.ckpt")
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
    (["--batch-size", "5000"], ["--batch-size 5000 is larger than the 600 training images"]),
    (["--steps", "3", "--epochs", "1"], ["not allowed with argument"]),
    (["--optimizer", "rmsprop"], ["invalid choice"]),
    (["--activation", "relu"], ["--activation needs the hidden-layer network (--hidden)"]),
    (["--learning-rate", "0"], ["greater than 0"]),
    (["--frobnicate"], ["unrecognized arguments"]),
])
def test_bad_flags_are_one_line_errors(run_script, mnist_npz, tmp_path, flags, words):
    result = run_script(TRAIN, "--data", mnist_npz, "--model", tmp_path / "m.ckpt", *flags)
    assert_clean_failure(result, *words)
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


def test_show_mnist_data_writes_a_png_without_display(run_script, mnist_npz, tmp_path):
    result = run_script(SHOW, "--data", mnist_npz, "--split", "test", "--count", 12, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    png = tmp_path / "mnist_test_samples.png"
    assert "Picture saved to mnist_test_samples.png" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread
    height, width, _ = imread(png).shape
    assert width > 600 and height > 150  # two rows of eight


def test_show_mnist_data_indices_and_save(run_script, mnist_npz, tmp_path):
    result = run_script(SHOW, "--data", mnist_npz, "--indices", 0, 5, 9,
                        "--save", tmp_path / "pics" / "three.png")
    assert result.returncode == 0, result.stderr
    assert os.path.getsize(tmp_path / "pics" / "three.png") > 1000
    result = run_script(SHOW, "--data", mnist_npz, "--indices", 999999)
    assert_clean_failure(result, "--indices 999999 is outside 0..599")
