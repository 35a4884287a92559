"""What the training scripts share after the lesson's own lines: Ctrl-C, Keras' verbosity, the
check before saving."""

import math
import os
import sys

import numpy as np

from nnlab.i18n import _


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


def refuse_non_finite(history, model):
    """Stop before saving when training diverged (NaN or infinite cost or weights)."""
    losses = history.history.get("loss", [])
    diverged = any(not math.isfinite(loss) for loss in losses) or \
        any(not np.all(np.isfinite(weights)) for weights in model.get_weights())
    if diverged:
        raise SystemExit(_("error: training diverged (the cost or the weights are no longer "
                           "finite numbers): lower --learning-rate; no model was saved, the "
                           "last good one is untouched"))
