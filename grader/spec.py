"""What the CIFAR-10 homework asks of NN_model(), written once: the checks and rubric follow it.

"Homework: Keras Implementation of Image Classifier" (Machine Learning in Practice #3):
3072 inputs (32 x 32 x 3), two sigmoid hidden layers of 3000 and 2000 units, a softmax
output of 10, compiled with categorical cross entropy and SGD, and nothing more: no other
layers, Keras' defaults for everything else (initial weights, no regularizers).
"""

INPUT_SIZE = 32 * 32 * 3
UNITS = (3000, 2000, 10)
ACTIVATIONS = ("sigmoid", "sigmoid", "softmax")
LOSS = "categorical_crossentropy"
OPTIMIZER = "sgd"  # what the grader trains every model with, as the handout's compile()


def parameter_count(input_size=INPUT_SIZE, units=UNITS):
    """Weights and biases of a chain of Dense layers."""
    count, width = 0, input_size
    for size in units:
        count += width * size + size
        width = size
    return count


PARAMETERS = parameter_count()  # 15,241,010


class Check:
    """The names of the checks, as the report and the rubric spell them."""
    COMPILED = "returns a compiled Keras model"
    INPUT = f"input of {INPUT_SIZE} values"
    UNITS = "only Dense layers of " + ", ".join(map(str, UNITS[:-1])) + f" and {UNITS[-1]} units"
    ACTIVATIONS = "activations " + ", ".join(ACTIVATIONS)
    PARAMETERS = f"{PARAMETERS:,} parameters"
    LOSS = "loss: categorical cross entropy"


CHECK_NAMES = (Check.COMPILED, Check.INPUT, Check.UNITS, Check.ACTIVATIONS, Check.PARAMETERS,
               Check.LOSS)
ACCURACY_TEST = "test accuracy"
