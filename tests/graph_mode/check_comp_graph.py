"""NN_comp_graph.py: the course's graph, its options, training and save/restore.

Run by tests/test_comp_graph.py in a process of its own (see there).
"""

import numpy as np
import pytest

import NN_comp_graph
from conftest import generated_arrays
from nnlab import datasets, exact_symmetry

tf = NN_comp_graph.tf


def build(builder=NN_comp_graph.NN_comp_graph, **options):
    x_in, y_in = NN_comp_graph.placeholders()
    accuracy, train = builder(x_in, y_in, **options)
    return x_in, y_in, accuracy, train


def small_data(seed=0):
    x_train, y_train, x_test, y_test = generated_arrays((28, 28), seed=seed)
    return (datasets.flat_images(x_train), datasets.one_hot(y_train),
            datasets.flat_images(x_test), datasets.one_hot(y_test))


def test_course_sizes_and_alias():
    assert (NN_comp_graph.size_in, NN_comp_graph.size_hidden, NN_comp_graph.size_out) == (784, 100, 10)
    assert NN_comp_graph.NN_comp_graph is NN_comp_graph.NN_comp_graph_without_hidden_layer


def test_placeholders_and_nodes_of_the_course_graph():
    with tf.Graph().as_default() as graph:
        x_in, y_in, accuracy, train = build()
        assert x_in.shape.as_list() == [None, 784] and y_in.shape.as_list() == [None, 10]
        assert accuracy.shape.as_list() == [] and train.type == "NoOp"
        variables = {v.name: v.shape.as_list() for v in tf.global_variables()}
        assert variables == {"w:0": [784, 10], "b:0": [10]}
        assert NN_comp_graph.node("y_nn").shape.as_list() == [None, 10]
        assert NN_comp_graph.node("cost").shape.as_list() == []
        types = {op.type for op in graph.get_operations()}
        assert "ResourceApplyGradientDescent" in types and "Softmax" in types


def test_course_defaults_start_at_zero_and_cost_is_summed():
    with tf.Graph().as_default(), tf.Session() as sess:
        x_in, y_in, _, _ = build()
        sess.run(tf.global_variables_initializer())
        assert not sess.run(tf.global_variables()[0]).any()
        labels = np.eye(10, dtype=np.float32)[[1, 2, 3, 4]]
        cost = sess.run(NN_comp_graph.node("cost"), {x_in: np.zeros((4, 784)), y_in: labels})
        assert cost == pytest.approx(4 * np.log(10), rel=1e-6)  # uniform softmax, summed


def test_hidden_layer_variables_and_options():
    with tf.Graph().as_default() as graph:
        build(NN_comp_graph.NN_comp_graph_with_hidden_layer, hidden_units=32, activation="relu",
              init="glorot", optimizer="adam", cost="mean")
        variables = {v.name: v.shape.as_list() for v in tf.trainable_variables()}
        assert variables == {"w_hidden:0": [784, 32], "b_hidden:0": [32], "w:0": [32, 10],
                             "b:0": [10]}
        types = {op.type for op in graph.get_operations()}
        assert "Relu" in types and "ResourceApplyAdam" in types and "Mean" in types


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "adagrad"])
def test_training_on_generated_data_learns(optimizer):
    x_train, y_train, x_test, y_test = small_data()
    with tf.Graph().as_default(), tf.Session() as sess:
        x_in, y_in, accuracy, train = build(optimizer=optimizer)
        sess.run(tf.global_variables_initializer())
        before = sess.run(accuracy, {x_in: x_test, y_in: y_test})
        for step in range(60):
            batch = slice((step % 6) * 100, (step % 6) * 100 + 100)
            sess.run(train, {x_in: x_train[batch], y_in: y_train[batch]})
        after = sess.run(accuracy, {x_in: x_test, y_in: y_test})
    assert before < 0.2 and after > 0.8


def test_the_lessons_hidden_layer_is_the_slides_matmul():
    for init in ("zeros", "glorot"):
        with tf.Graph().as_default() as graph:
            build(NN_comp_graph.NN_comp_graph_with_hidden_layer, init=init)
            types = [op.type for op in graph.get_operations()]
            h = NN_comp_graph.node("h")
        assert types.count("MatMul") >= 2 and "BatchMatMulV2" not in types
        assert h.op.type == "Sigmoid" and h.op.inputs[0].op.inputs[0].op.type == "MatMul"


