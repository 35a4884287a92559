"""Grades a learning-management system imports (--export canvas, --export moodle).

Canvas (Grades > Import): a CSV whose first columns are "Student", "ID", "SIS User ID",
"SIS Login ID" and "Section", then one column per assignment; Canvas finds each student by ID,
SIS User ID or SIS Login ID, and a column named like no assignment creates one.  Moodle
(Grades > Import > CSV file): any header; on import the instructor maps one identifying column
("Map from") to a user field ("Map to": email address, ID number or username) and the grade
column to a grade item.  Both files come from the roster where one was given (Student: its name,
SIS User ID and ID number: its id, SIS Login ID: its login or else its e-mail, Section, ID: its
canvas_id); without one, the ids of the files are all they know.  Every cell is made safe for a
spreadsheet.
"""

import csv
import io
import os

from grader.results import write_atomically
from grader.safe_text import spreadsheet_safe

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["ID number", "Email address", "Full name"]
FORMATS = ("canvas", "moodle")


def _csv(header, lines):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for line in lines:
        writer.writerow([spreadsheet_safe(cell) for cell in line])
    return out.getvalue()


def canvas_csv(rows, people, assignment):
    """The Canvas gradebook import of `rows` (best first), the final score in `assignment`."""
    lines = []
    for row in rows:
        entry = people.get(row["student"], {})
        lines.append([entry.get("name") or row["student"], entry.get("canvas_id", ""),
                      row["student"], entry.get("login") or entry.get("email", ""),
                      entry.get("section", ""), f"{row['score']:g}"])
    return _csv(CANVAS_HEADER + [assignment], lines)


def moodle_csv(rows, people, assignment):
    """The Moodle grade import of `rows`: an identifier to map from, and the final score."""
    lines = [[row["student"], people.get(row["student"], {}).get("email", ""),
              people.get(row["student"], {}).get("name", ""), f"{row['score']:g}"]
             for row in rows]
    return _csv(MOODLE_HEADER + [assignment], lines)


def write_exports(folder, formats, rows, people, assignment):
    """canvas.csv and/or moodle.csv in `folder`; the names of the files written."""
    written = []
    for name in formats:
        content = (canvas_csv if name == "canvas" else moodle_csv)(rows, people, assignment)
        write_atomically(os.path.join(folder, f"{name}.csv"), content)
        written.append(f"{name}.csv")
    return written
