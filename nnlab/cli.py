"""Command-line flags shared by every script, so that they all answer to the same words.

Only argparse and the standard library are imported here: ``--help`` never waits for TensorFlow.
"""

import argparse

DATASETS = ("mnist", "fashion_mnist")
OPTIMIZERS = ("sgd", "momentum", "adam", "adagrad")
ACTIVATIONS = ("sigmoid", "relu", "tanh")


def parser(description):
    """An ArgumentParser whose help shows every default."""
    return argparse.ArgumentParser(description=description,
                                   formatter_class=argparse.ArgumentDefaultsHelpFormatter)


def positive_int(text):
    value = int_value(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def int_value(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
    return value


def fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, not {text}")
    return value


def add_data_arguments(parser, datasets=DATASETS, env_var="MNIST_DATA"):
    group = parser.add_argument_group("data")
    if len(datasets) > 1:
        group.add_argument("--dataset", choices=datasets, default=datasets[0],
                           help="which data set to load")
    group.add_argument("--data", metavar="PATH",
                       help=f"local copy of the data (also ${env_var}); otherwise Keras' cache "
                            "in ~/.keras/datasets or a download")
    group.add_argument("--mirror", metavar="URL",
                       help="download from this mirror instead of the official origin "
                            "(also $NNLAB_MIRROR); the published checksum is still checked")
    return group


def add_model_argument(parser, default, help_text):
    parser.add_argument("--model", metavar="PATH", default=default, help=help_text)


def add_seed_argument(parser):
    parser.add_argument("--seed", type=int_value, default=1,
                        help="random seed: the same seed gives the same numbers on the same machine")


def add_training_arguments(parser, batch_size=100, epochs=None, steps=None):
    """--batch-size, --seed and the length of training (--epochs, and --steps where given)."""
    group = parser.add_argument_group("training")
    if steps is not None:
        length = group.add_mutually_exclusive_group()
        length.add_argument("--steps", type=positive_int, default=steps,
                            help="number of mini-batches to train on")
        length.add_argument("--epochs", type=positive_int,
                            help="train for this many passes over the data instead of --steps")
    else:
        group.add_argument("--epochs", type=positive_int, default=epochs,
                           help="passes over the training data")
    group.add_argument("--batch-size", type=positive_int, default=batch_size,
                       help="images per mini-batch")
    add_seed_argument(group)
    return group


def add_network_arguments(parser, hidden_units, optimizers=OPTIMIZERS):
    """--hidden, --hidden-units, --activation, --optimizer and --learning-rate."""
    group = parser.add_argument_group("network")
    group.add_argument("--hidden", action="store_true",
                       help="use the network with one hidden layer")
    group.add_argument("--hidden-units", type=positive_int, default=hidden_units,
                       help="units in the hidden layer (with --hidden)")
    group.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid",
                       help="activation of the hidden layer (with --hidden)")
    group.add_argument("--optimizer", choices=optimizers, default="sgd",
                       help="sgd is plain gradient descent, as in the course; momentum uses 0.9")
    group.add_argument("--learning-rate", type=positive_float,
                       help="step size (default: 0.01 for sgd, momentum and adagrad, "
                            "0.001 for adam)")
    return group
