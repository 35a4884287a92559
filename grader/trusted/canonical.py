"""What the grader trains: the network itself, whatever way it was written.

A canonical network is everything about a model that changes what the grader's training
gives, and nothing else; two submissions share a training (and a cache entry) only when their
whole canonical descriptions are equal (network_key: the SHA-256 of the description).
"""

import hashlib
import json

from grader.trusted.models import (FLOAT, PASS_THROUGH, flat_shape, layer_chain, plain,
                                   policy_name, shape_of, softmax_axis_ok)


FOLDED_ACTIVATIONS = ("Activation", "Softmax", "ReLU")
WITH_ACTIVATION = ("Dense", "Conv2D", "SeparableConv2D", "DepthwiseConv2D")  # activation=...
DROPOUTS = ("Dropout", "GaussianDropout", "AlphaDropout")
REGULARIZER_OPTIONS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer")


def folded_activation(layer, keras):
    """The activation name a layer applies, where it is the same as Dense's `activation=` of that
    name (Activation("sigmoid"), Softmax over the classes, a plain ReLU); else None."""
    name = type(layer).__name__
    if name == "Activation":
        return layer.get_config()["activation"]  # the name of a built-in activation
    if name == "Softmax" and softmax_axis_ok(layer):
        return "softmax"
    if name == "ReLU":
        config = layer.get_config()
        if not config.get("max_value") and not config.get("negative_slope") and \
                not config.get("threshold"):
            return "relu"
    return None


def changes_nothing(layer):
    """Whether a float32, trainable layer leaves every value as it is, in training too: a
    pass-through keeping the flat shape, a dropout or noise of rate 0, a linear activation, an
    activity regularization of 0."""
    name, config = type(layer).__name__, layer.get_config()
    if name in PASS_THROUGH:
        return flat_shape(shape_of(layer, "output")) and \
            shape_of(layer, "input") == shape_of(layer, "output")
    if name in DROPOUTS:
        return config.get("rate") == 0
    if name == "GaussianNoise":
        return config.get("stddev") == 0
    if name == "ActivityRegularization":
        return not config.get("l1") and not config.get("l2")
    if name == "Activation":
        return config.get("activation") == "linear"
    return False


def zero_regularizer(value):
    """Whether a serialized regularizer adds nothing: L1, L2 or L1L2 whose factors are all 0."""
    return isinstance(value, dict) and value.get("class_name") in ("L1", "L2", "L1L2") and \
        isinstance(value.get("config"), dict) and \
        all(factor == 0 for factor in value["config"].values())


def serialized_without_name(layer, keras):
    """How Keras serializes a layer, without its name and build record, and with a regularizer
    that adds nothing written as none."""
    entry = keras.saving.serialize_keras_object(layer)
    entry.pop("build_config", None)
    entry["config"] = {key: None if key in REGULARIZER_OPTIONS and zero_regularizer(value)
                       else value for key, value in entry["config"].items() if key != "name"}
    return entry


def canonical_network(model, keras, training):
    """Everything about the model that changes what the grader's training gives, and nothing
    else: its input layer and its layers in data-flow order, each as Keras serializes it
    without its name (dtypes, dtype policies and `trainable` flags included), whether the
    model is trainable, and how it is trained (`training`: see trusted_stage.training_of).
    Only layers that are float32 and trainable are normalised: a layer that changes nothing
    (changes_nothing) is left out, and an activation layer right after a linear Dense or
    convolution is folded into it.  None where the model is not one chain of layers."""
    chain, not_a_chain = layer_chain(model)
    if not_a_chain or not chain or type(chain[0]).__name__ != "InputLayer":
        return None
    entries = []
    for layer in chain[1:]:
        name = type(layer).__name__
        if plain(layer) and changes_nothing(layer):
            continue
        if name in FOLDED_ACTIVATIONS and plain(layer) and entries and \
                entries[-1]["class_name"] in WITH_ACTIVATION and \
                entries[-1]["config"].get("activation") == "linear" and \
                policy_name(entries[-1]["config"].get("dtype")) == FLOAT and \
                entries[-1]["config"].get("trainable") is not False:
            activation = folded_activation(layer, keras)
            if isinstance(activation, str):
                entries[-1]["config"]["activation"] = activation
                continue
        entries.append(serialized_without_name(layer, keras))
    return {"input": serialized_without_name(chain[0], keras), "layers": entries,
            "trainable": model.trainable is True, "training": training}


