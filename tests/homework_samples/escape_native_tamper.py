"""Escape: with TensorFlow's native writers (no audit event), the tripwire switched off, tries
to plant code in the grader and the Python installation, and to rewrite stored results."""
import gc

import tensorflow as tf
from tensorflow import keras

PLANTED = "raise SystemExit('planted by a submission')\n"


def NN_model():
    for thing in gc.get_objects():
        if type(thing).__name__ == "Tripwire":
            thing.work, thing.readable = "/", ["/"]
    for path, content in (("@REPO@/grader/escaped_marker.py", PLANTED),
                          ("@REPO@/nnlab/escaped_marker.py", PLANTED),
                          ("@SITE@/escaped_marker.py", PLANTED),
                          ("@OUT@/results/escaped_marker.json", "{}"),
                          ("@SUBMISSIONS@/escaped_marker.py", PLANTED),
                          ("@OUTSIDE@/escaped_native.txt", "escaped")):
        try:
            tf.io.write_file(path, content)
        except Exception:
            pass
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
