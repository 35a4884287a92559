"""A network whose operations are far over any sensible budget: ten convolutions of 256
filters at the images' full size (about 12 GFLOPs an image), few parameters."""
import keras
from keras import layers


def CNN_model():
    model = keras.Sequential([keras.Input((32, 32, 3))] +
                             [layers.Conv2D(256, 3, padding="same", activation="relu")
                              for _ in range(10)] +
                             [layers.GlobalAveragePooling2D(),
                              layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
