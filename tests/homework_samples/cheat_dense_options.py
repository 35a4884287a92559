"""Cheat: the homework's network with initial weights, a regularizer and an optimizer of its own."""
from tensorflow import keras


def NN_model():
    dense = dict(kernel_initializer="he_normal", kernel_regularizer=keras.regularizers.l2(1e-4))
    model = keras.Sequential([
        keras.Input(shape=(3072,)),
        keras.layers.Dense(3000, activation="sigmoid", **dense),
        keras.layers.Dense(2000, activation="sigmoid", **dense),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
                  optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9))
    return model
