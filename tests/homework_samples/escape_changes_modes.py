"""Escape (round 4): changes what root owns outside its folder, as a stage that is still root
could: the mode, owner, times and extended attributes of the grader's launcher, Keras and
the Python executable, and makes a set-user-ID copy of Python and of its own model file.
Every attempt is printed; the grader must have refused them all."""
import gc
import os
import shutil
import sys

from tensorflow import keras

TARGETS = ["@REPO@/grader/sandboxed/launcher.py", "@SITE@/keras/__init__.py", os.path.realpath(sys.executable)]


def attempt(what, change):
    try:
        change()
        return f"{what}=changed"
    except OSError:
        return f"{what}=refused"


def NN_model():
    for thing in gc.get_objects():
        if type(thing).__name__ == "Tripwire":
            thing.refuse = lambda what: None
    for target in TARGETS:
        print(os.path.basename(target) + ":", " ".join([
            attempt("chmod", lambda: os.chmod(target, 0o777)),
            attempt("chown", lambda: os.chown(target, os.getuid(), os.getgid())),
            attempt("utime", lambda: os.utime(target, (0, 0))),
            attempt("touch", lambda: os.utime(target, None)),
            attempt("setxattr", lambda: os.setxattr(target, "user.nnlab", b"owned"))]))
    print("setuid:", " ".join([
        attempt("copy", lambda: (shutil.copy(sys.executable, "python-copy"),
                                 os.chmod("python-copy", 0o4755))),
        attempt("model-file", lambda: os.chmod("model.keras", 0o6755)),
        attempt("new-file", lambda: os.close(os.open("made-setuid", os.O_CREAT | os.O_WRONLY,
                                                      0o4755)))]))
    for name in ("python-copy", "model.keras", "made-setuid"):
        if os.path.exists(name) and os.stat(name).st_mode & 0o6000:
            print(f"{name}: setuid bit set, owner {os.stat(name).st_uid}")
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
