"""Escape: a process in a new session, meant to outlive grading and write later."""
import os
import subprocess
import sys

from tensorflow import keras

CODE = ("import time; time.sleep(2); open('@OUTSIDE@/escaped_survivor.txt', 'w').write('x'); "
        "time.sleep(600)  # nnlab-survivor-marker")


def NN_model():
    for start in (lambda: subprocess.Popen([sys.executable, "-c", CODE], start_new_session=True),
                  lambda: os.spawnv(os.P_NOWAIT, sys.executable, [sys.executable, "-c", CODE])):
        try:
            start()
        except Exception:
            pass
    if os.fork() == 0:
        os.setsid()
        os.execv(sys.executable, [sys.executable, "-c", CODE])
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
