"""What a network costs, read from its checked config before anything is built or trained.

The layers are followed in data-flow order from the input to the output, each shape is
worked out from the layer's own settings, and for each layer the parameters it holds and the
floating-point operations it takes for one image (a multiply-add counts as two, as in
published FLOP counts).  Nothing here builds a layer: a network of a billion weights is
measured as quickly as a small one, so that one over the homework's budget is refused in
seconds.  Layer kinds the grader cannot measure raise ``Unmeasured`` naming the kind.
"""

import math


class NotAChain(ValueError):
    """The network is not one path of layers from its input to its output."""


class Unmeasured(ValueError):
    """A layer kind (or setting) the grader does not rebuild and measure."""


def chain_of_layers(config):
    """(input shape without the batch axis, [(class_name, layer config), ...] in data-flow
    order) of a checked model config (Sequential or functional)."""
    body = config.get("config") if isinstance(config, dict) else None
    layers = body.get("layers") if isinstance(body, dict) else None
    if not isinstance(layers, list) or not layers:
        raise NotAChain("a model without layers")
    if config.get("class_name") == "Sequential":
        ordered = layers
    else:
        ordered = _functional_order(body, layers)
    first = ordered[0]
    if first.get("class_name") == "InputLayer":
        shape = _input_shape(first.get("config", {}))
        ordered = ordered[1:]
    else:
        shape = _sequential_input_shape(body)
    for layer in ordered:
        if layer.get("class_name") in ("Sequential", "Functional", "Model"):
            raise NotAChain("a model inside the model")
    return shape, [(layer.get("class_name"), layer.get("config") or {}) for layer in ordered]


def _tensor_source(argument):
    """The layer name a functional config's tensor comes from."""
    if isinstance(argument, dict) and argument.get("class_name") == "__keras_tensor__":
        history = (argument.get("config") or {}).get("keras_history")
        if isinstance(history, list) and history and isinstance(history[0], str):
            return history[0]
    if isinstance(argument, list) and argument and isinstance(argument[0], str):
        return argument[0]  # the older [name, node, tensor] form
    raise NotAChain("a connection between layers the grader cannot follow")


def _sources(layer):
    """The names of the layers whose outputs `layer` takes in (functional config)."""
    nodes = layer.get("inbound_nodes") or []
    if not isinstance(nodes, list) or len(nodes) > 1:
        raise NotAChain(f"a {layer.get('class_name')} layer used twice")
    if not nodes:
        return []
    node = nodes[0]
    if isinstance(node, dict):
        arguments = list(node.get("args") or [])
        arguments += [value for value in (node.get("kwargs") or {}).values()
                      if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"]
    elif isinstance(node, list):
        arguments = node
    else:
        raise NotAChain("a connection between layers the grader cannot follow")
    flat = []
    for argument in arguments:
        if isinstance(argument, list) and argument and not isinstance(argument[0], str):
            flat += argument  # a list of tensors handed to one layer
        else:
            flat.append(argument)
    return [_tensor_source(argument) for argument in flat]


def _endpoint(value):
    """The one layer name of a functional config's input_layers / output_layers."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        return _endpoint(value[0])
    raise NotAChain("a model with several inputs or outputs")


def _functional_order(body, layers):
    by_name = {layer.get("name") or (layer.get("config") or {}).get("name"): layer
               for layer in layers}
    if None in by_name or len(by_name) != len(layers):
        raise NotAChain("layers without names of their own")
    start, end = _endpoint(body.get("input_layers")), _endpoint(body.get("output_layers"))
    chain, name = [], end
    while True:
        layer = by_name.get(name)
        if layer is None:
            raise NotAChain("a connection to a layer that is not in the model")
        chain.append(layer)
        sources = _sources(layer)
        if not sources:
            break
        if len(sources) != 1:
            raise NotAChain(f"a {layer.get('class_name')} layer that joins {len(sources)} "
                            "tensors")
        name = sources[0]
        if len(chain) > len(layers):
            raise NotAChain("layers joined in a loop")
    if chain[-1] is not by_name.get(start):
        raise NotAChain("an output that does not come from the input")
    if len(chain) != len(layers):
        raise NotAChain("layers that the output does not depend on")
    return chain[::-1]


def _input_shape(layer_config):
    shape = layer_config.get("batch_shape") or layer_config.get("batch_input_shape")
    if not isinstance(shape, list) or len(shape) < 2:
        raise Unmeasured("an input of unknown shape")
    return _checked_shape(shape[1:])


def _sequential_input_shape(body):
    shape = body.get("build_input_shape")
    if not isinstance(shape, list) or len(shape) < 2:
        raise Unmeasured("a model with no input shape (give it keras.Input(shape=...))")
    return _checked_shape(shape[1:])


def _checked_shape(shape):
    if not all(isinstance(size, int) and not isinstance(size, bool) and 0 < size <= 2**20
               for size in shape):
        raise Unmeasured(f"an input of shape {shape}")
    return tuple(shape)


def _pair(value, name):
    """A setting that Keras accepts as one number or two (kernel_size=3 or (3, 3))."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if not (isinstance(value, (list, tuple)) and len(value) == 2 and
            all(isinstance(item, int) and not isinstance(item, bool) and item > 0
                for item in value)):
        raise Unmeasured(f"a {name} of {value!r}")
    return tuple(value)


