"""The rubric, validated results, and the class's report: grades.csv, grades.json, summary.md.

Everything a submission could have influenced (its name, its output, the error texts it
provoked) is checked for type and length before use, and every CSV cell is neutralised
against spreadsheet formulas.  Files are written atomically: a crash never leaves a
half-written or empty file behind.
"""

import collections
import csv
import io
import json
import math
import os
import statistics
import tempfile
import unicodedata

from grader.spec import ACCURACY_TEST, CHECK_NAMES

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_TEXT = 3000


def load_rubric(path):
    try:
        with open(path) as file:
            rubric = json.load(file)
        checks = {name: float(points) for name, points in rubric["checks"].items()}
        accuracy = {key: float(rubric["accuracy"][key])
                    for key in ("points", "zero_at", "full_marks_at")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise SystemExit(f"error: cannot use the rubric {path} ({type(error).__name__}: {error}): "
                         "start from grader/rubric.json") from None
    unknown = set(checks) - set(CHECK_NAMES)
    if unknown:
        raise SystemExit(f"error: the rubric {path} names unknown checks {sorted(unknown)}; "
                         f"the checks are: {', '.join(CHECK_NAMES)}")
    values = list(checks.values()) + list(accuracy.values())
    if not all(math.isfinite(value) and value >= 0 for value in values):
        raise SystemExit(f"error: in the rubric {path}, points and accuracies must be numbers "
                         "of 0 or more")
    if accuracy["full_marks_at"] <= accuracy["zero_at"]:
        raise SystemExit(f"error: in the rubric {path}, full_marks_at must be above zero_at")
    return {"checks": checks, "accuracy": accuracy}


def printable(value):
    """`value` with its control and format characters, line and paragraph separators and lone
    surrogates written out ("\\x1b", "\\u2028", "\\udcff"): a submission's text must not move
    the instructor's terminal cursor, retitle the window, reverse the order of what follows
    (bidirectional overrides) or stop a UTF-8 writer (a surrogate, legal in a Python string and
    as a JSON escape, is not UTF-8).  Newlines and tabs stay: see one_line()."""
    return "".join(character if character in "\n\t" or
                   unicodedata.category(character) not in ("Cc", "Cf", "Cs", "Zl", "Zp") else
                   (f"\\x{ord(character):02x}" if ord(character) < 0x100 else
                    f"\\u{ord(character):04x}") for character in value)


def text(value, limit=500):
    """A printable string for the report from anything, cut to `limit` characters."""
    value = printable(value if isinstance(value, str) else json.dumps(value, default=repr))
    return value if len(value) <= limit else value[:limit - 1] + "…"


def one_line(value, limit=500):
    """text() for the console: one line, its newlines and tabs written out too ("\\n"), so that
    no submission writes a line of its own into the grader's output; cut to `limit` (None:
    not cut)."""
    value = printable(value if isinstance(value, str) else json.dumps(value, default=repr))
    value = value.replace("\n", "\\n").replace("\t", "\\t")
    return value if limit is None or len(value) <= limit else value[:limit - 1] + "…"


def validated_records(records):
    """What the trusted stage reported, checked field by field: (fields, problem or None)."""
    fields = {"checks": [], "accuracy": None, "train_seconds": None, "error": None,
              "not_gradable": None, "network": None}
    for record in records:
        if not isinstance(record, dict) or not set(record) <= set(fields):
            return fields, "the grader received a malformed record"
        if "network" in record:
            network = valid_network(record["network"])
            if network is None:
                return fields, "the grader received a malformed network"
            fields["network"] = network
        checks = record.get("checks")
        if checks is not None:
            if not isinstance(checks, list) or not all(
                    isinstance(check, list) and len(check) == 3 and check[0] in CHECK_NAMES
                    and isinstance(check[1], bool) and isinstance(check[2], str)
                    for check in checks):
                return fields, "the grader received a malformed list of checks"
            fields["checks"] = [[name, passed, text(reason)] for name, passed, reason in checks]
        for name in ("accuracy", "train_seconds"):
            value = record.get(name)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                        not math.isfinite(value) or value < 0 or \
                        (name == "accuracy" and value > 1):
                    return fields, f"the grader received a malformed {name}"
                fields[name] = float(value)
        for name in ("error", "not_gradable"):
            if record.get(name) is not None:
                if not isinstance(record[name], str):
                    return fields, f"the grader received a malformed {name}"
                fields[name] = text(record[name])
    return fields, None


def network_label(key):
    """The short name a report shows for the network whose key (a full SHA-256 of its canonical
    description) is `key`: its first 12 hex digits.  Only a label: trainings and the cache are
    shared by the whole key, never by this."""
    return key[:12]


def valid_network(value):
    """A network as the trusted stage names it, {"sha256": the 64 hex digits of its canonical
    description, "description": text}, made safe and labelled ("hash"); else None."""
    if not isinstance(value, dict) or not isinstance(value.get("sha256"), str) or \
            not isinstance(value.get("description"), str) or len(value["sha256"]) != 64 or \
            any(character not in "0123456789abcdef" for character in value["sha256"]):
        return None
    return {"sha256": value["sha256"], "hash": network_label(value["sha256"]),
            "description": text(value["description"], 300)}


def valid_result(result):
    """Whether a results/<student>.json read back from disk can be reused."""
    try:
        return (isinstance(result, dict) and isinstance(result["student"], str)
                and isinstance(result["sha256"], str) and isinstance(result["settings"], dict)
                and validated_records([{key: result.get(key) for key in
                                        ("checks", "accuracy", "error", "not_gradable")}])[1]
                is None and isinstance(result.get("seconds", 0), (int, float))
                and (result.get("network") is None or valid_network(result["network"])))
    except (KeyError, TypeError):
        return False


def scored(result, rubric):
    """Gradescope-style fields for one graded submission: score, max_score and tests."""
    passed = {name: (ok, reason) for name, ok, reason in result.get("checks") or []}
    why_not = result.get("not_gradable") or result.get("error") or "NN_model() gave no model"
    tests = []
    for name in CHECK_NAMES:
        points = rubric["checks"].get(name, 0.0)
        ok, reason = passed.get(name, (False, "not checked: " + why_not))
        tests.append({"name": name, "score": points if ok else 0.0, "max_score": points,
                      "status": "passed" if ok else "failed", "output": reason})
    rule = rubric["accuracy"]
    accuracy = result.get("accuracy")
    if result.get("review"):
        fraction = 0.0
        output = ("held back for the instructor's review: " + "; ".join(result["review"][:3])
                  + (f" (accuracy {accuracy:.4f})" if accuracy is not None else ""))
    elif accuracy is None:
        fraction, output = 0.0, "not measured: " + (result.get("not_gradable") or
                                                    result.get("error") or
                                                    "the model was not trained")
    else:
        fraction = min(1.0, max(0.0, (accuracy - rule["zero_at"]) /
                                (rule["full_marks_at"] - rule["zero_at"])))
        output = (f"{accuracy:.4f} on the test images (full marks from "
                  f"{rule['full_marks_at']:.2f}, none below {rule['zero_at']:.2f})")
    tests.append({"name": ACCURACY_TEST, "score": round(rule["points"] * fraction, 2),
                  "max_score": rule["points"], "status": "passed" if fraction == 1.0 else "failed",
                  "output": output})
    return {"score": round(sum(test["score"] for test in tests), 2),
            "max_score": sum(test["max_score"] for test in tests), "tests": tests}


def write_atomically(path, content):
    handle, scratch = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".grades.")
    try:
        # Texts are made safe where they enter the grader; should one slip through, it is
        # written escaped rather than stopping the class's report.
        with os.fdopen(handle, "w", newline="", encoding="utf-8",
                       errors="backslashreplace") as file:
            file.write(content)
        os.replace(scratch, path)
    finally:
        if os.path.exists(scratch):
            os.remove(scratch)


