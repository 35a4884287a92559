"""mnist_keras/: the course's Keras builders, saving and loading, and the scripts' errors."""

import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import (REAL_MNIST, REPO_ROOT, accuracy_from, assert_clean_failure, generated_arrays,
                      load_script, needs_real_mnist)
from nnlab import checkpoints, datasets
from nnlab.quiet_tensorflow import import_tensorflow

keras = import_tensorflow().keras
train_keras = load_script("mnist_keras/Train_NN_keras.py")
TRAIN, TEST = "mnist_keras/Train_NN_keras.py", "mnist_keras/Test_NN_keras.py"


def dense_layers(model):
    return [(layer.units, layer.activation.__name__) for layer in model.layers]


def test_course_builders():
    without = train_keras.NN_model_without_hidden_layer()
    assert dense_layers(without) == [(10, "softmax")]
    assert without.count_params() == 784 * 10 + 10
    hidden = train_keras.NN_model_with_hidden_layer()
    assert dense_layers(hidden) == [(100, "sigmoid"), (10, "softmax")]
    assert hidden.count_params() == 784 * 100 + 100 + 100 * 10 + 10 == 79510
    assert hidden.input_shape == (None, 784)
    assert hidden.loss == "categorical_crossentropy"
    assert isinstance(hidden.optimizer, keras.optimizers.SGD)
    assert train_keras.NN_model is train_keras.NN_model_without_hidden_layer  # the 2019 choice


def test_builder_options():
    model = train_keras.NN_model_with_hidden_layer(hidden_units=32, activation="relu",
                                                   optimizer=keras.optimizers.Adam())
    assert dense_layers(model) == [(32, "relu"), (10, "softmax")]
    assert isinstance(model.optimizer, keras.optimizers.Adam)


def small_data():
    x_train, y_train, x_test, y_test = generated_arrays((28, 28))
    return (datasets.flat_images(x_train), datasets.one_hot(y_train),
            datasets.flat_images(x_test), datasets.one_hot(y_test))


@pytest.fixture(scope="module")
def fitted_model():
    keras.utils.set_random_seed(0)
    x_train, y_train, x_test, y_test = small_data()
    model = train_keras.NN_model_with_hidden_layer(optimizer=keras.optimizers.Adam(0.01))
    _, before = model.evaluate(x_test, y_test, verbose=0)
    model.fit(x_train, y_train, batch_size=100, epochs=5, verbose=0)
    _, after = model.evaluate(x_test, y_test, verbose=0)
    return model, before, after


def test_short_fit_learns_well_above_chance(fitted_model):
    _, before, after = fitted_model
    assert before < 0.25 and after > 0.8


@pytest.mark.parametrize("extension", [".h5", ".keras"])
def test_save_load_round_trip_gives_identical_predictions(fitted_model, tmp_path, extension):
    model = fitted_model[0]
    _, _, x_test, _ = small_data()
    path = str(tmp_path / ("model" + extension))
    checkpoints.save_keras_model(model, path, {"dataset": "mnist"})
    loaded = checkpoints.load_keras_model(path, "Train_NN_keras.py", input_size=784)
    np.testing.assert_array_equal(model.predict(x_test, verbose=0), loaded.predict(x_test, verbose=0))
    assert sorted(os.listdir(tmp_path)) == ["model" + extension, "model" + extension + ".json"]


