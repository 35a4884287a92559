"""The homework's checks, made on a model rebuilt by the grader from its checked config.

Layer types are compared exactly, activations against Keras' own functions (never by
name: a ReLU called "sigmoid" is a ReLU), the loss after ``keras.losses.get``.  The
homework's network is exactly its Dense layers with Keras' defaults: a layer that changes
what the network computes or learns (a Rescaling, a normalisation, a Dropout), a Dense
option changed from its default (initial weights, a regularizer), a layer that is not
float32 (a bfloat16 activation) or not trainable fails the layers check, and an input that
is not float32 (integers) fails the input check, so that every model passing all checks is
trained into the reference answer's accuracy.
"""

from grader import spec
from grader.spec import Check


def rebuild(config, keras):
    """The model a checked config describes, and its compile settings (None if uncompiled).

    Built by Keras itself in safe mode, with no custom objects: only built-in classes exist
    in this process, which never imports the submission.
    """
    config = dict(config)
    compile_config = config.pop("compile_config", None)
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    if not isinstance(model, keras.Model):
        raise TypeError(f"the config describes a {type(model).__name__}, not a model")
    return model, compile_config if isinstance(compile_config, dict) else None


def resolve(kind, value):
    """A built-in Keras loss or optimizer from its saved form (a name or a serialized object)."""
    found = kind.get(value) if isinstance(value, str) else kind.deserialize(value)
    return found() if isinstance(found, type) else found  # older Keras 3 returns the class


def compiled_parts(compile_config, keras):
    """(optimizer, loss) of the student's compile(), or None where it did not compile."""
    if not compile_config or compile_config.get("loss") is None or \
            compile_config.get("optimizer") is None:
        return None
    return (resolve(keras.optimizers, compile_config["optimizer"]),
            resolve(keras.losses, compile_config["loss"]))


class NotAChain(ValueError):
    """The model is not one path of layers from its input to its output."""


def data_flow(model):
    """The model's layers in the order data flows through them, from the input to the output
    (not the order they are listed or were built in).  Raises NotAChain for a model with
    several inputs or outputs, a layer that joins tensors, or a layer used twice."""
    if len(model.inputs or []) != 1 or len(model.outputs or []) != 1:
        raise NotAChain("a model with several inputs or outputs")
    chain, tensor = [], model.outputs[0]
    while True:
        layer, node_index, _ = tensor._keras_history
        chain.append(layer)
        inputs = list(layer._inbound_nodes[node_index].input_tensors)
        if not inputs:
            break
        if len(inputs) != 1:
            raise NotAChain(f"a {type(layer).__name__} layer that joins {len(inputs)} tensors")
        tensor = inputs[0]
    if len({id(layer) for layer in chain}) != len(chain):
        raise NotAChain("a layer used twice")
    return chain[::-1]


def layer_chain(model):
    """data_flow(model), or model.layers where the model has no graph to follow (an unbuilt
    Sequential); and why not a chain (None when it is one)."""
    try:
        return data_flow(model), None
    except NotAChain as problem:
        return list(model.layers), str(problem)
    except (AttributeError, ValueError, IndexError, TypeError):
        return list(model.layers), None


def softmax_axis_ok(layer):
    """Whether a Softmax layer normalises over the classes (the last axis), not the batch."""
    axis = layer.axis if isinstance(layer.axis, int) else tuple(layer.axis)
    return axis in (-1, 1, (-1,), (1,))


def effective_activations(chain, keras):
    """For each Dense layer, the activations applied to its output before the next Dense."""
    layers = keras.layers
    result = []
    for layer in chain:
        if type(layer) is layers.Dense:
            result.append([] if layer.activation is keras.activations.linear else
                          [layer.activation])
        elif result and type(layer) is layers.Activation:
            if layer.activation is not keras.activations.linear:
                result[-1].append(layer.activation)
        elif result and type(layer) is layers.Softmax:
            result[-1].append(keras.activations.softmax if softmax_axis_ok(layer) else
                              f"softmax over axis {layer.axis}")
        elif result and type(layer) is layers.ReLU:
            result[-1].append(keras.activations.relu)
        elif result and type(layer) in (layers.LeakyReLU, layers.ELU, layers.PReLU):
            result[-1].append(type(layer))
    return result


def activation_names(found):
    return ["+".join(function if isinstance(function, str) else
                     getattr(function, "__name__", str(function)) for function in functions)
            or "linear" for functions in found]


def is_categorical_crossentropy(loss, keras):
    function = keras.losses.categorical_crossentropy
    if loss is function:
        return True
    wrapped = getattr(loss, "fn", None)
    options = getattr(loss, "_fn_kwargs", {}) or {}
    return wrapped is function and not options.get("from_logits", False)


def loss_name(loss):
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    options = getattr(loss, "_fn_kwargs", {}) or {}
    return name + (" (from_logits=True)" if options.get("from_logits") else "")