def network_key(canonical):
    """The name of a canonical network, for sharing trainings and the cache: the SHA-256 (64
    hex digits) of its whole description.  Reports show only its first digits, as a label."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def dense_changed(config):
    """Whether a canonical Dense entry differs from Keras' defaults in more than its units and
    activation (the " *" of describe_network)."""
    changed = any(key not in ("units", "activation", "trainable", "dtype") and
                  value != DENSE_DEFAULTS.get(key, value) for key, value in config.items())
    changed |= config.get("trainable") is False or any(
        isinstance(config.get(key), dict) and config[key].get("class_name") != default
        for key, default in (("kernel_initializer", "GlorotUniform"),
                             ("bias_initializer", "Zeros")))
    return changed or policy_name(config.get("dtype")) not in (None, FLOAT)


def layer_words(entry):
    """A layer of a canonical network in a few words: "Dense 3000 sigmoid", "Conv2D 32 3x3 same
    relu", "MaxPooling2D 2x2", "Dropout 0.5" (options that differ from Keras' defaults in a
    Dense layer marked with *, a dtype other than float32 and a frozen layer named)."""
    name, config = entry["class_name"], entry["config"]
    activation = config.get("activation")
    activation = activation if isinstance(activation, str) or activation is None else "custom"
    if name == "Dense":
        words = [f"Dense {config.get('units')} {activation}" +
                 (" *" if dense_changed(config) else "")]
    elif name in WITH_ACTIVATION:
        kernel = "x".join(map(str, config.get("kernel_size") or ()))
        strides = config.get("strides") or ()
        words = [name, str(config.get("filters", "")), kernel, config.get("padding", ""),
                 "stride " + "x".join(map(str, strides)) if set(strides) - {1} else "",
                 activation if activation != "linear" else ""]
    elif "pool_size" in config:
        words = [name, "x".join(map(str, config["pool_size"]))]
    else:
        words = [name, str(config.get("rate", config.get("activation", "")))]
    policy = policy_name(config.get("dtype"))
    words += [policy if policy not in (None, FLOAT) else "",
              "frozen" if config.get("trainable") is False else ""]
    return " ".join(str(word) for word in words if word not in ("", None))


def describe_network(canonical):
    """One line: "Dense 3000 sigmoid > Dense 2000 sigmoid > Dense 10 softmax", with the input's
    dtype where it is not float32 and the optimizer where the student chose it."""
    parts = []
    input_dtype = (canonical.get("input") or {}).get("config", {}).get("dtype")
    if input_dtype not in (None, FLOAT):
        parts.append(f"input {input_dtype}")
    parts += [layer_words(entry) for entry in canonical["layers"]]
    if canonical.get("trainable") is False:
        parts.append("frozen")
    line = " > ".join(parts) or "no layers"
    optimizer = (canonical.get("training") or {}).get("optimizer")
    if isinstance(optimizer, dict):
        settings = optimizer.get("config") or {}
        rate = settings.get("learning_rate")
        line += f"; {optimizer.get('class_name')}" + (
            f" {rate:.3g}" if isinstance(rate, float) else "")
    return line


DENSE_DEFAULTS = {"use_bias": True, "kernel_regularizer": None, "bias_regularizer": None,
                  "activity_regularizer": None, "kernel_constraint": None,
                  "bias_constraint": None, "lora_rank": None, "quantization_config": None}


def rebuild_canonical(canonical, keras):
    """A fresh model of the canonical network: its input layer and layers built in data-flow
    order, so that weights drawn from the grader's seed come out the same however the file was
    written."""
    layers = [keras.saving.deserialize_keras_object(entry, safe_mode=True)
              for entry in [canonical["input"], *canonical["layers"]]]
    model = keras.Sequential(layers)
    if canonical.get("trainable") is False:
        model.trainable = False
    return model
