"""The computation graph shared by Train_NN.py and Test_NN.py (TensorFlow 1.x style).

Machine Learning in Practice #3, "Neural Networks Basics": the graph's input terminals are
the placeholders x_in (images) and y_in (one-hot labels); its output terminals are
``train`` (one step of optimising the cost, used only by Train_NN.py) and ``accuracy``.

Written for ``tf.compat.v1`` so that it reads like the 2019 slides on TensorFlow 2, and
graph mode is switched on when this module is imported, as TensorFlow 1 always was: the
2019 Test_NN.py, which calls ``NN_comp_graph(x_test, y_test)`` on the numpy arrays
themselves, works unchanged.  The defaults are the course's: zero initial weights,
softmax output, summed cross entropy, GradientDescentOptimizer(0.01).  The keyword options
are the lecture's experiments; Train_NN.py exposes each one as a flag (--hidden-units,
--activation, --init, --optimizer, --learning-rate, --cost).
"""

from nnlab.choices import ACTIVATIONS, COSTS, INITIALIZATIONS
from nnlab.optimizers import tf1_optimizer
from nnlab.quiet_tensorflow import import_tensorflow_v1

tf = import_tensorflow_v1()
tf.disable_eager_execution()  # TensorFlow 2 runs eagerly; placeholders and Sessions need graphs

size_in = 784  # 28**2
size_hidden = 100
size_out = 10  # digits 0..9


def placeholders():
    """The graph's two input terminals: a batch of flattened images and their one-hot labels."""
    x_in = tf.placeholder(tf.float32, [None, size_in], name="x_in")
    y_in = tf.placeholder(tf.float32, [None, size_out], name="y_in")
    return x_in, y_in


def node(name):
    """A named node of the current graph, such as "cost", "y_nn" or "prediction"."""
    return tf.get_default_graph().get_tensor_by_name(name + ":0")


def variable(name):
    """A named variable of the current graph, such as "w" or "b"."""
    return next(v for v in tf.global_variables() if v.op.name == name)


def _weights(shape, init, name):
    if init not in INITIALIZATIONS:
        raise ValueError(f"init must be one of {INITIALIZATIONS}, not {init!r}")
    initial_value = tf.zeros(shape) if init == "zeros" else tf.glorot_uniform_initializer()(shape)
    return tf.Variable(initial_value, name=name)


def _output_layer(z, y_in, optimizer, learning_rate, cost):
    """Softmax output, cross-entropy cost, and the train and accuracy nodes."""
    y_in = tf.cast(y_in, tf.float32)  # numpy labels (the 2019 Test_NN.py) may be float64
    y_nn = tf.nn.softmax(z, name="y_nn")
    # cross_entropy = -tf.reduce_sum(y_in * tf.log(y_nn))  # the slide's: NaN once a probability
    # underflows to 0; the same cost computed from the logits z cannot be NaN.
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {COSTS}, not {cost!r}")
    reduce = tf.reduce_sum if cost == "sum" else tf.reduce_mean  # --cost mean: averaged
    cross_entropy = reduce(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_in, logits=z),
                           name="cost")
    if optimizer == "sgd" and learning_rate in (None, 0.01):
        train = tf.train.GradientDescentOptimizer(0.01).minimize(cross_entropy, name="train")
    else:  # the lecture's other experiments: --optimizer, --learning-rate
        train = tf1_optimizer(tf, optimizer, learning_rate).minimize(cross_entropy, name="train")

    prediction = tf.argmax(y_nn, 1, name="prediction")
    correct = tf.equal(prediction, tf.argmax(y_in, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
    return accuracy, train


def NN_comp_graph_without_hidden_layer(x_in, y_in, init="zeros", optimizer="sgd",
                                       learning_rate=None, cost="sum"):
    """y = softmax(x W + b): 784 inputs straight to 10 outputs."""
    w = _weights([size_in, size_out], init, name="w")
    b = tf.Variable(tf.zeros([size_out]), name="b")
    z = tf.matmul(tf.cast(x_in, tf.float32), w) + b
    return _output_layer(z, y_in, optimizer, learning_rate, cost)


def NN_comp_graph_with_hidden_layer(x_in, y_in, hidden_units=size_hidden, activation="sigmoid",
                                    init="zeros", optimizer="sgd", learning_rate=None, cost="sum"):
    """y = softmax(activation(x W1 + b1) W2 + b2): one hidden layer of hidden_units units.

    With the course's zero initial weights every hidden unit computes the same value and
    receives the same gradient, so the layer behaves like a single unit: accuracy drops.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, not {activation!r}")
    w_hidden = _weights([size_in, hidden_units], init, name="w_hidden")
    b_hidden = tf.Variable(tf.zeros([hidden_units]), name="b_hidden")
    w = _weights([hidden_units, size_out], init, name="w")
    b = tf.Variable(tf.zeros([size_out]), name="b")
    h = getattr(tf.nn, activation)(tf.matmul(tf.cast(x_in, tf.float32), w_hidden) + b_hidden,
                                   name="h")
    # h = tf.nn.relu(tf.matmul(x_in, w_hidden) + b_hidden)  # the slide's alternative: --activation relu
    z = tf.matmul(h, w) + b
    return _output_layer(z, y_in, optimizer, learning_rate, cost)


# The network Train_NN.py builds: edit this line (or pass --hidden) to switch.
NN_comp_graph = NN_comp_graph_without_hidden_layer
# NN_comp_graph = NN_comp_graph_with_hidden_layer
