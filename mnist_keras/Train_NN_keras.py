"""Train the MNIST digit classifier with Keras and save it to model/mnist_NN_model.h5.

Machine Learning in Practice #3, "Keras Library": the same network as the TensorFlow lab,
written with Keras, TensorFlow's high-level wrapper.  Builds a Sequential model (as the
2019 script, the softmax network without hidden layer; --hidden for the one with 100
sigmoid units), compiles it with categorical cross entropy and "sgd", fits 15 epochs of
mini-batches of 100, prints the accuracy on the training data and saves the model for
Test_NN_keras.py.

    python Train_NN_keras.py                     # the course: softmax only, sgd, 15 epochs
    python Train_NN_keras.py --hidden            # the hidden-layer model of the slide
    python Train_NN_keras.py --hidden --activation relu --optimizer adam
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets
from nnlab.optimizers import keras_optimizer
from nnlab.paths import default_model_path
from nnlab.quiet_tensorflow import import_tensorflow
from nnlab.training import fit_options, run_training, save_keras_training

size_in = 784
size_hidden = 100
size_out = 10


def NN_model_without_hidden_layer(optimizer="sgd"):
    from keras import Input, Sequential
    from keras.layers import Dense

    model = Sequential()
    model.add(Input(shape=(size_in,)))  # Keras 3 wants an Input layer, not Dense(input_dim=...)
    model.add(Dense(units=size_out, activation="softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer=optimizer)
    return model


def NN_model_with_hidden_layer(hidden_units=size_hidden, activation="sigmoid", optimizer="sgd"):
    from keras import Input, Sequential
    from keras.layers import Dense

    model = Sequential()
    model.add(Input(shape=(size_in,)))
    model.add(Dense(units=hidden_units, activation=activation))
    model.add(Dense(units=size_out, activation="softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer=optimizer)
    return model


# The model main() builds: edit this line (or pass --hidden / --no-hidden) to switch.
NN_model = NN_model_without_hidden_layer
# NN_model = NN_model_with_hidden_layer

OPTIONS = {NN_model_without_hidden_layer: (),
           NN_model_with_hidden_layer: ("hidden_units", "activation")}


def parse_args(argv=None):
    return cli.parse(__doc__, argv, cli.data(),
                     cli.training(epochs=15, shuffle=True, validation_split=0.0),
                     cli.network(hidden_units=size_hidden,
                                 model_choice="the line `NN_model = ...` in this file"),
                     cli.model_file(default_model_path("mnist_NN_model.h5"),
                                    "where to save the model: .h5 (the course) or .keras",
                                    keras=True, writes=True),
                     cli.training_pictures())


def main(argv=None):
    parser, args = parse_args(argv)
    keras = import_tensorflow().keras  # imported after the flags are checked: --help answers at once
    keras.utils.set_random_seed(args.seed)

    # 1. Load the data: pixels scaled to [0, 1], labels one-hot.
    data = datasets.load(args.dataset, args.data, args.mirror)
    x_train, y_train = datasets.flat_images(data.x_train), datasets.one_hot(data.y_train)
    cli.check_batch_size(parser, args.batch_size, len(x_train), args.validation_split)

    # 2. Build and compile the model.
    builder, options = cli.chosen_network(parser, args, NN_model, NN_model_with_hidden_layer,
                                          NN_model_without_hidden_layer, OPTIONS.get)
    model = builder(optimizer=keras_optimizer(args.optimizer, args.learning_rate), **options)
    model.summary()

    # 3. Train, then measure on the training data.
    history = model.fit(x_train, y_train, **fit_options(args))
    _, accuracy = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(f"Accuracy: {accuracy:.4f}")

    # 4. Save the whole model (graph and weights) for Test_NN_keras.py, and the curves.
    save_keras_training(model, history, args, {
        "dataset": args.dataset, "data": datasets.local_source(args.dataset, args.data),
        "hidden": builder is NN_model_with_hidden_layer})


if __name__ == "__main__":
    run_training(main)
