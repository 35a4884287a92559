"""The class's roster (--roster students.csv): who should have handed something in.

A CSV file with a header: an id column ("id", "student", "student_id" or "sid": the name the
student's file has, as in grades.csv), a "name" and, optionally, an "email" ("e-mail", "mail"),
"section", "login" (a Canvas SIS Login ID) and "canvas_id" (Canvas's own user ID).  Every student
on it gets a row of the report; one who handed nothing in gets 0 and "nothing handed in".  A file
whose name is no id on the roster is graded all the same and listed for the instructor with the
roster's closest ids and names (difflib): it is never matched to anyone by a guess.
"""

import csv
import difflib

from grader.reports.story import NO_FILE_UNDER_ID, NOTHING_HANDED_IN
from grader.safe_text import text

COLUMNS = {"id": ("id", "student", "student_id", "student id", "sid"),
           "name": ("name", "full name", "student name"),
           "email": ("email", "e-mail", "mail", "email address"),
           "section": ("section",), "login": ("login", "sis login id"),
           "canvas_id": ("canvas_id", "canvas id")}


class RosterError(ValueError):
    """A roster or adjustments file that cannot be used (the message says why)."""


def read_table(path, what, required):
    """The rows of the CSV file at `path` as dicts of the COLUMNS it has (`required`: those
    it must have); RosterError where it cannot be read."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            rows = list(csv.reader(file))
    except UnicodeDecodeError:
        raise RosterError(f"the {what} {path} is not UTF-8 text: save it as \"CSV UTF-8\" "
                          "(Excel) or with the UTF-8 character set") from None
    except (OSError, csv.Error) as error:
        raise RosterError(f"cannot read the {what} {path} ({type(error).__name__}: "
                          f"{getattr(error, 'strerror', None) or error})") from None
    if not rows:
        raise RosterError(f"the {what} {path} is empty: write a header line first")
    header = [cell.strip().lower() for cell in rows[0]]
    columns = {key: header.index(name) for key, names in COLUMNS.items() for name in names
               if name in header}
    columns.update({key: header.index(key) for key in required if key in header})
    absent = [key for key in required if key not in columns]
    if absent:
        raise RosterError(f"the {what} {path} has no {' or '.join(absent)} column: its first "
                          f"line must name the columns ({', '.join(required)})")
    table = []
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        table.append({key: text(row[index].strip(), 200) if index < len(row) else ""
                      for key, index in columns.items()} | {"line": number})
    return table


def read_roster(path):
    """[{"id", "name", "email", ...}] in the roster's order; RosterError for a file that cannot
    be used (no id column, an empty or repeated id)."""
    roster, seen = [], set()
    for entry in read_table(path, "roster", ("id",)):
        if not entry["id"]:
            raise RosterError(f"line {entry['line']} of the roster {path} has no id")
        if not all(character.isalnum() or character in "._-" for character in entry["id"]) or \
                entry["id"].startswith((".", "-")):
            raise RosterError(f"line {entry['line']} of the roster {path}: the id {entry['id']!r} "
                              "cannot be a file's name (letters, digits and ._- only)")
        if entry["id"] in seen:
            raise RosterError(f"the roster {path} names {entry['id']} twice (line "
                              f"{entry['line']})")
        seen.add(entry["id"])
        roster.append(entry)
    return roster


def closest(student, roster, count=3):
    """The roster's ids (with their names) closest to a file's name, closest first."""
    labels = {entry["id"]: entry for entry in roster}
    by_name = {entry.get("name", "").lower(): entry["id"] for entry in roster if entry.get("name")}
    found = difflib.get_close_matches(student, list(labels), count, 0.6)
    found += [by_name[name] for name in difflib.get_close_matches(student.lower(), list(by_name),
                                                                  count, 0.6)]
    found = list(dict.fromkeys(found))[:count]
    return [f"{key} ({labels[key]['name']})" if labels[key].get("name") else key
            for key in found]


def missing_row(entry, settings, near_miss=()):
    """The result of a roster student with no file under their id: nothing graded.  `near_miss`:
    the files on no roster line whose names come closest to this id (said, never matched)."""
    return {"student": entry["id"], "file": "", "sha256": "", "settings": settings,
            "seconds": 0.0, "checks": [], "accuracy": None,
            "error": NO_FILE_UNDER_ID if near_miss else NOTHING_HANDED_IN,
            "not_gradable": None, "network": None, "missing": True,
            "near_miss": list(near_miss)}


def with_roster(results, roster, settings):
    """(results with a row for every roster student who handed nothing in, the files whose
    name is no roster id [(student, [closest roster students])])."""
    if roster is None:
        return list(results), []
    graded = {result["student"] for result in results}
    ids = {entry["id"] for entry in roster}
    unmatched = [(student, closest(student, roster)) for student in sorted(graded - ids)]
    near_misses = {}  # roster id -> the files on no roster line that come closest to it
    for student, near in unmatched:
        for label in near:
            near_misses.setdefault(label.split(" ")[0], []).append(student)
    rows = list(results) + [missing_row(entry, settings, near_misses.get(entry["id"], ()))
                            for entry in roster if entry["id"] not in graded]
    return rows, unmatched


def people(roster):
    """id -> the roster's entry."""
    return {entry["id"]: entry for entry in roster or []}
