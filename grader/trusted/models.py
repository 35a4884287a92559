"""A saved model rebuilt from its checked config, and read: its layers in data-flow order, their
shapes, dtypes and compile settings.

Built by Keras itself in safe mode, with no custom objects: only built-in classes exist in the
trusted stage, which never imports a submission.
"""


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


FLOAT = "float32"  # the dtype of the homework's input, weights and computations


def dtypes_of(layer):
    """(the dtype a layer computes in, the dtype of its weights)."""
    return str(getattr(layer, "compute_dtype", None)), str(getattr(layer, "variable_dtype", None))


def plain(layer):
    """Whether a layer is float32 and trainable, as Keras makes layers by default."""
    return dtypes_of(layer) == (FLOAT, FLOAT) and layer.trainable is True


def policy_name(dtype):
    """The dtype policy's name in a serialized layer ("float32", "mixed_bfloat16")."""
    if isinstance(dtype, dict):
        return (dtype.get("config") or {}).get("name")
    return dtype
