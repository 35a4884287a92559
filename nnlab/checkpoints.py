"""Save and restore trained networks without ever leaving a half-written file in place.

A TF1 checkpoint is several files (``.index``, ``.data-*``, ``.meta``) plus, here, a
``.json`` that records how the network was built, so that Test_NN.py rebuilds the same
graph without repeating the training flags.  Everything is first written to a scratch
folder beside the target and only then moved over the previous model, the ``.json``
last; an error or Ctrl-C before that leaves the last good model untouched.  Keras models
are written to a scratch file and renamed in one step.
"""

import contextlib
import json
import os
import shutil
import tempfile

from nnlab.paths import ensure_model_folder


def metadata_path(checkpoint):
    return checkpoint + ".json"


def save_tf1_checkpoint(session, saver, checkpoint, metadata):
    """Write `session`'s variables to `checkpoint` (a path prefix) and `metadata` beside it."""
    folder = ensure_model_folder(checkpoint)
    name = os.path.basename(checkpoint)
    scratch = tempfile.mkdtemp(prefix=f".{name}.", dir=folder)
    try:
        saver.save(session, os.path.join(scratch, name), write_state=False)
        with open(os.path.join(scratch, name + ".json"), "w") as file:
            json.dump(metadata, file, indent=2)
        produced = sorted(os.listdir(scratch), key=lambda file_name: file_name.endswith(".json"))
        for file_name in produced:
            os.replace(os.path.join(scratch, file_name), os.path.join(folder, file_name))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_metadata(checkpoint, train_script):
    """How the checkpoint's network was built; a clear error when there is no usable checkpoint."""
    if not os.path.exists(checkpoint + ".index"):
        raise SystemExit(f"error: no trained model at {checkpoint}: run {train_script} first")
    try:
        with open(metadata_path(checkpoint)) as file:
            return json.load(file)
    except (OSError, ValueError) as error:
        raise SystemExit(f"error: {metadata_path(checkpoint)} is missing or unreadable ({error}): "
                         f"run {train_script} again") from None


def restore_tf1_checkpoint(session, saver, checkpoint, train_script, errors):
    """Load the variables into `session`; `errors` is tf.errors (caught here to say what to do)."""
    try:
        saver.restore(session, checkpoint)
    except (errors.NotFoundError, errors.InvalidArgumentError, errors.DataLossError,
            errors.OutOfRangeError) as error:
        reason = str(error.message).strip().splitlines()[0]
        raise SystemExit(f"error: the checkpoint {checkpoint} does not match the network it "
                         f"describes or is damaged ({reason}): run {train_script} again") from None


@contextlib.contextmanager
def keras_warnings_silenced():
    """Mute the warnings Keras 3 logs on every .h5 save ("legacy") and load ("metrics not built").

    The course names its models .h5; the warnings say nothing a student can act on.
    """
    from absl import logging

    verbosity = logging.get_verbosity()
    logging.set_verbosity(logging.ERROR)
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)


def save_keras_model(model, path):
    """model.save(path), atomically: the previous file stays until the new one is complete."""
    folder = ensure_model_folder(path)
    extension = os.path.splitext(path)[1]
    handle, scratch = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=extension,
                                       dir=folder)
    os.close(handle)
    try:
        os.remove(scratch)  # Keras refuses to overwrite some formats
        with keras_warnings_silenced():
            model.save(scratch)
        os.replace(scratch, path)
    finally:
        if os.path.exists(scratch):
            os.remove(scratch)


def load_keras_model(path, train_script, input_size):
    """keras.models.load_model with one-line errors for every way the file can be wrong."""
    import keras

    if not os.path.isfile(path):
        if os.path.exists(path + ".index"):
            raise SystemExit(f"error: {path} is a TensorFlow 1 checkpoint from Train_NN.py, not a "
                             f"Keras model: test it with Test_NN.py, or run {train_script}")
        raise SystemExit(f"error: no trained model at {path}: run {train_script} first")
    try:
        with keras_warnings_silenced():
            model = keras.models.load_model(path)
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SystemExit(f"error: {path} is not a Keras model or is damaged ({reason}): "
                         f"run {train_script} again") from None
    if input_width(model) != input_size:
        raise SystemExit(f"error: {path} takes inputs of {input_width(model)} values, not "
                         f"{input_size}: it was not made by {train_script}")
    return model


def input_width(model):
    """How many values one input of a Keras model has (None for several inputs)."""
    return model.input_shape[-1] if isinstance(model.input_shape, tuple) else None


def check_keras_model(model, input_size, source):
    """A clear error unless `model` is a compiled Keras model taking `input_size` values."""
    import keras

    if not isinstance(model, keras.Model):
        raise SystemExit(f"error: {source} must return a Keras model, not {type(model).__name__}")
    if input_width(model) != input_size:
        raise SystemExit(f"error: {source} gives a model with {input_width(model)} inputs; it "
                         f"needs {input_size}")
    if not model.compiled:
        raise SystemExit(f"error: {source} returns a model that is not compiled: call "
                         "model.compile(...) before returning it")


def write_training_notes(model_path, notes):
    """Keep what testing needs to know about the training (e.g. input scaling) beside the model."""
    handle, scratch = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(model_path)))
    with os.fdopen(handle, "w") as file:
        json.dump(notes, file, indent=2)
    os.replace(scratch, metadata_path(model_path))


def read_training_notes(model_path):
    """The notes written by write_training_notes, or {} when there are none."""
    try:
        with open(metadata_path(model_path)) as file:
            return json.load(file)
    except (OSError, ValueError):
        return {}
