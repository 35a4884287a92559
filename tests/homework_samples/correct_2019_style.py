# -*- coding: utf-8 -*-
"""A correct homework in the 2019 style: star imports, Activation layers, input_dim, run() called."""
import os
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'  # disable TF logging
import keras
from keras.models import *
from keras.layers import *

size_in = 3072  # 32*32*3
size_hidden1 = 3000
size_hidden2 = 2000
size_out = 10


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


def run():
    (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    model = NN_model()
    model.fit(x_train.reshape(-1, size_in), keras.utils.to_categorical(y_train), epochs=15)
    model.save("./model/cifar_NN_model.h5")


run()
