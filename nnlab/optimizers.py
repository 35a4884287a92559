"""The optimizers every script offers: one table for TensorFlow 1.x style and for Keras.

sgd is the course's GradientDescentOptimizer(0.01) and Keras' "sgd"; momentum uses 0.9.
TensorFlow and Keras are imported only inside the functions, so the command line can read
the names without waiting for them.
"""

from nnlab.choices import OPTIMIZERS

# name: (tf.compat.v1.train class, keras.optimizers class, default learning rate, options)
TABLE = {
    "sgd": ("GradientDescentOptimizer", "SGD", 0.01, {}),
    "momentum": ("MomentumOptimizer", "SGD", 0.01, {"momentum": 0.9}),
    "adam": ("AdamOptimizer", "Adam", 0.001, {}),
    "adagrad": ("AdagradOptimizer", "Adagrad", 0.01, {}),
}
assert tuple(TABLE) == OPTIMIZERS
DEFAULT_LEARNING_RATES = {name: row[2] for name, row in TABLE.items()}


def _make(kind, name, learning_rate, module):
    if name not in TABLE:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, not {name!r}")
    tf1_class, keras_class, default_rate, options = TABLE[name]
    rate = default_rate if learning_rate is None else learning_rate
    return getattr(module, tf1_class if kind == "tf1" else keras_class)(rate, **options)


def tf1_optimizer(tf, name, learning_rate=None):
    """A tf.compat.v1.train optimizer for `name`; `tf` is tf.compat.v1."""
    return _make("tf1", name, learning_rate, tf.train)


def keras_optimizer(name, learning_rate=None):
    """A fresh Keras optimizer object for `name`."""
    import keras
    return _make("keras", name, learning_rate, keras.optimizers)
