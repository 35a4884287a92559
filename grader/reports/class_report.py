"""The class's report: grades.csv, grades.json and summary.md (with class.png, similarity.csv, the
students' pages and, when asked, the files Canvas and Moodle import).

Everything a submission could have influenced (its name, its output, the error texts it
provoked) was checked for type and length where it entered; here every CSV cell is also
neutralised against spreadsheet formulas and every Markdown text escaped where it would change
the rendering.  The ranking, the reasons points were lost and what the grader noticed come from
grader.reports.story, so that every output tells them the same way.  Files are written
atomically: a crash never leaves a half-written or empty file behind.
"""

import collections
import csv
import dataclasses
import io
import json
import os
import statistics

from grader.costs import format_duration, format_rate
from grader.homeworks import ACCURACY_TEST
from grader.reports import adjustments as manual
from grader.reports import exports, story
from grader.reports import feedback as feedback_pages
from grader.reports import pictures, roster as class_roster, similarity
from grader.results import write_atomically
from grader.safe_text import markdown_cell, markdown_text, spreadsheet_safe, text
from grader.scoring import scored


@dataclasses.dataclass(frozen=True)
class Instructor:
    """What the instructor adds to the grader's results: the roster (read_roster), manual
    adjustments (read_adjustments), the LMS files to write and the assignment's name in them;
    `handed_in`: the ids of every file handed in (graded or not yet)."""
    roster: list = None
    adjustments: dict = None
    exports: tuple = ()
    assignment: str = None
    handed_in: frozenset = None


def class_rows(results, homework, settings, instructor):
    """(rows best first, files on no roster, adjustments of no one): every result scored, a row
    for each roster student who handed nothing in, adjustments applied, ranked."""
    handed_in = instructor.handed_in or frozenset()
    waiting = handed_in - {result["student"] for result in results}  # still being graded
    entries = [entry for entry in instructor.roster or [] if entry["id"] not in waiting]
    rows, unmatched = class_roster.with_roster(
        results, entries if instructor.roster is not None else None, settings)
    rows = [dict(row, **scored(row, homework)) for row in rows]
    unknown = manual.apply(rows, instructor.adjustments, instructor.roster)
    people = class_roster.people(instructor.roster)
    for row in rows:
        if people.get(row["student"], {}).get("name"):
            row["name"] = people[row["student"]]["name"]
    return story.ranked(rows), unmatched, unknown


def write_report(folder, results, homework, settings, sandbox_note=None, similar=None,
                 feedback=False, run_info=None, instructor=None):
    """grades.csv, grades.json and summary.md for every finished submission so far;
    similarity.csv and its section of summary.md when `similar` (pairs) is given, with
    class.png; every student's feedback/ page when `feedback`; `run_info`: what the run cost
    (its estimate and its real time); `instructor`: an Instructor (roster, adjustments,
    exports)."""
    instructor = instructor or Instructor()
    rows, unmatched, unknown = class_rows(results, homework, settings, instructor)
    networks = collections.Counter(network_of(row) for row in rows)
    for row in rows:
        if network_of(row):
            row["same_network_as"] = networks[network_of(row)] - 1
    drawn = similar is not None and pictures.class_picture(rows, homework,
                                                           os.path.join(folder, "class.png"))
    summary = _summary(rows, homework, settings, sandbox_note, bool(drawn))
    summary += roster_section(rows, unmatched, unknown, instructor)
    summary += cost_section(run_info)
    if drawn:
        summary += "\n![The class: scores in rank order, where points were lost](class.png)\n"
    if feedback:
        feedback_pages.write_pages(os.path.join(folder, "feedback"), rows, homework, settings)
        summary += ("\nEvery student's own page is in feedback/ (STUDENT.md and STUDENT.html), "
                    "ready to send.\n")
    if similar is not None:
        write_atomically(os.path.join(folder, "similarity.csv"), similarity.similarity_csv(similar))
        summary += "\n".join(similarity.summary_section(similar, len(rows))) + "\n"
    written = exports.write_exports(folder, instructor.exports, rows,
                                    class_roster.people(instructor.roster),
                                    instructor.assignment or homework.title)
    if written:
        summary += (f"\nFor the course site: {', '.join(written)} (see the README for how to "
                    "import them).\n")
    summary += legend_section(homework)
    write_atomically(os.path.join(folder, "grades.json"), json.dumps(
        {"settings": settings, "rubric": homework.rubric(), "sandbox": sandboxes(rows),
         "warning": sandbox_note, "run": run_info or {}, "submissions": rows,
         "not_on_roster": [{"student": student, "closest": near} for student, near in unmatched],
         "adjustments_of_no_one": [student for student, _ in unknown]}, indent=2))
    write_atomically(os.path.join(folder, "grades.csv"), _csv(rows, homework))
    write_atomically(os.path.join(folder, "summary.md"), summary)


