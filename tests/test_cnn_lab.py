"""Lecture 4, the CNN lab: mnist/Train_CNN.py and Test_CNN.py, the Keras CNN, the CIFAR-10 CNN
homework (handout, reference answer, test script, notebook twin, make_handout's refusal), the
lesson files' share of lesson, and short runs on the real data."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import (REAL_CIFAR10, REAL_FASHION_MNIST, REAL_MNIST, REPO_ROOT, accuracy_from,
                      assert_clean_failure, generated_arrays, load_script,
                      needs_real_cifar10, needs_real_fashion_mnist, needs_real_mnist,
                      run_and_report_tensorflow, write_npz)

TRAIN, TEST = "mnist/Train_CNN.py", "mnist/Test_CNN.py"
TRAIN_KERAS, TEST_KERAS = "mnist_keras/Train_CNN_keras.py", "mnist_keras/Test_CNN_keras.py"
HANDOUT, TEST_CIFAR = "cifar/Train_CNN_cifar.py", "cifar/Test_CNN_cifar.py"
REFERENCE = os.path.join(REPO_ROOT, "grader", "cnn_reference_solution.py")
LESSON_SHARE = os.path.join(REPO_ROOT, "..", "shared", "tools", "lesson_share.py")
SHAPES = ["c1: (None, 28, 28, 32)", "conv1: (None, 28, 28, 32)", "pool1: (None, 14, 14, 32)",
          "c2: (None, 14, 14, 64)", "conv2: (None, 14, 14, 64)", "pool2: (None, 7, 7, 64)"]


def samples_of(output):
    return [line for line in output.splitlines() if line.startswith("actual: ")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Generated data: MNIST-like and CIFAR-10-like, small and learnable."""
    path = tmp_path_factory.mktemp("cnn")
    write_npz(path / "mnist.npz", generated_arrays((28, 28)))
    write_npz(path / "cifar10.npz", generated_arrays((32, 32, 3), train_size=400, test_size=100))
    return path


@pytest.fixture(scope="module")
def env(folder):
    variables = {key: value for key, value in os.environ.items()
                 if key not in ("DISPLAY", "WAYLAND_DISPLAY", "MNIST_DATA", "CIFAR10_DATA",
                                "FASHION_MNIST_DATA", "NNLAB_MIRROR")}
    return dict(variables, KERAS_HOME=str(folder / "keras_home"), MPLBACKEND="Agg",
                PYTHONUNBUFFERED="1")