# Layers that may only pass values on, and those the activation check counts.
PASS_THROUGH = ("InputLayer", "Flatten", "Reshape", "Identity")
ACTIVATION_LAYERS = ("Activation", "Softmax", "ReLU", "LeakyReLU", "ELU", "PReLU")


def shape_of(layer, end):
    """The shape of a layer's "input" or "output" tensor, as a tuple (None where unknown)."""
    try:
        return tuple(getattr(layer, end).shape)
    except (AttributeError, ValueError, TypeError):
        return None


def flat_shape(shape):
    return isinstance(shape, tuple) and len(shape) == 2


def other_layers(chain):
    """What in the chain is not the homework's: layer types that are neither Dense, activations
    nor pass-throughs, pass-throughs that change the shape or grouping of the values, and
    activations applied to the input before the first Dense layer."""
    found, seen_dense = set(), False
    for layer in chain:
        name = type(layer).__name__
        if name == "Dense":
            seen_dense = True
        elif name in PASS_THROUGH:
            before, after = shape_of(layer, "input"), shape_of(layer, "output")
            if name != "InputLayer" and not (flat_shape(after) and before == after):
                found.add(f"{name} to shape {after}")
        elif name in ACTIVATION_LAYERS:
            if not seen_dense:
                found.add(f"{name} before the first Dense layer")
        else:
            found.add(name)
    return sorted(found)


def changed_dense_options(dense_layers, keras):
    """"Dense 1: kernel_initializer" for each option that differs from Keras' default."""
    changed = []
    for number, layer in enumerate(dense_layers, 1):
        default = keras.layers.Dense(layer.units, activation=layer.activation).get_config()
        config = layer.get_config()
        for option in sorted(set(config) | set(default)):
            if option not in ("name", "units", "activation") and \
                    config.get(option) != default.get(option):
                changed.append(f"Dense {number}: {option}")
    return changed


def input_width(model):
    shape = model.input_shape
    return shape[-1] if isinstance(shape, tuple) and len(shape) == 2 else shape


FLOAT = "float32"  # the dtype of the homework's input, weights and computations


def input_problems(chain):
    """What about the model's input is not Keras' default float32 dense input ([] if all is)."""
    if not chain or type(chain[0]).__name__ != "InputLayer":
        return []
    layer, problems = chain[0], []
    try:
        dtype = str(layer.output.dtype)
    except (AttributeError, ValueError, TypeError):
        dtype = str(getattr(layer, "dtype", None))
    if dtype != FLOAT:
        problems.append(f"dtype {dtype}")
    problems += [flag for flag in ("sparse", "ragged") if getattr(layer, flag, False)]
    return problems


def dtypes_of(layer):
    """(the dtype a layer computes in, the dtype of its weights)."""
    return str(getattr(layer, "compute_dtype", None)), str(getattr(layer, "variable_dtype", None))


def plain(layer):
    """Whether a layer is float32 and trainable, as Keras makes layers by default."""
    return dtypes_of(layer) == (FLOAT, FLOAT) and layer.trainable is True


def layer_settings(chain, model):
    """"Dense 2: not trainable", "Activation: dtype bfloat16" for each layer (and the model)
    that is not float32 or not trainable, the homework's network being both."""
    found, dense = [], 0
    for layer in chain:
        name = type(layer).__name__
        if name == "InputLayer":
            continue
        if name == "Dense":
            dense += 1
            name = f"Dense {dense}"
        policy = getattr(getattr(layer, "dtype_policy", None), "name", None)
        if dtypes_of(layer) != (FLOAT, FLOAT):
            found.append(f"{name}: dtype {policy or dtypes_of(layer)[0]}")
        if layer.trainable is not True:
            found.append(f"{name}: not trainable")
    if model.trainable is not True:
        found.append("the model: not trainable")
    return found


def dense_parameters(dense_layers):
    """The weights and biases each Dense layer really has, from its variables' shapes."""
    counts = []
    for layer in dense_layers:
        count = 0
        for weight in layer.weights:
            size = 1
            for dimension in weight.shape:
                size *= int(dimension)
            count += size
        counts.append(count)
    return counts


def expected_dense_parameters():
    counts, width = [], spec.INPUT_SIZE
    for units in spec.UNITS:
        counts.append(width * units + units)
        width = units
    return counts