def roster_section(rows, unmatched, unknown, instructor):
    """summary.md's lines on the roster and the adjustments: who handed nothing in, which files
    match no one, which adjustments count for no one."""
    lines = []
    if instructor.roster is not None:
        missing = [row for row in rows if row.get("missing") and not row.get("near_miss")]
        near = [row for row in rows if row.get("missing") and row.get("near_miss")]
        lines += ["", "## The roster", "",
                  f"{len(instructor.roster)} students on the roster; "
                  f"{len(missing)} handed nothing in (0 points, ranked last); "
                  f"{len(near)} with no file under their id but a file whose name comes close; "
                  f"{len(unmatched)} file{'s' if len(unmatched) != 1 else ''} whose name is on "
                  "no roster line (graded, but matched to no one: rename the file or fix the "
                  "roster, then run --report-only).", ""]
        lines += [f"- nothing handed in: {markdown_text(row['student'])}"
                  + (f" ({markdown_text(row['name'])})" if row.get("name") else "")
                  for row in missing]
        lines += [f"- no file under this id: {markdown_text(row['student'])}"
                  + (f" ({markdown_text(row['name'])})" if row.get("name") else "")
                  + f"; perhaps the file of {markdown_text(', '.join(row['near_miss']))} "
                  "(not matched: rename it to the id, then run --report-only)"
                  for row in near]
        lines += [f"- not on the roster: {markdown_text(student)}; closest: "
                  + (markdown_text(", ".join(near)) if near else "none")
                  for student, near in unmatched]
    adjusted = [row for row in rows if row.get("adjustments")]
    if adjusted or unknown:
        lines += ["", "## Manual adjustments", "",
                  f"{len(adjusted)} student{'s' if len(adjusted) != 1 else ''} adjusted by hand "
                  "(applied after grading, kept across regrades):", ""]
        lines += [f"- {markdown_text(row['student'])}: {row['auto_score']:g} → {row['score']:g} "
                  f"({markdown_text(adjustment_text(row))})" for row in adjusted]
        lines += [f"- for no one: {markdown_text(student)}; closest: "
                  + (markdown_text(", ".join(near)) if near else "none")
                  for student, near in unknown]
    return "\n".join(lines) + ("\n" if lines else "")


def adjustment_text(row):
    return "; ".join(f"{item['reason']} ({item['points']:+g})" for item in row.get("adjustments")
                     or [])


SANDBOX_NAMES = {"bwrap": "bubblewrap", "user": "an unprivileged user of its own",
                 "landlock": "Landlock", "process": "NOT confined (--unconfined)"}


