"""CNN_comp_graph.py: the 2019 network's shapes, dropout's keep_prob, the 2019 calling styles,
a stable cost, learning, and saving and restoring through the lesson's context managers.

Run by tests/test_cnn_comp_graph.py in a process of its own (importing the module switches
TensorFlow to graph mode for the rest of the process).
"""

import json
import os

import numpy as np
import pytest

import CNN_comp_graph
from conftest import generated_arrays
from nnlab import checkpoints, datasets, devices

tf = CNN_comp_graph.tf
SHAPES = {"c1": [None, 28, 28, 32], "conv1": [None, 28, 28, 32], "pool1": [None, 14, 14, 32],
          "c2": [None, 14, 14, 64], "conv2": [None, 14, 14, 64], "pool2": [None, 7, 7, 64]}


def node(name):
    return tf.get_default_graph().get_tensor_by_name(name + ":0")


def dropout_output():
    """What the output layer multiplies: fc1 after dropout (y_conv = softmax(fc1_drop W + b))."""
    return node("y_conv").op.inputs[0].op.inputs[0].op.inputs[0]


def build(keep_prob=None):
    """The graph as Train_CNN.py builds it: three placeholders (or a plain keep_prob)."""
    x_in = tf.placeholder(tf.float32, [None, 784])
    y_in = tf.placeholder(tf.float32, [None, 10])
    keep = tf.placeholder(tf.float32) if keep_prob is None else keep_prob
    accuracy, train = CNN_comp_graph.CNN_comp_graph(x_in, y_in, keep)
    return x_in, y_in, keep, accuracy, train


def train_steps(sess, graph, x_train, y_train, steps):
    """The course's schedule on the generated data: batches of 100 in order, keep_prob 0.5."""
    x_in, y_in, keep_prob, _, train = graph
    for step in range(steps):
        batch = slice(step % 6 * 100, step % 6 * 100 + 100)
        sess.run(train, {x_in: x_train[batch], y_in: y_train[batch], keep_prob: 0.5})


def small_data(seed=0):
    x_train, y_train, x_test, y_test = generated_arrays((28, 28), seed=seed)
    return (datasets.flat_images(x_train), datasets.one_hot(y_train),
            datasets.flat_images(x_test), datasets.one_hot(y_test))


def test_the_six_shapes_are_printed_and_built_as_in_2019(capsys):
    with tf.Graph().as_default():
        build()
        printed = capsys.readouterr().out.splitlines()
        assert printed == [f"{name}: ({', '.join(map(str, shape))})"
                           for name, shape in SHAPES.items()]
        for name, shape in SHAPES.items():
            assert node(name).shape.as_list() == shape
        variables = {v.op.name: v.shape.as_list() for v in tf.trainable_variables()}
        assert variables == {"W_conv1": [5, 5, 1, 32], "b_conv1": [32],
                             "W_conv2": [5, 5, 32, 64], "b_conv2": [64],
                             "W_fc1": [3136, 1024], "b_fc1": [1024],
                             "W_fc2": [1024, 10], "b_fc2": [10]}
        types = {op.type for op in tf.get_default_graph().get_operations()}
        assert {"Conv2D", "MaxPool", "Relu", "MatMul", "Softmax", "ResourceApplyAdam"} <= types
        assert node("pool1").op.get_attr("padding") == node("c2").op.get_attr("padding") == b"SAME"


def test_initial_weights_are_the_2019_helpers():
    with tf.Graph().as_default(), tf.Session() as sess:
        build()
        sess.run(tf.global_variables_initializer())
        values = {v.op.name: sess.run(v) for v in tf.trainable_variables()}
    weights = values["W_fc1"]
    assert abs(weights.std() - 0.088) < 0.005  # a normal of stddev 0.1 cut at two stddevs
    assert np.abs(weights).max() <= 0.2 and abs(weights.mean()) < 0.001
    assert (values["b_conv1"] == np.float32(0.1)).all() and (values["b_fc2"] == np.float32(0.1)).all()


def test_keep_prob_one_as_a_plain_number_is_no_dropout_at_all():
    x_train, y_train, _, _ = small_data()
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.set_random_seed(1)
        x_in, y_in, _, accuracy, _ = build(keep_prob=1.0)
        sess.run(tf.global_variables_initializer())
        assert dropout_output() is node("fc1")  # no dropout operation in the graph
        feed = {x_in: x_train[:50], y_in: y_train[:50]}
        first, second = (sess.run([node("y_conv"), accuracy], feed) for _ in range(2))
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1] == second[1]


def test_keep_prob_fed_one_is_identical_and_a_half_drops_about_half_while_training():
    x_train, y_train, _, _ = small_data()
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.set_random_seed(1)
        x_in, y_in, keep_prob, _, _ = build()
        sess.run(tf.global_variables_initializer())
        feed = {x_in: x_train[:100], y_in: y_train[:100]}
        fc1, kept = sess.run([node("fc1"), dropout_output()], {**feed, keep_prob: 1.0})
        np.testing.assert_array_equal(fc1, kept)
        fc1, dropped = sess.run([node("fc1"), dropout_output()], {**feed, keep_prob: 0.5})
    active = fc1 > 0
    zeroed = (dropped == 0) & active
    assert active.sum() > 10_000
    assert 0.47 < zeroed.sum() / active.sum() < 0.53  # about half of the units dropped...
    np.testing.assert_allclose(dropped[active & ~zeroed], 2 * fc1[active & ~zeroed], rtol=1e-6)
    # ...and the others scaled by 1 / keep_prob, so that their sum stays the same on average


