"""Where the suite keeps its files: the root model/ folder, whatever the current directory."""

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from nnlab.i18n import _

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO_ROOT / "model"


def default_model_path(file_name):
    """The course's model file, e.g. "mnist_model.ckpt", inside the root model/ folder."""
    return str(MODEL_DIR / file_name)


def ensure_writable_folder(folder, flag):
    """Create `folder` and prove it can be written, before long work starts.

    Otherwise a one-line error that names `flag`, the option that chose the place.
    """
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise SystemExit(_("error: cannot write to {folder} ({problem}): choose a writable "
                           "place with {flag}").format(folder=folder,
                                                      problem=error.strerror or error,
                                                      flag=flag)) from None
    return folder


def ensure_model_folder(model_path):
    """The folder that will hold the model at `model_path`, created and checked."""
    return ensure_writable_folder(os.path.dirname(os.path.abspath(model_path)), "--model PATH")


def picture_path(model_path, name, folder=None):
    """Where a picture about a model goes: model/mnist_NN_model.h5 -> model/mnist_NN_model_h5_NAME.png.

    The model's extension is part of the name, so that the TF1 checkpoint and the Keras
    model of the same lab (mnist_NN_model.ckpt, mnist_NN_model.h5) keep their own pictures.
    """
    stem = os.path.basename(model_path).replace(".", "_")
    return os.path.join(folder or os.path.dirname(os.path.abspath(model_path)), f"{stem}_{name}.png")


@contextlib.contextmanager
def disk_space_for(path, what, kept=""):
    """Writing `what` to `path`: a full disk (or quota) ends in one line, not a traceback.
    TensorFlow says it with its own ResourceExhaustedError, whose message is checked."""
    try:
        yield
    except Exception as error:
        full = (isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)) or \
            "No space left on device" in str(error)
        if not full:
            raise
        raise SystemExit(_("error: the disk is full: {what} could not be written to "
                           "{folder}{kept}; free some space or choose another place (--model "
                           "PATH)").format(what=_(what),
                                           folder=os.path.dirname(os.path.abspath(path)),
                                           kept=_(kept) if kept else "")) from None
