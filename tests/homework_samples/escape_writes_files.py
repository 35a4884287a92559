"""Writes and deletes files in its working folder (allowed), then tries outside (not)."""
import os

from tensorflow import keras


def NN_model():
    with open("scratch_notes.txt", "w") as file:
        file.write("mine to write")
    os.remove("scratch_notes.txt")
    for path in ("@OUTSIDE@/escaped_open.txt", os.path.expanduser("~/../escaped_home.txt")):
        try:
            with open(path, "w") as file:
                file.write("escaped the sandbox")
        except OSError:
            pass
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
