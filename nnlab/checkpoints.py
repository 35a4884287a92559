"""Save and restore trained networks, and the notes beside them, never half-written.

Beside every model the training scripts write ``<model>.json``, the notes: which data it
was trained on (data set, local copy, CIFAR-10 training size and scaling) and, for a TF1
checkpoint, how to rebuild its graph.  The test scripts follow them, so a Train/Test pair
needs no repeated flags.  A TF1 checkpoint (``.index``, ``.data-*``, ``.meta``) is first
written to a scratch folder beside the target and only then moved over the previous one,
the notes last; a Keras model goes to a scratch file renamed in one step.  An error or
Ctrl-C before that leaves the last good model untouched.  Notes read back are checked
field by field: only the two builders of NN_comp_graph.py, or CNN_comp_graph.py's network,
can ever be named.
"""

import contextlib
import json
import math
import os
import shutil
import tempfile

from nnlab import plots
from nnlab.choices import (ACTIVATIONS, BUILDER_OPTIONS, CNN_NETWORK, COSTS, DATASETS,
                           INITIALIZATIONS, MNIST_DATASETS, OPTIMIZERS)
from nnlab.i18n import N_, _
from nnlab.paths import disk_space_for, ensure_model_folder

KEPT = N_(" (the model saved before, if any, is kept)")
NO_MODEL = N_("error: no trained model at {path}: run {script} first")
NOT_USABLE = N_("error: {path} is not usable ({problem}): run {script} again")

OPTION_CHECKS = {
    "hidden_units": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 100_000,
    "activation": lambda v: v in ACTIVATIONS,
    "init": lambda v: v in INITIALIZATIONS,
    "optimizer": lambda v: v in OPTIMIZERS,
    "learning_rate": lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)
                                             and math.isfinite(v) and v > 0),
    "cost": lambda v: v in COSTS,
}


def notes_path(model_path):
    return model_path + ".json"


def write_notes(model_path, notes):
    """The notes beside the model, replaced in one step."""
    folder = os.path.dirname(os.path.abspath(model_path))
    handle, scratch = tempfile.mkstemp(dir=folder, prefix=".notes.")
    with os.fdopen(handle, "w") as file:
        json.dump(notes, file, indent=2)
    os.replace(scratch, notes_path(model_path))


def read_notes(model_path, train_script):
    """The notes beside a model: {} when there are none, a one-line error when unusable."""
    path = notes_path(model_path)
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as file:
            notes = json.load(file)
    except (OSError, ValueError, RecursionError) as error:
        raise SystemExit(_("error: {path} is unreadable ({problem}): run {script} "
                           "again").format(path=path, problem=type(error).__name__,
                                           script=train_script)) from None
    problem = _notes_problem(notes)
    if problem:
        raise SystemExit(_(NOT_USABLE).format(path=path, problem=problem, script=train_script))
    return notes


def _notes_problem(notes):
    if not isinstance(notes, dict):
        return _("a JSON {kind}, not an object").format(kind=type(notes).__name__)
    if notes.get("dataset", "mnist") not in DATASETS:
        return _("unknown data set {name}").format(name=repr(str(notes.get("dataset"))[:40]))
    if not isinstance(notes.get("data"), (str, type(None))):
        return _("data is not a path")
    if not isinstance(notes.get("train_size"), (int, type(None))) or \
            not isinstance(notes.get("scale", False), bool):
        return _("train_size or scale of the wrong type")
    return None


def recorded_data(args, notes, dataset):
    """The local copy to load: --data, else the one recorded beside the model (if it is still
    there and the data set is the recorded one), else None (cache, download, $*_DATA)."""
    if args.data:
        return args.data
    recorded = notes.get("data")
    if recorded and dataset == notes.get("dataset", dataset) and os.path.exists(recorded):
        return recorded
    return None


def read_tf1_notes(checkpoint, train_script):
    """How the checkpoint's network was built, checked; a clear error when there is none."""
    if not os.path.exists(checkpoint + ".index"):
        raise SystemExit(_(NO_MODEL).format(path=checkpoint, script=train_script))
    notes = read_notes(checkpoint, train_script)
    builder, options = notes.get("builder"), notes.get("options")
    problem = None
    if notes.get("network") == CNN_NETWORK:
        raise SystemExit(_("error: {path} is the convolutional network of Train_CNN.py: test "
                           "it with Test_CNN.py").format(path=checkpoint))
    if not notes:
        problem = _("it is missing")
    elif builder not in BUILDER_OPTIONS:
        problem = _("{name} is not one of NN_comp_graph.py's network builders").format(
            name=repr(str(builder)[:40]))
    elif "dataset" not in notes:
        problem = _("it does not say which data set the network was trained on")
    elif not isinstance(options, dict):
        problem = _("its options are not an object")
    else:
        for name, value in options.items():
            if name not in BUILDER_OPTIONS[builder]:
                problem = _("{builder} takes no option {name}").format(
                    builder=builder, name=repr(str(name)[:40]))
            elif not OPTION_CHECKS[name](value):
                problem = _("option {name} = {value} is not valid").format(
                    name=name, value=repr(str(value)[:40]))
            if problem:
                break
    if problem:
        raise SystemExit(_(NOT_USABLE).format(path=notes_path(checkpoint), problem=problem,
                                              script=train_script))
    return notes