def cost_section(run_info):
    """summary.md's lines on what training the class cost: the estimate said before training
    and the time it really took."""
    if not run_info or not run_info.get("distinct_networks"):
        return ""
    lines = ["", "## What training cost", "",
             f"{run_info['distinct_networks']} distinct networks, {run_info['to_train']} trained "
             f"in this run, {run_info['from_cache']} known from the trainings cache."]
    if run_info.get("estimated_seconds") is not None:
        lines.append(f"Estimated before training: {format_duration(run_info['estimated_seconds'])} "
                     f"on the {text(run_info.get('device', 'CPU'), 20)} (a throughput of "
                     f"{format_rate(run_info['throughput'])} of training a worker, measured).")
    if run_info.get("training_seconds") is not None:
        lines.append(f"Training took {format_duration(run_info['training_seconds'])}; the whole "
                     f"run {format_duration(run_info.get('seconds', 0))}.")
    return "\n".join(lines) + "\n"


def sandboxes(rows):
    """What confined the class's stages, from each result's own record: "bubblewrap (12)"."""
    modes = collections.Counter(row.get("sandbox") for row in rows if row.get("sandbox"))
    return ", ".join(f"{SANDBOX_NAMES.get(mode, text(mode, 20))} ({count})"
                     for mode, count in sorted(modes.items())) or "none (nothing ran)"


def network_of(row):
    """The key of the network a result was trained as (None: no network named)."""
    return (row.get("network") or {}).get("sha256")


def networks_section(rows):
    """summary.md's table of the distinct networks the class built, most common first."""
    groups = collections.defaultdict(list)
    for row in rows:
        if network_of(row):
            groups[network_of(row)].append(row)
    if not groups:
        return []
    lines = ["", "## Distinct networks", "",
             f"{len(groups)} distinct network{'s' if len(groups) != 1 else ''}, each trained once "
             "(the same network gets the same accuracy, however it was written):", "",
             "| network | layers | submissions | accuracy |", "| --- | --- | --- | --- |"]
    for network, members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        accuracy = members[0].get("accuracy")
        shown = "–" if accuracy is None else f"{accuracy:.4f}"
        label = markdown_cell(members[0]["network"]["hash"], 20)
        lines.append(f"| `{label}` | {markdown_cell(members[0]['network']['description'], 200)} "
                     f"| {len(members)} | {shown} |")
    return lines


def csv_columns(homework):
    """grades.csv's columns: [(short name, what it holds)], in order."""
    kinds = [(check.kind, check.name) for check in homework.checks] + [("accuracy", ACCURACY_TEST)]
    return ([("student", "the student's id (the file's name)"),
             ("rank", "place in the class, as summary.md ranks it (final score, then test "
                      "accuracy)"),
             ("name", "the roster's name"), ("file", "the file graded"),
             ("auto", "the grader's score"), ("adjust", "points added or taken by hand"),
             ("score", "the final score: auto + adjust"), ("max", "the maximum score"),
             ("accuracy", "the test accuracy"), ("network", "the network's label"),
             ("seconds", "seconds grading took")]
            + [(f"pts_{kind}", f"points for: {name}") for kind, name in kinds]
            + [("lost", "why points were lost, as in summary.md"),
               ("noticed", "what the grader noticed about the file"),
               ("adjust_why", "the reasons for the adjustments"),
               ("error", "why the file could not be graded in full")]
            + [(f"why_{kind}", f"the grader's words on: {name}") for kind, name in kinds]
            + [("output", "the end of what the file printed")])


def legend_section(homework):
    lines = ["", "## Columns of grades.csv", "", "| column | holds |", "| --- | --- |"]
    lines += [f"| {short} | {markdown_cell(meaning, 200)} |"
              for short, meaning in csv_columns(homework)]
    return "\n".join(lines) + "\n"


def _csv(rows, homework):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([short for short, _ in csv_columns(homework)])
    for row in rows:
        accuracy = "" if row.get("accuracy") is None else f"{row['accuracy']:.4f}"
        adjust = row["score"] - row["auto_score"]
        cells = ([row["student"], row["rank"], row.get("name", ""), row["file"],
                  f"{row['auto_score']:g}", f"{adjust:g}" if row.get("adjustments") else "",
                  f"{row['score']:g}", f"{row['max_score']:g}", accuracy,
                  (row.get("network") or {}).get("hash") or "", f"{row.get('seconds', 0):.1f}"]
                 + [f"{test['score']:g}" for test in row["tests"]]
                 + [story.why_text(row), "; ".join(story.noticed(row)), adjustment_text(row),
                    row.get("not_gradable") or row.get("error") or ""]
                 + [test["output"] for test in row["tests"]]
                 + [(row.get("output_tail") or "")[-500:]])
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()



