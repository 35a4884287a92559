"""The CIFAR-10 handouts' plumbing: calling the student's NN_model() or CNN_model() as the
homework asks, or the one of another file (--solution)."""

import contextlib
import os
import runpy
import warnings

from nnlab.checkpoints import check_keras_model
from nnlab.i18n import N_, _
from nnlab.optimizers import keras_optimizer

# What each handout asks for, said when its function is still the handout's unwritten one.
TO_WRITE = {
    "NN_model": ("Train_NN_cifar.py", N_("build a Sequential model with 3072 inputs, two "
                                         "sigmoid hidden layers of 3000 and 2000 units and a "
                                         "softmax output of 10")),
    "CNN_model": ("Train_CNN_cifar.py", N_("build a Sequential model that takes 32 x 32 x 3 "
                                           "images (convolution and pooling layers, then "
                                           "Flatten and Dense ones: they are imported for you) "
                                           "and ends in a softmax output of 10")),
}


def not_implemented(function):
    handout, what = TO_WRITE[function]
    return _("error: {function}() is not implemented yet: in {handout}, {what}, compile it, and "
             "return it").format(function=function, handout=handout, what=_(what))


@contextlib.contextmanager
def input_dim_accepted():
    """The slides' Dense(..., input_dim=...) without Keras 3's warning about it: Keras 3 still
    builds the same network from it, and the warning ("Do not pass an `input_shape`/`input_dim`
    argument to a layer") gives a student nothing to fix.  That one warning only."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Do not pass an `input_shape`/`input_dim`",
                                category=UserWarning)
        yield


def load_solution(path, function="NN_model"):
    """`function` from another file: the instructor's reference answer, or a student's copy
    of the handout (--solution FILE).  Runs that file: trust it."""
    if not os.path.isfile(path):
        raise SystemExit(_("error: --solution {path} does not exist").format(path=path))
    model_function = runpy.run_path(path).get(function)
    if not callable(model_function):
        raise SystemExit(_("error: {path} defines no {function}()").format(path=path,
                                                                             function=function))
    return model_function


def build_model(parser, args, model_function, input_size):
    """The model of the handout's `model_function` (NN_model or CNN_model, or the one of
    --solution), called as the handout calls it; a clear one-line error for every way it can
    be wrong.  NN_model() is called as NN_model(activation=..., optimizer=...) when
    --activation, --optimizer or --learning-rate ask for more; CNN_model() takes nothing.
    `input_size`: 3072 values, or the image shape (32, 32, 3)."""
    function = model_function.__name__
    if args.solution:
        model_function = load_solution(args.solution, function)
    options = {}
    flags = tuple(getattr(args, name, None) for name in ("activation", "optimizer",
                                                         "learning_rate"))
    if function == "NN_model" and flags != ("sigmoid", "sgd", None):
        options = {"activation": args.activation,
                   "optimizer": keras_optimizer(args.optimizer, args.learning_rate)}
    try:
        with input_dim_accepted():
            model = model_function(**options)
    except NotImplementedError:
        raise SystemExit(not_implemented(function)) from None
    except TypeError as error:
        if "argument" not in str(error):
            raise
        if function != "NN_model":
            parser.error(_("{function}() must be callable as {function}(), as in the handout "
                           "({error})").format(function=function, error=error))
        parser.error(_("NN_model() must be callable as NN_model() and as NN_model(activation=..., "
                       "optimizer=...), as in the handout") + ("" if options else f" ({error})"))
    check_keras_model(model, input_size, f"{function}()")
    return model
