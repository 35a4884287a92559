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
    from nnlab import cli, datasets
    from nnlab.homework import build_model
    from nnlab.paths import default_model_path
    from nnlab.quiet_tensorflow import import_tensorflow
    from nnlab.training import fit_options, run_training, save_keras_training
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
    """
    raise NotImplementedError


def parse_args(argv=None):
    return cli.parse(__doc__, argv, cli.data(("cifar10",)), cli.cifar_inputs(),
                     cli.training(epochs=15, shuffle=True, validation_split=0.1),
                     cli.network(),
                     cli.model_file(default_model_path("cifar_NN_model.h5"),
                                    "where to save the model: .h5 (the course) or .keras",
                                    keras=True, writes=True),
                     cli.solution_file(), cli.training_pictures())


def main(argv=None):
    parser, args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)

    # 1. Load the data. The 2019 handout fed raw 0-255 pixels; --scale divides them by 255.
    data = datasets.load("cifar10", args.data, args.mirror)
    cli.check_train_size(parser, args.train_size, len(data.x_train))
    x_train = datasets.flat_images(data.x_train[:args.train_size], scale=args.scale)
    y_train = datasets.one_hot(data.y_train[:args.train_size])
    cli.check_batch_size(parser, args.batch_size, len(x_train), args.validation_split)

    # 2. Build and compile the model: your NN_model().
    model = build_model(parser, args, NN_model, size_in)
    model.summary()

    # 3. Train, then measure on the training data.
    history = model.fit(x_train, y_train, **fit_options(args))
    _, accuracy = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(f"Accuracy: {accuracy:.4f}")

    # 4. Save the model, and how its inputs were made, for Test_NN_cifar.py.
    save_keras_training(model, history, args, {
        "dataset": "cifar10", "data": datasets.local_source("cifar10", args.data),
        "scale": args.scale, "train_size": args.train_size})


if __name__ == "__main__":
    run_training(main)
