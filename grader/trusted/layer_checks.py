"""The checks about a model's layers: the MLP homework's prescribed layers, the CNN homework's
convolutions and the layer kinds the grader rebuilds.

The MLP homework's network is exactly its Dense layers with Keras' defaults: a layer that
changes what the network computes or learns (a Rescaling, a normalisation, a Dropout), a Dense
option changed from its default (initial weights, a regularizer), a layer that is not float32
(a bfloat16 activation) or not trainable fails its layers check, so that every model passing
all checks is trained into the reference answer's accuracy.  The CNN homework's layers are the
student's to choose, among the kinds the grader can rebuild and measure.
"""

from grader import costs
from grader.trusted.models import (ACTIVATION_LAYERS, FLOAT, PASS_THROUGH, dtypes_of, flat_shape,
                                   shape_of, softmax_axis_ok)
from nnlab.i18n import N_, _, ngettext

ORDINALS = (N_("first hidden layer"), N_("second hidden layer"), N_("output layer"))
CONVOLUTIONS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D")
KERAS_DEFAULT_SETTINGS = N_("leave every layer's dtype and trainable at Keras' defaults "
                            "(float32, trainable)")


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


def other_layers(chain):
    """What in the chain is not the MLP homework's: layer types that are neither Dense,
    activations nor pass-throughs, pass-throughs that change the shape or grouping of the
    values, and activations applied to the input before the first Dense layer."""
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


def layer_settings(chain, model):
    """"Dense 2: not trainable", "Activation: dtype bfloat16" for each layer (and the model)
    that is not float32 or not trainable, the homework's networks being both."""
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


def weights_of(layer):
    """The weights and biases a layer really has, from its variables' shapes."""
    count = 0
    for weight in layer.weights:
        size = 1
        for dimension in weight.shape:
            size *= int(dimension)
        count += size
    return count


def layer_advice(found, expected, what):
    """"the first hidden layer has 1000 units; the homework asks for 3000: write
    Dense(3000, ...)", for each layer (`what`: "units" or "activation")."""
    if len(found) != len(expected):
        return [_("the network has {found} Dense layers; the homework asks for {expected} (two "
                  "hidden layers and the output layer)").format(found=len(found),
                                                                expected=len(expected))]
    message = _("the {layer} has {value} units; the homework asks for {wanted}: write "
                "Dense({wanted}, ...)") if what == "units" else \
        _("the {layer} has the {value} activation; the homework asks for {wanted}: write "
          'activation="{wanted}"')
    return [message.format(layer=_(ORDINALS[number]), value=value, wanted=wanted)
            for number, (value, wanted) in enumerate(zip(found, expected)) if value != wanted]


def dense_layers(inspected):
    return [layer for layer in inspected.chain if type(layer) is inspected.keras.layers.Dense]


def dense_units(inspected, check):
    """Only Dense layers of the expected units, with Keras' defaults, float32 and trainable."""
    dense = dense_layers(inspected)
    units = [layer.units for layer in dense]
    others = other_layers(inspected.chain) + ([inspected.not_a_chain]
                                              if inspected.not_a_chain else [])
    changed = changed_dense_options(dense, inspected.keras)
    settings = layer_settings(inspected.chain, inspected.model)
    reason = "; ".join([_("Dense units {units}").format(units=units)] +
                       ([_("also {layers}").format(layers=", ".join(others))] if others else []) +
                       ([_("not Keras' default {options}").format(options=", ".join(changed[:4]))]
                        if changed else []) +
                       ([_("not float32 and trainable: {layers}").format(
                           layers=", ".join(settings[:4]))] if settings else []))
    passed = units == list(check.expected) and not others and not changed and not settings
    advice = [] if units == list(check.expected) else layer_advice(units, check.expected,
                                                                    "units")
    if others:
        advice.append(_("remove every layer that is not Dense (or an activation)"))
    if changed:
        advice.append(_("leave the Dense layers' other options (initializers, regularizers, "
                        "constraints) at Keras' defaults"))
    if settings:
        advice.append(_(KERAS_DEFAULT_SETTINGS))
    if not passed and not advice:
        advice = [_("use Dense layers of {units} units, and nothing else").format(
            units=", ".join(map(str, check.expected)))]
    return passed, reason, advice


