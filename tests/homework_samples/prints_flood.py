"""Prints a gibibyte before building its model: stopped once its output passes the limit."""
import sys

from tensorflow import keras


def NN_model():
    chunk = b"flood " * 174763
    for _ in range(1024):
        sys.stdout.buffer.write(chunk)
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
