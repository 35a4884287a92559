"""Escape: finds the audit hook's object with gc, widens its folders, then writes outside."""
import gc

from tensorflow import keras


def NN_model():
    for thing in gc.get_objects():
        if type(thing).__name__ == "Tripwire":
            thing.work, thing.readable = "/", ["/"]
    with open("@OUTSIDE@/escaped_gc.txt", "w") as file:
        file.write("escaped")
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
