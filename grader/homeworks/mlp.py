"""Lecture 3's homework: a multilayer perceptron for CIFAR-10, whose every layer is prescribed.

"Homework: Keras Implementation of Image Classifier" (Machine Learning in Practice #3):
NN_model() takes 3072 inputs (32 x 32 x 3), has two sigmoid hidden layers of 3000 and 2000
units and a softmax output of 10, compiled with categorical cross entropy and SGD, and
nothing more: no other layers, Keras' defaults for everything else (initial weights, no
regularizers).  Every network that passes the checks is the reference answer's, so the
grader trains it with its own SGD (what the student's compile() says is checked, not used).
"""

from grader.homeworks import Accuracy, Budget, Check, Homework, Recipe
from nnlab.i18n import N_

INPUT_SIZE = 32 * 32 * 3
UNITS = (3000, 2000, 10)
ACTIVATIONS = ("sigmoid", "sigmoid", "softmax")


def parameter_count(input_size=INPUT_SIZE, units=UNITS):
    """Weights and biases of a chain of Dense layers."""
    count, width = 0, input_size
    for size in units:
        count += width * size + size
        width = size
    return count


PARAMETERS = parameter_count()  # 15,241,010

HOMEWORK = Homework(
    name="mlp",
    title=N_("CIFAR-10 homework (lecture 3: NN_model)"),
    handout="cifar/Train_NN_cifar.py",
    function="NN_model",
    arguments={"activation": "sigmoid", "optimizer": "sgd"},
    input_shape=(INPUT_SIZE,),
    classes=10,
    checks=(
        Check("compiled", N_("returns a compiled Keras model"), 10),
        Check("input", N_("input of 3072 values"), 10, (INPUT_SIZE,)),
        Check("dense_units", N_("only Dense layers of 3000, 2000 and 10 units"), 15, UNITS),
        Check("activations", N_("activations sigmoid, sigmoid, softmax"), 15, ACTIVATIONS),
        Check("parameters", N_("15,241,010 parameters"), 10, PARAMETERS),
        Check("loss", N_("loss: categorical cross entropy"), 10, "probabilities"),
    ),
    accuracy=Accuracy(points=30, zero_at=0.10, full_marks_at=0.28),
    recipe=Recipe(epochs=15, optimizer="sgd"),
    # Four times the homework's network: bigger ones would hold the class up (not a check:
    # such a network already fails the layers and parameters checks).
    budget=Budget(parameters=4 * PARAMETERS, flops=8 * PARAMETERS),
    reference="grader/reference_solution.py",
)
