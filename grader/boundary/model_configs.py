"""Read a saved model as data, and admit only what a student could build from Keras' own pieces.

The student stage hands back ``model.keras``, a zip that the submission wrote: everything
in it is hostile until checked.  Only its ``config.json`` is read (never the weights: the
grader trains from fresh weights), with limits on its size, and every object it names
must be a built-in Keras class from the lists below, every function a built-in activation,
loss or metric.  No ``Lambda``, no custom or registered class, no module outside Keras,
no long lists (a way to smuggle in pre-trained weights as an initializer's value).
"""

import json
import math
import os
import stat
import struct
import zipfile

MAX_MODEL_BYTES = 64 * 2**20
MAX_CONFIG_BYTES = 1 * 2**20
MAX_LIST_LENGTH = 64
MAX_DEPTH = 40
MAX_LAYERS = 64
MAX_UNITS = 20_000
MAX_ZIP_ENTRIES = 16  # Keras writes 2 or 3; a zip's directory is parsed whole when opened
MODELS = {"Sequential", "Functional", "Model"}
LAYERS = {"InputLayer", "Dense", "Activation", "Dropout", "Flatten", "Reshape", "ReLU",
          "Softmax", "LeakyReLU", "ELU", "PReLU", "BatchNormalization", "LayerNormalization",
          "Rescaling", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Identity",
          "ActivityRegularization", "UnitNormalization",
          # images (the CNN homework)
          "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "MaxPooling2D", "AveragePooling2D",
          "GlobalAveragePooling2D", "GlobalMaxPooling2D", "ZeroPadding2D", "Cropping2D",
          "SpatialDropout2D"}
INITIALIZERS = {"Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform",
                "Identity", "IdentityInitializer", "LecunNormal", "LecunUniform", "Ones",
                "Orthogonal", "OrthogonalInitializer", "RandomNormal", "RandomUniform",
                "TruncatedNormal", "VarianceScaling", "Zeros"}
REGULARIZERS = {"L1", "L2", "L1L2", "OrthogonalRegularizer"}
CONSTRAINTS = {"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"}
OPTIMIZERS = {"SGD", "Adam", "AdamW", "Adamax", "Adagrad", "Adadelta", "RMSprop", "Nadam",
              "Ftrl", "Lion", "Adafactor", "Lamb"}
SCHEDULES = {"ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
             "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts"}
LOSSES = {"CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryCrossentropy",
          "MeanSquaredError", "MeanAbsoluteError", "KLDivergence", "CategoricalHinge",
          "Hinge", "SquaredHinge", "Huber", "LogCosh", "Poisson", "CategoricalFocalCrossentropy",
          "LossFunctionWrapper"}
METRICS = {"Accuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "BinaryAccuracy",
           "TopKCategoricalAccuracy", "CategoricalCrossentropy", "AUC", "Precision", "Recall",
           "MeanSquaredError", "MeanAbsoluteError", "MeanMetricWrapper", "F1Score", "Mean"}
ACTIVATIONS = {"linear", "sigmoid", "softmax", "relu", "tanh", "elu", "selu", "softplus",
               "softsign", "swish", "silu", "gelu", "exponential", "hard_sigmoid", "leaky_relu",
               "relu6", "mish", "log_softmax", "hard_silu", "hard_swish"}
LOSS_FUNCTIONS = {"categorical_crossentropy", "sparse_categorical_crossentropy",
                  "binary_crossentropy", "mean_squared_error", "mean_absolute_error", "mse", "mae",
                  "kl_divergence", "categorical_hinge", "hinge", "squared_hinge", "huber",
                  "log_cosh", "poisson", "kld", "categorical_focal_crossentropy"}
METRIC_FUNCTIONS = {"accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy",
                    "binary_accuracy", "top_k_categorical_accuracy", "crossentropy", "mse", "mae"}
