"""The optimizers every script offers, with the same names and default learning rates.

TensorFlow and Keras are imported only inside the functions, so the command line can read
the names without waiting for them.
"""

OPTIMIZERS = ("sgd", "momentum", "adam", "adagrad")
# sgd is the course's GradientDescentOptimizer(0.01) and Keras' "sgd"; momentum uses 0.9.
DEFAULT_LEARNING_RATES = {"sgd": 0.01, "momentum": 0.01, "adam": 0.001, "adagrad": 0.01}
MOMENTUM = 0.9


def learning_rate_or_default(name, learning_rate):
    return DEFAULT_LEARNING_RATES[name] if learning_rate is None else learning_rate


def keras_optimizer(name, learning_rate=None):
    """A fresh Keras optimizer object for `name`."""
    import keras

    learning_rate = learning_rate_or_default(name, learning_rate)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate)
    if name == "momentum":
        return keras.optimizers.SGD(learning_rate, momentum=MOMENTUM)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate)
    if name == "adagrad":
        return keras.optimizers.Adagrad(learning_rate)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, not {name!r}")
