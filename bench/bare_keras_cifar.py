"""The baseline for the CIFAR-10 benchmarks: the homework's model in the barest Keras script.

    python bench/bare_keras_cifar.py CIFAR10_NPZ EPOCHS TRAIN_SIZE train MODEL_H5
        fit with validation_split=0.1, evaluate on the training data, save (= Train_NN_cifar.py)
    python bench/bare_keras_cifar.py CIFAR10_NPZ EPOCHS TRAIN_SIZE test
        fit, then the accuracy on the test images (= what the grader does per submission)
"""

import sys

import numpy as np
from tensorflow import keras

data_path, epochs, train_size, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with np.load(data_path) as archive:
    x_train = archive["x_train"][:train_size].reshape(-1, 3072).astype(np.float32)
    y_train = keras.utils.to_categorical(archive["y_train"][:train_size], 10)
    x_test = archive["x_test"].reshape(-1, 3072).astype(np.float32)
    y_test = archive["y_test"].reshape(-1)

model = keras.Sequential([keras.Input(shape=(3072,)),
                          keras.layers.Dense(3000, activation="sigmoid"),
                          keras.layers.Dense(2000, activation="sigmoid"),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer="sgd")
if mode == "train":
    model.fit(x_train, y_train, batch_size=100, epochs=epochs, validation_split=0.1)
    print("Accuracy:", model.evaluate(x_train, y_train, batch_size=100, verbose=0)[1])
    model.save(sys.argv[5])
else:
    model.fit(x_train, y_train, batch_size=100, epochs=epochs, verbose=2)
    predicted = np.argmax(model.predict(x_test, batch_size=100, verbose=0), axis=1)
    print("Test accuracy:", np.mean(predicted == y_test))