def test_failed_save_keeps_the_last_good_model(fitted_model, tmp_path, monkeypatch):
    model = fitted_model[0]
    path = tmp_path / "model.h5"
    checkpoints.save_keras_model(model, str(path), {})
    good = path.read_bytes()

    def broken_save(target, *args, **kwargs):
        with open(target, "wb") as file:
            file.write(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr(model, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        checkpoints.save_keras_model(model, str(path), {})
    assert path.read_bytes() == good and sorted(os.listdir(tmp_path)) == ["model.h5", "model.h5.json"]


def test_train_then_test_scripts(run_script, mnist_npz, tmp_path):
    model = tmp_path / "mnist_NN_model.h5"
    trained = run_script(TRAIN, "--data", mnist_npz, "--epochs", 3, "--optimizer", "adam",
                         "--learning-rate", "0.01", "--validation-split", "0.1", "--model", model)
    assert trained.returncode == 0, trained.stderr
    assert "Epoch 3/3" in trained.stdout and "val_accuracy" in trained.stdout
    assert accuracy_from(trained.stdout, "Accuracy:") > 0.8
    assert trained.stderr == ""  # no TensorFlow noise and no Keras warning
    tested = run_script(TEST, "--data", mnist_npz, "--model", model, "--seed", 4)
    assert tested.returncode == 0, tested.stderr
    assert accuracy_from(tested.stdout, "against test data:") > 0.8
    assert tested.stdout.count("actual: ") == 5 and tested.stderr == ""


def test_no_flags_train_the_2019_softmax_network_and_keras_format(run_script, mnist_npz, tmp_path):
    model = tmp_path / "softmax.keras"
    trained = run_script(TRAIN, "--data", mnist_npz, "--epochs", 1, "--model", model)
    assert trained.returncode == 0, trained.stderr
    assert "7,850" in trained.stdout  # the summary's parameter count of the softmax network
    assert not any(character in trained.stdout for character in "\b\r\x1b")  # a log, not a tty
    assert run_script(TEST, "--model", model).returncode == 0  # follows the recorded data


def test_default_model_name_is_the_2019_one():
    result = subprocess.run([sys.executable, TRAIN, "--help"], cwd=REPO_ROOT, capture_output=True,
                            text=True)
    assert "mnist_NN_model.h5" in result.stdout.replace("\n", "").replace(" ", "")


def test_diverging_training_keeps_the_last_good_model(run_script, mnist_npz, tmp_path):
    model = tmp_path / "m.h5"
    assert run_script(TRAIN, "--data", mnist_npz, "--epochs", 1, "--model", model).returncode == 0
    good = model.read_bytes()
    result = run_script(TRAIN, "--data", mnist_npz, "--epochs", 2, "--hidden", "--learning-rate",
                        "1e38", "--model", model)
    assert_clean_failure(result, "training diverged", "lower --learning-rate", "untouched")
    assert model.read_bytes() == good


@pytest.mark.parametrize("flags, words", [
    (["--epochs", "0"], ["--epochs", "positive"]),
    (["--validation-split", "1.5"], ["--validation-split", "below 1"]),
    (["--no-hidden", "--hidden-units", "50"], ["--hidden-units: needs the hidden-layer network"]),
    (["--batch-size", "600", "--validation-split", "0.5"], ["larger than the 300 training images"]),
    (["--learning-rate", "inf"], ["--learning-rate: must be a finite number greater than 0"]),
    (["--seed", "-1"], ["--seed: must be a whole number from 0"]),
    (["--model", "x.txt"], ["x.txt must end in .h5 or .keras"]),
])
def test_bad_training_flags(run_script, mnist_npz, tmp_path, flags, words):
    assert_clean_failure(run_script(TRAIN, "--data", mnist_npz, "--model", tmp_path / "m.h5",
                                    *flags), *words)


def test_bad_model_files(run_script, mnist_npz, tmp_path):
    missing = run_script(TEST, "--model", tmp_path / "none.h5")
    assert_clean_failure(missing, "no trained model", "run Train_NN_keras.py first")

    checkpoint = tmp_path / "tf1.ckpt"
    assert run_script("mnist/Train_NN.py", "--data", mnist_npz, "--steps", 2,
                      "--model", checkpoint).returncode == 0
    assert_clean_failure(run_script(TEST, "--model", checkpoint),
                         "TensorFlow 1 checkpoint", "Test_NN.py")

    model = tmp_path / "good.h5"
    checkpoints.save_keras_model(train_keras.NN_model_without_hidden_layer(), str(model), {})
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(model.read_bytes()[:3000])
    assert_clean_failure(run_script(TEST, "--model", truncated), "not a Keras model or is damaged")

    not_a_model = tmp_path / "notes.keras"
    not_a_model.write_text("hello")
    assert_clean_failure(run_script(TEST, "--model", not_a_model), "not a Keras model")

    narrow = keras.Sequential([keras.Input((100,)), keras.layers.Dense(10, activation="softmax")])
    narrow_path = tmp_path / "narrow.h5"
    checkpoints.save_keras_model(narrow, str(narrow_path), {})
    assert_clean_failure(run_script(TEST, "--model", narrow_path), "inputs of 100 values, not 784")

    five = keras.Sequential([keras.Input((784,)), keras.layers.Dense(5, activation="softmax")])
    five.compile(loss="categorical_crossentropy", optimizer="sgd")
    checkpoints.save_keras_model(five, str(tmp_path / "five.h5"), {})
    assert_clean_failure(run_script(TEST, "--model", tmp_path / "five.h5"),
                         "gives 5 outputs, not one per class (10)")

    uncompiled = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    checkpoints.save_keras_model(uncompiled, str(tmp_path / "uncompiled.keras"), {})
    assert_clean_failure(run_script(TEST, "--model", tmp_path / "uncompiled.keras"),
                         "saved without compile()")

    (tmp_path / "list.h5.json").write_text("[1, 2]")
    checkpoints.save_keras_model(train_keras.NN_model_without_hidden_layer(), str(tmp_path / "x.h5"),
                                 {})
    (tmp_path / "x.h5.json").write_text("[1, 2]")
    assert_clean_failure(run_script(TEST, "--model", tmp_path / "x.h5"), "x.h5.json is not usable")


@needs_real_mnist
@pytest.mark.parametrize("flags, minimum", [
    ([], 0.903),
    (["--hidden"], 0.892),
    (["--hidden", "--activation", "relu", "--optimizer", "adam", "--hidden-units", "512",
      "--learning-rate", "0.0005", "--epochs", "20"], 0.98),
])
def test_real_mnist_accuracy(run_script, tmp_path, flags, minimum):
    model = tmp_path / "m.h5"
    trained = run_script(TRAIN, "--data", REAL_MNIST, "--model", model, *flags)
    assert trained.returncode == 0, trained.stderr
    tested = run_script(TEST, "--data", REAL_MNIST, "--model", model)
    assert accuracy_from(tested.stdout, "against test data:") >= minimum
