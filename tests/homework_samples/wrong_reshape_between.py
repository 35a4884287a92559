"""Wrong: a Reshape between the hidden layers (3000 activations as 300 groups of 10), which
makes the second Dense layer see 10 inputs per group; widths chosen so that the model has
exactly the homework's 15,241,010 parameters."""
import keras
from keras import layers


def NN_model():
    inputs = keras.Input(shape=(3072,))
    hidden = layers.Dense(3000, activation="sigmoid")(inputs)
    grouped = layers.Reshape((300, 10))(hidden)
    second = layers.Dense(2000, activation="sigmoid")(grouped)
    flat = layers.Flatten()(second)
    outputs = layers.Dense(10, activation="softmax")(flat)
    model = keras.Model(inputs, outputs)
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model
