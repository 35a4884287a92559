"""Homework: a Keras classifier for CIFAR-10.  Implement NN_model() below.

Machine Learning in Practice #3, "Homework: Keras Implementation of Image Classifier".
Follow NN_model_with_hidden_layer in mnist_keras/Train_NN_keras.py, made bigger:
3072 inputs (32 x 32 x 3), two sigmoid hidden layers of 3000 and 2000 units, and a
softmax output layer of 10 (one unit per class).  Keras, Sequential, Dense and Activation
are imported for you below.  Then check, train and test it:

    python check_homework.py                         # the grader's checks, in a few seconds
    python Train_NN_cifar.py --train-size 5000 --epochs 1   # a quick try on a laptop
    python Train_NN_cifar.py                         # 15 epochs, saves model/cifar_NN_model.h5
    python Test_NN_cifar.py                          # about 30% accuracy: next lecture, CNNs

Hand in this file alone (no model file), or its notebook twin Train_NN_cifar.ipynb.
In Korean: README.ko.md (학생용 안내).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

try:
    from nnlab import cli, lab
    from nnlab.i18n import _
    from nnlab.quiet_tensorflow import import_tensorflow
    from nnlab.training import run_training
except ModuleNotFoundError as missing:  # this file alone, away from the suite
    if missing.name != "nnlab":
        raise
    sys.exit("Train_NN_cifar.py: error: run this file from the suite's cifar/ folder: it needs "
             "the suite's nnlab/ package (hand in this file alone)")

import_tensorflow()  # TensorFlow's start-up noise hidden; then the 2019 handout's imports
import keras
from keras.models import Sequential
from keras.layers import Dense, Activation

size_in = 3072  # 32*32*3
size_hidden1 = 3000
size_hidden2 = 2000
size_out = 10


def NN_model(activation="sigmoid", optimizer="sgd"):  # IMPLEMENT HERE!!
    """Build, compile and return the network.

    activation: of both hidden layers ("sigmoid" in the homework);
    optimizer: for model.compile ("sgd" in the homework), with loss "categorical_crossentropy"
    and metrics ["accuracy"].

    The slide's first layer, Dense(units=size_hidden1, input_dim=size_in), works: Keras 3
    still accepts input_dim, and says so in a warning ("Do not pass an `input_shape`/
    `input_dim` argument to a layer") that this suite hides, as it is harmless.  Keras 3's own
    way, model.add(keras.Input(shape=(size_in,))) before the first Dense layer, gives the
    same network.
    """
    raise NotImplementedError


def main(argv=None):
    # 1. Load the data: rows of 3072 raw 0-255 pixels as in 2019 (--scale: / 255), one-hot labels.
    run = lab.KerasTraining(__doc__, argv, "cifar_NN_model.h5", epochs=15, data_sets=("cifar10",),
                            cifar=True, images=False, flags=[cli.network(), cli.solution_file()])
    x_train, y_train = run.data.x_train, run.data.y_train

    # 2. Build and compile the model: your NN_model().
    model = run.homework_model(NN_model, size_in)
    model.summary()

    # 3. Train, then measure on the training data.
    history = model.fit(x_train, y_train, batch_size=run.batch_size, epochs=run.epochs,
                        validation_split=run.validation_split, **run.fit_options(model))
    score = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(_("Accuracy:"), f"{score[1]:.4f}")

    # 4. Save the model, and how its inputs were made, for Test_NN_cifar.py.
    with run.saving(model, history) as path:
        model.save(path)


if __name__ == "__main__":
    run_training(main)
