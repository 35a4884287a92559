"""The grader on Gradescope: an autograder zip, and the run that writes results.json.

    python cifar/grade_homework.py --gradescope-package ag.zip [--data cifar10.npz] [grading flags]

The zip holds ``setup.sh`` (installs Python's packages and bubblewrap), ``run_autograder``
(grades ``/autograder/submission/`` with this grader, then writes
``/autograder/results/results.json``, whatever happens), and the suite's ``grader/``, ``nnlab/``, the handout
and ``requirements.txt``; with ``--data``, the data file too (otherwise CIFAR-10 is
downloaded there, checked against its published checksum).  ``results.json`` follows
Gradescope's format: ``score``, ``execution_time``, ``output`` (Markdown), one test per check
and one for the accuracy, each with ``name``, ``score``, ``max_score``, ``status``,
``output`` and ``visibility``, and a leaderboard entry with the test accuracy.  Set
$AUTOGRADER_ROOT to run it somewhere other than /autograder (the tests do).

Gradescope runs its autograder as root in a container where bubblewrap cannot start, so the
submission's code runs as an unprivileged user of its own (``--sandbox user``): it can
write neither the grader, nor the Python installation, nor ``results/``, and cannot signal
the grader; without Landlock there, what the grader keeps is hidden from it by a mount
namespace, or closed to other users while it grades.
"""

import json
import os
import shlex
import stat
import sys
import tempfile
import time
import zipfile

from grader.report import markdown_text
from nnlab.paths import REPO_ROOT

SUITE_PARTS = ("grader", "nnlab", "cifar/Train_NN_cifar.py", "cifar/grade_homework.py",
               "requirements.txt")
SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-pip python3-venv bubblewrap libseccomp2
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -r /autograder/source/requirements.txt
"""
RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade it, write results/results.json.
set -euo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
python="${{AUTOGRADER_PYTHON:-$root/venv/bin/python}}"
cd "$root/source"
exec "$python" -m grader.gradescope "$root" {flags}
"""


def write_package(path, args):
    """The autograder zip at `path`, grading with the settings of `args` (the usual flags)."""
    flags = ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--seed",
             str(args.seed), "--threads", str(args.threads), "--timeout", f"{args.timeout:g}",
             "--memory", str(args.memory)]
    flags += ["--train-size", str(args.train_size)] if args.train_size else []
    flags += ["--scale"] if args.scale else []
    flags += ["--mirror", args.mirror] if args.mirror else []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in SUITE_PARTS:
            source = os.path.join(REPO_ROOT, part)
            files = [source] if os.path.isfile(source) else [
                os.path.join(folder, name) for folder, _, names in os.walk(source)
                for name in names if not name.endswith(".pyc") and "__pycache__" not in folder]
            for file in sorted(files):
                if os.path.abspath(file) != os.path.abspath(args.rubric):
                    archive.write(file, os.path.relpath(file, REPO_ROOT))
        archive.write(args.rubric, "grader/rubric.json")
        if args.data:
            name = os.path.basename(args.data)
            archive.write(args.data, f"data/{name}")
            flags += ["--data", f"data/{name}"]
        executable(archive, "setup.sh", SETUP)
        executable(archive, "run_autograder",
                   RUN.format(flags=" ".join(shlex.quote(flag) for flag in flags)))
    print(f"Gradescope autograder written to {path}: upload it as the assignment's autograder "
          f"(grading with {' '.join(flags)})")


def executable(archive, name, text):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    archive.writestr(info, text)


def results_json(result, scored, seconds, rubric):
    """Gradescope's results.json for one graded submission; its output is the student's page
    (grader.feedback), the same Markdown the class's feedback/ folder holds."""
    from grader.feedback import page_markdown
    accuracy = result.get("accuracy")
    tests = [dict(test, visibility="visible") for test in scored["tests"]]
    output = page_markdown(dict(result, **scored), rubric, result.get("settings") or {})
    return {"score": scored["score"], "execution_time": round(seconds, 1), "output": output,
            "output_format": "md", "tests": tests,
            "leaderboard": [{"name": "Test accuracy", "value": round(accuracy or 0.0, 4)}]}


def no_grade(why):
    """results.json for a submission the autograder could not grade."""
    return {"score": 0, "execution_time": 0, "output_format": "md", "tests": [],
            "output": markdown_text(why)}


def grade_submission(root, argv, start):
    """results.json's content for the file handed in under `root`/submission."""
    from grader import grade, report
    submission_folder = os.path.join(root, "submission")
    files = sorted(os.listdir(submission_folder))
    preferred = ["Train_NN_cifar.py", "Train_NN_cifar.ipynb"] + \
        [name for name in files if name.endswith(".py")] + \
        [name for name in files if name.endswith(".ipynb")]
    chosen = next((name for name in preferred if name in files), None)
    if chosen is None:
        return no_grade("No .py or .ipynb file was submitted: hand in Train_NN_cifar.py.")
    with tempfile.TemporaryDirectory(prefix="gradescope-") as out:
        path = os.path.join(submission_folder, chosen)
        try:
            grade.main([path, "--out", out, "--workers", "1", "--sandbox", "user", *argv])
        except SystemExit as stop:
            if stop.code:
                return no_grade("The autograder could not grade this file; tell your "
                                "instructor.")
        result = report.read_result(os.path.join(out, "results",
                                                 grade.student_name(path) + ".json"))
        if result is None:
            return no_grade("The autograder could not grade this file; tell your instructor.")
        rubric = report.load_rubric(os.path.join(os.path.dirname(__file__), "rubric.json"))
        return results_json(result, report.scored(result, rubric), time.perf_counter() - start,
                            rubric)


def main():
    from grader import report
    root, argv = sys.argv[1], sys.argv[2:]
    results_folder = os.path.join(root, "results")
    os.makedirs(results_folder, exist_ok=True)
    start = time.perf_counter()
    output = no_grade("The autograder stopped before it could grade this file; tell your "
                      "instructor.")
    try:
        output = grade_submission(root, argv, start)
    finally:  # whatever happened, Gradescope reads the grader's own results.json
        report.write_atomically(os.path.join(results_folder, "results.json"),
                                json.dumps(output, indent=2))
        print(f"results.json written to {results_folder}")


if __name__ == "__main__":
    main()
