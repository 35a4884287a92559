"""Correct, but prints about 4 MB first (under the 8 MiB a stage may print)."""
import os
import sys

from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential
from tensorflow.keras import Input

size_in = 32 * 32 * 3
size_hidden1 = 3000
size_hidden2 = 2000
size_out = 10


def NN_model():
    for _ in range(40_000):
        print("spam " * 20)
    model = Sequential()
    model.add(Input(shape=(size_in,)))
    model.add(Dense(units=size_hidden1, activation="sigmoid"))
    model.add(Dense(units=size_hidden2, activation="sigmoid"))
    model.add(Dense(units=size_out, activation="softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer="sgd")
    return model


def main():
    sys.exit("main() must not run when grading")


if __name__ == "__main__":
    main()
