"""Leaves a FIFO where the grader reads the model and a link where it reads the status: a
grader that opened them naively would hang, or read a file of its own machine."""
import os


def NN_model():
    os.mkfifo("model.keras")
    os.symlink("/etc/hostname", "status.json")
    os._exit(0)
