"""Manual adjustments (--adjustments adjustments.csv): points the instructor adds or takes away by
hand, each with its reason, applied after grading.

A CSV file with a header naming a "student" column (the id, as in grades.csv), "points" (+5,
-2.5) and "reason".  Adjustments are never written into a student's result: they are applied
each time the report is written, so a regrade keeps them.  The grader keeps a copy of the last
file given in --out (adjustments.csv) and uses it when a later run gives none.
"""

import math

from grader.reports.roster import RosterError, closest, read_table


def read_adjustments(path):
    """{student: [{"points", "reason"}]} in the file's order; RosterError for a file that cannot
    be used (a line with no student, points that are not a number, no reason)."""
    adjustments = {}
    for entry in read_table(path, "adjustments file", ("student", "points", "reason")):
        where = f"line {entry['line']} of the adjustments file {path}"
        try:
            points = float(entry["points"].replace("+", "", 1))
        except ValueError:
            points = math.nan
        if not entry["student"] or not math.isfinite(points):
            raise RosterError(f"{where}: give a student and a number of points (like +5 or -2.5)")
        if not entry["reason"]:
            raise RosterError(f"{where}: give the reason, which the student's page shows")
        adjustments.setdefault(entry["student"], []).append(
            {"points": points, "reason": entry["reason"]})
    return adjustments


def apply(rows, adjustments, roster=None):
    """Each row's "auto_score" (the grader's) and "score" (with its adjustments); the students
    adjusted but in no row [(student, [closest])], whose adjustments count for no one."""
    known = {row["student"] for row in rows}
    for row in rows:
        row["auto_score"] = row["score"]
        row["adjustments"] = list((adjustments or {}).get(row["student"], []))
        if row["adjustments"]:
            row["score"] = round(row["score"] + sum(item["points"]
                                                    for item in row["adjustments"]), 2)
    names = roster or [{"id": student, "name": ""} for student in sorted(known)]
    return [(student, closest(student, names))
            for student in sorted(set(adjustments or {}) - known)]
