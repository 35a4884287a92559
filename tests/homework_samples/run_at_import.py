"""The 2019 handout's shape: Keras imported at the top, input_dim, run() called at import."""
import os
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'  # disable TF logging
import keras
from keras.models import Sequential
from keras.layers import Dense, Activation
import sys

size_in = 3072  # 32*32*3
size_hidden1 = 3000
size_hidden2 = 2000
size_out = 10
(x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()


def NN_model():
    model = Sequential()
    model.add(Dense(units=size_hidden1, input_dim=size_in))
    model.add(Activation('sigmoid'))
    model.add(Dense(units=size_hidden2))
    model.add(Activation('sigmoid'))
    model.add(Dense(units=size_out))
    model.add(Activation('softmax'))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer="sgd")
    return model


def train(x, y):
    model = NN_model()
    model.fit(x, y, batch_size=100, epochs=15, verbose=1, validation_split=0.1)
    sys.exit("train() ran at import")


def run():
    train(x_train.reshape(-1, 3072), keras.utils.to_categorical(y_train))


run()
