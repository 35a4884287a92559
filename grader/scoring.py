"""The rubric, and the score of one result: points per check and for the test accuracy.

A homework's spec (grader.homeworks) says what each check is worth, the accuracy band, the
training and the budget; a rubric file (``--rubric``) changes any of those numbers: a JSON
object with any of "checks" ({check name: points}), "accuracy" ({"points", "zero_at",
"full_marks_at"}), "training" ({"epochs", "batch_size", "train_size", "seed", "scale"}) and
"budget" ({"parameters", "flops"}).  A rubric written for the first grader (checks and
accuracy only) still works.
"""

import json
import math

from grader.homeworks import ACCURACY_TEST
from nnlab.i18n import _


class RubricError(ValueError):
    """A rubric file that cannot be used (the message says why and what to do)."""


TRAINING_KINDS = {"epochs": int, "batch_size": int, "train_size": (int, type(None)),
                  "seed": int, "scale": bool}


def load_rubric(path, homework):
    """`homework` with the numbers of the rubric file at `path` (None: the spec's own)."""
    if path is None:
        return homework
    try:
        with open(path, encoding="utf-8") as file:
            rubric = json.load(file)
        if not isinstance(rubric, dict):
            raise TypeError("not a JSON object")
        parts = {"checks": {name: float(points)
                            for name, points in rubric.get("checks", {}).items()}}
        if "checks" not in rubric:
            del parts["checks"]
        for part, keys in (("accuracy", ("points", "zero_at", "full_marks_at")),
                           ("budget", ("parameters", "flops"))):
            if part in rubric:
                parts[part] = {key: float(value) if part == "accuracy" else int(value)
                               for key, value in rubric[part].items() if key in keys}
        if "training" in rubric:
            parts["training"] = {key: value for key, value in rubric["training"].items()
                                 if key in TRAINING_KINDS}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise RubricError(f"cannot use the rubric {path} ({type(error).__name__}: {error}): "
                          f"start from `--homework {homework.name} --print-rubric`") from None
    unknown = set(parts.get("checks", {})) - set(homework.check_names)
    if unknown:
        raise RubricError(f"the rubric {path} names checks the {homework.name} homework does not "
                          f"have: {sorted(unknown)}; its checks are: "
                          f"{', '.join(homework.check_names)}")
    numbers = list(parts.get("checks", {}).values()) + list(parts.get("accuracy", {}).values())
    if not all(math.isfinite(value) and value >= 0 for value in numbers):
        raise RubricError(f"in the rubric {path}, points and accuracies must be numbers of 0 "
                          "or more")
    for key, value in parts.get("training", {}).items():
        if not isinstance(value, TRAINING_KINDS[key]) or isinstance(value, bool) != (
                key == "scale") or (isinstance(value, int) and not isinstance(value, bool) and
                                    value < (0 if key == "seed" else 1)):
            raise RubricError(f"in the rubric {path}, training's {key} cannot be {value!r}")
    if any(value <= 0 for value in parts.get("budget", {}).values()):
        raise RubricError(f"in the rubric {path}, the budget's numbers must be above 0")
    graded = homework.with_rubric(parts)
    if graded.accuracy.full_marks_at <= graded.accuracy.zero_at:
        raise RubricError(f"in the rubric {path}, full_marks_at must be above zero_at")
    return graded


def scored(result, homework):
    """Gradescope-style fields for one graded submission: score, max_score and tests (name,
    score, max_score, status, output and, for a failed check, advice: what to change)."""
    passed = {name: (ok, reason, advice) for name, ok, reason, advice in result.get("checks") or []}
    why_not = result.get("not_gradable") or result.get("error") or \
        f"{homework.function}() gave no model"
    tests = []
    for check in homework.checks:
        ok, reason, advice = passed.get(check.name, (False, "not checked: " + why_not, []))
        tests.append({"name": check.name, "score": check.points if ok else 0.0,
                      "max_score": check.points, "status": "passed" if ok else "failed",
                      "output": reason, "advice": [] if ok else list(advice)})
    rule = homework.accuracy
    accuracy = result.get("accuracy")
    if result.get("review"):
        fraction = 0.0
        output = _("held back for the instructor's review: {lines}").format(
            lines="; ".join(result["review"][:3])) + (
                _(" (accuracy {accuracy})").format(accuracy=f"{accuracy:.4f}")
                if accuracy is not None else "")
    elif accuracy is None:
        fraction, output = 0.0, "not measured: " + (result.get("not_gradable") or
                                                    result.get("error") or
                                                    "the model was not trained")
    else:
        fraction = min(1.0, max(0.0, (accuracy - rule.zero_at) /
                                (rule.full_marks_at - rule.zero_at)))
        output = _("{accuracy} on the test images (full marks from {full}, none below "
                   "{zero})").format(accuracy=f"{accuracy:.4f}", full=f"{rule.full_marks_at:.2f}",
                                     zero=f"{rule.zero_at:.2f}")
    tests.append({"name": ACCURACY_TEST, "score": round(rule.points * fraction, 2),
                  "max_score": rule.points, "status": "passed" if fraction == 1.0 else "failed",
                  "output": output, "advice": []})
    return {"score": round(sum(test["score"] for test in tests), 2),
            "max_score": sum(test["max_score"] for test in tests), "tests": tests}
