"""Inside Gradescope: grade the one file handed in with the class command, write results.json.

    run_autograder: python -m grader.gradescope_run /autograder --homework NAME --rubric ... [flags]

Whatever happens, /autograder/results/results.json is the grader's own, written last (a
submission runs as a user of its own and cannot write there).  See grader/gradescope.py.
"""

import json
import os
import sys
import tempfile
import time

from grader import grade, homeworks, results, scoring
from grader.boundary.submissions import student_name
from grader.gradescope import PACKAGED_RUBRIC, no_grade, results_json


def homework_of(argv):
    """The homework the package grades, as its flags say (with its packaged rubric)."""
    name = argv[argv.index("--homework") + 1] if "--homework" in argv else homeworks.HOMEWORKS[0]
    rubric = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          PACKAGED_RUBRIC)
    return scoring.load_rubric(rubric if os.path.isfile(rubric) else None, homeworks.get(name))


def grade_submission(root, argv, start):
    """results.json's content for the file handed in under `root`/submission."""
    homework = homework_of(argv)
    submission_folder = os.path.join(root, "submission")
    files = sorted(os.listdir(submission_folder))
    handout = homework.submission_name
    preferred = [handout, handout.replace(".py", ".ipynb")] + \
        [name for name in files if name.endswith(".py")] + \
        [name for name in files if name.endswith(".ipynb")]
    chosen = next((name for name in preferred if name in files), None)
    if chosen is None:
        return no_grade(f"No .py or .ipynb file was submitted: hand in {handout}.")
    with tempfile.TemporaryDirectory(prefix="gradescope-") as out:
        path = os.path.join(submission_folder, chosen)
        try:
            grade.main([path, "--out", out, "--workers", "1", "--sandbox", "user", *argv])
        except SystemExit as stop:
            if stop.code:
                return no_grade("The autograder could not grade this file; tell your "
                                "instructor.")
        handouts = [homeworks.get(name).submission_name for name in homeworks.HOMEWORKS]
        result = results.read_result(os.path.join(out, "results", student_name(
            path, handouts) + ".json"), homework.check_names)
        if result is None:
            return no_grade("The autograder could not grade this file; tell your instructor.")
        return results_json(result, scoring.scored(result, homework),
                            time.perf_counter() - start, homework)


def main():
    root, argv = sys.argv[1], sys.argv[2:]
    results_folder = os.path.join(root, "results")
    os.makedirs(results_folder, exist_ok=True)
    start = time.perf_counter()
    output = no_grade("The autograder stopped before it could grade this file; tell your "
                      "instructor.")
    try:
        output = grade_submission(root, argv, start)
    finally:  # whatever happened, Gradescope reads the grader's own results.json
        results.write_atomically(os.path.join(results_folder, "results.json"),
                                json.dumps(output, indent=2))
        print(f"results.json written to {results_folder}")


if __name__ == "__main__":
    main()