@pytest.mark.parametrize("hidden_units, batch_size", [(100, 100), (97, 37), (300, 50), (13, 1)])
def test_exact_symmetry_keeps_all_zero_initialised_units_exactly_equal(hidden_units, batch_size):
    # Widths and batches a plain matrix product splits: 100 = 96 + 4 columns, 97, odd batches.
    x_train, y_train, _, _ = small_data()
    with tf.Graph().as_default(), tf.Session() as sess:
        x_in, y_in, _, train = build(exact_symmetry.NN_comp_graph_with_hidden_layer,
                                     hidden_units=hidden_units)
        sess.run(tf.global_variables_initializer())
        for step in range(150):
            start = step * batch_size % (len(x_train) - batch_size)
            sess.run(train, {x_in: x_train[start:start + batch_size],
                             y_in: y_train[start:start + batch_size]})
        w_hidden, b_hidden, w = sess.run([NN_comp_graph.variable(name)
                                          for name in ("w_hidden", "b_hidden", "w")])
    assert np.abs(w_hidden).max() > 0 and np.abs(w).max() > 0  # it does learn something...
    # ...but every hidden unit exactly the same thing, to the last bit
    assert (w_hidden == w_hidden[:, :1]).all() and (b_hidden == b_hidden[0]).all()
    assert (w == w[:1]).all()


@pytest.mark.parametrize("builder", [NN_comp_graph.NN_comp_graph_with_hidden_layer,
                                     exact_symmetry.NN_comp_graph_with_hidden_layer])
def test_hidden_output_node_is_one_row_per_image_for_either_init(builder):
    x_train, _, _, _ = small_data()
    for init in ("zeros", "glorot"):
        with tf.Graph().as_default(), tf.Session() as sess:
            x_in, _, _, _ = build(builder, init=init, hidden_units=7)
            sess.run(tf.global_variables_initializer())
            hidden = sess.run(NN_comp_graph.node("h"), {x_in: x_train[:5]})
        assert hidden.shape == (5, 7)
        if init == "zeros":
            assert (hidden == 0.5).all()  # sigmoid(0): the padded batch is not in it


def test_cost_on_logits_stays_finite_where_the_slides_formula_is_nan():
    with tf.Graph().as_default(), tf.Session() as sess:
        x_in, y_in, _, _ = build()
        sess.run(tf.global_variables_initializer())
        sess.run(tf.global_variables()[0].assign(tf.fill([784, 10], 50.0) * tf.one_hot(
            tf.fill([784], 3), 10)))
        images = np.ones((2, 784), np.float32)
        labels = np.eye(10, dtype=np.float32)[[0, 0]]  # the network is sure it sees a 3
        ours, y_nn = sess.run([NN_comp_graph.node("cost"), NN_comp_graph.node("y_nn")],
                              {x_in: images, y_in: labels})
    assert np.isfinite(ours) and ours > 1000
    assert y_nn[0, 0] == 0  # the probability of the true class underflowed...
    with np.errstate(divide="ignore", invalid="ignore"):
        slides_cost = -np.sum(labels * np.log(y_nn))
    assert not np.isfinite(slides_cost)  # ...so the slides' -sum(y * log(y_nn)) breaks


def test_save_and_restore_give_identical_predictions(tmp_path):
    x_train, y_train, x_test, _ = small_data()
    checkpoint = str(tmp_path / "model.ckpt")
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.set_random_seed(3)
        x_in, y_in, _, train = build(NN_comp_graph.NN_comp_graph_with_hidden_layer, init="glorot")
        sess.run(tf.global_variables_initializer())
        sess.run(train, {x_in: x_train[:100], y_in: y_train[:100]})
        before = sess.run(NN_comp_graph.node("y_nn"), {x_in: x_test})
        tf.train.Saver().save(sess, checkpoint)
    with tf.Graph().as_default(), tf.Session() as sess:
        x_in, y_in, _, _ = build(NN_comp_graph.NN_comp_graph_with_hidden_layer, init="glorot")
        tf.train.Saver().restore(sess, checkpoint)
        after = sess.run(NN_comp_graph.node("y_nn"), {x_in: x_test})
    np.testing.assert_array_equal(before, after)
