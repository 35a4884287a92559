"""Escape: a process started with multiprocessing.util.spawnv_passfds writes outside."""
import sys
from multiprocessing import util

from tensorflow import keras

CODE = "open('@OUTSIDE@/escaped_spawn.txt', 'w').write('escaped')"


def NN_model():
    try:
        util.spawnv_passfds(sys.executable, [sys.executable, "-c", CODE], [])
    except Exception:
        pass
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