def model_checks(model, parts, keras):
    """(name, passed, reason) for each property the homework asks of NN_model(), on the layers
    in the order the data flows through them."""
    chain, not_a_chain = layer_chain(model)
    dense = [layer for layer in chain if type(layer) is keras.layers.Dense]
    units = [layer.units for layer in dense]
    others = other_layers(chain) + ([not_a_chain] if not_a_chain else [])
    changed = changed_dense_options(dense, keras)
    settings = layer_settings(chain, model)
    layers_reason = "; ".join([f"Dense units {units}"] +
                              ([f"also {', '.join(others)}"] if others else []) +
                              ([f"not Keras' default {', '.join(changed[:4])}"] if changed else []) +
                              ([f"not float32 and trainable: {', '.join(settings[:4])}"]
                               if settings else []))
    input_wrong = input_problems(chain)
    found = effective_activations(chain, keras)
    expected = [[getattr(keras.activations, name)] for name in spec.ACTIVATIONS]
    parameters, per_layer = model.count_params(), dense_parameters(dense)
    parameters_ok = parameters == spec.PARAMETERS and per_layer == expected_dense_parameters()
    parameters_reason = f"{parameters:,} parameters"
    if parameters == spec.PARAMETERS and not parameters_ok:
        parameters_reason += (f", but {', '.join(f'{count:,}' for count in per_layer)} in its "
                              "Dense layers, not the homework's " +
                              ", ".join(f"{count:,}" for count in expected_dense_parameters()))
    checks = [(Check.COMPILED, parts is not None,
               "compiled" if parts else "model.compile() not called"),
              (Check.INPUT, input_width(model) == spec.INPUT_SIZE and not input_wrong,
               ", ".join([f"input shape {model.input_shape}"] + input_wrong)),
              (Check.UNITS, units == list(spec.UNITS) and not others and not changed and
               not settings, layers_reason),
              (Check.ACTIVATIONS, found == expected, f"activations {activation_names(found)}"),
              (Check.PARAMETERS, parameters_ok, parameters_reason)]
    if parts is None:
        checks.append((Check.LOSS, False, "no loss: model.compile() not called"))
    else:
        loss = parts[1]
        checks.append((Check.LOSS, is_categorical_crossentropy(loss, keras),
                       f"loss {loss_name(loss)}"))
    return checks


def trainable(model):
    """Whether the grader can train the model: 3072 values in, 10 classes out."""
    output = model.output_shape
    return (input_width(model) == spec.INPUT_SIZE and isinstance(output, tuple)
            and len(output) == 2 and output[-1] == spec.UNITS[-1])


# What the grader trains: the network itself, whatever way it was written.

FOLDED_ACTIVATIONS = ("Activation", "Softmax", "ReLU")
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


def canonical_network(model, keras):
    """Everything about the model that changes what the grader's training gives, and nothing
    else: its input layer and its layers in data-flow order, each as Keras serializes it
    without its name (dtypes, dtype policies and `trainable` flags included), and whether the
    model is trainable.  Only layers that are float32 and trainable are normalised: a layer
    that changes nothing (changes_nothing) is left out, and an activation layer right after a
    linear Dense is folded into it.  None where the model is not one chain of layers."""
    chain, not_a_chain = layer_chain(model)
    if not_a_chain or not chain or type(chain[0]).__name__ != "InputLayer":
        return None
    entries = []
    for layer in chain[1:]:
        name = type(layer).__name__
        if plain(layer) and changes_nothing(layer):
            continue
        if name in FOLDED_ACTIVATIONS and plain(layer) and entries and \
                entries[-1]["class_name"] == "Dense" and \
                entries[-1]["config"].get("activation") == "linear" and \
                policy_name(entries[-1]["config"].get("dtype")) == FLOAT and \
                entries[-1]["config"].get("trainable") is not False:
            activation = folded_activation(layer, keras)
            if isinstance(activation, str):
                entries[-1]["config"]["activation"] = activation
                continue
        entries.append(serialized_without_name(layer, keras))
    return {"input": serialized_without_name(chain[0], keras), "layers": entries,
            "trainable": model.trainable is True}


def network_key(canonical):
    """The name of a canonical network, for sharing trainings and the cache: the SHA-256 (64
    hex digits) of its whole description.  Reports show only its first digits, as a label."""
    import hashlib
    import json
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


def policy_name(dtype):
    """The dtype policy's name in a serialized layer ("float32", "mixed_bfloat16")."""
    if isinstance(dtype, dict):
        return (dtype.get("config") or {}).get("name")
    return dtype


def describe_network(canonical):
    """One line: "Dense 3000 sigmoid > Dense 2000 sigmoid > Dense 10 softmax" (options that
    differ from Keras' defaults marked with *, an input that is not float32 named first)."""
    parts = []
    input_dtype = (canonical.get("input") or {}).get("config", {}).get("dtype")
    if input_dtype not in (None, FLOAT):
        parts.append(f"input {input_dtype}")
    for entry in canonical["layers"]:
        config = entry["config"]
        if entry["class_name"] == "Dense":
            activation = config.get("activation")
            activation = activation if isinstance(activation, str) else "custom"
            parts.append(f"Dense {config.get('units')} {activation}" +
                         (" *" if dense_changed(config) else ""))
        else:
            detail = config.get("rate", config.get("activation", config.get("axis", "")))
            policy = policy_name(config.get("dtype"))
            parts.append(f"{entry['class_name']} {detail}".strip() +
                         (f" {policy}" if policy not in (None, FLOAT) else "") +
                         (" frozen" if config.get("trainable") is False else ""))
    if canonical.get("trainable") is False:
        parts.append("frozen")
    return " > ".join(parts) or "no layers"


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