def activations(inspected, check):
    keras = inspected.keras
    found = effective_activations(inspected.chain, keras)
    expected = [[getattr(keras.activations, name)] for name in check.expected]
    names = activation_names(found)
    passed = found == expected
    advice = [] if passed else layer_advice(names, list(check.expected), "activation") or [
        _("use {names} activations, in that order").format(names=", ".join(check.expected))]
    return passed, _("activations {names}").format(names=names), advice


def parameters(inspected, check):
    """Exactly the expected number, in each Dense layer as in the homework's network."""
    dense_check = inspected.homework.check("dense_units")
    units = dense_check.expected if dense_check else ()
    expected, width = [], inspected.homework.input_shape[-1]
    for size in units:
        expected.append(width * size + size)
        width = size
    count, per_layer = inspected.model.count_params(), [weights_of(layer)
                                                       for layer in dense_layers(inspected)]
    passed = count == check.expected and per_layer == expected
    reason = _("{count} parameters").format(count=f"{count:,}")
    if count == check.expected and not passed:
        reason = _("{count} parameters, but {found} in its Dense layers, not the homework's "
                   "{expected}").format(count=f"{count:,}",
                                        found=", ".join(f"{n:,}" for n in per_layer),
                                        expected=", ".join(f"{n:,}" for n in expected))
    return passed, reason, [] if passed else [
        _("the parameters follow from the layers: once the Dense layers are as the homework "
          "asks, the model has {expected}").format(expected=f"{check.expected:,}")]


def convolution(inspected, check):
    found = [type(layer).__name__ for layer in inspected.chain
             if type(layer).__name__ in CONVOLUTIONS]
    if found:
        kinds = ", ".join(found[:3]) + ("..." if len(found) > 3 else "")
        return True, ngettext("{count} convolution layer ({kinds})",
                              "{count} convolution layers ({kinds})", len(found)).format(
            count=len(found), kinds=kinds), []
    return False, _("no convolution layer"), [
        _("start with convolutions: Convolution2D(32, (3, 3), activation=\"relu\"), then "
          "MaxPooling2D((2, 2)), before Flatten() and the Dense layers")]


def layer_kinds(inspected, check):
    """One chain of layers, each of a kind the grader rebuilds and measures, float32 and
    trainable: the network the grader trains is then the one handed in."""
    problems = [inspected.not_a_chain] if inspected.not_a_chain else []
    unknown = sorted({type(layer).__name__ for layer in inspected.chain[1:]
                      if type(layer).__name__ not in costs.MEASURES})
    problems += [_("{name} is not a layer the grader rebuilds").format(name=name)
                 for name in unknown]
    settings = layer_settings(inspected.chain, inspected.model)
    problems += [_("not float32 and trainable: {layers}").format(
        layers=", ".join(settings[:4]))] if settings else []
    if not problems:
        kinds = sorted({type(layer).__name__ for layer in inspected.chain[1:]})
        return True, _("layers: {kinds}").format(kinds=", ".join(kinds)), []
    advice = []
    if inspected.not_a_chain:
        advice.append(_("build one path of layers from the input to the output (a Sequential "
                        "model), without branches that join"))
    if unknown:
        advice.append(_("use only these layer kinds: {kinds}").format(kinds=", ".join(sorted(
            name for name in costs.MEASURES if name not in ("MaxPool2D", "AvgPool2D",
                                                            "GlobalAvgPool2D",
                                                            "GlobalMaxPool2D")))))
    if settings:
        advice.append(_(KERAS_DEFAULT_SETTINGS))
    return False, "; ".join(problems), advice


KINDS = {"dense_units": dense_units, "activations": activations, "parameters": parameters,
         "convolution": convolution, "layer_kinds": layer_kinds}
