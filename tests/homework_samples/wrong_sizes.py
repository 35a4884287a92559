"""Hidden layers of 1000 and 500 units instead of 3000 and 2000."""
import os
import sys

from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential
from tensorflow.keras import Input

size_in = 32 * 32 * 3
size_hidden1 = 1000
size_hidden2 = 500
size_out = 10


def NN_model():
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
