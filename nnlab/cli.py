"""Command-line flags shared by every script, so that they all answer to the same words.

A script declares its flags as a list of groups, ``cli.parse(__doc__, argv, cli.data(),
cli.training(steps=1000), ...)``; each group adds its flags and, after parsing, checks
what can be checked before TensorFlow loads (a --data path that does not exist, a --model
name Keras cannot write).  Every mistake ends with one line:
``Train_NN.py: error: argument --steps: must be a positive whole number, not -5 (see --help)``.

Only argparse and the standard library are imported here: ``--help`` never waits for TensorFlow.
"""

import argparse
import json
import math
import os
import re

import sys

from nnlab.choices import (ACTIVATIONS, CNN_NETWORK, COSTS, INITIALIZATIONS, MNIST_DATASETS,
                           OPTIMIZERS)
from nnlab.optimizers import DEFAULT_LEARNING_RATES
from nnlab.i18n import LANGUAGES, N_, _, set_language
from nnlab.paths import ensure_model_folder, ensure_writable_folder

MAX_SEED = 2**32 - 1
KERAS_EXTENSIONS = (".h5", ".keras")
DATA_ENV_VARS = {"mnist": "MNIST_DATA", "fashion_mnist": "FASHION_MNIST_DATA",
                 "cifar10": "CIFAR10_DATA"}


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each flag's default, except where there is none to show."""

    def _get_help_string(self, action):
        if action.default in (None, False) or action.default == argparse.SUPPRESS or \
                "%(default)" in (action.help or ""):
            return action.help
        return (action.help or "") + _(" (default: %(default)s)")


class Given(argparse.Action):
    """Stores the value and remembers that the flag was given (in `args.given`), so that a
    flag given with its default value is not taken for a flag left out."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        namespace.given = getattr(namespace, "given", set()) | {self.dest}


    def _format_usage(self, usage, actions, groups, prefix):
        return super()._format_usage(usage, actions, groups, prefix or _("usage: "))


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, not a usage block, and whose own words
    (usage, options, -h) are in the chosen language.  Argparse's own error texts ("invalid
    choice", "expected one argument") stay English: they come from its 'argparse' gettext
    domain, which no catalog of the suite replaces."""

    def __init__(self, **options):
        super().__init__(add_help=False, **options)
        self._optionals.title = _("options")
        self._positionals.title = _("positional arguments")
        self.add_argument("-h", "--help", action="help", help=_("show this help and exit"))

    def error(self, message):
        flag = re.match(r"argument (\S+): (.*)", message, re.S)  # argparse's own English words
        if flag:
            message = _("argument {flag}: {message}").format(flag=flag[1], message=flag[2])
        self.exit(2, _("{prog}: error: {message} (see --help)").format(prog=self.prog,
                                                                      message=message) + "\n")


