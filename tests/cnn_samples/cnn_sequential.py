"""A CNN written as the lecture's Keras code: Sequential, Convolution2D and Activation layers."""
import keras
from keras.models import Sequential
from keras.layers import Convolution2D, MaxPooling2D, Dropout, Flatten, Dense, Activation


def CNN_model():
    model = Sequential()
    model.add(keras.Input(shape=(32, 32, 3)))
    model.add(Convolution2D(16, (3, 3)))
    model.add(Activation("relu"))
    model.add(MaxPooling2D((2, 2)))
    model.add(Convolution2D(32, (3, 3)))
    model.add(Activation("relu"))
    model.add(MaxPooling2D((2, 2)))
    model.add(Flatten())
    model.add(Dense(64))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(10))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(),
                  metrics=["accuracy"])
    return model
