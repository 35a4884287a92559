"""Train the course's convolutional network on MNIST with Keras and save it to model/.

Machine Learning in Practice #4, the CNN lab in Keras: a Sequential model of two 5 x 5
convolutions (32 and 64 filters, no padding) each followed by ReLU and 2 x 2 max pooling, a
Dense layer of 1000 ReLU units with Dropout(0.5) and a softmax output of 10, compiled with
categorical cross entropy and Adadelta; 8 epochs of mini-batches of 100, a tenth of the
training images held out to validate; the accuracy on the training data; the model saved as
model/mnist_CNN_model.h5 for Test_CNN_keras.py.

The 2019 file compiled with optimizer="adadelta": in the course's Keras 2 that string meant
Adadelta with learning rate 1.0; in Keras 3 it means learning rate 0.001, with which this
network learns a thousand times more slowly (about 33% after one epoch, 81% after 8, against
98% and 99% at 1.0, measured on MNIST).  So the model is compiled with
Adadelta(learning_rate=1.0), which trains as in 2019; --adadelta-keras3-default compiles
with the plain string to show what today's default does.

    python Train_CNN_keras.py                       # the course: 8 epochs
    python Train_CNN_keras.py --epochs 1            # a shorter try: about 98%
    python Train_CNN_keras.py --adadelta-keras3-default --epochs 1   # the string's 0.001
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, lab
from nnlab.i18n import _
from nnlab.training import run_training

input_shape = (28, 28, 1)  # one grey channel
size_out = 10


def CNN_model(optimizer):
    from keras import Input, Sequential
    from keras.layers import Activation, Convolution2D, Dense, Dropout, Flatten, MaxPooling2D

    model = Sequential()
    model.add(Input(shape=input_shape))  # Keras 3 wants an Input layer, not input_shape=...
    model.add(Convolution2D(32, (5, 5)))  # 5 x 5 filters, no padding: 24 x 24 x 32
    model.add(Activation("relu"))
    model.add(MaxPooling2D((2, 2)))  # 12 x 12 x 32
    model.add(Convolution2D(64, (5, 5)))  # 8 x 8 x 64
    model.add(Activation("relu"))
    model.add(MaxPooling2D((2, 2)))  # 4 x 4 x 64
    model.add(Flatten())  # 1024 values
    model.add(Dense(1000))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(size_out))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def main(argv=None):
    # 1. Load the data: 28 x 28 x 1 images scaled to [0, 1], labels one-hot (and the flags).
    run = lab.KerasTraining(__doc__, argv, "mnist_CNN_model.h5", epochs=8,
                            flags=[cli.adadelta_keras3_default()])
    x_train, y_train = run.data.x_train, run.data.y_train
    args = run.args

    # 2. Build and compile the model.  Keras 2's "adadelta" had learning rate 1.0.
    import keras
    if args.adadelta_keras3_default:
        optimizer = "adadelta"  # the 2019 line: learning rate 0.001 in Keras 3
    else:
        optimizer = keras.optimizers.Adadelta(learning_rate=1.0)
    model = CNN_model(optimizer)
    model.summary()

    # 3. Train, then measure on the training data.
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=args.validation_split, **run.fit_options(model))
    score = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(_("Accuracy:"), f"{score[1]:.4f}")

    # 4. Save the whole model (graph and weights) for Test_CNN_keras.py, and the curves.
    with run.saving(model, history, {"adadelta": optimizer if isinstance(optimizer, str)
                                     else "learning_rate=1.0"}) as path:
        model.save(path)


if __name__ == "__main__":
    run_training(main)