def language_flag(argv):
    """The language --lang asks for in `argv` (or the environment's), set before any message."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", choices=LANGUAGES)
    known, _unknown = early.parse_known_args(sys.argv[1:] if argv is None else argv)
    return set_language(known.lang)


def parse(doc, argv, *groups):
    """Parse `argv` with the flags of `groups`; returns (parser, args), already checked."""
    language_flag(argv)
    first_line = ((doc or "").strip().splitlines() or [None])[0]  # None: a notebook
    parser = Parser(description=first_line and _(first_line), formatter_class=HelpFormatter)
    parser.add_argument("--lang", choices=LANGUAGES,
                        help=_("language of the messages: en (English) or ko (Korean); "
                               "default: from LANG"))
    checks = [group(parser) for group in groups]
    args = parser.parse_args(argv)
    for check in checks:
        if check:
            check(parser, args)
    return parser, args


def whole_number(low=None, high=None, what=N_("a whole number")):
    def convert(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("must be {what}, not {text}").format(what=_(what), text=repr(text))) from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(
                _("must be {what}, not {text}").format(what=_(what), text=text))
        return value
    return convert


positive_int = whole_number(1, what=N_("a positive whole number"))
nonnegative_int = whole_number(0, what=N_("0 or a positive whole number"))
seed_value = whole_number(0, MAX_SEED, what=N_("a whole number from 0 to 4294967295"))


def number(low, high, what):
    def convert(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("must be a number, not {text}").format(text=repr(text))) from None
        if not (math.isfinite(value) and low(value) and high(value)):
            raise argparse.ArgumentTypeError(
                _("must be {what}, not {text}").format(what=_(what), text=text))
        return value
    return convert


positive_float = number(lambda v: v > 0, lambda v: True, N_("a finite number greater than 0"))
fraction = number(lambda v: v >= 0, lambda v: v < 1, N_("at least 0 and below 1"))


def data(datasets=MNIST_DATASETS, dataset_default="first"):
    """--dataset (where there is a choice), --data and --mirror.

    `dataset_default` None: the test scripts follow the data recorded beside the model.
    """
    def add(parser):
        group = parser.add_argument_group(_("data"))
        if len(datasets) > 1:
            default = datasets[0] if dataset_default == "first" else dataset_default
            group.add_argument("--dataset", choices=datasets, default=default,
                               help=_("which data set to load") if default else
                               _("which data set to load (default: the one the model was "
                                 "trained on)"))
        variables = "/".join("$" + DATA_ENV_VARS[name] for name in datasets)
        group.add_argument("--data", metavar="PATH",
                           help=_("local copy of the data (also {variables}), kept in Keras' "
                                  "cache once read, so that later commands need no --data; "
                                  "otherwise Keras' cache in ~/.keras/datasets or a "
                                  "download").format(variables=variables))
        group.add_argument("--mirror", metavar="URL",
                           help=_("download from this mirror instead of the official origin "
                                  "(also $NNLAB_MIRROR); the published checksum is still checked"))
        return check_data_path

    return add


def check_data_path(parser, args):
    if args.data and not os.path.exists(os.path.expanduser(args.data)):
        parser.error(_("argument --data: {path} does not exist: give the path of a local "
                       "copy, or leave --data out to use Keras' cache or a download").format(
                           path=args.data))


def training(batch_size=100, epochs=None, steps=None, shuffle=None, validation_split=None):
    """--epochs (or --steps with --epochs as the alternative), --batch-size, --seed, --shuffle,
    and --validation-split for Keras."""
    def add(parser):
        group = parser.add_argument_group(_("training"))
        if steps is not None:
            length = group.add_mutually_exclusive_group()
            length.add_argument("--steps", type=positive_int, default=steps,
                                help=_("number of mini-batches to train on"))
            length.add_argument("--epochs", type=positive_int,
                                help=_("train for this many passes over the data instead of "
                                         "--steps"))
        else:
            group.add_argument("--epochs", type=positive_int, default=epochs,
                               help=_("passes over the training data"))
        group.add_argument("--batch-size", type=positive_int, default=batch_size,
                           help=_("images per mini-batch"))
        seed(group)
        if shuffle is not None:
            group.add_argument("--shuffle", action=argparse.BooleanOptionalAction, default=shuffle,
                               help=_("reshuffle the training data every epoch") if shuffle else
                               _("reshuffle the training data every epoch (the course takes "
                                 "batches in order)"))
        if validation_split is not None:
            group.add_argument("--validation-split", type=fraction, default=validation_split,
                               help=_("fraction of the training data held out to validate each "
                                      "epoch"))
    return add


def seed(group):
    group.add_argument("--seed", type=seed_value, default=1,
                       help=_("random seed: the same seed gives the same numbers on the same "
                              "machine"))


def network(hidden_units=None, model_choice=None, tf1=False):
    """--hidden, --hidden-units, --activation, --optimizer, --learning-rate (+ --init, --cost).

    `model_choice` names the module-level line that picks the network when neither
    --hidden nor --no-hidden is given (students switch networks by editing it).  Without it
    (the CIFAR-10 homework, whose network is fixed) there is no --hidden nor --hidden-units.
    """
    hidden_flag = model_choice is not None
    def add(parser):
        group = parser.add_argument_group(_("network"))
        if hidden_flag:
            group.add_argument("--hidden", action=argparse.BooleanOptionalAction, default=None,
                               help=_("the network with one hidden layer (--hidden) or without "
                                      "(--no-hidden); default: the network chosen by "
                                      "{line}").format(line=model_choice))
            group.add_argument("--hidden-units", type=positive_int, default=hidden_units,
                               action=Given, help=_("units in the hidden layer (with --hidden)"))
        group.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid", action=Given,
                           help=_("activation of the hidden layer (with --hidden)") if hidden_flag
                           else _("activations of the hidden layers"))
        group.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd",
                           help=_("sgd is plain gradient descent, as in the course; momentum "
                                  "uses 0.9"))
        defaults = ", ".join(_("{rate} for {name}").format(rate=rate, name=name)
                             for name, rate in DEFAULT_LEARNING_RATES.items())
        group.add_argument("--learning-rate", type=positive_float,
                           help=_("step size (default: {defaults})").format(defaults=defaults))
        if tf1:
            group.add_argument("--init", choices=INITIALIZATIONS, default="zeros",
                               help=_("initial weights: the course's zeros, or Glorot-uniform "
                                      "random"))
            group.add_argument("--cost", choices=COSTS, default="sum",
                               help=_("cross entropy summed over the batch (course) or averaged"))
            group.add_argument("--exact-symmetry", action="store_true",
                               help=_("compute every hidden unit by exactly the same arithmetic "
                                      "(not the slide's tf.matmul, whose rounding can split equal "
                                      "units apart): what zero initial weights do on exact "
                                      "arithmetic (with --hidden)"))
    return add


def cifar_inputs(scale_default=False):
    """--scale and --train-size for the CIFAR-10 homework (default None: as recorded)."""
    def add(parser):
        group = parser.add_argument_group(_("CIFAR-10 inputs"))
        group.add_argument("--scale", action=argparse.BooleanOptionalAction, default=scale_default,
                           help=_("divide pixels by 255 (the 2019 handout fed raw 0-255 values)")
                           if scale_default is not None else
                           _("divide pixels by 255 (the 2019 handout fed raw 0-255 values); "
                             "default: as the model was trained"))
        train_size(as_recorded=scale_default is None)(group)
    return add


def train_size(as_recorded=False):
    """--train-size N: train on the first N training images only."""
    def add(parser):
        parser.add_argument("--train-size", type=positive_int, metavar="N",
                            help=_("use the first N training images only (default: as the model "
                                   "was trained)") if as_recorded else
                            _("use the first N training images only (default: all of them)"))
    return add


def keep_prob(default):
    """--keep-prob for the TF1 convolutional network's dropout."""
    def add(parser):
        parser.add_argument("--keep-prob", type=number(lambda v: v > 0, lambda v: v <= 1,
                                                       N_("above 0 and at most 1")),
                            default=default, metavar="P",
                            help=_("fraction of the fully connected units kept while training "
                                   "(dropout; 1 keeps them all)"))
    return add


