"""A homework's checks, made on a model rebuilt by the grader from its checked config.

Each check of a homework's spec names a kind; the function of that kind (KINDS) returns
whether the model passes, the reason in plain words, and, where it fails, what to change.
Layer types are compared exactly, activations against Keras' own functions (never by name:
a ReLU called "sigmoid" is a ReLU), the loss after ``keras.losses.get``.  The kinds about
layers are in layer_checks.py; here, those any homework has: compiled, input, output, loss
and the compute budget.
"""

import dataclasses

from grader import costs
from grader.trusted import layer_checks
from grader.trusted.models import FLOAT, layer_chain, softmax_axis_ok
from nnlab.i18n import _


@dataclasses.dataclass
class Inspected:
    """What the checks look at: the rebuilt model, its compile settings, its layers in
    data-flow order, and its cost (or why it could not be measured)."""
    model: object
    parts: object  # (optimizer, loss) of the student's compile(), or None
    keras: object
    homework: object
    cost: dict = None
    cost_problem: str = None

    def __post_init__(self):
        self.chain, self.not_a_chain = layer_chain(self.model)


def compiled(inspected, check):
    if inspected.parts is None:
        return False, _("model.compile() not called"), [
            _("call model.compile(...) before returning the model")]
    return True, _("compiled"), []


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


def input_check(inspected, check):
    shape = inspected.model.input_shape
    wrong = input_problems(inspected.chain)
    passed = isinstance(shape, tuple) and tuple(shape[1:]) == tuple(check.expected) and not wrong
    reason = ", ".join([_("input shape {shape}").format(shape=shape)] + wrong)
    wanted = f"keras.Input(shape={tuple(check.expected)})"
    if passed:
        advice = []
    elif wrong:
        advice = [_("take the input as Keras' default dense float32 values: {wanted}, without "
                    "dtype, sparse or ragged").format(wanted=wanted)]
    elif len(check.expected) == 1:
        advice = [_("give the first layer {count} inputs: {wanted}").format(
            count=check.expected[0], wanted=wanted)]
    else:
        advice = [_("take images of {size}: {wanted}").format(
            size="x".join(map(str, check.expected)), wanted=wanted)]
    return passed, reason, advice


def loss_of(loss, keras):
    """(whether a compiled loss is categorical cross entropy, whether from logits, its name)."""
    function = keras.losses.categorical_crossentropy
    wrapped = loss if loss is function else getattr(loss, "fn", None)
    options = getattr(loss, "_fn_kwargs", {}) or {}
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    from_logits = bool(options.get("from_logits", False))
    return wrapped is function, from_logits, name + (" (from_logits=True)" if from_logits else "")


def output_activation(inspected):
    """The activation the model's output finally goes through: "softmax", "linear", another
    name, or None where it cannot be told (no layer with weights before the output)."""
    keras = inspected.keras
    last = None
    for layer in reversed(inspected.chain):
        name = type(layer).__name__
        if name in ("Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Identity",
                    "ActivityRegularization", "Flatten", "Reshape"):
            continue
        if name == "Softmax":
            return "softmax" if softmax_axis_ok(layer) else f"softmax over axis {layer.axis}"
        if name == "Activation" or hasattr(layer, "activation"):
            activation = layer.activation
            if activation is keras.activations.softmax:
                return "softmax"
            if activation is not keras.activations.linear or name != "Activation":
                last = "linear" if activation is keras.activations.linear else \
                    getattr(activation, "__name__", str(activation))
                return last
            continue
        return type(layer).__name__
    return last