def run(env, script, *args, cwd=REPO_ROOT):
    return subprocess.run([sys.executable, os.path.join(REPO_ROOT, script), *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def tf1_lab(folder, env):
    """Train_CNN.py then Test_CNN.py, run from the mnist/ folder as a student would."""
    model = folder / "model" / "mnist_CNN_model.ckpt"
    mnist = os.path.join(REPO_ROOT, "mnist")
    trained = run(env, TRAIN, "--data", folder / "mnist.npz", "--steps", 40, "--model", model,
                  cwd=mnist)
    tested = run(env, TEST, "--model", model, cwd=mnist)  # the data as recorded beside it
    return trained, tested, model


def test_help_answers_at_once_with_every_flag_and_default():
    expected = {TRAIN: ["--steps", "(default: 10000)", "--keep-prob", "(default: 0.5)",
                        "--batch-size", "(default: 100)", "--seed", "--dataset", "--data",
                        "--mirror", "--model", "mnist_CNN_model.ckpt", "--pictures", "--logdir"],
                TEST: ["--model", "--data", "--samples", "filters, feature_maps, confusion"],
                TRAIN_KERAS: ["--epochs", "(default: 8)", "--adadelta-keras3-default",
                              "--validation-split", "(default: 0.1)", "--train-size",
                              "mnist_CNN_model.h5"],
                TEST_KERAS: ["--model", "--train-size", "--samples"],
                TEST_CIFAR: ["--korean", "--scale", "cifar_CNN_model.h5", "samples"]}
    for script, words in expected.items():
        result, tensorflow_loaded = run_and_report_tensorflow(script, "--help")
        text = " ".join(result.stdout.split()).replace("- ", "-")
        assert all(word in text for word in words), (script, result.stdout)
        assert not tensorflow_loaded, script


def test_train_cnn_shows_the_2019_lines_and_saves_checkpoint_notes_and_curves(tf1_lab, folder):
    trained, _, model = tf1_lab
    assert trained.returncode == 0, trained.stderr
    lines = trained.stdout.splitlines()
    assert lines[:6] == SHAPES  # the graph prints its six shapes, as in 2019
    assert lines[6] == ("Training CNN_comp_graph on MNIST, on the CPU: 40 steps of 100 images, "
                        "keep_prob 0.5")
    steps = [line.split(":")[0] for line in lines if line.startswith("Accuracy at step")]
    assert steps == [f"Accuracy at step {step}" for step in (0, 10, 20, 30)]
    assert trained.stderr == "" and not any(c in trained.stdout for c in "\b\r\x1b")
    assert "40 steps done in" in lines[-3] and lines[-2] == f"Model saved to {model}"
    saved = os.listdir(model.parent)
    for suffix in (".data-00000-of-00001", ".index", ".json", ".meta"):
        assert "mnist_CNN_model.ckpt" + suffix in saved
    assert "mnist_CNN_model_ckpt_curves.png" in saved
    assert "checkpoint" not in saved and not any(name.startswith(".") for name in saved)
    assert json.load(open(f"{model}.json")) == {
        "network": "CNN_comp_graph", "dataset": "mnist", "data": str(folder / "mnist.npz"),
        "steps": 40, "batch_size": 100, "seed": 1, "keep_prob": 0.5}


def test_test_cnn_averages_batches_says_overfitting_and_draws_the_convolutions(tf1_lab):
    _, tested, model = tf1_lab
    assert tested.returncode == 0, tested.stderr
    assert "Measuring accuracy on 200 test and 600 training images..." in tested.stdout
    assert accuracy_from(tested.stdout, "Accuracy of trained model against test data:") > 0.5
    assert accuracy_from(tested.stdout, "against training data:") > 0.5
    assert "overfitting" in tested.stdout.lower()
    assert len(samples_of(tested.stdout)) == 5
    from matplotlib.image import imread
    for name, least_width in (("filters", 600), ("feature_maps", 900), ("confusion", 500)):
        picture = model.parent / f"mnist_CNN_model_ckpt_{name}.png"
        assert f"Picture saved to {picture}" in tested.stdout
        assert imread(picture).shape[1] > least_width, name


def test_the_same_seed_gives_the_same_numbers(tf1_lab, folder, env):
    def accuracies(output):
        return [line.split(" (ETA")[0] for line in output.splitlines()
                if line.startswith("Accuracy at step")]

    again = run(env, TRAIN, "--data", folder / "mnist.npz", "--steps", 40, "--seed", 1,
                "--no-pictures", "--model", folder / "again" / "m.ckpt")
    assert again.returncode == 0, again.stderr
    assert accuracies(again.stdout) == accuracies(tf1_lab[0].stdout)  # dropout's masks too


@pytest.mark.parametrize("flags, words", [
    (["--keep-prob", "0"], ["--keep-prob: must be above 0 and at most 1, not 0"]),
    (["--keep-prob", "1.5"], ["--keep-prob: must be above 0 and at most 1, not 1.5"]),
    (["--steps", "-5"], ["--steps", "positive whole number"]),
    (["--shuffle"], ["unrecognized arguments: --shuffle"]),
    (["--model", "x.h5"], ["x.h5 is a Keras file name"]),
    (["--data", "none.npz"], ["none.npz does not exist"]),
])
def test_bad_flags_are_one_line_errors(folder, env, flags, words):
    result = run(env, TRAIN, "--model", folder / "bad" / "m.ckpt", *flags)
    assert_clean_failure(result, *words)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_checkpoints_of_the_other_lab_say_which_script_tests_them(tf1_lab, folder, env):
    _, _, cnn = tf1_lab
    assert_clean_failure(run(env, TEST, "--model", folder / "none.ckpt"),
                         "no trained model", "run Train_CNN.py first")
    assert_clean_failure(run(env, "mnist/Test_NN.py", "--model", cnn), "is the convolutional "
                         "network of Train_CNN.py: test it with Test_CNN.py")
    assert_clean_failure(run(env, TEST_KERAS, "--model", cnn), "TensorFlow 1 checkpoint",
                         "test it with Test_CNN.py")
    mlp = folder / "mlp" / "m.ckpt"
    assert run(env, "mnist/Train_NN.py", "--data", folder / "mnist.npz", "--steps", 2,
               "--no-pictures", "--model", mlp).returncode == 0
    assert_clean_failure(run(env, TEST, "--model", mlp),
                         "NN_comp_graph.py's NN_comp_graph_without_hidden_layer",
                         "test it with Test_NN.py")


TEST_CNN_2019 = '''import os
os.environ['TF_CPP_MIN_LOG_LEVEL']='3'  # disable TF logging
import sys
import numpy as np
import tensorflow as tf
from CNN_comp_graph import CNN_comp_graph


def test(x_test, y_test):
    x_in = tf.compat.v1.placeholder(tf.float32, [None, 784])
    y_in = tf.compat.v1.placeholder(tf.float32, [None, 10])
    accuracy, train = CNN_comp_graph(x_in, y_in, 1.0)
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session() as sess:
        saver.restore(sess, "./model/mnist_CNN_model.ckpt")
        accuracies = [sess.run(accuracy, feed_dict={x_in: x_test[i:i + 100],
                                                    y_in: y_test[i:i + 100]})
                      for i in range(0, len(x_test), 100)]
        print("Accurary of trained model against test data:", np.mean(accuracies))


def run():
    with np.load(sys.argv[1]) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    x_test = x_test.astype("float32").reshape(-1, 784) / 255
    y_test = tf.keras.utils.to_categorical(y_test)
    test(x_test, y_test)


run()
'''


def test_the_2019_test_script_works_with_this_graph_module(tf1_lab, folder, tmp_path):
    """A student's copy of the 2019 Test_CNN.py: keep_prob a plain 1.0, batches of 100."""
    _, tested, model = tf1_lab
    shutil.copytree(model.parent, tmp_path / "model")
    (tmp_path / "Test_CNN.py").write_text(TEST_CNN_2019)
    result = subprocess.run([sys.executable, "Test_CNN.py", str(folder / "mnist.npz")],
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=REPO_ROOT),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    label = "against test data:"
    assert accuracy_from(result.stdout, label) == pytest.approx(
        accuracy_from(tested.stdout, label), abs=1e-4)


@pytest.mark.skipif(not os.path.exists(LESSON_SHARE), reason=f"{LESSON_SHARE} not found (the "
                    "course's counting tool lives beside the suite, in ../shared/tools)")
def test_the_tf1_lesson_files_are_mostly_lesson():
    files = ["CNN_comp_graph.py", TRAIN, TEST]
    result = subprocess.run([sys.executable, LESSON_SHARE, "--min", "0.60", *files],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_the_lesson_files_show_the_slides_calls_in_the_slides_order():
    def order(path, calls):
        source = open(os.path.join(REPO_ROOT, path), encoding="utf-8").read()
        code = source.index('"""', 3)  # after the docstring, which may name them in its words
        positions = [source.find(call, code) for call in calls]
        assert -1 not in positions, [call for call, at in zip(calls, positions) if at == -1]
        assert positions == sorted(positions), path

    order("CNN_comp_graph.py", ["def weight_variable", "tf.truncated_normal(shape, stddev=0.1)",
                                "def bias_variable", "tf.constant(0.1, shape=shape)",
                                "tf.reshape(", "tf.nn.conv2d(", "tf.nn.relu(", "tf.nn.max_pool(",
                                "tf.nn.conv2d(pool1", "tf.nn.dropout(fc1, rate=1 - keep_prob",
                                "tf.nn.softmax(", "-tf.reduce_sum(y_in * tf.log(y_conv))",
                                "tf.train.AdamOptimizer(1e-4).minimize(cross_entropy"])
    order(TRAIN, ["def get_batch", "tf.placeholder(tf.float32, [None, 784])",
                  "keep_prob = tf.placeholder(tf.float32)", "CNN_comp_graph(x_in, y_in, keep_prob)",
                  "tf.Session()", "for i in range(steps):", "get_batch(x_train, y_train",
                  "if i % 10 == 0:", "sess.run(train, feed_dict={x_in: batch_x",
                  "tf.train.Saver().save(sess, path)"])
    order(TEST, ["tf.placeholder(tf.float32, [None, 784])", "CNN_comp_graph(x_in, y_in, 1.0)",
                 "tf.train.Saver().restore(sess, path)", "= average_accuracy(sess"])
    order(TRAIN_KERAS, ["Convolution2D(32, (5, 5))", "MaxPooling2D((2, 2))",
                        "Convolution2D(64, (5, 5))", "Flatten()", "Dense(1000)", "Dropout(0.5)",
                        "model.compile(", "Adadelta(learning_rate=1.0)", "model.fit(",
                        "model.evaluate(", "model.save(path)"])
    order(TEST_KERAS, ["load_model()", "model.evaluate(x_test, y_test, batch_size=100"])


def test_the_keras_cnn_is_the_2019_network_with_keras_2s_adadelta():
    from nnlab.quiet_tensorflow import import_tensorflow
    keras = import_tensorflow().keras
    lesson = load_script(TRAIN_KERAS)
    model = lesson.CNN_model(keras.optimizers.Adadelta(learning_rate=1.0))
    kinds = [(type(layer).__name__, tuple(layer.output.shape[1:])) for layer in model.layers]
    assert kinds == [("Conv2D", (24, 24, 32)), ("Activation", (24, 24, 32)),
                     ("MaxPooling2D", (12, 12, 32)), ("Conv2D", (8, 8, 64)),
                     ("Activation", (8, 8, 64)), ("MaxPooling2D", (4, 4, 64)),
                     ("Flatten", (1024,)), ("Dense", (1000,)), ("Activation", (1000,)),
                     ("Dropout", (1000,)), ("Dense", (10,)), ("Activation", (10,))]
    assert model.count_params() == 1_087_106 and model.layers[-3].rate == 0.5
    def learning_rate(model):
        return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))

    assert learning_rate(model) == 1.0
    assert learning_rate(lesson.CNN_model("adadelta")) == pytest.approx(0.001)


def test_keras_cnn_trains_and_tests_with_the_keras3_string_when_asked(folder, env):
    model = folder / "keras" / "mnist_CNN_model.h5"
    trained = run(env, TRAIN_KERAS, "--data", folder / "mnist.npz", "--epochs", 2,
                  "--adadelta-keras3-default", "--model", model)
    assert trained.returncode == 0, trained.stderr
    assert "1,087,106" in trained.stdout and "Epoch 2/2" in trained.stdout
    assert "Training on the CPU: 600 images of MNIST, 10% of them held out" in trained.stdout
    assert json.load(open(f"{model}.json"))["adadelta"] == "adadelta"
    assert trained.stderr == ""
    tested = run(env, TEST_KERAS, "--model", model, "--seed", 3)
    assert tested.returncode == 0, tested.stderr
    assert "Accuracy of trained model against test data:" in tested.stdout
    assert len(samples_of(tested.stdout)) == 5 and tested.stderr == ""
    for name in ("filters", "feature_maps", "confusion"):
        assert (model.parent / f"mnist_CNN_model_h5_{name}.png").stat().st_size > 5000


def test_the_handout_imports_the_2019_layers_and_trains_nothing():
    code = ("import sys; sys.path.insert(0, 'cifar'); import Train_CNN_cifar as h; "
            "print(h.input_shape, h.size_out, callable(h.CNN_model)); "
            "print(h.keras.__name__, *(getattr(h, name).__name__ for name in ('Sequential', "
            "'Convolution2D', 'MaxPooling2D', 'Dropout', 'Flatten', 'Dense', 'Activation')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.splitlines() == [
        "(32, 32, 3) 10 True",
        "keras Sequential Conv2D MaxPooling2D Dropout Flatten Dense Activation"]
    assert result.stderr == ""


def test_the_untouched_handout_is_one_line_and_alone_it_says_where_to_run(folder, env, tmp_path):
    result = run(env, HANDOUT, "--data", folder / "cifar10.npz", "--model", tmp_path / "m.h5")
    message = assert_clean_failure(result, "CNN_model() is not implemented yet",
                                   "32 x 32 x 3", "softmax output of 10")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "m.h5").exists() and "Train_CNN_cifar.py" in message
    shutil.copy(os.path.join(REPO_ROOT, HANDOUT), tmp_path)
    alone = subprocess.run([sys.executable, "Train_CNN_cifar.py"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert_clean_failure(alone, "run this file from the suite's cifar/ folder")


def test_the_reference_answer_is_small_and_the_handout_trains_and_tests_it(folder, env):
    from nnlab.quiet_tensorflow import import_tensorflow
    keras = import_tensorflow().keras
    from grader import cnn_reference_solution
    reference = cnn_reference_solution.CNN_model()
    assert reference.input_shape == (None, 32, 32, 3) and reference.output_shape == (None, 10)
    assert reference.count_params() == 315_734 and reference.loss == "categorical_crossentropy"
    assert isinstance(reference.optimizer, keras.optimizers.Adam)

    model = folder / "cifar" / "cifar_CNN_model.h5"
    trained = run(env, HANDOUT, "--solution", REFERENCE, "--data", folder / "cifar10.npz",
                  "--epochs", 8, "--train-size", 300, "--model", model)
    assert trained.returncode == 0, trained.stderr
    assert "315,734" in trained.stdout and "val_accuracy" in trained.stdout
    assert json.load(open(f"{model}.json")) == {"dataset": "cifar10",
                                                "data": str(folder / "cifar10.npz"),
                                                "scale": False, "train_size": 300}
    tested = run(env, TEST_CIFAR, "--model", model, "--korean")  # raw pixels, 300, as recorded
    assert tested.returncode == 0, tested.stderr
    assert "Measuring accuracy on 100 test and 300 training images..." in tested.stdout
    assert accuracy_from(tested.stdout, "against test data:") > 0.5
    korean = ("비행기", "자동차", "새", "고양이", "사슴", "개", "개구리", "말", "배", "트럭")
    assert all(any(f"({name})" in line for name in korean) for line in samples_of(tested.stdout))
    for name in ("samples", "filters", "feature_maps", "confusion"):
        assert (model.parent / f"cifar_CNN_model_h5_{name}.png").stat().st_size > 5000


def write_student(tmp_path, body):
    """A copy of the CNN handout with CNN_model() replaced by `body`, in a folder of its own."""
    handout = open(os.path.join(REPO_ROOT, HANDOUT), encoding="utf-8").read()
    start, end = handout.index("def CNN_model("), handout.index("def main(")
    text = handout[:start] + body + "\n\n\n" + handout[end:]
    text = text.replace("os.path.dirname(os.path.dirname(os.path.abspath(__file__)))",
                        repr(REPO_ROOT))
    path = tmp_path / "student" / "Train_CNN_cifar.py"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


def test_an_answer_written_with_the_handouts_imports_trains(folder, env, tmp_path):
    student = write_student(tmp_path, '''def CNN_model():
    model = Sequential()
    model.add(Convolution2D(16, (3, 3), input_shape=input_shape))
    model.add(Activation("relu"))
    model.add(MaxPooling2D((2, 2)))
    model.add(Flatten())
    model.add(Dropout(0.25))
    model.add(Dense(size_out))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model''')
    result = run(env, student, "--data", folder / "cifar10.npz", "--scale", "--epochs", 1,
                 "--model", tmp_path / "m.h5", "--no-pictures")
    assert result.returncode == 0, result.stderr
    assert "Accuracy:" in result.stdout and (tmp_path / "m.h5").exists()


@pytest.mark.parametrize("body, words", [
    ("def CNN_model():\n    return None", "CNN_model() must return a Keras model, not NoneType"),
    ("def CNN_model():\n    m = keras.Sequential([keras.Input((3072,)), Dense(10)])\n"
     "    m.compile(loss='mse')\n    return m",
     "CNN_model() gives a model with 3072 inputs; it needs inputs of shape 32 x 32 x 3"),
    ("def CNN_model():\n    return keras.Sequential([keras.Input((32, 32, 3)), Flatten(), "
     "Dense(10)])", "not compiled"),
    ("def CNN_model(filters):\n    return None", "CNN_model() must be callable as CNN_model()"),
])
def test_student_models_that_are_wrong_are_one_line(body, words, capsys):
    import argparse
    from nnlab import cli, homework
    from nnlab.quiet_tensorflow import import_tensorflow
    keras = import_tensorflow().keras
    namespace = {"keras": keras, "Dense": keras.layers.Dense, "Flatten": keras.layers.Flatten}
    exec(body, namespace)
    parser = cli.Parser(prog="Train_CNN_cifar.py")
    with pytest.raises(SystemExit) as leaving:
        homework.build_model(parser, argparse.Namespace(solution=None), namespace["CNN_model"],
                             (32, 32, 3))
    message = leaving.value.code if isinstance(leaving.value.code, str) else \
        capsys.readouterr().err
    assert words in message and len(message.strip().splitlines()) == 1, message


def test_make_handout_ships_the_cnn_lab_and_refuses_the_cnn_answer(tmp_path):
    handout = tmp_path / "handout"
    made = subprocess.run([sys.executable, "cifar/make_handout.py", str(handout)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    for part in ("CNN_comp_graph.py", "mnist/Train_CNN.py", "mnist/Test_CNN.py",
                 "mnist_keras/Train_CNN_keras.py", "cifar/Train_CNN_cifar.py",
                 "cifar/Train_CNN_cifar.ipynb", "cifar/Test_CNN_cifar.py", "nnlab/lab.py"):
        assert (handout / part).exists(), part
    assert not (handout / "grader" / "cnn_reference_solution.py").exists()
    (handout / "cifar" / "copy").mkdir()
    shutil.copy(REFERENCE, handout / "cifar" / "copy" / "notes.py")
    refused = subprocess.run([sys.executable, "cifar/make_handout.py", "--check", str(handout)],
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert_clean_failure(refused, "gives the homework's answer away",
                         os.path.join("cifar", "copy", "notes.py"),
                         "convolutional network for CIFAR-10's 32 x 32 x 3 images")


@pytest.mark.parametrize("source, given", [
    (open(REFERENCE, encoding="utf-8").read(), "convolutional network"),
    ("import keras\nm = keras.Sequential([keras.Input(shape=[32, 32, 3]), "
     "keras.layers.Conv2D(8, 3)])", "convolutional network"),
    ("from keras import layers\nside = 32\nchannels = 3\n"
     "def CNN_model():\n    return [layers.Conv2D(8, 3, input_shape=(side, side, channels))]",
     "convolutional network"),
    ("import tensorflow as tf\nx = tf.reshape(x, [-1, 32, 32, 3])\ny = tf.nn.conv2d(x, w, 1, "
     "'SAME')", "convolutional network"),
    (open(os.path.join(REPO_ROOT, "grader", "reference_solution.py")).read(), "MLP homework"),
    (open(os.path.join(REPO_ROOT, TRAIN_KERAS)).read(), None),  # MNIST's 28 x 28 x 1: the lab
    (open(os.path.join(REPO_ROOT, HANDOUT)).read(), None),  # imports the layers, builds none
    (open(os.path.join(REPO_ROOT, "CNN_comp_graph.py")).read(), None),
])
def test_what_gives_a_homework_answer_away(source, given):
    import ast
    from grader.handout import answer_given
    found = answer_given(ast.parse(source))
    assert (found is None) if given is None else (given in found), found


def test_the_cnn_handouts_notebook_is_its_twin():
    result = subprocess.run([sys.executable, "cifar/make_notebook.py", "--check"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Train_CNN_cifar.ipynb is Train_CNN_cifar.py's twin" in result.stdout
    from grader.boundary.notebooks import notebook_code
    code, left_out = notebook_code(open(os.path.join(REPO_ROOT, "cifar", "Train_CNN_cifar.ipynb"),
                                        "rb").read())
    assert b"def CNN_model():  # IMPLEMENT HERE!!" in code and left_out == []
    assert b"from keras.layers import Convolution2D, MaxPooling2D" in code


def real_subset(tmp_path, name, train_size, test_size):
    """The first images of a real data set, as a small .npz of Keras' layout."""
    from nnlab import datasets
    data = datasets.load(name, {"mnist": REAL_MNIST, "fashion_mnist": REAL_FASHION_MNIST,
                                "cifar10": REAL_CIFAR10}[name])
    return write_npz(tmp_path / f"{name}.npz", [data.x_train[:train_size], data.y_train[:train_size],
                                                data.x_test[:test_size], data.y_test[:test_size]])


@needs_real_mnist
def test_real_mnist_tf1_and_keras_cnns_learn_in_a_few_steps(env, tmp_path):
    data = real_subset(tmp_path, "mnist", 2000, 300)
    assert run(env, TRAIN, "--data", data, "--steps", 100, "--no-pictures",
               "--model", tmp_path / "tf1.ckpt").returncode == 0
    tested = run(env, TEST, "--model", tmp_path / "tf1.ckpt", "--no-pictures")
    assert accuracy_from(tested.stdout, "against test data:") >= 0.80, tested.stdout  # 88.67%
    assert run(env, TRAIN_KERAS, "--data", data, "--epochs", 1, "--no-pictures",
               "--model", tmp_path / "k.h5").returncode == 0
    tested = run(env, TEST_KERAS, "--model", tmp_path / "k.h5", "--no-pictures")
    assert accuracy_from(tested.stdout, "against test data:") >= 0.60, tested.stdout  # 74.33%


@needs_real_fashion_mnist
def test_real_fashion_mnist_through_the_tf1_cnn(env, tmp_path):
    data = real_subset(tmp_path, "fashion_mnist", 2000, 300)
    trained = run(env, TRAIN, "--dataset", "fashion_mnist", "--data", data, "--steps", 100,
                  "--no-pictures", "--model", tmp_path / "f.ckpt")
    assert "Training CNN_comp_graph on Fashion-MNIST" in trained.stdout, trained.stderr
    tested = run(env, TEST, "--model", tmp_path / "f.ckpt", "--no-pictures")
    assert accuracy_from(tested.stdout, "against test data:") >= 0.65, tested.stdout  # 79.33%
    from nnlab.datasets import FASHION_MNIST
    assert all(any(name in line for name in FASHION_MNIST.class_names)
               for line in samples_of(tested.stdout))


@needs_real_cifar10
def test_real_cifar10_reference_cnn_beats_chance_on_raw_pixels(env, tmp_path):
    data = real_subset(tmp_path, "cifar10", 3000, 500)
    assert run(env, HANDOUT, "--solution", REFERENCE, "--data", data, "--epochs", 2,
               "--no-pictures", "--model", tmp_path / "c.h5").returncode == 0
    tested = run(env, TEST_CIFAR, "--model", tmp_path / "c.h5", "--no-pictures")
    assert accuracy_from(tested.stdout, "against test data:") >= 0.25, tested.stdout  # 35.00%
