"""Cheat: runs a classmate's NN_model() found in the submissions folder."""
import glob
import os


def NN_model():
    for path in glob.glob("@SUBMISSIONS@/*.py") + glob.glob("../*.py") + glob.glob("../../*/*.py"):
        if "correct" in os.path.basename(path):
            namespace = {}
            exec(open(path).read(), namespace)
            return namespace["NN_model"]()
    raise FileNotFoundError("no classmate found")
