"""Correct: the functional API, the loss named by its class, separate Activation layers."""
from tensorflow import keras
from tensorflow.keras.layers import Activation, Dense, Input

import sys
if sys.version_info >= (3,):
    from tensorflow.keras.models import Model


def NN_model():
    inputs = Input(shape=(3072,))
    hidden = Activation("sigmoid")(Dense(3000)(inputs))
    hidden = Activation("sigmoid")(Dense(2000)(hidden))
    outputs = Dense(10, activation="softmax")(hidden)
    model = Model(inputs, outputs)
    model.compile(loss="CategoricalCrossentropy", optimizer=keras.optimizers.SGD(0.01),
                  metrics=["accuracy"])
    return model
