"""Homework: a Keras convolutional network for CIFAR-10.  Implement CNN_model() below.

Machine Learning in Practice #4, "Homework: CNN Implementation of Image Classifier".
Follow CNN_model in mnist_keras/Train_CNN_keras.py, made for colour images: the inputs are
32 x 32 x 3 images (raw 0-255 pixels, as in 2019; --scale divides them by 255), the output a
softmax layer of 10 (one unit per class); the layers in between are yours to choose
(https://keras.io/api/layers/convolution_layers/).  Convolution2D, MaxPooling2D, Dropout,
Flatten, Dense and Activation are imported for you below.  Then train and test it:

    python Train_CNN_cifar.py --train-size 5000 --epochs 1   # a quick try on a laptop
    python Train_CNN_cifar.py                         # 20 epochs, saves model/cifar_CNN_model.h5
    python Test_CNN_cifar.py                          # beat the MLP homework's 30%

Hand in this file alone (no model file), or its notebook twin Train_CNN_cifar.ipynb.
In Korean: README.ko.md (학생용 안내).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

try:
    from nnlab import cli, lab
    from nnlab.i18n import _
    from nnlab.homework import build_model
    from nnlab.quiet_tensorflow import import_tensorflow
    from nnlab.training import run_training
except ModuleNotFoundError as missing:  # this file alone, away from the suite
    if missing.name != "nnlab":
        raise
    sys.exit("Train_CNN_cifar.py: error: run this file from the suite's cifar/ folder: it needs "
             "the suite's nnlab/ package (hand in this file alone)")

import_tensorflow()  # TensorFlow's start-up noise hidden; then the 2019 handout's imports
import keras
from keras.models import Sequential
from keras.layers import Convolution2D, MaxPooling2D, Dropout, Flatten, Dense, Activation

input_shape = (32, 32, 3)  # 32 x 32 pixels, 3 colour channels
size_out = 10


def CNN_model():  # IMPLEMENT HERE!!
    """Build, compile and return the network: Sequential, input_shape in, size_out out,
    loss "categorical_crossentropy", metrics ["accuracy"], the optimizer of your choice."""
    raise NotImplementedError


def main(argv=None):
    # 1. Load the data: raw 0-255 pixels of shape (N, 32, 32, 3) as in 2019 (--scale: / 255).
    run = lab.KerasTraining(__doc__, argv, "cifar_CNN_model.h5", epochs=20, data_sets=("cifar10",),
                            cifar=True, flags=[cli.solution_file(
                                "CNN_model", "Train_CNN_cifar.py",
                                "grader/cnn_reference_solution.py")])
    x_train, y_train = run.data.x_train, run.data.y_train
    args = run.args

    # 2. Build and compile the model: your CNN_model().
    model = build_model(run.parser, args, CNN_model, input_shape)
    model.summary()

    # 3. Train, then measure on the training data.
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=args.validation_split, **run.fit_options(model))
    score = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(_("Accuracy:"), f"{score[1]:.4f}")

    # 4. Save the model, and how its inputs were made, for Test_CNN_cifar.py.
    with run.saving(model, history) as path:
        model.save(path)


if __name__ == "__main__":
    run_training(main)
