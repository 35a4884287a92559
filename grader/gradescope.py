"""The grader on Gradescope: the autograder zip, and results.json from a graded result.

    python cifar/grade_homework.py --gradescope-package ag.zip [--homework cnn] [--data cifar10.npz] [grading flags]

The zip holds ``setup.sh`` (installs Python's packages and bubblewrap), ``run_autograder``
(grades ``/autograder/submission/`` with this grader through grader/gradescope_run.py, then
writes ``/autograder/results/results.json``, whatever happens), the suite's ``grader/``,
``nnlab/``, the homework's handout and ``requirements.txt``, and the rubric it grades with
(the homework's, with every change the flags and --rubric made, as ``grader/rubric.json``);
with ``--data``, the data file too (otherwise CIFAR-10 is
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
import zipfile

from grader.homeworks import HOMEWORKS, get
from grader.reports.feedback import page_markdown
from grader.safe_text import markdown_text
from nnlab.paths import REPO_ROOT


SUITE_PARTS = ("grader", "nnlab", "cifar/grade_homework.py", "requirements.txt",
               *(get(name).handout for name in HOMEWORKS))
PACKAGED_RUBRIC = "grader/rubric.json"
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
exec "$python" -m grader.gradescope_run "$root" {flags}
"""


def write_package(path, args):
    """The autograder zip at `path`, grading with the settings of `args` (the usual flags)."""
    flags = ["--homework", args.homework.name, "--rubric", PACKAGED_RUBRIC, "--threads",
             str(args.threads), "--memory", str(args.memory)]
    flags += ["--timeout", f"{args.timeout:g}"] if args.timeout else []
    flags += ["--mirror", args.mirror] if args.mirror else []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in SUITE_PARTS:
            source = os.path.join(REPO_ROOT, part)
            files = [source] if os.path.isfile(source) else [
                os.path.join(folder, name) for folder, _, names in os.walk(source)
                for name in names if not name.endswith(".pyc") and "__pycache__" not in folder]
            for file in sorted(files):
                archive.write(file, os.path.relpath(file, REPO_ROOT))
        archive.writestr(PACKAGED_RUBRIC, json.dumps(args.homework.rubric(), indent=2))
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


def results_json(result, scored, seconds, homework):
    """Gradescope's results.json for one graded submission; its output is the student's page
    (grader.reports.feedback), the same Markdown the class's feedback/ folder holds."""
    accuracy = result.get("accuracy")
    tests = [{"name": test["name"], "score": test["score"], "max_score": test["max_score"],
              "status": test["status"], "visibility": "visible",
              "output": "; ".join([test["output"]] + [f"to change: {hint}"
                                                      for hint in test["advice"]])}
             for test in scored["tests"]]
    output = page_markdown(dict(result, **scored), homework, result.get("settings") or {})
    return {"score": scored["score"], "execution_time": round(seconds, 1), "output": output,
            "output_format": "md", "tests": tests,
            "leaderboard": [{"name": "Test accuracy", "value": round(accuracy or 0.0, 4)}]}


def no_grade(why):
    """results.json for a submission the autograder could not grade."""
    return {"score": 0, "execution_time": 0, "output_format": "md", "tests": [],
            "output": markdown_text(why)}
