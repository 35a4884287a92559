"""What the training scripts share after the lesson's own lines: Ctrl-C, checks, saving, pictures."""

import math
import os
import sys

import numpy as np

from nnlab import plots
from nnlab.checkpoints import save_keras_model
from nnlab.i18n import _
from nnlab.training_log import History, keras_callbacks


def run_training(main):
    """Run a training script's main(); Ctrl-C ends it with a word on the model, not a traceback."""
    try:
        main()
    except KeyboardInterrupt:
        sys.stdout.flush()
        sys.stderr.write("\n" + _("Interrupted: the previously saved model, if any, is "
                                   "unchanged.") + "\n")
        sys.stderr.flush()
        # Leave at once: TensorFlow objects cut off half-built would complain while being freed.
        os._exit(130)


def fit_verbosity():
    """Keras' progress bar on a terminal; one plain line per epoch in a log or a pipe."""
    return 1 if sys.stdout.isatty() else 2


def fit_options(args):
    """The keyword arguments of model.fit that every Keras training script passes."""
    return {"batch_size": args.batch_size, "epochs": args.epochs,
            "validation_split": args.validation_split, "shuffle": args.shuffle,
            "callbacks": keras_callbacks(args.logdir), "verbose": fit_verbosity()}


def refuse_non_finite(history, model):
    """Stop before saving when training diverged (NaN or infinite cost or weights)."""
    losses = history.history.get("loss", [])
    diverged = any(not math.isfinite(loss) for loss in losses) or \
        any(not np.all(np.isfinite(weights)) for weights in model.get_weights())
    if diverged:
        raise SystemExit(_("error: training diverged (the cost or the weights are no longer "
                           "finite numbers): lower --learning-rate; no model was saved, the "
                           "last good one is untouched"))


def save_keras_training(model, history, args, notes):
    """Save the model and what testing it needs to know; draw the training curves."""
    refuse_non_finite(history, model)
    save_keras_model(model, args.model, notes)
    print(_("Model saved to {path}").format(path=args.model))
    if args.pictures:
        plots.save_training_curves(History.from_keras(history).curves, "epoch", args.model)
