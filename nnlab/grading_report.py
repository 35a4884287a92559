"""Scores from a rubric, and the grader's report: grades.csv, grades.json and summary.md."""

import collections
import csv
import io
import json
import os
import statistics
import tempfile

from nnlab.homework_checks import CHECK_NAMES

ACCURACY_TEST = "test accuracy"


def load_rubric(path):
    try:
        with open(path) as file:
            rubric = json.load(file)
        checks = {name: float(points) for name, points in rubric["checks"].items()}
        accuracy = {key: float(rubric["accuracy"][key])
                    for key in ("points", "zero_at", "full_marks_at")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise SystemExit(f"error: cannot use the rubric {path} ({type(error).__name__}: {error}): "
                         "start from cifar/rubric.json") from None
    unknown = set(checks) - set(CHECK_NAMES)
    if unknown:
        raise SystemExit(f"error: the rubric {path} names unknown checks {sorted(unknown)}; "
                         f"the checks are: {', '.join(CHECK_NAMES)}")
    if accuracy["full_marks_at"] <= accuracy["zero_at"]:
        raise SystemExit(f"error: in the rubric {path}, full_marks_at must be above zero_at")
    return {"checks": checks, "accuracy": accuracy}


def scored(result, rubric):
    """Gradescope-style fields for one graded submission: score, max_score and tests."""
    passed = {name: (ok, reason) for name, ok, reason in result.get("checks", [])}
    tests = []
    for name in CHECK_NAMES:
        points = rubric["checks"].get(name, 0.0)
        ok, reason = passed.get(name, (False, "not checked: " + (result.get("error")
                                                                  or "NN_model() gave no model")))
        tests.append({"name": name, "score": points if ok else 0.0, "max_score": points,
                      "status": "passed" if ok else "failed", "output": reason})
    rule = rubric["accuracy"]
    accuracy = result.get("accuracy")
    if accuracy is None:
        fraction, output = 0.0, "not measured: " + (result.get("error") or "the model was not trained")
    else:
        fraction = min(1.0, max(0.0, (accuracy - rule["zero_at"]) /
                                (rule["full_marks_at"] - rule["zero_at"])))
        output = (f"{accuracy:.4f} on the test images (full marks from "
                  f"{rule['full_marks_at']:.2f}, none below {rule['zero_at']:.2f})")
    tests.append({"name": ACCURACY_TEST, "score": round(rule["points"] * fraction, 2),
                  "max_score": rule["points"], "status": "passed" if fraction == 1.0 else "failed",
                  "output": output})
    return {"score": round(sum(test["score"] for test in tests), 2),
            "max_score": sum(test["max_score"] for test in tests), "tests": tests}


def write_atomically(path, text):
    handle, scratch = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".grades.")
    with os.fdopen(handle, "w", newline="") as file:
        file.write(text)
    os.replace(scratch, path)


def write_report(folder, results, rubric, settings):
    """grades.csv, grades.json and summary.md for every finished submission so far."""
    rows = sorted((dict(result, **scored(result, rubric)) for result in results),
                  key=lambda row: row["student"])
    write_atomically(os.path.join(folder, "grades.json"), json.dumps(
        {"settings": settings, "rubric": rubric, "submissions": rows}, indent=2))
    write_atomically(os.path.join(folder, "grades.csv"), _csv(rows))
    write_atomically(os.path.join(folder, "summary.md"), _summary(rows, settings))


def _csv(rows):
    text = io.StringIO()
    writer = csv.writer(text)
    names = [test["name"] for test in rows[0]["tests"]] if rows else []
    writer.writerow(["student", "file", "score", "max_score", "accuracy", "seconds"]
                    + [f"{name} (points)" for name in names]
                    + [f"{name} (reason)" for name in names] + ["error", "output tail"])
    for row in rows:
        accuracy = "" if row.get("accuracy") is None else f"{row['accuracy']:.4f}"
        writer.writerow([row["student"], row["file"], row["score"], row["max_score"], accuracy,
                         f"{row['seconds']:.1f}"]
                        + [test["score"] for test in row["tests"]]
                        + [test["output"] for test in row["tests"]]
                        + [row.get("error") or "", (row.get("output_tail") or "")[-500:]])
    return text.getvalue()


def _summary(rows, settings):
    if not rows:
        return "# CIFAR-10 homework grades\n\nNo submission graded yet.\n"
    scores = [row["score"] for row in rows]
    maximum = rows[0]["max_score"]
    lines = ["# CIFAR-10 homework grades", "",
             f"{len(rows)} submissions graded with {json.dumps(settings)}.", "",
             f"Scores out of {maximum:g}: mean {statistics.mean(scores):.1f}, median "
             f"{statistics.median(scores):.1f}, lowest {min(scores):g}, highest {max(scores):g}.",
             "", "| score | submissions |", "| --- | --- |"]
    bands = collections.Counter(min(9, int(10 * score / maximum)) if maximum else 0
                                for score in scores)
    for band in range(9, -1, -1):
        low = band * maximum / 10
        high = maximum if band == 9 else (band + 1) * maximum / 10
        lines.append(f"| {low:g}–{high:g} | {bands.get(band, 0)} |")
    failures = collections.Counter()
    for row in rows:
        if row.get("error"):
            failures[row["error"].split(":")[0]] += 1
        for test in row["tests"]:
            if test["status"] == "failed" and test["output"] and not test["output"].startswith("not "):
                failures[test["name"]] += 1
    lines += ["", "## Most common failures", ""]
    lines += [f"- {name}: {count}" for name, count in failures.most_common(10)] or ["- none"]
    lines += ["", "## Submissions", "", "| student | score | accuracy | problem |",
              "| --- | --- | --- | --- |"]
    for row in rows:
        accuracy = "–" if row.get("accuracy") is None else f"{row['accuracy']:.4f}"
        problem = row.get("error") or ", ".join(test["name"] for test in row["tests"]
                                                if test["status"] == "failed"
                                                and test["name"] != ACCURACY_TEST) or "–"
        lines.append(f"| {row['student']} | {row['score']:g} | {accuracy} | "
                     f"{problem.replace('|', '/')[:120]} |")
    return "\n".join(lines) + "\n"