def _summary(rows, homework, settings, sandbox_note, picture=False):
    title = f"# {homework.title}: grades"
    warning = [f"> **Warning**: {sandbox_note}", ""] if sandbox_note else []
    if not rows:
        return "\n".join([title, ""] + warning + ["No submission graded yet."]) + "\n"
    scores = [row["score"] for row in rows]
    maximum = rows[0]["max_score"]
    files = [row for row in rows if not row.get("missing")]
    count = f"{len(files)} submission{'s' if len(files) != 1 else ''}"
    lines = [title, ""] + warning + [
        f"{count} graded with {json.dumps(settings)}.", "",
        f"Each submission's code ran in: {markdown_text(sandboxes(rows))}.", "",
        f"Final scores of {len(rows)} students out of {maximum:g}: mean "
        f"{statistics.mean(scores):.1f}, median {statistics.median(scores):.1f}, lowest "
        f"{min(scores):g}, highest {max(scores):g}.",
        "", "| score | students |", "| --- | --- |"]
    bands = collections.Counter(max(0, min(9, int(10 * score / maximum))) if maximum else 0
                                for score in scores)
    for band in range(9, -1, -1):
        low = band * maximum / 10
        high = maximum if band == 9 else (band + 1) * maximum / 10
        lines.append(f"| {low:g}–{high:g} | {bands.get(band, 0)} |")

    lines += ["", "## Where points were lost", "",
              "Students who lost points on each part of the rubric"
              + (" (as class.png draws it):" if picture else ":"), ""]
    lines += [f"- {markdown_cell(name)}: {count} of {len(rows)}"
              for name, count in story.lost_counts(rows)]
    lines += [] if story.lost_counts(rows) else ["- none"]

    review = [row for row in rows if row.get("not_gradable") or row.get("review")
              or row.get("tripwire")]
    if review:
        lines += ["", "## For the instructor to look at", "",
                  "Not graded automatically (no accuracy points), or written to do what a "
                  "model builder has no reason to do (accuracy points held back until you "
                  "look), or stopped by the sandbox:", ""]
        for row in review:
            what = "; ".join(filter(None, [row.get("not_gradable")] + (row.get("review") or [])
                                    + [f"sandbox: {flag}" for flag in row.get("tripwire") or []]))
            lines.append(f"- {markdown_cell(row['student'], 60)}: {markdown_cell(what, 400)}")
    noticed = [row for row in rows if row.get("problems")]
    if noticed:
        lines += ["", "## Noticed in the files", "",
                  "Lines the grader left out or could not run (it graded the rest; each "
                  "student's page says so too):", ""]
        lines += [f"- {markdown_cell(row['student'], 60)}: "
                  f"{markdown_cell('; '.join(row['problems']), 400)}" for row in noticed]

    lines += networks_section(rows)
    lines += ["", "## The class, ranked", "",
              "Best final score first (then test accuracy): the order of "
              + ("class.png and of " if picture else "") + "the rank column of grades.csv.", "",
              "| rank | student | score | accuracy | why points were lost |",
              "| --- | --- | --- | --- | --- |"]
    for row in rows:
        accuracy = "–" if row.get("accuracy") is None else f"{row['accuracy']:.4f}"
        adjusted = row["score"] - row["auto_score"]
        score = f"{row['score']:g}" + (f" ({row['auto_score']:g} {adjusted:+g})"
                                       if row.get("adjustments") else "")
        lines.append(f"| {row['rank']} | {markdown_cell(row['student'], 60)} | {score} | "
                     f"{accuracy} | {markdown_cell(story.why_text(row), 300)} |")
    return "\n".join(lines) + "\n"
