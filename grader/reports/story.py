"""One story for the whole report: the class's ranking, why each student lost points and what the
grader noticed about each file, computed once here and told the same way by summary.md,
class.png, grades.csv and every student's page.

A row is a result with its scores (grader.scoring.scored) and, where the instructor gave them, a
roster's name and e-mail and manual adjustments: its "score" is then the final score and
"auto_score" the grader's own.
"""

import collections

from grader.homeworks import ACCURACY_TEST
from nnlab.i18n import N_, _

NOTHING_HANDED_IN = N_("nothing handed in")
# a student with no file under their id, but a file on no roster line comes close to it
NO_FILE_UNDER_ID = N_("no file under this id")
NOT_GRADED = N_("not graded in full")
ADJUSTMENT = N_("adjustment")


def final_score(row):
    return row["score"]


def ranked(rows):
    """`rows` best first, each with its "rank": the final score, then the test accuracy, then
    the student id decide (a student who handed nothing in is last)."""
    order = sorted(rows, key=lambda row: (row.get("missing", False), -final_score(row),
                                          -(row.get("accuracy") or -1), row["student"]))
    for rank, row in enumerate(order, 1):
        row["rank"] = rank
    return order


def graded_in_full(row):
    return not (row.get("missing") or row.get("not_gradable") or row.get("error"))


def points_lost(row):
    """[(what, points lost, why)] for every part of the rubric that cost `row` points, in the
    rubric's order and the accuracy's last, then the adjustments that took points away.  A file
    that could not be graded loses everything for one reason: that one."""
    if row.get("missing") and row.get("near_miss"):
        return [(NO_FILE_UNDER_ID, row["max_score"],
                 _("perhaps the file {files}, whose name is on no roster line: rename it to this "
                   "id and grade again").format(files=", ".join(row["near_miss"])))]
    if row.get("missing"):
        return [(NOTHING_HANDED_IN, row["max_score"], _("no file of this student was graded"))]
    lost = []
    if not graded_in_full(row):
        problem = row.get("not_gradable") or row.get("error")
        lost.append((NOT_GRADED, None, problem))
    for test in row["tests"]:
        missing = round(test["max_score"] - test["score"], 2)
        if missing <= 0 or test["output"].startswith("not "):
            continue  # "not checked" / "not measured": the problem above says why
        lost.append((test["name"], missing, test["output"]))
    lost += [(ADJUSTMENT, -adjustment["points"], adjustment["reason"])
             for adjustment in row.get("adjustments") or [] if adjustment["points"] < 0]
    return lost


def why_text(row):
    """The one-line reasons summary.md and grades.csv give for `row`'s lost points."""
    parts = []
    for what, points, why in points_lost(row):
        if what == NOTHING_HANDED_IN:
            parts.append(NOTHING_HANDED_IN)
        elif what == NO_FILE_UNDER_ID:
            parts.append(f"{what}: {why}")
        elif points is None:
            parts.append(why)
        else:
            parts.append(f"{what} (-{points:g}): {why}")
    return "; ".join(parts) or "none"


def lost_counts(rows):
    """How many students lost points on each part of the rubric (the test accuracy included),
    how many files could not be graded (by the problem's first words) and how many students
    handed nothing in: the counts summary.md lists and class.png draws, most common first."""
    counts = collections.Counter()
    for row in rows:
        for what, _points, why in points_lost(row):
            if what == NOT_GRADED:
                counts["not graded: " + why.split(":")[0]] += 1
            elif what != ADJUSTMENT:
                counts[what] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def noticed(row):
    """What the grader noticed about a file, for the student's page and the summary: lines it
    could not run or left out, lines held for the instructor's review, what the sandbox
    stopped."""
    notes = [_("left out or not run: {problem}").format(problem=problem)
             for problem in row.get("problems") or []]
    notes += [_("held for your instructor's review: {line}").format(line=flag)
              for flag in row.get("review") or []]
    notes += [_("the sandbox stopped: {what}").format(what=flag)
              for flag in row.get("tripwire") or []]
    return notes


def accuracy_sentence(row, homework):
    """What the accuracy points came to, in words: what was earned, what was lost and why."""
    test = next(test for test in row["tests"] if test["name"] == ACCURACY_TEST)
    lost = round(test["max_score"] - test["score"], 2)
    if row.get("missing"):
        return _("No accuracy points: nothing was handed in.")
    if lost <= 0:
        return _("All {points} accuracy points: {output}.").format(
            points=f"{test['max_score']:g}", output=test["output"])
    rule = homework.accuracy
    if row.get("accuracy") is not None and not row.get("review"):
        return _("{score} of the {points} accuracy points, {lost} lost: the test accuracy "
                 "{accuracy} is below the {full} that earns them all (none below {zero}).").format(
            score=f"{test['score']:g}", points=f"{test['max_score']:g}", lost=f"{lost:g}",
            accuracy=f"{row['accuracy']:.4f}", full=f"{rule.full_marks_at:.2f}",
            zero=f"{rule.zero_at:.2f}")
    return _("{score} of the {points} accuracy points: {output}.").format(
        score=f"{test['score']:g}", points=f"{test['max_score']:g}", output=test["output"])
