"""Command-line flags shared by every script, so that they all answer to the same words.

Only argparse and the standard library are imported here: ``--help`` never waits for TensorFlow.
"""

import argparse
import os
import sys

from nnlab.optimizers import DEFAULT_LEARNING_RATES, OPTIMIZERS

DATASETS = ("mnist", "fashion_mnist")
ACTIVATIONS = ("sigmoid", "relu", "tanh")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each flag's default, except where there is none to show."""

    def _get_help_string(self, action):
        if action.default in (None, False):
            return action.help
        return super()._get_help_string(action)


def parser(description):
    """An ArgumentParser whose help shows every default."""
    return argparse.ArgumentParser(description=description, formatter_class=HelpFormatter)


def positive_int(text):
    value = int_value(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def nonnegative_int(text):
    value = int_value(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
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


def add_network_arguments(parser, hidden_units, model_choice):
    """--hidden, --hidden-units, --activation, --optimizer and --learning-rate.

    `model_choice` names the module-level line that picks the network when neither
    --hidden nor --no-hidden is given (students switch networks by editing it).
    """
    group = parser.add_argument_group("network")
    group.add_argument("--hidden", action=argparse.BooleanOptionalAction, default=None,
                       help="the network with one hidden layer (--hidden) or without "
                            f"(--no-hidden); default: the network chosen by {model_choice}")
    group.add_argument("--hidden-units", type=positive_int, default=hidden_units,
                       help="units in the hidden layer (with --hidden)")
    group.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid",
                       help="activation of the hidden layer (with --hidden)")
    add_optimizer_arguments(group)
    return group


def add_optimizer_arguments(group):
    """--optimizer and --learning-rate."""
    group.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd",
                       help="sgd is plain gradient descent, as in the course; momentum uses 0.9")
    defaults = ", ".join(f"{rate} for {name}" for name, rate in DEFAULT_LEARNING_RATES.items())
    group.add_argument("--learning-rate", type=positive_float,
                       help=f"step size (default: {defaults})")


def add_keras_training_arguments(group, validation_split=0.0):
    """--validation-split and --shuffle for the Keras scripts (Keras shuffles by default)."""
    group.add_argument("--validation-split", type=fraction, default=validation_split,
                       help="fraction of the training data held out to validate each epoch")
    group.add_argument("--shuffle", action=argparse.BooleanOptionalAction, default=True,
                       help="shuffle the training data every epoch, as Keras' fit does")


def refuse_unused_options(parser, options, accepted):
    """A network flag that the chosen builder cannot use is an error, not silently ignored."""
    for name, value in options.items():
        if name not in accepted and value != parser.get_default(name):
            parser.error(f"--{name.replace('_', '-')} needs the hidden-layer network (--hidden)")


def check_batch_size(parser, batch_size, training_images, validation_split=0.0):
    available = int(training_images * (1 - validation_split))
    if batch_size > available:
        parser.error(f"--batch-size {batch_size} is larger than the {available} training images")


def add_sample_arguments(parser):
    """--samples and --seed: which random test images the test scripts show."""
    parser.add_argument("--samples", type=nonnegative_int, default=5,
                        help="how many random test images to show as actual/predicted")
    add_seed_argument(parser)


def add_viewer_arguments(parser):
    """--split, --count, --indices and --save for the data viewers."""
    parser.add_argument("--split", choices=("train", "test"), default="train",
                        help="which part of the data to show")
    parser.add_argument("--count", type=positive_int, default=16,
                        help="how many images, from the first (ignored with --indices)")
    parser.add_argument("--indices", type=int_value, nargs="+", metavar="I",
                        help="show exactly these images")
    parser.add_argument("--save", metavar="PNG",
                        help="write the picture to this file instead of opening a window")


def chosen_indices(parser, args, total):
    """The images --indices or --count ask for, checked against the number there are."""
    indices = args.indices if args.indices else list(range(min(args.count, total)))
    wrong = [index for index in indices if not 0 <= index < total]
    if wrong:
        parser.error(f"--indices {wrong[0]} is outside 0..{total - 1}")
    return indices


def add_cifar_data_arguments(parser):
    """--scale and --train-size for the CIFAR-10 homework."""
    group = parser.add_argument_group("CIFAR-10 inputs")
    group.add_argument("--scale", action="store_true",
                       help="divide pixels by 255 (the 2019 handout fed raw 0-255 values)")
    group.add_argument("--train-size", type=positive_int, metavar="N",
                       help="train on the first N training images only (default: all 50,000)")


def check_train_size(parser, train_size, available):
    if train_size is not None and train_size > available:
        parser.error(f"--train-size {train_size} is more than the {available} training images")


TEST_PICTURES = ("confusion", "mistakes", "weights")


def add_training_picture_arguments(parser):
    """--pictures/--no-pictures (training curves) and --logdir (TensorBoard)."""
    group = parser.add_argument_group("pictures")
    group.add_argument("--pictures", action=argparse.BooleanOptionalAction, default=True,
                       help="draw the training curves (cost and accuracy) as a PNG beside the "
                            "model, and show them where there is a display")
    group.add_argument("--logdir", metavar="DIR",
                       help="also write TensorBoard logs here (view: tensorboard --logdir DIR)")


def add_test_picture_arguments(parser, available=TEST_PICTURES):
    """--pictures NAME..., --no-pictures and --picture-dir for the test scripts."""
    group = parser.add_argument_group("pictures")
    group.add_argument("--pictures", nargs="+", choices=available, default=list(available),
                       metavar="NAME", help=f"which pictures to draw: {', '.join(available)}"
                       + (" (weights: the softmax network only)" if "weights" in available else ""))
    group.add_argument("--no-pictures", dest="pictures", action="store_const", const=[],
                       help="draw no picture")
    group.add_argument("--picture-dir", metavar="DIR",
                       help="where to write the pictures (default: beside the model)")


def run_training(main):
    """Run a training script's main(); Ctrl-C ends it with a word on the model, not a traceback."""
    try:
        main()
    except KeyboardInterrupt:
        sys.stdout.flush()
        sys.stderr.write("\nInterrupted: the previously saved model, if any, is unchanged.\n")
        sys.stderr.flush()
        # Leave at once: TensorFlow objects cut off half-built would complain while being freed.
        os._exit(130)
