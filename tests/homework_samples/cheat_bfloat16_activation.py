"""Cheat (round 4): the homework's network with its first activation a separate bfloat16
layer, which a canonical form that folds activations into Dense would not tell apart."""
from tensorflow import keras


def NN_model():
    model = keras.Sequential([
        keras.Input(shape=(3072,)),
        keras.layers.Dense(3000),
        keras.layers.Activation("sigmoid", dtype="bfloat16"),
        keras.layers.Dense(2000, activation="sigmoid"),
        keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model