def test_the_2019_test_style_numpy_arrays_and_a_plain_one(tmp_path):
    """Test_CNN.py of 2019 restored the checkpoint into a graph built with keep_prob 1.0; a
    student's copy may also call the graph on numpy arrays themselves (float64, no feed)."""
    x_train, y_train, x_test, y_test = small_data()
    checkpoint = str(tmp_path / "m.ckpt")
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.set_random_seed(2)
        graph = x_in, y_in, keep_prob, accuracy, _ = build()
        sess.run(tf.global_variables_initializer())
        train_steps(sess, graph, x_train, y_train, 30)
        fed = sess.run(accuracy, {x_in: x_test, y_in: y_test, keep_prob: 1.0})
        tf.train.Saver().save(sess, checkpoint)
    with tf.Graph().as_default(), tf.Session() as sess:
        accuracy, _ = CNN_comp_graph.CNN_comp_graph(x_test.astype(np.float64),
                                                    y_test.astype(np.float64), 1.0)
        tf.train.Saver().restore(sess, checkpoint)
        assert sess.run(accuracy) == pytest.approx(fed, abs=1e-6)
    assert fed > 0.5


def test_training_on_generated_data_learns():
    x_train, y_train, x_test, y_test = small_data()
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.set_random_seed(3)
        graph = x_in, y_in, keep_prob, accuracy, _ = build()
        sess.run(tf.global_variables_initializer())
        before = sess.run(accuracy, {x_in: x_test, y_in: y_test, keep_prob: 1.0})
        train_steps(sess, graph, x_train, y_train, 60)
        after = sess.run(accuracy, {x_in: x_test, y_in: y_test, keep_prob: 1.0})
    assert before < 0.3 and after > 0.9


def test_cost_on_logits_stays_finite_where_the_slides_formula_is_nan():
    with tf.Graph().as_default(), tf.Session() as sess:
        x_in, y_in, keep_prob, _, _ = build()
        sess.run(tf.global_variables_initializer())
        w_fc2 = next(v for v in tf.global_variables() if v.op.name == "W_fc2")
        sess.run(w_fc2.assign(tf.fill([1024, 10], 5.0) * tf.one_hot(tf.fill([1024], 3), 10)))
        labels = np.eye(10, dtype=np.float32)[[0, 0]]  # the network is sure it sees a 3
        cost, y_conv = sess.run([node("cost"), node("y_conv")],
                                {x_in: np.ones((2, 784), np.float32), y_in: labels,
                                 keep_prob: 1.0})
    assert np.isfinite(cost) and cost > 100
    assert y_conv[0, 0] == 0  # the probability of the true class underflowed...
    with np.errstate(divide="ignore", invalid="ignore"):
        assert not np.isfinite(-np.sum(labels * np.log(y_conv)))  # ...so the slide's form breaks


def test_saving_and_restoring_through_the_lessons_context_managers(tmp_path):
    x_train, _, x_test, _ = small_data()
    checkpoint = str(tmp_path / "model" / "cnn.ckpt")
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.set_random_seed(4)
        x_in, _, keep_prob, _, _ = build()
        sess.run(tf.global_variables_initializer())
        before = sess.run(node("y_conv"), {x_in: x_test, keep_prob: 1.0})
        assert devices.tf1_device(sess, node("y_conv"), {x_in: x_test, keep_prob: 1.0}) == \
            "the CPU"  # no GPU here; where TensorFlow sees one, its name
        with checkpoints.tf1_checkpoint_saving(checkpoint, {"network": "CNN_comp_graph"}) as path:
            tf.train.Saver().save(sess, path)  # the slide's call, with its state file
        saved = sorted(os.listdir(tmp_path / "model"))
        assert saved == ["cnn.ckpt.data-00000-of-00001", "cnn.ckpt.index", "cnn.ckpt.json",
                         "cnn.ckpt.meta"]  # no scratch folder, no state file naming it
        with pytest.raises(RuntimeError):
            with checkpoints.tf1_checkpoint_saving(checkpoint, {"network": "other"}) as path:
                tf.train.Saver().save(sess, path)
                raise RuntimeError("stopped before the end")
        assert sorted(os.listdir(tmp_path / "model")) == saved
        assert json.load(open(checkpoint + ".json")) == {"network": "CNN_comp_graph"}
    with tf.Graph().as_default(), tf.Session() as sess:
        x_in, _, _, _, _ = build(keep_prob=1.0)
        with checkpoints.tf1_checkpoint_restoring(checkpoint, "Train_CNN.py") as path:
            tf.train.Saver().restore(sess, path)
        np.testing.assert_array_equal(before, sess.run(node("y_conv"), {x_in: x_test}))


def test_restoring_a_checkpoint_of_another_network_is_one_line(tmp_path):
    checkpoint = str(tmp_path / "other.ckpt")
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.Variable(tf.zeros([5, 5, 1, 16]), name="W_conv1")
        sess.run(tf.global_variables_initializer())
        tf.train.Saver().save(sess, checkpoint)
    with tf.Graph().as_default(), tf.Session() as sess:
        build(keep_prob=1.0)
        with pytest.raises(SystemExit, match="holds W_conv1 of shape .5, 5, 1, 16., the "
                                             "network's is .5, 5, 1, 32.: run Train_CNN.py"):
            with checkpoints.tf1_checkpoint_restoring(checkpoint, "Train_CNN.py") as path:
                tf.train.Saver().restore(sess, path)