@contextlib.contextmanager
def tf1_checkpoint_saving(checkpoint, notes):
    """Where a lesson's ``tf.train.Saver().save(sess, path)`` writes, never half a checkpoint:

        with tf1_checkpoint_saving(checkpoint, notes) as path:
            tf.train.Saver().save(sess, path)

    `path` is in a scratch folder beside `checkpoint`; when the block ends, the checkpoint's
    files and then the notes replace the previous ones.  An error, Ctrl-C or a full disk before
    that leaves the last good checkpoint as it was."""
    folder = ensure_model_folder(checkpoint)
    name = os.path.basename(checkpoint)
    scratch = tempfile.mkdtemp(prefix=f".{name}.", dir=folder)
    try:
        with disk_space_for(checkpoint, N_("the checkpoint"), KEPT):
            yield os.path.join(scratch, name)
            with open(os.path.join(scratch, name + ".json"), "w") as file:
                json.dump(notes, file, indent=2)
        # the Saver's own "checkpoint" file names the scratch folder: it stays behind
        produced = sorted((file_name for file_name in os.listdir(scratch)
                           if file_name.startswith(name + ".")),
                          key=lambda file_name: file_name.endswith(".json"))
        for file_name in produced:
            os.replace(os.path.join(scratch, file_name), os.path.join(folder, file_name))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    plots.remove_test_pictures(checkpoint)


def read_cnn_notes(checkpoint, train_script):
    """The notes beside a checkpoint of CNN_comp_graph.py's network, checked; a clear error
    when there are none, or when they describe another network."""
    if not os.path.exists(checkpoint + ".index"):
        raise SystemExit(_(NO_MODEL).format(path=checkpoint, script=train_script))
    notes = read_notes(checkpoint, train_script)
    if notes.get("builder") in BUILDER_OPTIONS:
        raise SystemExit(_("error: {path} is NN_comp_graph.py's {builder}, not the "
                           "convolutional network: test it with Test_NN.py").format(
                               path=checkpoint, builder=notes["builder"]))
    problem = None
    if not notes:
        problem = _("it is missing")
    elif notes.get("network") != CNN_NETWORK:
        problem = _("{name} is not the convolutional network").format(
            name=repr(str(notes.get("network"))[:40]))
    elif notes.get("dataset") not in MNIST_DATASETS:
        problem = _("it does not say which of MNIST and Fashion-MNIST the network was trained "
                    "on")
    if problem:
        raise SystemExit(_(NOT_USABLE).format(path=notes_path(checkpoint), problem=problem,
                                              script=train_script))
    return notes


@contextlib.contextmanager
def tf1_checkpoint_restoring(checkpoint, train_script):
    """Around a lesson's ``tf.train.Saver().restore(sess, path)``, once the graph is built:

        with tf1_checkpoint_restoring(checkpoint, "Train_CNN.py") as path:
            tf.train.Saver().restore(sess, path)

    Every variable's shape is compared first: TensorFlow 2's restore would take a [100, 10]
    matrix into a [784, 10] variable and fail only later, in 50 lines.  A checkpoint that
    TensorFlow cannot restore ends in one line that says to train again."""
    from nnlab.quiet_tensorflow import import_tensorflow_v1
    tf = import_tensorflow_v1()
    errors = tf.errors
    try:
        saved = dict(tf.train.list_variables(checkpoint))
    except (errors.NotFoundError, errors.DataLossError, errors.InvalidArgumentError):
        saved = {}
    for variable in tf.global_variables():
        name, shape = variable.op.name, variable.shape.as_list()
        if name in saved and list(saved[name]) != shape:
            raise SystemExit(_("error: the checkpoint {path} does not match the network its "
                               "notes ({path}.json) describe: it holds {name} of shape {saved}, "
                               "the network's is {shape}: run {script} again").format(
                                   path=checkpoint, name=name, saved=list(saved[name]),
                                   shape=shape, script=train_script))
    try:
        yield checkpoint
    except (errors.NotFoundError, errors.InvalidArgumentError, errors.DataLossError,
            errors.OutOfRangeError) as error:
        reason = str(error.message).strip().splitlines()[0]
        raise SystemExit(_("error: the checkpoint {path} does not match the network it "
                           "describes or is damaged ({problem}): run {script} again").format(
                               path=checkpoint, problem=reason, script=train_script)) from None


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