def _spatial(shape, kind):
    if len(shape) != 3:
        raise Unmeasured(f"{kind} on values of shape {shape}, not images (height, width, "
                         "channels)")
    return shape


def _channels_last(config, kind):
    if config.get("data_format", "channels_last") not in (None, "channels_last"):
        raise Unmeasured(f"{kind} with data_format={config.get('data_format')!r}")


def _window_output(size, window, stride, dilation, padding, kind):
    span = (window - 1) * dilation + 1
    if padding == "same":
        return math.ceil(size / stride)
    if padding == "valid":
        if span > size:
            raise Unmeasured(f"{kind} whose window ({span}) is larger than its input ({size})")
        return (size - span) // stride + 1
    raise Unmeasured(f"{kind} with padding={padding!r}")


def _elements(shape):
    return math.prod(shape)


def _convolution(kind, config, shape):
    _channels_last(config, kind)
    height, width, channels = _spatial(shape, kind)
    kernel = _pair(config.get("kernel_size"), "kernel_size")
    strides = _pair(config.get("strides", 1), "strides")
    dilation = _pair(config.get("dilation_rate", 1), "dilation_rate")
    padding = config.get("padding", "valid")
    out_height = _window_output(height, kernel[0], strides[0], dilation[0], padding, kind)
    out_width = _window_output(width, kernel[1], strides[1], dilation[1], padding, kind)
    bias = 1 if config.get("use_bias", True) else 0
    area = kernel[0] * kernel[1]
    if kind == "Conv2D":
        filters, groups = config.get("filters"), config.get("groups", 1) or 1
        if not isinstance(filters, int) or filters <= 0 or not isinstance(groups, int) or \
                groups <= 0 or channels % groups or filters % groups:
            raise Unmeasured(f"Conv2D with filters={filters!r}, groups={groups!r}")
        weights = area * (channels // groups) * filters
        params = weights + bias * filters
        flops = 2 * out_height * out_width * weights
        return (out_height, out_width, filters), params, flops
    multiplier = config.get("depth_multiplier", 1)
    if not isinstance(multiplier, int) or multiplier <= 0:
        raise Unmeasured(f"{kind} with depth_multiplier={multiplier!r}")
    depthwise = area * channels * multiplier
    if kind == "DepthwiseConv2D":
        out = channels * multiplier
        return ((out_height, out_width, out), depthwise + bias * out,
                2 * out_height * out_width * depthwise)
    filters = config.get("filters")
    if not isinstance(filters, int) or filters <= 0:
        raise Unmeasured(f"SeparableConv2D with filters={filters!r}")
    pointwise = channels * multiplier * filters
    return ((out_height, out_width, filters), depthwise + pointwise + bias * filters,
            2 * out_height * out_width * (depthwise + pointwise))


def _pooling(kind, config, shape):
    _channels_last(config, kind)
    height, width, channels = _spatial(shape, kind)
    pool = _pair(config.get("pool_size", 2), "pool_size")
    strides = _pair(config.get("strides") or pool, "strides")
    padding = config.get("padding", "valid")
    out_height = _window_output(height, pool[0], strides[0], 1, padding, kind)
    out_width = _window_output(width, pool[1], strides[1], 1, padding, kind)
    return (out_height, out_width, channels), 0, out_height * out_width * channels * pool[0] * \
        pool[1]


def _global_pooling(kind, config, shape):
    _channels_last(config, kind)
    height, width, channels = _spatial(shape, kind)
    out = (1, 1, channels) if config.get("keepdims") else (channels,)
    return out, 0, height * width * channels


def _padding_or_cropping(kind, config, shape):
    _channels_last(config, kind)
    height, width, channels = _spatial(shape, kind)
    amounts = config.get("padding" if kind == "ZeroPadding2D" else "cropping")
    if isinstance(amounts, int) and not isinstance(amounts, bool):
        amounts = ((amounts, amounts), (amounts, amounts))
    try:
        (top, bottom), (left, right) = [
            (pair, pair) if isinstance(pair, int) else tuple(pair) for pair in amounts]
        if not all(isinstance(value, int) and not isinstance(value, bool) and value >= 0
                   for value in (top, bottom, left, right)):
            raise ValueError
    except (TypeError, ValueError):
        raise Unmeasured(f"{kind} of {amounts!r}") from None
    sign = 1 if kind == "ZeroPadding2D" else -1
    out = (height + sign * (top + bottom), width + sign * (left + right), channels)
    if out[0] <= 0 or out[1] <= 0:
        raise Unmeasured(f"{kind} that leaves nothing of its input")
    return out, 0, 0


def _dense(kind, config, shape):
    units = config.get("units")
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise Unmeasured(f"Dense with units={units!r}")
    inputs = shape[-1]
    bias = units if config.get("use_bias", True) else 0
    positions = _elements(shape[:-1])  # Dense on images acts on each pixel's channels
    return shape[:-1] + (units,), inputs * units + bias, 2 * positions * inputs * units


def _flatten(kind, config, shape):
    return (_elements(shape),), 0, 0


def _reshape(kind, config, shape):
    target = config.get("target_shape")
    if not isinstance(target, (list, tuple)) or not all(
            isinstance(size, int) and not isinstance(size, bool) and (size > 0 or size == -1)
            for size in target) or list(target).count(-1) > 1:
        raise Unmeasured(f"Reshape to {target!r}")
    known = math.prod(size for size in target if size != -1)
    total = _elements(shape)
    if known == 0 or total % known or (-1 not in target and known != total):
        raise Unmeasured(f"Reshape of {shape} to {tuple(target)}")
    return tuple(total // known if size == -1 else size for size in target), 0, 0


def _normalization(kind, config, shape):
    axis = config.get("axis", -1)
    if isinstance(axis, list) and len(axis) == 1:
        axis = axis[0]
    if not isinstance(axis, int) or not -len(shape) - 1 <= axis <= len(shape) or axis == 0:
        raise Unmeasured(f"{kind} over axis {axis!r}")
    width = shape[axis if axis < 0 else axis - 1]
    center, scale = bool(config.get("center", True)), bool(config.get("scale", True))
    params = width * (center + scale) + (2 * width if kind == "BatchNormalization" else 0)
    return shape, params, 4 * _elements(shape)


def _elementwise(kind, config, shape):
    return shape, 0, _elements(shape)


def _unchanged(kind, config, shape):
    return shape, 0, 0


def _prelu(kind, config, shape):
    shared = config.get("shared_axes") or []
    if isinstance(shared, int):
        shared = [shared]
    params = math.prod(1 if axis in shared or axis - len(shape) - 1 in shared else size
                       for axis, size in enumerate(shape, 1))
    return shape, params, 2 * _elements(shape)


MEASURES = {
    "Conv2D": _convolution, "Convolution2D": _convolution, "SeparableConv2D": _convolution,
    "DepthwiseConv2D": _convolution,
    "MaxPooling2D": _pooling, "AveragePooling2D": _pooling, "MaxPool2D": _pooling,
    "AvgPool2D": _pooling,
    "GlobalAveragePooling2D": _global_pooling, "GlobalMaxPooling2D": _global_pooling,
    "GlobalAvgPool2D": _global_pooling, "GlobalMaxPool2D": _global_pooling,
    "ZeroPadding2D": _padding_or_cropping, "Cropping2D": _padding_or_cropping,
    "Dense": _dense, "Flatten": _flatten, "Reshape": _reshape,
    "BatchNormalization": _normalization, "LayerNormalization": _normalization,
    "Activation": _elementwise, "ReLU": _elementwise, "LeakyReLU": _elementwise,
    "ELU": _elementwise, "Softmax": _elementwise, "Rescaling": _elementwise,
    "PReLU": _prelu,
    "Dropout": _unchanged, "SpatialDropout2D": _unchanged, "GaussianNoise": _unchanged,
    "GaussianDropout": _unchanged, "AlphaDropout": _unchanged, "Identity": _unchanged,
    "ActivityRegularization": _unchanged,
}
ACTIVATION_FLOPS = 1  # per value: a sigmoid or a ReLU counts as one operation


def network_cost(config):
    """{"parameters", "flops" (one image, forward), "layers": [(kind, output shape, parameters,
    flops), ...]} of a checked model config.  Raises NotAChain or Unmeasured."""
    shape, chain = chain_of_layers(config)
    layers, parameters, flops = [], 0, 0
    for kind, layer_config in chain:
        measure = MEASURES.get(kind)
        if measure is None:
            raise Unmeasured(f"the layer kind {kind}")
        shape, layer_parameters, layer_flops = measure(kind, layer_config, shape)
        activation = layer_config.get("activation")
        if kind not in ("Activation",) and activation not in (None, "linear"):
            layer_flops += ACTIVATION_FLOPS * _elements(shape)
        layers.append((kind, shape, layer_parameters, layer_flops))
        parameters += layer_parameters
        flops += layer_flops
    return {"parameters": parameters, "flops": flops, "layers": layers}


def format_flops(flops):
    """"38.2 MFLOPs", "1.3 GFLOPs", "104.2 TFLOPs" (a rate: add "/s")."""
    for unit, size in (("TFLOPs", 1e12), ("GFLOPs", 1e9), ("MFLOPs", 1e6), ("kFLOPs", 1e3)):
        if flops >= size:
            return f"{flops / size:.1f} {unit}"
    return f"{flops:.0f} FLOPs"


def format_rate(flops_per_second):
    """"104.2 GFLOP/s"."""
    return format_flops(flops_per_second)[:-1] + "/s"


def format_duration(seconds):
    """"45 seconds", "12 minutes", "3.5 hours"."""
    if seconds < 90:
        return f"{round(seconds)} second{'' if round(seconds) == 1 else 's'}"
    if seconds < 5400:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds / 3600:.1f} hours"