FUNCTIONS = ACTIVATIONS | LOSS_FUNCTIONS | METRIC_FUNCTIONS
# TensorFlow's own functions that Keras saves by their TensorFlow names: the same functions
TENSORFLOW_ALIASES = {"softmax_v2": "softmax", "log_softmax_v2": "log_softmax"}
DTYPE_POLICIES = {"DTypePolicy", "FloatDTypePolicy"}

# module -> classes a saved config may name there (Keras versions 3.x spell a few modules apart)
ALLOWED = {
    "keras": MODELS | DTYPE_POLICIES,
    "keras.models": MODELS,
    "keras.src.models.functional": {"Functional"},
    "keras.layers": LAYERS,
    "keras.initializers": INITIALIZERS,
    "keras.regularizers": REGULARIZERS,
    "keras.constraints": CONSTRAINTS,
    "keras.optimizers": OPTIMIZERS,
    "keras.optimizers.schedules": SCHEDULES,
    "keras.losses": LOSSES,
    "keras.metrics": METRICS,
    "keras.activations": {"function"},
    "builtins": {"function"},
}


class NotGradable(Exception):
    """The saved model uses something the grader does not train automatically."""


class NoModel(Exception):
    """There is no readable saved model."""


def open_written_file(path, max_bytes):
    """A file that a submission wrote, opened for reading without trusting it: never through
    a symbolic link, never blocking on a FIFO or a device; None unless it is a regular file of
    at most `max_bytes`."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        os.close(descriptor)
        return None
    return os.fdopen(descriptor, "rb")


def read_saved_config(path, function="NN_model"):
    """config.json of the .keras zip at `path` (a file the submission wrote), parsed and checked;
    `function`: what built it, for the messages."""
    if not os.path.lexists(path):
        raise NoModel(f"{function}() saved no model")
    file = open_written_file(path, MAX_MODEL_BYTES)
    if file is None:
        raise NoModel("the saved model is not a regular file of a sensible size")
    if os.fstat(file.fileno()).st_size == 0:
        file.close()
        raise NoModel(f"{function}() saved no model")
    with file:
        entries = zip_entries(file)
        if entries is None:
            raise NoModel("the saved model is unreadable (not a zip)")
        if entries > MAX_ZIP_ENTRIES:
            raise NoModel("the saved model is a zip of too many files, not the few Keras writes")
        try:
            with zipfile.ZipFile(file) as archive:
                entry = archive.getinfo("config.json")
                if entry.file_size > MAX_CONFIG_BYTES:
                    raise NotGradable(f"a model config of {entry.file_size:,} bytes")
                with archive.open(entry) as member:
                    text = member.read(MAX_CONFIG_BYTES + 1)
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError,
                NotImplementedError, RuntimeError) as error:
            raise NoModel(f"the saved model is unreadable ({type(error).__name__})") from None
    if len(text) > MAX_CONFIG_BYTES:
        raise NotGradable("a model config over 1 MiB")
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        raise NoModel("the saved model's config is not JSON") from None
    try:
        config = with_keras_names(config)
        check_config(config)
    except (TypeError, AttributeError, ValueError, RecursionError):
        # a hand-written config with values of the wrong kinds (a module that is a list...)
        raise NotGradable("a model config that is not one Keras wrote: not graded "
                          "automatically") from None
    return config


def zip_entries(file):
    """The number of files a zip says it holds, read from its end record alone: None where
    there is none; more than MAX_ZIP_ENTRIES for a ZIP64 archive, which no Keras model needs."""
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(max(0, size - (22 + 65535)))
    tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    file.seek(0)
    if at < 0 or len(tail) < at + 22:
        return None
    entries, directory_size = struct.unpack("<H4xL", tail[at + 10:at + 20])
    if b"PK\x06\x07" in tail[max(0, at - 20):at] or entries == 0xFFFF or \
            directory_size > MAX_CONFIG_BYTES:
        return MAX_ZIP_ENTRIES + 1
    return entries


def with_keras_names(node, depth=0):
    """The config with TensorFlow's functions (tf.nn.softmax: "softmax_v2") named as Keras'."""
    if depth > MAX_DEPTH:
        raise NotGradable("a model config nested too deep: not graded automatically")
    if isinstance(node, list):
        return [with_keras_names(item, depth + 1) for item in node]
    if isinstance(node, dict):
        if node.get("class_name") == "function" and node.get("module") == "builtins" and \
                node.get("config") in TENSORFLOW_ALIASES:
            return TENSORFLOW_ALIASES[node["config"]]
        return {key: with_keras_names(value, depth + 1) for key, value in node.items()}
    return node


def check_config(config):
    """Raise NotGradable naming the first thing in `config` that is not a built-in Keras piece."""
    if not isinstance(config, dict) or config.get("class_name") not in MODELS:
        name = config.get("class_name") if isinstance(config, dict) else type(config).__name__
        raise NotGradable(f"non-standard model {str(name)[:60]}: not graded automatically")
    _walk(config, 0)
    compile_config = config.get("compile_config")
    if isinstance(compile_config, dict):
        for key, allowed in (("loss", LOSS_FUNCTIONS | LOSSES),
                             ("optimizer", {name.lower() for name in OPTIMIZERS})):
            value = compile_config.get(key)
            if isinstance(value, str) and value not in allowed and value.lower() not in allowed:
                raise NotGradable(f"non-standard {key} {value[:60]}: not graded automatically")
    layers = config.get("config", {}).get("layers")
    if not isinstance(layers, list) or len(layers) > MAX_LAYERS or \
            not all(isinstance(layer, dict) for layer in layers):
        raise NotGradable("a model without a plain list of layers: not graded automatically")
    for layer in layers:
        units = layer.get("config", {}).get("units") if isinstance(layer, dict) else None
        if units is not None and not (isinstance(units, int) and 0 < units <= MAX_UNITS):
            raise NotGradable(f"a Dense layer of {units} units: not graded automatically")


def _walk(node, depth):
    if depth > MAX_DEPTH:
        raise NotGradable("a model config nested too deep: not graded automatically")
    if isinstance(node, list):
        if len(node) > MAX_LIST_LENGTH:
            raise NotGradable(f"a list of {len(node)} values in the model config (pre-set "
                              "weights?): not graded automatically")
        for item in node:
            _walk(item, depth + 1)
    elif isinstance(node, dict):
        if "class_name" in node:
            _check_object(node)
        for key, value in node.items():
            if key == "activation" and isinstance(value, str) and value not in ACTIVATIONS:
                raise NotGradable(f"non-standard activation {value[:60]}: not graded automatically")
            _walk(value, depth + 1)
    elif isinstance(node, float) and not math.isfinite(node):
        raise NotGradable("a number that is not finite in the model config")


def _check_object(node):
    name, module = node.get("class_name"), node.get("module")
    if name == "__keras_tensor__" and "module" not in node:
        return  # a functional model's connection between layers: shape, dtype, source layer
    registered = node.get("registered_name")
    kind = "layer" if module == "keras.layers" else "object"
    if name == "__lambda__" or name == "Lambda":
        raise NotGradable("non-standard layer Lambda: not graded automatically")
    if not isinstance(name, str) or name not in ALLOWED.get(module, ()):
        if module == "keras.layers" and isinstance(name, str) and name.isidentifier():
            raise NotGradable(f"{name[:60]} is not a layer the grader rebuilds (it rebuilds "
                              f"{', '.join(sorted(LAYERS - {'InputLayer'}))}): not graded "
                              "automatically")
        shown = f"{module}.{name}" if module not in ("keras.layers", None) else name
        raise NotGradable(f"non-standard {kind} {str(shown)[:80]}: not graded automatically")
    if name == "function":
        function = node.get("config")
        if registered != "function" or function not in FUNCTIONS:
            raise NotGradable(f"non-standard function {str(function)[:60]}: not graded "
                              "automatically")
    elif registered is not None and (module, registered) != ("keras.src.models.functional",
                                                                  "Functional"):
        raise NotGradable(f"non-standard {kind} {str(registered)[:80]} (a registered custom "
                          "class): not graded automatically")
