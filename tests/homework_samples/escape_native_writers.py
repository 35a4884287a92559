"""Escape: writes outside the working folder with TensorFlow's, HDF5's and SQLite's own writers."""
import h5py
import sqlite3
import tensorflow as tf
from tensorflow import keras


def NN_model():
    for attempt in (lambda: tf.io.write_file("@OUTSIDE@/escaped_tf.txt", "escaped"),
                    lambda: h5py.File("@OUTSIDE@/escaped_h5.h5", "w").close(),
                    lambda: sqlite3.connect("@OUTSIDE@/escaped_sqlite.db").execute(
                        "create table t (x)")):
        try:
            attempt()
        except Exception:
            pass
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