def adadelta_keras3_default():
    """--adadelta-keras3-default for the Keras CNN: compile with the plain string 'adadelta'."""
    def add(parser):
        parser.add_argument("--adadelta-keras3-default", action="store_true",
                            help=_("compile with the string 'adadelta' as the 2019 file did: in "
                                   "Keras 3 that means learning rate 0.001, and the network learns "
                                   "far more slowly (default: Adadelta(learning_rate=1.0), what "
                                   "the string meant in the course's Keras 2)"))
    return add


def korean():
    """--korean for the CIFAR-10 test scripts."""
    def add(parser):
        parser.add_argument("--korean", action="store_true",
                            help=_("print and draw the course's Korean class names (비행기, "
                                   "자동차, ...); the default with --lang ko"))
    return add


def model_file(default, help_text, keras=False, writes=False):
    """--model, with a name the chosen format can write, checked before any work; with
    `writes` (training scripts), its folder is created and proved writable too."""
    def add(parser):
        parser.add_argument("--model", metavar="PATH", default=default, help=help_text)

        def check(parser, args):
            extension = os.path.splitext(args.model)[1].lower()
            if keras and os.path.exists(args.model + ".index"):
                test_script = "Test_CNN.py" if tf1_network(args.model) == CNN_NETWORK \
                    else "Test_NN.py"
                parser.error(_("argument --model: {path} is a TensorFlow 1 checkpoint, not a "
                               "Keras model: test it with {script}").format(path=args.model,
                                                                           script=test_script))
            if keras and extension not in KERAS_EXTENSIONS:
                parser.error(_("argument --model: {path} must end in .h5 or .keras, the "
                               "formats Keras saves").format(path=args.model))
            if not keras and extension in KERAS_EXTENSIONS:
                parser.error(_("argument --model: {path} is a Keras file name; a TensorFlow 1 "
                               "checkpoint is named like model/mnist_NN_model.ckpt").format(
                                   path=args.model))
            if os.path.isdir(args.model):
                parser.error(_("argument --model: {path} is a folder; give a file "
                               "name").format(path=args.model))
            if writes:
                ensure_model_folder(args.model)
        return check
    return add


def tf1_network(checkpoint):
    """The network a TF1 checkpoint's notes name ("CNN_comp_graph", or an NN_comp_graph
    builder), or None where there are no readable notes."""
    try:
        with open(checkpoint + ".json") as file:
            notes = json.load(file)
    except (OSError, ValueError, RecursionError):
        return None
    return (notes.get("network") or notes.get("builder")) if isinstance(notes, dict) else None