def output_check(inspected, check):
    """`check.expected` outputs, made probabilities by a softmax (or logits, where the loss is
    told so: CategoricalCrossentropy(from_logits=True) applies the softmax itself)."""
    shape = inspected.model.output_shape
    width_ok = isinstance(shape, tuple) and len(shape) == 2 and shape[-1] == check.expected
    activation = output_activation(inspected)
    from_logits = inspected.parts is not None and loss_of(inspected.parts[1], inspected.keras)[1]
    logits = activation == "linear" and from_logits
    passed = width_ok and (activation == "softmax" or logits)
    if logits:
        reason = _("output shape {shape}, linear activation: logits, and the loss applies the "
                   "softmax (from_logits=True)").format(shape=shape)
    elif activation:
        reason = _("output shape {shape}, {activation} activation").format(
            shape=shape, activation=activation)
    else:
        reason = _("output shape {shape}, no activation").format(shape=shape)
    advice = []
    if not width_ok:
        advice.append(_("end with Dense({count}) on flat values (Flatten() or a global pooling "
                        "first): one output per class").format(count=check.expected))
    if activation != "softmax" and not logits:
        advice.append(_('give the last layer activation="softmax" (Dense({count}, '
                        'activation="softmax"))').format(count=check.expected))
    return passed, reason, advice


def loss_check(inspected, check):
    """Categorical cross entropy on probabilities (or, where `check.expected` allows logits, on
    a linear output with from_logits=True)."""
    if inspected.parts is None:
        return False, _("no loss: model.compile() not called"), [
            _('compile with loss="categorical_crossentropy"')]
    categorical, from_logits, name = loss_of(inspected.parts[1], inspected.keras)
    activation = output_activation(inspected)
    if not categorical:
        return False, _("loss {name}").format(name=name), [
            _('compile with loss="categorical_crossentropy" (the labels are one-hot: '
              'to_categorical)')]
    if not from_logits:
        return True, _("loss {name}").format(name=name), []
    if "logits" in str(check.expected) and activation == "linear":
        return True, _("loss {name}, on the logits of a linear output").format(name=name), []
    reason = _("loss {name} after a softmax: the softmax is applied twice") \
        if activation == "softmax" else _("loss {name}")
    return False, reason.format(name=name), [
        _('compile with loss="categorical_crossentropy" (from_logits=False) on a softmax '
          'output')]


def budget_check(inspected, check):
    budget = inspected.homework.budget
    if inspected.cost is None:
        return False, _("its cost cannot be measured: {problem}").format(
            problem=inspected.cost_problem), [
            _("build the network as one chain of the layers the grader rebuilds")]
    return within_budget(inspected.cost, budget)


def within_budget(cost, budget):
    """(whether `cost` fits `budget`, the reason with both, what to change)."""
    parameters, flops = cost["parameters"], cost["flops"]
    passed = parameters <= budget.parameters and flops <= budget.flops
    reason = _("{parameters} parameters and {flops} an image (the budget: {budget_parameters} "
               "and {budget_flops})").format(
        parameters=f"{parameters:,}", flops=costs.format_flops(flops),
        budget_parameters=f"{budget.parameters:,}", budget_flops=costs.format_flops(budget.flops))
    advice = []
    if parameters > budget.parameters:
        advice.append(_("fewer parameters: pool (MaxPooling2D) or use fewer filters before "
                        "Flatten, and a smaller Dense layer after it"))
    if flops > budget.flops:
        advice.append(_("fewer operations: fewer filters in the first convolutions, or pool "
                        "earlier, where the images are still large"))
    return passed, reason, advice


KINDS = {"compiled": compiled, "input": input_check, "output": output_check, "loss": loss_check,
         "budget": budget_check, **layer_checks.KINDS}


def model_checks(inspected):
    """[name, passed, reason, advice] for each check of the homework, in its order."""
    return [[check.name, *KINDS[check.kind](inspected, check)]
            for check in inspected.homework.checks]


def can_train(model, homework):
    """Whether the grader can train the model: the homework's input, its classes out."""
    shape, output = model.input_shape, model.output_shape
    return (isinstance(shape, tuple) and tuple(shape[1:]) == tuple(homework.input_shape) and
            isinstance(output, tuple) and len(output) == 2 and output[-1] == homework.classes)


def measured(config):
    """(cost, None) of a checked config, or (None, why it cannot be measured)."""
    try:
        return costs.network_cost(config), None
    except (costs.NotAChain, costs.Unmeasured) as problem:
        return None, str(problem)

