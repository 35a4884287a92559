"""Escape (round 4): leaves files where every user may write, where a clean-up that looks at
the top of /tmp alone misses them: in a sticky folder that is not its own, in folders 300
deep, in /var/tmp, /dev/shm and /run/lock.  Prints where it wrote."""
import gc
import os

from tensorflow import keras

MARK = "nnlab-left-by-stage"


def leave(path):
    try:
        with open(path, "w") as file:
            file.write("still here")
        print(f"left {path}")
    except OSError as error:
        print(f"refused {path} ({error.strerror})")


def NN_model():
    for thing in gc.get_objects():  # the tripwire reports, the operating system must stop
        if type(thing).__name__ == "Tripwire":
            thing.refuse = lambda what: None
    leave(f"@STICKY@/{MARK}-in-sticky")
    for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
        leave(f"{folder}/{MARK}-{os.getuid()}")
    start = os.open(".", os.O_RDONLY)
    try:
        os.chdir("@STICKY@")
        os.mkdir(f"{MARK}-deep")
        os.chdir(f"{MARK}-deep")
        for _ in range(300):  # deeper than a path may be long: only relative steps reach it
            os.mkdir("d" * 200)
            os.chdir("d" * 200)
        leave(f"{MARK}-at-the-bottom")
    except OSError as error:
        print(f"refused a deep folder ({error.strerror})")
    finally:
        os.fchdir(start)
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