def solution_file(function="NN_model", handout="Train_NN_cifar.py",
                  reference="grader/reference_solution.py"):
    """--solution FILE for a CIFAR-10 handout."""
    def add(parser):
        parser.add_argument("--solution", metavar="FILE",
                            help=_("use {function}() from this file instead of the one in "
                                   "{handout} (instructors: {reference})").format(
                                       function=function, handout=handout, reference=reference))
    return add


def training_pictures(gradients=False):
    """--pictures/--no-pictures (training curves), --logdir (TensorBoard) and, for the TF1 lab,
    --gradients/--no-gradients."""
    def add(parser):
        group = parser.add_argument_group(_("pictures"))
        group.add_argument("--pictures", action=argparse.BooleanOptionalAction, default=True,
                           help=_("draw the training curves (cost and accuracy) as a PNG beside "
                                  "the model, and show them where there is a display"))
        if gradients:
            group.add_argument("--gradients", action=argparse.BooleanOptionalAction, default=True,
                               help=_("record, every 10 steps, the gradient norm of each weight "
                                      "matrix and the saturated sigmoid units, and draw them"))
        group.add_argument("--logdir", metavar="DIR",
                           help=_("also write TensorBoard logs here (view: tensorboard "
                                  "--logdir DIR)"))

        def check(parser, args):
            if args.logdir:
                ensure_writable_folder(args.logdir, "--logdir")
        return check
    return add


def test_pictures(available):
    """--samples, --seed, --pictures NAME..., --no-pictures and --picture-dir for test scripts."""
    def add(parser):
        parser.add_argument("--samples", type=nonnegative_int, default=5,
                            help=_("how many random test images to show as actual/predicted"))
        seed(parser)
        group = parser.add_argument_group(_("pictures"))
        group.add_argument("--pictures", nargs="+", choices=available, default=list(available),
                           metavar="NAME", help=_("which pictures to draw: {names}").format(
                               names=", ".join(available)))
        group.add_argument("--no-pictures", dest="pictures", action="store_const", const=[],
                           help=_("draw no picture"))
        group.add_argument("--picture-dir", metavar="DIR",
                           help=_("where to write the pictures (default: beside the model)"))

        def check(parser, args):
            beside_model = os.path.dirname(os.path.abspath(args.model))
            if args.pictures and (args.picture_dir or os.path.isdir(beside_model)):
                ensure_writable_folder(args.picture_dir or beside_model, "--picture-dir")
        return check
    return add


def viewer(columns, rows):
    """--split, --offset, --indices, --names and --save for the data viewers."""
    def add(parser):
        parser.add_argument("--split", choices=("train", "test"), default="train",
                            help=_("which part of the data to show"))
        parser.add_argument("--offset", type=nonnegative_int, default=0,
                            help=_("show the {count} images from this one on").format(
                                count=columns * rows))
        parser.add_argument("--indices", type=nonnegative_int, nargs="+", metavar="I",
                            help=_("show exactly these images instead"))
        parser.add_argument("--names", action="store_true",
                            help=_("print class names instead of label numbers"))
        parser.add_argument("--save", metavar="PNG",
                            help=_("where to write the picture (default: model/<data>_data.png)"))
    return add


def chosen_network(parser, args, chosen, with_hidden, without_hidden, keywords):
    """The builder that --hidden/--no-hidden (or else the script's own choice) asks for, and
    the flags it takes, as keyword arguments; `keywords(builder)` names them.  A network flag
    that builder cannot use is an error, not silently ignored."""
    builder = {None: chosen, True: with_hidden, False: without_hidden}[args.hidden]
    options = {name: getattr(args, name) for name in keywords(builder)}
    if getattr(args, "exact_symmetry", False):
        if builder is not with_hidden:
            parser.error(_("argument --exact-symmetry: needs the hidden-layer network (--hidden)"))
        from nnlab import exact_symmetry
        builder = exact_symmetry.NN_comp_graph_with_hidden_layer
    for name in ("hidden_units", "activation"):
        if name not in options and name in getattr(args, "given", ()):
            parser.error(_("argument --{flag}: needs the hidden-layer network "
                           "(--hidden)").format(flag=name.replace("_", "-")))
    return builder, options


def check_batch_size(parser, batch_size, training_images, validation_split=0.0):
    available = int(training_images * (1 - validation_split))
    if batch_size > available:
        parser.error(_("argument --batch-size: {size} is larger than the {count} training "
                       "images").format(size=batch_size, count=available))


def check_train_size(parser, train_size, available):
    if train_size is not None and train_size > available:
        parser.error(_("argument --train-size: {size} is more than the {count} training "
                       "images").format(size=train_size, count=available))
