"""Escape: writes outside the working folder through os.open(..., dir_fd=)."""
import os

from tensorflow import keras


def NN_model():
    folder = os.open("@OUTSIDE@", os.O_RDONLY)
    handle = os.open("escaped_dir_fd.txt", os.O_WRONLY | os.O_CREAT, dir_fd=folder)
    os.write(handle, b"escaped")
    os.close(handle)
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