def write_result(folder, result, rubric):
    """results/<student>.json, scored before it is written, written whole or not at all."""
    write_atomically(os.path.join(folder, result["student"] + ".json"),
                     json.dumps(dict(result, **scored(result, rubric)), indent=2))


def read_result(path):
    """A stored result, or None when it is missing, empty, damaged or not one of ours."""
    try:
        with open(path, encoding="utf-8") as file:
            result = json.load(file)
    except (OSError, ValueError, RecursionError):
        return None
    return result if valid_result(result) else None


def write_report(folder, results, rubric, settings, sandbox_note=None, similar=None,
                 feedback=False):
    """grades.csv, grades.json and summary.md for every finished submission so far;
    similarity.csv and its section of summary.md when `similar` (pairs) is given, with
    class.png; every student's feedback/ page when `feedback`."""
    rows = sorted((dict(result, **scored(result, rubric)) for result in results),
                  key=lambda row: row["student"])
    networks = collections.Counter(network_of(row) for row in rows)
    for row in rows:
        if network_of(row):
            row["same_network_as"] = networks[network_of(row)] - 1
    summary = _summary(rows, settings, sandbox_note)
    if similar is not None:
        from grader.pictures import class_picture
        if class_picture(rows, rubric, os.path.join(folder, "class.png")):
            summary += "\n![The class: scores, test accuracies, failed checks](class.png)\n"
    if feedback:
        from grader.feedback import write_pages
        write_pages(os.path.join(folder, "feedback"), rows, rubric, settings)
        summary += ("\nEvery student's own page is in feedback/ (STUDENT.md and STUDENT.html), "
                    "ready to send.\n")
    if similar is not None:
        from grader import similarity
        write_atomically(os.path.join(folder, "similarity.csv"), similarity.similarity_csv(similar))
        summary += "\n".join(similarity.summary_section(similar, len(rows))) + "\n"
    write_atomically(os.path.join(folder, "grades.json"), json.dumps(
        {"settings": settings, "rubric": rubric, "sandbox": sandboxes(rows),
         "warning": sandbox_note, "submissions": rows}, indent=2))
    write_atomically(os.path.join(folder, "grades.csv"), _csv(rows))
    write_atomically(os.path.join(folder, "summary.md"), summary)


SANDBOX_NAMES = {"bwrap": "bubblewrap", "user": "an unprivileged user of its own",
                 "landlock": "Landlock", "process": "NOT confined (--unconfined)"}


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


def spreadsheet_safe(value):
    """A printable CSV cell that no spreadsheet reads as a formula."""
    if isinstance(value, str):
        value = printable(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    names = list(CHECK_NAMES) + [ACCURACY_TEST]
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


def markdown_text(value):
    """Text shown as itself in Markdown: no link, image, HTML, emphasis, code span or table
    cell of a submission's making (its error messages and output reach the report), and no
    autolink either: every ASCII punctuation character is backslash-escaped, as CommonMark
    allows, so "http://", "www." and "a@b" never appear as such in the file."""
    return "".join("\\" + character if character.isascii() and not character.isalnum()
                   and character not in " \t\n," else character for character in str(value))


def markdown_cell(value, limit=160):
    """Text for a Markdown table cell: one line, shown as itself, cut at a word."""
    value = " ".join(str(value).split())
    if len(value) > limit:
        value = value[:limit].rsplit(" ", 1)[0] + " …"
    return markdown_text(value)


def _summary(rows, settings, sandbox_note):
    title = "# CIFAR-10 homework grades"
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
