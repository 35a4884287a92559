"""Cheat (round 4): the homework's network with an integer input, which makes it blind to
scaled pixels, hoping to share the right network's training and accuracy."""
from tensorflow import keras


def NN_model():
    model = keras.Sequential([
        keras.Input(shape=(3072,), dtype="int32"),
        keras.layers.Dense(3000, activation="sigmoid"),
        keras.layers.Dense(2000, activation="sigmoid"),
        keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model
