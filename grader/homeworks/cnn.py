"""Lecture 4's homework: a convolutional network for CIFAR-10, of the student's own design.

"Homework: CNN Implementation of Image Classifier" (Machine Learning in Practice #4):
CNN_model() takes 32 x 32 x 3 images and gives 10 class probabilities; the layers between,
and the optimizer, are the student's to choose.  The checks ask for what any answer needs
(compiled, the right input and output, a convolution, layers the grader can rebuild, a
categorical cross entropy) and a compute budget, so that no network holds the class up: one
over it is refused before anything trains.  The grader trains each network with the
optimizer its author compiled (read from the saved config, never the student's objects), the
same recipe for everyone.
"""

from grader.homeworks import Accuracy, Budget, Check, Homework, Recipe
from nnlab.i18n import N_

HOMEWORK = Homework(
    name="cnn",
    title=N_("CIFAR-10 homework (lecture 4: CNN_model)"),
    handout="cifar/Train_CNN_cifar.py",
    function="CNN_model",
    arguments={},
    input_shape=(32, 32, 3),
    classes=10,
    checks=(
        Check("compiled", N_("returns a compiled Keras model"), 5),
        Check("input", N_("input of 32x32x3 images"), 5, (32, 32, 3)),
        Check("output", N_("10 outputs with softmax"), 10, 10),
        Check("convolution", N_("at least one convolution layer"), 10),
        Check("layer_kinds", N_("only layers the grader can rebuild"), 10),
        Check("budget", N_("within the compute budget"), 10),
        Check("loss", N_("loss: categorical cross entropy"), 5, "probabilities or logits"),
    ),
    accuracy=Accuracy(points=45, zero_at=0.10, full_marks_at=0.55),
    recipe=Recipe(epochs=20),
    # The reference answer takes 8.4 MFLOPs an image and 315,734 parameters; Keras' own old
    # cifar10_cnn example 41.6 MFLOPs and 1,250,858; the 2019 MNIST network carried over
    # 17.3 MFLOPs and 1,664,706.  Past this, one network's 20 epochs take hours of a CPU.
    budget=Budget(parameters=5_000_000, flops=100_000_000),
    reference="grader/cnn_reference_solution.py",
    trains_failing=False,
)
