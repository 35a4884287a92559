"""NN_model() ends the process."""
import sys


def NN_model():
    sys.exit(0)
