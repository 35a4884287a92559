"""What the test scripts print: accuracies, the overfitting verdict and sample predictions."""

import sys

import numpy as np

from nnlab.i18n import _, ngettext

# The lecture: a test accuracy far below the training accuracy means overfitting.
# "Far" is taken as more than this many points of accuracy (5 percentage points).
OVERFITTING_GAP = 0.05


def print_accuracies(test_accuracy, train_accuracy):
    print(_("Accuracy of trained model against test data: {accuracy}").format(
        accuracy=f"{test_accuracy:.4f}"))
    print(_("Accuracy of trained model against training data: {accuracy}").format(
        accuracy=f"{train_accuracy:.4f}"))
    print_overfitting_verdict(test_accuracy, train_accuracy)


def print_overfitting_verdict(test_accuracy, train_accuracy):
    """The lecture's rule: overfitting when the test accuracy is far below the training's."""
    gap = train_accuracy - test_accuracy
    if gap > OVERFITTING_GAP:
        print(_("Overfitting: the test accuracy is {gap} points below the training accuracy "
                "(more than {limit}).").format(gap=f"{100 * gap:.1f}",
                                               limit=f"{100 * OVERFITTING_GAP:.0f}"))
    else:
        print(_("No sign of overfitting: the test accuracy is within {limit} points of the "
                "training accuracy.").format(limit=f"{100 * OVERFITTING_GAP:.0f}"))


def warn_if_unlike_training(flag, given, trained, when_true, when_false):
    """One line where a test flag feeds the model other inputs than it was trained on."""
    if given != trained:
        print(_("warning: {flag} feeds this model {given}, but it was trained on {trained} (its "
                "notes say so): the accuracy measured says little; leave the flag out to test "
                "it as it was trained").format(flag=flag,
                                               given=_(when_true if given else when_false),
                                               trained=_(when_true if trained else when_false)))


def unit_groups(weights, biases, tolerance=1e-6):
    """Sizes of the groups of identical hidden units, largest first: units whose input weights
    and bias agree within `tolerance` (relative to the largest weight) form one group."""
    units = np.vstack([weights, biases[None, :]]).T
    limit = tolerance * (float(np.abs(units).max()) or 1.0)
    representatives, counts = [], []
    for unit in units:
        for index, representative in enumerate(representatives):
            if np.abs(unit - representative).max() <= limit:
                counts[index] += 1
                break
        else:
            representatives.append(unit)
            counts.append(1)
    return sorted(counts, reverse=True)


def print_hidden_units(weights, biases, zero_init=False):
    """The lecture's puzzle in one line: how many of the hidden units are really different,
    e.g. "hidden units: 100 in 2 groups of identical units (96 + 4): ..."."""
    groups, count = unit_groups(weights, biases), weights.shape[1]
    if len(groups) == count:
        line = _("hidden units: {count}, all distinct").format(count=count)
    else:
        sizes = " + ".join(map(str, groups[:6])) + (" + …" if len(groups) > 6 else "")
        line = _("hidden units: {count} in 1 group of identical units").format(count=count) \
            if len(groups) == 1 else ngettext(
                "hidden units: {count} in {groups} group of identical units ({sizes})",
                "hidden units: {count} in {groups} groups of identical units ({sizes})",
                len(groups)).format(count=count, groups=len(groups), sizes=sizes)
        if zero_init and len(groups) == 1:
            line += _(": zero initial weights keep units identical")
        elif zero_init:
            line += _(": zero initial weights keep units identical, only rounding split some "
                      "apart")
    print(line)


def sample_indices(count, total, seed):
    """`count` distinct random indices below `total`, the same for the same seed."""
    return np.random.default_rng(seed).choice(total, size=min(count, total), replace=False)


def label_text(label, class_names=None):
    return f"{label}({class_names[label]})" if class_names else str(label)


def print_predictions(actual, predicted, class_names=None):
    """One line per image: "actual: 7, predicted: 7" (with class names: "actual: 3(cat), ...").
    Names a console cannot show (Korean on cp1252) come out as "?", never as a crash."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    for true_label, predicted_label in zip(actual, predicted):
        print(_("actual: {actual}, predicted: {predicted}").format(
            actual=label_text(int(true_label), class_names),
            predicted=label_text(int(predicted_label), class_names)))


def say(message):
    """A line saying what a script is about to do, before a step that prints nothing for a while."""
    print(message + "...", flush=True)


def predicted_classes(model, images):
    """The class a Keras model gives each image: the argmax of predict (Keras 3 has no
    predict_classes).  Needs no compiled model."""
    return np.argmax(model.predict(images, batch_size=100, verbose=0), axis=1)


def accuracy(predicted, labels):
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))
