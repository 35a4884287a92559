"""The class's report: grades.csv, grades.json and summary.md (with class.png, similarity.csv and
the students' pages).

Everything a submission could have influenced (its name, its output, the error texts it
provoked) was checked for type and length where it entered; here every CSV cell is also
neutralised against spreadsheet formulas and every Markdown text escaped.  Files are written
atomically: a crash never leaves a half-written or empty file behind.
"""

import collections
import csv
import io
import json
import os
import statistics

from grader.costs import format_duration, format_rate
from grader.homeworks import ACCURACY_TEST
from grader.reports import feedback as feedback_pages
from grader.reports import pictures, similarity
from grader.results import write_atomically
from grader.safe_text import markdown_cell, markdown_text, spreadsheet_safe, text
from grader.scoring import scored


def write_report(folder, results, homework, settings, sandbox_note=None, similar=None,
                 feedback=False, run_info=None):
    """grades.csv, grades.json and summary.md for every finished submission so far;
    similarity.csv and its section of summary.md when `similar` (pairs) is given, with
    class.png; every student's feedback/ page when `feedback`; `run_info`: what the run cost
    (its estimate and its real time)."""
    rows = sorted((dict(result, **scored(result, homework)) for result in results),
                  key=lambda row: row["student"])
    networks = collections.Counter(network_of(row) for row in rows)
    for row in rows:
        if network_of(row):
            row["same_network_as"] = networks[network_of(row)] - 1
    summary = _summary(rows, homework, settings, sandbox_note) + cost_section(run_info)
    if similar is not None:
        if pictures.class_picture(rows, homework, os.path.join(folder, "class.png")):
            summary += "\n![The class: scores, test accuracies, failed checks](class.png)\n"
    if feedback:
        feedback_pages.write_pages(os.path.join(folder, "feedback"), rows, homework, settings)
        summary += ("\nEvery student's own page is in feedback/ (STUDENT.md and STUDENT.html), "
                    "ready to send.\n")
    if similar is not None:
        write_atomically(os.path.join(folder, "similarity.csv"), similarity.similarity_csv(similar))
        summary += "\n".join(similarity.summary_section(similar, len(rows))) + "\n"
    write_atomically(os.path.join(folder, "grades.json"), json.dumps(
        {"settings": settings, "rubric": homework.rubric(), "sandbox": sandboxes(rows),
         "warning": sandbox_note, "run": run_info or {}, "submissions": rows}, indent=2))
    write_atomically(os.path.join(folder, "grades.csv"), _csv(rows, homework))
    write_atomically(os.path.join(folder, "summary.md"), summary)

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


def _csv(rows, homework):
    out = io.StringIO()
    writer = csv.writer(out)
    names = list(homework.check_names) + [ACCURACY_TEST]
    writer.writerow(["student", "file", "score", "max_score", "accuracy", "network", "seconds"]
                    + [f"{name} (points)" for name in names]
                    + [f"{name} (reason)" for name in names] + ["error", "output tail"])
    for row in rows:
        accuracy = "" if row.get("accuracy") is None else f"{row['accuracy']:.4f}"
        cells = ([row["student"], row["file"], row["score"], row["max_score"], accuracy,
                  (row.get("network") or {}).get("hash") or "", f"{row.get('seconds', 0):.1f}"]
                 + [test["score"] for test in row["tests"]]
                 + [test["output"] for test in row["tests"]]
                 + [row.get("not_gradable") or row.get("error") or "",
                    (row.get("output_tail") or "")[-500:]])
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()


def _summary(rows, homework, settings, sandbox_note):
    title = f"# {homework.title}: grades"
    warning = [f"> **Warning**: {sandbox_note}", ""] if sandbox_note else []
    if not rows:
        return "\n".join([title, ""] + warning + ["No submission graded yet."]) + "\n"
    scores = [row["score"] for row in rows]
    maximum = rows[0]["max_score"]
    count = f"{len(rows)} submission{'s' if len(rows) != 1 else ''}"
    lines = [title, ""] + warning + [
        f"{count} graded with {json.dumps(settings)}.", "",
        f"Each submission's code ran in: {markdown_text(sandboxes(rows))}.", "",
        f"Scores out of {maximum:g}: mean {statistics.mean(scores):.1f}, median "
        f"{statistics.median(scores):.1f}, lowest {min(scores):g}, highest {max(scores):g}.",
        "", "| score | submissions |", "| --- | --- |"]
    bands = collections.Counter(min(9, int(10 * score / maximum)) if maximum else 0
                                for score in scores)
    for band in range(9, -1, -1):
        low = band * maximum / 10
        high = maximum if band == 9 else (band + 1) * maximum / 10
        lines.append(f"| {low:g}–{high:g} | {bands.get(band, 0)} |")

    failures = collections.Counter()
    for row in rows:
        if row.get("error"):
            failures[row["error"].split(":")[0]] += 1
        for test in row["tests"]:
            if test["status"] == "failed" and not test["output"].startswith("not "):
                failures[test["name"]] += 1
    lines += ["", "## Most common failures", ""]
    lines += [f"- {markdown_cell(name)}: {count}" for name, count in failures.most_common(10)]
    lines += [] if failures else ["- none"]

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

    lines += networks_section(rows)
    lines += ["", "## Submissions, best test accuracy first", "",
              "| rank | student | score | accuracy | why points were lost |",
              "| --- | --- | --- | --- | --- |"]
    ranked = sorted(rows, key=lambda row: (-(row.get("accuracy") or -1), -row["score"],
                                           row["student"]))
    for rank, row in enumerate(ranked, 1):
        accuracy = "–" if row.get("accuracy") is None else f"{row['accuracy']:.4f}"
        lost = [f"{test['name']}: {test['output']}" for test in row["tests"]
                if test["status"] == "failed" and test["name"] != ACCURACY_TEST
                and not test["output"].startswith("not ")]
        problem = row.get("not_gradable") or row.get("error") or "; ".join(lost) or \
            ("accuracy held back for review" if row.get("review") else "–")
        lines.append(f"| {rank} | {markdown_cell(row['student'], 60)} | {row['score']:g} | "
                     f"{accuracy} | {markdown_cell(problem, 300)} |")
    return "\n".join(lines) + "\n"
