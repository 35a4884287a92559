"""Escape (round 4): reads what the grader keeps, as a stage user could where nothing hides it:
the class listing and a classmate's file, the data and the grader's copy of it, the results
folder, the rubric and the trainings cache.  Raises with whatever it found."""
import gc
import glob
import os

found = []


def look(what, read):
    try:
        value = read()
        if value:
            found.append(f"{what}={str(value)[:40]!r}")
    except (OSError, ValueError):
        pass


def NN_model():
    for thing in gc.get_objects():  # the tripwire reports, the operating system must stop
        if type(thing).__name__ == "Tripwire":
            thing.refuse = lambda what: None
    look("class", lambda: sorted(os.listdir("@SUBMISSIONS@")))
    look("classmate", lambda: open("@SUBMISSIONS@/correct.py").read(200))
    look("data", lambda: open("@DATA@", "rb").read(8))
    look("results", lambda: os.listdir("@OUT@/results"))
    look("rubric", lambda: open("@RUBRIC@").read(200))
    look("cache", lambda: os.listdir("@CACHE@"))
    for copy in glob.glob("/tmp/grade-data-*/*") + glob.glob("/tmp/grade-*/stage/*.py"):
        if os.path.dirname(copy) != os.getcwd():  # another stage's folder, not its own
            look(copy, lambda: open(copy, "rb").read(8))
    raise ValueError("found: " + ", ".join(found) if found else "found nothing")
