"""The baseline for bench_train_keras.py: the course's Keras MNIST script in its barest form.

    python bench/bare_keras_mnist.py MNIST_NPZ MODEL_H5 EPOCHS
"""

import sys

import numpy as np
from tensorflow import keras

data_path, model_path, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with np.load(data_path) as archive:
    x_train = archive["x_train"].reshape(-1, 784).astype(np.float32) / 255
    y_train = keras.utils.to_categorical(archive["y_train"], 10)

model = keras.Sequential([keras.Input(shape=(784,)),
                          keras.layers.Dense(100, activation="sigmoid"),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer="sgd")
model.fit(x_train, y_train, batch_size=100, epochs=epochs)
print("Accuracy:", model.evaluate(x_train, y_train, batch_size=100, verbose=0)[1])
model.save(model_path)
