"""The CIFAR-10 handout's plumbing: calling the student's NN_model() as the homework asks."""

import os
import runpy

from nnlab.checkpoints import check_keras_model
from nnlab.optimizers import keras_optimizer

NOT_IMPLEMENTED = ("error: NN_model() is not implemented yet: in Train_NN_cifar.py, build a "
                   "Sequential model with 3072 inputs, two sigmoid hidden layers of 3000 and 2000 "
                   "units and a softmax output of 10, compile it, and return it")


def load_solution(path):
    """NN_model() from another file: the instructor's reference answer, or a student's copy
    of the handout (Train_NN_cifar.py --solution FILE).  Runs that file: trust it."""
    if not os.path.isfile(path):
        raise SystemExit(f"error: --solution {path} does not exist")
    nn_model = runpy.run_path(path).get("NN_model")
    if not callable(nn_model):
        raise SystemExit(f"error: {path} defines no NN_model()")
    return nn_model


def build_model(parser, args, nn_model, size_in):
    """The model of `nn_model` (or of --solution), called as NN_model() or, when --activation,
    --optimizer or --learning-rate ask for more, as NN_model(activation=..., optimizer=...);
    a clear one-line error for every way it can be wrong."""
    if args.solution:
        nn_model = load_solution(args.solution)
    options = {}
    if (args.activation, args.optimizer, args.learning_rate) != ("sigmoid", "sgd", None):
        options = {"activation": args.activation,
                   "optimizer": keras_optimizer(args.optimizer, args.learning_rate)}
    try:
        model = nn_model(**options)
    except NotImplementedError:
        raise SystemExit(NOT_IMPLEMENTED) from None
    except TypeError as error:
        if "argument" not in str(error):
            raise
        parser.error("NN_model() must be callable as NN_model() and as NN_model(activation=..., "
                     "optimizer=...), as in the handout" + ("" if options else f" ({error})"))
    check_keras_model(model, size_in, "NN_model()")
    return model
