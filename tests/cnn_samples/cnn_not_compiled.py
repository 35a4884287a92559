"""A CNN returned without model.compile()."""
import keras
from keras import layers


def CNN_model():
    return keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(8, 3, activation="relu"),
                             layers.MaxPooling2D(), layers.Flatten(),
                             layers.Dense(10, activation="softmax")])
