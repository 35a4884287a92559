"""The homeworks the grader knows, one spec each: what it asks, how it is checked, trained and scored.

A spec is data only (no Keras, no process): the handout students fill in, the function the
grader calls and what the handout passes it, the input and output it expects, its checks
and their points, the training recipe, the accuracy band and the compute budget.  The rest
of the grader (the student stage, the trusted checks and training, the reports, the
self-check, the Gradescope package) reads the spec of the homework it was asked for
(``--homework``), so a homework is added by writing one more module here and naming it in
HOMEWORKS.  An instructor's rubric file (``--rubric``) changes any of the numbers: points,
accuracy band, budget, training (see ``with_rubric``).
"""

import dataclasses
import importlib
import os

HOMEWORKS = ("mlp", "cnn")  # the first is the default
ACCURACY_TEST = "test accuracy"  # the name of the accuracy's line in every report


@dataclasses.dataclass(frozen=True)
class Check:
    """One check of a homework: `kind` names the trusted code that makes it
    (grader/trusted/checks.py), `expected` what it compares with, `name` how the rubric, the
    reports and students call it, `points` what it is worth by default."""
    kind: str
    name: str
    points: float
    expected: object = None


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How the grader trains every network of a homework, the same way for everyone."""
    epochs: int
    batch_size: int = 100
    train_size: object = None  # None: all 50,000 training images
    seed: int = 1
    scale: bool = False  # the 2019 handouts fed raw 0-255 pixels
    optimizer: object = None  # a Keras name: the grader's own; None: the one the student compiled


@dataclasses.dataclass(frozen=True)
class Budget:
    """What one network may cost: weights and biases, and floating-point operations to
    classify one image (a multiply-add counts as two); over it, a network is never trained."""
    parameters: int
    flops: int


@dataclasses.dataclass(frozen=True)
class Accuracy:
    """Accuracy points: none below `zero_at`, all from `full_marks_at`, in proportion between."""
    points: float
    zero_at: float
    full_marks_at: float


@dataclasses.dataclass(frozen=True)
class Homework:
    name: str  # as --homework spells it
    title: str  # what reports call it
    handout: str  # the handout's path in the suite
    function: str  # what the handout calls to get the model
    arguments: dict  # what the handout passes it (keyword: value), where it takes them
    input_shape: tuple  # one image, as the model takes it
    classes: int
    checks: tuple  # of Check, in the order reports list them
    accuracy: Accuracy
    recipe: Recipe
    budget: Budget
    reference: str  # the reference answer's path in the suite: for instructors only
    # Whether a network that fails a check is trained all the same (the MLP homework's are:
    # each check's points are lost, the accuracy's earned); else it is not trained, so that a
    # file failing a check scores below every file that passes them all.
    trains_failing: bool = True

    @property
    def submission_name(self):
        """The handout's file name, which students hand in (or a folder holding it)."""
        return os.path.basename(self.handout)

    @property
    def check_names(self):
        return tuple(check.name for check in self.checks)

    def check(self, kind):
        """The check of `kind`, or None where this homework has none."""
        return next((check for check in self.checks if check.kind == kind), None)

    def rubric(self):
        """The rubric as a JSON-able dict: what --rubric files override (see with_rubric)."""
        return {"checks": {check.name: check.points for check in self.checks},
                "accuracy": dataclasses.asdict(self.accuracy),
                "training": {key: value for key, value in dataclasses.asdict(self.recipe).items()
                             if key != "optimizer"},
                "budget": dataclasses.asdict(self.budget)}

    def with_rubric(self, rubric):
        """This homework with a rubric's numbers (a dict as rubric() returns, any part of it
        left out: as the spec says).  The rubric is checked by grader.scoring.load_rubric."""
        checks = tuple(dataclasses.replace(check, points=rubric.get("checks", {}).get(
            check.name, check.points if "checks" not in rubric else 0.0))
            for check in self.checks)
        return dataclasses.replace(
            self, checks=checks,
            accuracy=dataclasses.replace(self.accuracy, **rubric.get("accuracy", {})),
            recipe=dataclasses.replace(self.recipe, **rubric.get("training", {})),
            budget=dataclasses.replace(self.budget, **rubric.get("budget", {})))


def get(name):
    """The spec of the homework called `name` (one of HOMEWORKS)."""
    if name not in HOMEWORKS:
        raise KeyError(f"no homework called {name!r}: {', '.join(HOMEWORKS)}")
    return importlib.import_module(f"grader.homeworks.{name}").HOMEWORK


def for_handout(file_name):
    """The homework whose handout is called `file_name` (Train_CNN_cifar.py...), or None."""
    return next((get(name) for name in HOMEWORKS if get(name).submission_name == file_name), None)
