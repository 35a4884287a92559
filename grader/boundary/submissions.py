"""What students handed in, read as hostile data: who each file belongs to, whether it can be
graded at all, and its code.

A class folder holds one file (or one folder) per student.  Every file gets a row: a link, a
pipe, a file of megabytes or a file that is not Python is "not graded" with its reason, never
followed or read whole.  The code the stages grade is the file itself, or a notebook's code
cells (boundary.notebooks).
"""

import hashlib
import os
import stat

from grader.boundary.model_configs import open_written_file
from grader.boundary.notebooks import NotANotebook, notebook_code
from grader.safe_text import text


class NoSubmissions(ValueError):
    """The paths given hold nothing to grade (the message says which)."""


MAX_SUBMISSION_BYTES = 1_000_000  # the homework is a page of Python


def inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


MAX_NAME = 80  # characters of a student id: results/<id>.json must be a legal file name


def student_name(path, handouts=()):
    """The file name's stem, or its folder's name for a file named like a handout (`handouts`:
    their file names): letters, digits and "._-" only, at most MAX_NAME characters (a long name
    keeps a hash of the rest)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem in {os.path.splitext(name)[0] for name in handouts}:
        stem = os.path.basename(os.path.dirname(os.path.abspath(path)))
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "._-") or
                      c.isalnum() and c.isprintable() else "_" for c in stem).lstrip(".-")
    if len(cleaned) > MAX_NAME:
        digest = hashlib.sha256(stem.encode(errors="surrogateescape")).hexdigest()[:8]
        cleaned = cleaned[:MAX_NAME - 9] + "-" + digest
    return cleaned or "student"


NOT_HANDED_IN = {".DS_Store", "Thumbs.db", "desktop.ini"}  # what file managers leave behind


def handed_in(folder):
    """Every file under `folder` that a student could have handed in: each gets a row."""
    found = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        found += [os.path.join(root, name) for name in sorted(names)
                  if name not in NOT_HANDED_IN and not name.endswith(".pyc")]
    return found


def collect_submissions(paths, handouts=()):
    """(student id, file) pairs, each id unique and safe as a file name; NoSubmissions where a
    path is missing or an empty folder.  `handouts`: see student_name()."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            found = handed_in(path)
            if not found:
                raise NoSubmissions(f"{path} holds no file to grade")
            files += found
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise NoSubmissions(f"{path} does not exist")
    submissions, taken = [], set()
    for path in files:
        student = unique = student_name(path, handouts)
        number = 2
        while unique in taken:
            unique, number = f"{student}-{number}", number + 1
        taken.add(unique)
        submissions.append((unique, os.path.abspath(path)))
    return submissions


def submission_problem(path):
    """Why a submitted path cannot be graded (None when it is a plain .py file of a sensible
    size): a student's archive can hold links to other files, or pipes that never end."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".py", ".ipynb"):
        return (f"not a Python file ({text(extension or 'no extension', 20)}): not "
                "graded; hand in the homework's .py file (or its notebook, .ipynb)")
    try:
        info = os.lstat(path)
    except OSError as error:
        return f"cannot read the file ({error.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link, not a file: not graded (hand in the file itself)"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file: not graded"
    if info.st_size > MAX_SUBMISSION_BYTES:
        return (f"a file of {info.st_size:,} bytes, more than a homework needs: not graded "
                "automatically")
    return None


def submitted_code(path, raw):
    """(the Python source the stages grade, [IPython-only lines left out]) of a file handed
    in: a .py as it is, a notebook's code cells joined (NotANotebook where it is none)."""
    if path.lower().endswith(".ipynb"):
        return notebook_code(raw)
    return raw, []


def code_files_for_similarity(paths, folder):
    """The code of each file in `paths` (student -> file handed in) that the grader grades,
    copied into `folder` (a notebook's code cells as Python): only plain files of at most
    MAX_SUBMISSION_BYTES, read without following a link or blocking, reach the comparison."""
    compared = {}
    for student, path in paths.items():
        if submission_problem(path):
            continue  # a link, a pipe, a huge file, no Python: not graded, not compared
        code = read_submission(path)
        if path.lower().endswith(".ipynb"):
            try:
                code, _ = notebook_code(code)
            except NotANotebook:
                continue
        compared[student] = os.path.join(folder, student + ".py")
        with open(compared[student], "wb") as file:
            file.write(code)
    return compared


def read_submission(path):
    """The submitted file's bytes, read without following links or blocking (b"" if none)."""
    file = open_written_file(path, MAX_SUBMISSION_BYTES)
    if file is None:
        return b""
    with file:
        return file.read()
