"""Train the MNIST digit classifier with Keras and save it to model/mnist_model.h5.

Machine Learning in Practice #3, "Keras Library": the same network as the TensorFlow lab,
written with Keras, TensorFlow's high-level wrapper.  Builds a Sequential model (by default
the one with a hidden layer of 100 sigmoid units), compiles it with categorical cross
entropy and "sgd", fits 15 epochs of mini-batches of 100, prints the accuracy on the
training data and saves the model for Test_NN_keras.py.

    python Train_NN_keras.py                     # the course: hidden layer, sgd, 15 epochs
    python Train_NN_keras.py --no-hidden         # softmax only
    python Train_NN_keras.py --activation relu --optimizer adam --shuffle
"""

import inspect
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets, plots
from nnlab.checkpoints import save_keras_model
from nnlab.optimizers import keras_optimizer
from nnlab.paths import default_model_path, ensure_model_folder, ensure_writable_folder
from nnlab.quiet_tensorflow import import_tensorflow
from nnlab.training_log import History, keras_callbacks

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
    model.add(Input(shape=(size_in,)))  # Keras 3 wants an Input layer, not Dense(input_dim=...)
    model.add(Dense(units=hidden_units, activation=activation))
    model.add(Dense(units=size_out, activation="softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer=optimizer)
    return model


# The model main() builds: edit this line (or pass --hidden / --no-hidden) to switch.
NN_model = NN_model_with_hidden_layer


def parse_args(argv=None):
    parser = cli.parser(__doc__.splitlines()[0])
    cli.add_data_arguments(parser)
    training = cli.add_training_arguments(parser, batch_size=100, epochs=15)
    cli.add_keras_training_arguments(training)
    cli.add_network_arguments(parser, hidden_units=size_hidden,
                              model_choice="the line `NN_model = ...` in this file")
    cli.add_model_argument(parser, default_model_path("mnist_model.h5"),
                           "where to save the model: .h5 (the course) or .keras")
    cli.add_training_picture_arguments(parser)
    return parser, parser.parse_args(argv)


def model_options(parser, args, builder):
    """The flags that `builder` accepts; flags it cannot use are an error, not silently ignored."""
    options = {"hidden_units": args.hidden_units, "activation": args.activation}
    accepted = inspect.signature(builder).parameters
    cli.refuse_unused_options(parser, options, accepted)
    options = {name: value for name, value in options.items() if name in accepted}
    return dict(options, optimizer=keras_optimizer(args.optimizer, args.learning_rate))


def main(argv=None):
    parser, args = parse_args(argv)
    keras = import_tensorflow().keras  # imported after parsing, so that --help answers at once
    keras.utils.set_random_seed(args.seed)

    # 1. Load the data: pixels scaled to [0, 1], labels one-hot.
    data = datasets.load(args.dataset, args.data, args.mirror)
    x_train, y_train = datasets.flat_images(data.x_train), datasets.one_hot(data.y_train)
    cli.check_batch_size(parser, args.batch_size, len(x_train), args.validation_split)
    ensure_model_folder(args.model)
    if args.logdir:
        ensure_writable_folder(args.logdir, "--logdir")

    # 2. Build and compile the model.
    builder = {None: NN_model, True: NN_model_with_hidden_layer,
               False: NN_model_without_hidden_layer}[args.hidden]
    model = builder(**model_options(parser, args, builder))
    model.summary()

    # 3. Train, then measure on the training data.
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=args.validation_split, shuffle=args.shuffle,
                        callbacks=keras_callbacks(args.logdir))
    _, accuracy = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(f"Accuracy: {accuracy:.4f}")

    # 4. Save the whole model (graph and weights) for Test_NN_keras.py.
    save_keras_model(model, args.model)
    print(f"Model saved to {args.model}")

    # 5. Pictures: loss and accuracy epoch by epoch (and TensorBoard's logs with --logdir).
    if args.pictures:
        plots.save_training_curves(History.from_keras(history).curves, "epoch", args.model)


if __name__ == "__main__":
    cli.run_training(main)