@contextlib.contextmanager
def keras_model_saving(path, notes):
    """Where a lesson's ``model.save(path)`` writes, never half a model:

        with keras_model_saving(path, notes) as scratch:
            model.save(scratch)

    `scratch` is a file beside `path` with the same extension, renamed over the previous model
    in one step when the block ends; the notes follow."""
    folder = ensure_model_folder(path)
    extension = os.path.splitext(path)[1]
    handle, scratch = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=extension,
                                       dir=folder)
    os.close(handle)
    try:
        os.remove(scratch)  # Keras refuses to overwrite some formats
        with keras_warnings_silenced(), disk_space_for(path, N_("the model"), KEPT):
            yield scratch
        os.replace(scratch, path)
    finally:
        if os.path.exists(scratch):
            os.remove(scratch)
    with disk_space_for(path, N_("the model's notes")):
        write_notes(path, notes)
    plots.remove_test_pictures(path)


def save_keras_model(model, path, notes):
    """model.save(path) and the notes, atomically: the previous model stays until both are done."""
    with keras_model_saving(path, notes) as scratch:
        model.save(scratch)


def load_keras_model(path, train_script, input_size, output_size=10):
    """keras.models.load_model with one-line errors for every way the file can be wrong.
    `input_size`: the values of one input (784), or the shape of one image ((28, 28, 1))."""
    import keras

    if not os.path.isfile(path):
        raise SystemExit(_(NO_MODEL).format(path=path, script=train_script))
    version = saved_by_keras(path)
    if version and not version.startswith("3."):
        raise SystemExit(_("error: {path} was saved by Keras {version} (the 2019 course used "
                           "Keras 2), which Keras 3 cannot load: run {script} again to train it "
                           "anew").format(path=path, version=version, script=train_script))
    try:
        with keras_warnings_silenced():
            model = keras.models.load_model(path)
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SystemExit(_("error: {path} is not a Keras model or is damaged ({problem}): run "
                           "{script} again").format(path=path, problem=reason[:200],
                                                    script=train_script)) from None
    if input_shape(model) != shape_of(input_size):
        raise SystemExit(_("error: {path} takes inputs of {found}, not {expected}: it was not "
                           "made by {script}").format(
                               path=path, found=inputs_text(input_shape(model)),
                               expected=inputs_text(shape_of(input_size)), script=train_script))
    if output_width(model) != output_size:
        raise SystemExit(_("error: {path} gives {found} outputs, not one per class ({expected}): "
                           "it was not made by {script}").format(
                               path=path, found=output_width(model), expected=output_size,
                               script=train_script))
    if not model.compiled:
        raise SystemExit(_("error: {path} was saved without compile(), so it was not made by "
                           "{script}: run {script} again").format(path=path,
                                                                 script=train_script))
    return model


def saved_by_keras(path):
    """The Keras version an HDF5 (.h5) model file records, or None (another format, or none
    recorded)."""
    try:
        import h5py
        with h5py.File(path, "r") as file:
            version = file.attrs.get("keras_version")
    except (OSError, ValueError):
        return None
    return version.decode(errors="replace") if isinstance(version, bytes) else \
        (version if isinstance(version, str) else None)


def shape_of(input_size):
    """784 -> (784,); (28, 28, 1) stays."""
    return (input_size,) if isinstance(input_size, int) else tuple(input_size)


def input_shape(model):
    """The shape of one input of a Keras model, without the batch (None for several inputs)."""
    shape = getattr(model, "input_shape", None)
    return tuple(shape[1:]) if isinstance(shape, tuple) and shape and \
        not isinstance(shape[0], tuple) else None


def inputs_text(shape):
    """(784,) -> "784 values"; (28, 28, 1) -> "shape 28 x 28 x 1"."""
    if shape is None:
        return _("several tensors")
    if len(shape) == 1:
        return _("{count} values").format(count=shape[0])
    return _("shape {shape}").format(shape=" x ".join(map(str, shape)))


def output_width(model):
    shape = getattr(model, "output_shape", None)
    return shape[-1] if isinstance(shape, tuple) and len(shape) == 2 else None


def check_keras_model(model, input_size, source):
    """A clear error unless `model` is a compiled Keras model taking `input_size` values
    (or images of that shape)."""
    import keras

    if not isinstance(model, keras.Model):
        raise SystemExit(_("error: {source} must return a Keras model, not {kind}").format(
            source=source, kind=type(model).__name__))
    if input_shape(model) != shape_of(input_size):
        wanted = shape_of(input_size)
        needed = wanted[0] if len(wanted) == 1 else \
            _("inputs of {shape}").format(shape=inputs_text(wanted))
        raise SystemExit(_("error: {source} gives a model with {found}; it needs "
                           "{needed}").format(source=source, found=model_inputs_text(model),
                                              needed=needed))
    if output_width(model) != 10:
        raise SystemExit(_("error: {source} gives a model with {count} outputs; it needs 10, one "
                           "per class").format(source=source, count=output_width(model)))
    if not model.compiled:
        raise SystemExit(_("error: {source} returns a model that is not compiled: call "
                           "model.compile(...) before returning it").format(source=source))


def model_inputs_text(model):
    """"100 inputs" for a model of flat inputs, "inputs of shape 28 x 28 x 1" for images."""
    shape = input_shape(model)
    return _("{count} inputs").format(count=shape[0]) if shape and len(shape) == 1 else \
        _("inputs of {shape}").format(shape=inputs_text(shape))
