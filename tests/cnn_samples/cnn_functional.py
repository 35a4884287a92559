"""The same network as cnn_sequential.py, written another way: functional, Conv2D with
activation=, the optimizer by its name."""
from keras import Input, Model, layers


def CNN_model():
    images = Input((32, 32, 3))
    x = layers.Conv2D(16, 3, activation="relu")(images)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(32, kernel_size=(3, 3), strides=1, padding="valid", activation="relu")(x)
    x = layers.MaxPool2D(pool_size=2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = Model(images, outputs)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
