"""Homework: a Keras classifier for CIFAR-10.  Implement NN_model() below.

Machine Learning in Practice #3, "Homework: Keras Implementation of Image Classifier".
Follow NN_model_with_hidden_layer in mnist_keras/Train_NN_keras.py, made bigger:
3072 inputs (32 x 32 x 3), two sigmoid hidden layers of 3000 and 2000 units, and a
softmax output layer of 10 (one unit per class).  Then train and test it:

    python Train_NN_cifar.py                         # 15 epochs, saves model/cifar_NN_model.h5
    python Test_NN_cifar.py                          # about 30% accuracy: next lecture, CNNs
    python Train_NN_cifar.py --train-size 5000 --epochs 1   # a quick try on a laptop

Hand in this file alone (no model file).
"""

import inspect
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets, plots
from nnlab.checkpoints import check_keras_model, save_keras_model, write_training_notes
from nnlab.optimizers import keras_optimizer
from nnlab.paths import default_model_path, ensure_model_folder, ensure_writable_folder
from nnlab.quiet_tensorflow import import_tensorflow
from nnlab.training_log import History, keras_callbacks

size_in = 3072  # 32 * 32 * 3
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
    parser = cli.parser(__doc__.splitlines()[0])
    cli.add_data_arguments(parser, datasets=("cifar10",), env_var="CIFAR10_DATA")
    cli.add_cifar_data_arguments(parser)
    training = cli.add_training_arguments(parser, batch_size=100, epochs=15)
    cli.add_keras_training_arguments(training, validation_split=0.1)
    network = parser.add_argument_group("network")
    network.add_argument("--activation", choices=cli.ACTIVATIONS, default="sigmoid",
                         help="activation of the hidden layers, passed to NN_model()")
    cli.add_optimizer_arguments(network)
    network.add_argument("--reference", action="store_true",
                         help="use the reference NN_model() of homework_solution.py "
                              "(for instructors) instead of the one in this file")
    cli.add_model_argument(parser, default_model_path("cifar_NN_model.h5"),
                           "where to save the model: .h5 (the course) or .keras")
    cli.add_training_picture_arguments(parser)
    return parser, parser.parse_args(argv)


def build_model(parser, args):
    """Call NN_model() (the student's, or the reference) and check what it returns."""
    if args.reference:
        try:
            from homework_solution import NN_model as chosen_model
        except ImportError:
            raise SystemExit("error: homework_solution.py is not here: implement NN_model() in "
                             "Train_NN_cifar.py instead of using --reference") from None
    else:
        chosen_model = NN_model
    parameters = inspect.signature(chosen_model).parameters
    options = {}
    if "activation" in parameters:
        options["activation"] = args.activation
    elif args.activation != "sigmoid":
        parser.error("--activation needs NN_model(activation=...)")
    if "optimizer" in parameters:
        options["optimizer"] = keras_optimizer(args.optimizer, args.learning_rate)
    elif (args.optimizer, args.learning_rate) != ("sgd", None):
        parser.error("--optimizer and --learning-rate need NN_model(optimizer=...)")
    try:
        model = chosen_model(**options)
    except NotImplementedError:
        raise SystemExit(
            "error: NN_model() is not implemented yet: in Train_NN_cifar.py, build a Sequential "
            "model with 3072 inputs, two sigmoid hidden layers of 3000 and 2000 units and a "
            "softmax output of 10, compile it, and return it") from None
    check_keras_model(model, size_in, "NN_model()")
    return model


def main(argv=None):
    parser, args = parse_args(argv)
    keras = import_tensorflow().keras  # imported after parsing, so that --help answers at once
    keras.utils.set_random_seed(args.seed)

    # 1. Load the data. The 2019 handout fed raw 0-255 pixels; --scale divides them by 255.
    data = datasets.load("cifar10", args.data, args.mirror)
    cli.check_train_size(parser, args.train_size, len(data.x_train))
    x_train = datasets.flat_images(data.x_train[:args.train_size], scale=args.scale)
    y_train = datasets.one_hot(data.y_train[:args.train_size])
    cli.check_batch_size(parser, args.batch_size, len(x_train), args.validation_split)
    ensure_model_folder(args.model)
    if args.logdir:
        ensure_writable_folder(args.logdir, "--logdir")

    # 2. Build and compile the model: your NN_model().
    model = build_model(parser, args)
    model.summary()

    # 3. Train, then measure on the training data.
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=args.validation_split, shuffle=args.shuffle,
                        callbacks=keras_callbacks(args.logdir))
    _, accuracy = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(f"Accuracy: {accuracy:.4f}")

    # 4. Save the model, and whether its inputs were scaled, for Test_NN_cifar.py.
    save_keras_model(model, args.model)
    write_training_notes(args.model, {"scale": args.scale})
    print(f"Model saved to {args.model}")

    # 5. Pictures: loss and accuracy epoch by epoch (and TensorBoard's logs with --logdir).
    if args.pictures:
        plots.save_training_curves(History.from_keras(history).curves, "epoch", args.model)


if __name__ == "__main__":
    cli.run_training(main)
