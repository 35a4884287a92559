"""The instructor's side of a graded class: one story told the same way by summary.md, class.png,
grades.csv and every student's page; a roster; manual adjustments kept across regrades; the
files Canvas and Moodle import; and no half-made --out when a run fails before grading.

Most tests write the report from result records built here (no grading, seconds); one grades a
small class end to end, twice, to show what survives a regrade.
"""

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, generated_arrays, write_npz
from grader import homeworks, safe_text
from grader.reports import exports, story
from grader.reports.adjustments import read_adjustments
from grader.reports.class_report import Instructor, write_report
from grader.reports.pictures import picture_data
from grader.reports.roster import RosterError, read_roster

HOMEWORK = homeworks.get("mlp")
SETTINGS = {"recipe": {"epochs": 1, "batch_size": 100, "train_size": 500, "seed": 1}}
SAMPLES = os.path.join(REPO_ROOT, "tests", "homework_samples")
ROSTER = """id,name,email
kim,Kim Minsu,kim@example.invalid
lee,Lee Jiwoo,lee@example.invalid
park,Park Seoyeon,park@example.invalid
choi,Choi Yuna,choi@example.invalid
jung,Jung Hoon,jung@example.invalid
kang_min,Kang Min,kang@example.invalid
yoon,Yoon Ara,yoon@example.invalid
han,=HYPERLINK("http://evil.invalid"),han@example.invalid
"""
ADJUSTMENTS = "student,points,reason\nkim,+5,late penalty waived: the upload failed\n"
NAME_ERROR = "line 3: NameError: name 'SIZE_FROM_HANDOUT' is not defined"
LEFT_OUT = "notebook: IPython-only lines left out: !pip install tensorflow"


def result(student, accuracy, failed=(), error=None, problems=(), review=()):
    """A result as the grader stores it (results/<student>.json), the checks in `failed` failed."""
    checks = [[name, name not in failed,
               "Dense units [1000, 500, 10]" if name in failed else "as asked",
               ["make the first hidden layer 3000 units: model.add(Dense(3000))"]
               if name in failed else []] for name in HOMEWORK.check_names]
    return {"student": student, "file": f"/class/{student}.py", "sha256": "0" * 64,
            "settings": SETTINGS, "seconds": 2.0, "sandbox": "bwrap",
            "checks": [] if error else checks, "accuracy": None if error else accuracy,
            "error": error, "not_gradable": None, "network": None, "problems": list(problems),
            "review": list(review), "tripwire": [], "output_tail": ""}


def six_files():
    """Six files: the must-show's class (one of them, kang_m, a near miss of kang_min)."""
    return [result("kim", 0.2570), result("lee", 0.3000, failed=(HOMEWORK.check_names[2],)),
            result("park", None, error="no NN_model(): " + NAME_ERROR),
            result("choi", 0.1500, problems=[LEFT_OUT]),
            result("jung", 0.2000, problems=[NAME_ERROR]), result("kang_m", 0.2600)]


@pytest.fixture
def report(tmp_path):
    """The report of six files and a roster of eight, with an adjustment and both exports."""
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "adjustments.csv").write_text(ADJUSTMENTS)
    files = six_files()
    instructor = Instructor(read_roster(tmp_path / "roster.csv"),
                            read_adjustments(tmp_path / "adjustments.csv"),
                            ("canvas", "moodle"), None,
                            frozenset(row["student"] for row in files))
    out = tmp_path / "grades"
    (out / "results").mkdir(parents=True)
    write_report(str(out), files, HOMEWORK, SETTINGS, None, [], feedback=True,
                 instructor=instructor)
    return out, files, instructor


def summary_table(summary):
    """The ranked table of summary.md: [(rank, student, why)]."""
    start = summary.index("## The class, ranked")
    lines = []
    for line in summary[start:].splitlines()[6:]:
        if not line.startswith("| "):
            break
        lines.append(line)
    cells = [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
    return [(int(rank), unescape(student), unescape(why))
            for rank, student, _, _, why in cells]


def unescape(markdown):
    """The text a Markdown string shows."""
    return re.sub(r"\\(.)", r"\1", markdown)


def grades_csv(out):
    return list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))


def test_a_roster_gives_every_student_a_row_and_lists_files_on_no_roster_line(report):
    out, files, instructor = report
    rows = {row["student"]: row for row in grades_csv(out)}
    roster_ids = [entry["id"] for entry in instructor.roster]
    assert set(roster_ids) <= set(rows) and set(rows) - set(roster_ids) == {"kang_m"}
    for student in ("yoon", "han", "kang_min"):  # kang_min's file is named kang_m: no guess
        assert rows[student]["score"] == "0"
        page = (out / "feedback" / f"{student}.md").read_text()
        assert "Nothing was handed in under your id" in page
    assert rows["yoon"]["lost"] == rows["han"]["lost"] == "nothing handed in"
    assert rows["kang_min"]["lost"].startswith("no file under this id: perhaps the file kang_m")
    assert "comes close to your id" in (out / "feedback" / "kang_min.md").read_text()
    assert rows["kang_m"]["score"] == "96.67"  # graded all the same
    summary = (out / "summary.md").read_text()
    assert ("8 students on the roster; 2 handed nothing in (0 points, ranked last); 1 with no "
            "file under their id but a file whose name comes close") in summary
    assert "- not on the roster: kang_m; closest: kang_min (Kang Min)" in summary
    assert "- no file under this id: kang_min (Kang Min); perhaps the file of kang_m" in summary
    assert "- nothing handed in: kang_min" not in summary
    grades = json.load(open(out / "grades.json"))
    assert grades["not_on_roster"] == [{"student": "kang_m", "closest": ["kang_min (Kang Min)"]}]


def test_one_ranking_in_summary_picture_csv_and_one_set_of_reasons_on_every_page(report):
    out, files, _ = report
    summary = (out / "summary.md").read_text()
    table = summary_table(summary)
    csv_rows = grades_csv(out)
    rows = json.load(open(out / "grades.json"))["submissions"]
    picture = picture_data(rows, HOMEWORK)
    assert [student for _, student, _ in table] == [row["student"] for row in csv_rows] == \
        picture["students"]
    assert [rank for rank, _, _ in table] == [int(row["rank"]) for row in csv_rows] == \
        picture["ranks"] == list(range(1, 10))
    assert table[0][1] == "kim"  # 96.17 + 5 by hand: first, although kang_m's accuracy is higher
    assert [row["student"] for row in csv_rows][-3:] == ["han", "kang_min", "yoon"]
    for (_, student, why), row in zip(table, csv_rows):
        assert why == row["lost"]  # the same words in summary.md and grades.csv
        page = (out / "feedback" / f"{student}.md").read_text()
        assert f"**Score: {float(row['score']):g} / 100**" in page
        for what, points, reason in story.points_lost(dict(
                next(r for r in rows if r["student"] == student))):
            assert unescape(safe_text.markdown_text(reason)) in unescape(page), (student, reason)
    # where points were lost: summary.md's counts are the ones class.png draws
    start = summary.index("## Where points were lost")
    listed = re.findall(r"^- (.+): (\d+) of 9$", summary[start:summary.index("##", start + 3)],
                        re.MULTILINE)
    assert [(unescape(name), int(count)) for name, count in listed] == picture["lost"]
    assert ("test accuracy", 4) in picture["lost"]  # the accuracy is drawn, not left out
    assert ("nothing handed in", 2) in picture["lost"]
    assert ("no file under this id", 1) in picture["lost"]
    assert (out / "class.png").stat().st_size > 10_000


def test_every_accuracy_point_lost_is_explained_on_the_page_and_in_the_summary(report):
    out, _, _ = report
    summary = (out / "summary.md").read_text()
    page = (out / "feedback" / "kang_m.md").read_text()
    assert "test accuracy (-3.33): 0.2600 on the test images" in summary
    assert ("26.67 of the 30 accuracy points, 3.33 lost: the test accuracy 0.2600 is below the "
            "0.28 that earns them all") in page
    assert "- test accuracy (-3.33 points)" in page


def test_what_the_grader_noticed_is_on_the_page_and_in_the_summary(report):
    out, _, _ = report
    summary = (out / "summary.md").read_text()
    assert "## Noticed in the files" in summary
    assert f"- jung: {NAME_ERROR}" in unescape(summary)
    assert f"- choi: {LEFT_OUT}" in unescape(summary)
    jung = (out / "feedback" / "jung.md").read_text()
    assert "## Noticed in your file" in jung and NAME_ERROR in unescape(jung)
    choi = (out / "feedback" / "choi.md").read_text()
    assert LEFT_OUT in unescape(choi)
    assert grades_csv(out)[[row["student"] for row in grades_csv(out)].index("jung")][
        "noticed"] == f"left out or not run: {NAME_ERROR}"


def test_an_adjustment_shows_on_the_page_and_both_scores_in_the_csv(report):
    out, _, _ = report
    kim = next(row for row in grades_csv(out) if row["student"] == "kim")
    assert (kim["auto"], kim["adjust"], kim["score"]) == ("96.17", "5", "101.17")
    assert kim["adjust_why"] == "late penalty waived: the upload failed (+5)"
    page = (out / "feedback" / "kim.md").read_text()
    assert "## Adjusted by your instructor" in page
    assert "- +5 points: late penalty waived: the upload failed" in page
    assert "**Score: 101.17 / 100**" in page
    assert "- kim: 96.17 → 101.17" in (out / "summary.md").read_text()


def test_grades_csv_has_short_column_names_and_a_legend(report):
    out, _, _ = report
    header = next(csv.reader(open(out / "grades.csv", encoding="utf-8")))
    assert all(re.fullmatch(r"[a-z_]+", name) for name in header), header
    summary = (out / "summary.md").read_text()
    legend = summary[summary.index("## Columns of grades.csv"):]
    for name in header:
        assert f"| {unescape(name)} |" in unescape(legend) or f"| {name} |" in legend, name


def test_exports_read_back_with_the_documented_headers(report):
    out, _, instructor = report
    canvas = list(csv.reader(open(out / "canvas.csv", encoding="utf-8")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", HOMEWORK.title]
    by_id = {line[2]: line for line in canvas[1:]}
    assert len(canvas) == 1 + 9
    assert by_id["kim"] == ["Kim Minsu", "", "kim", "kim@example.invalid", "", "101.17"]
    assert by_id["yoon"][5] == "0"
    assert by_id["han"][0].startswith("'=")  # the roster's text never reaches a cell as a formula
    moodle = list(csv.reader(open(out / "moodle.csv", encoding="utf-8")))
    assert moodle[0] == ["ID number", "Email address", "Full name", HOMEWORK.title]
    assert ["lee", "lee@example.invalid", "Lee Jiwoo", "85"] in moodle
    for line in canvas[1:] + moodle[1:]:
        float(line[-1])  # every grade a number a gradebook takes
        assert not any(cell.startswith(safe_text.FORMULA_STARTS) for cell in line), line


@pytest.mark.parametrize("content, words", [
    ("name,email\nkim,k@x.invalid\n", "no id column"),
    ("id,name\nkim,A\nkim,B\n", "names kim twice"),
    ("id,name\n../etc,A\n", "cannot be a file's name"),
    ("", "is empty"),
    ("id,name\nkim,김민수\n".encode("cp949"), "is not UTF-8 text"),
])
def test_a_roster_that_cannot_be_used_says_why(tmp_path, content, words):
    path = tmp_path / "roster.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(RosterError, match=re.escape(words)):
        read_roster(tmp_path / "roster.csv")


def test_adjustments_need_a_number_and_a_reason(tmp_path):
    path = tmp_path / "adjustments.csv"
    path.write_text("student,points,reason\nkim,five,late\n")
    with pytest.raises(RosterError, match="a number of points"):
        read_adjustments(path)
    path.write_text("student,points,reason\nkim,-2.5,\n")
    with pytest.raises(RosterError, match="the reason"):
        read_adjustments(path)
    path.write_text("Student,Points,Reason\nkim,-2.5,copied\nkim,+1,\"a, b\"\n")
    assert read_adjustments(path) == {"kim": [{"points": -2.5, "reason": "copied"},
                                              {"points": 1.0, "reason": "a, b"}]}


TEXTS = ["model.compile() with 'relu'; NN_model", "NN_model not_gradable __init__ _x_ a_",
         "1. first\n2) x\n# h\n   - item\n\n\n===\nabc\n-\n> q\n```\ncode\n~~~",
         "![pixel](http://tracker.invalid/p.png) <img src=x onerror=alert(1)> [full](x) | 1 |",
         "www.example.invalid kim@x.invalid &amp; &#60; a & b $x$ ~~s~~ C:\\Users \\* end\\",
         "<script>alert(1)</script> [x](javascript:alert(1)) <http://a.b> `x` *a* __b__ a*b*c"]


@pytest.mark.parametrize("value", TEXTS)
def test_markdown_shows_every_text_as_itself_and_escapes_only_what_it_must(value):
    from markdown_it import MarkdownIt
    renderer = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    for template, escape in (("{}", safe_text.markdown_text),
                             ("- ✓ **check** (1/2 points): {}", safe_text.markdown_text),
                             ("| a | b |\n| --- | --- |\n| x | {} |", safe_text.markdown_cell)):
        page = renderer.render(template.format(escape(value)))
        assert set(re.findall(r"<(\w+)", page)) <= {"p", "ul", "li", "strong", "table", "thead",
                                                   "tr", "th", "tbody", "td"}, page
        shown = html.unescape(re.sub(r"<[^>]+>", "", page))
        expected = (" ".join(value.split()) if escape is safe_text.markdown_cell
                    else re.sub(r"\n\s*", "\n", value).strip())
        assert expected in shown, (shown, expected)
    escaped = safe_text.markdown_text(value)
    # GitHub's bare links: never as such in the file
    assert "www." not in escaped and not re.search(r"(?<!\\)(://|@)", escaped)
    assert "\\(" not in escaped and "\\'" not in escaped  # plain text stays plain


def test_plain_text_reads_as_plain_text():
    assert safe_text.markdown_text(TEXTS[0]) == TEXTS[0]
    assert safe_text.markdown_text("NN_model's loss: 'categorical_crossentropy' (x.y)") == \
        "NN_model's loss: 'categorical_crossentropy' (x.y)"


def grade(*arguments):
    return subprocess.run([sys.executable, "cifar/grade_homework.py", *map(str, arguments)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=1200)


def test_a_run_that_fails_before_grading_leaves_no_output_folder(tmp_path, monkeypatch):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(os.path.join(SAMPLES, "correct.py"), submissions / "kim.py")
    run = grade(submissions, "--data", tmp_path / "missing.npz", "--out", tmp_path / "grades")
    assert run.returncode == 2 and "missing.npz does not exist" in run.stderr
    (tmp_path / "roster.csv").write_text("name\nkim\n")
    run = grade(submissions, "--roster", tmp_path / "roster.csv", "--out", tmp_path / "grades")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "argument --roster" in run.stderr and len(run.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "grades").exists()
    # a failure once --out is made (here: the grading itself stops) removes the folder it made
    from grader import grade as grade_command
    data = write_npz(tmp_path / "cifar10.npz", generated_arrays((32, 32, 3), 100, 50))

    def stops(args, *arguments):
        assert os.path.isdir(os.path.join(args.out, "results"))
        raise KeyboardInterrupt

    monkeypatch.setattr(grade_command, "grade_class", stops)
    with pytest.raises(KeyboardInterrupt):
        grade_command.main([str(submissions), "--data", data, "--out", str(tmp_path / "grades"),
                            "--unconfined", "--sandbox", "process", "--no-cache"])
    assert not (tmp_path / "grades").exists()
    (tmp_path / "kept").mkdir()  # a folder that was there before is never removed
    with pytest.raises(KeyboardInterrupt):
        grade_command.main([str(submissions), "--data", data, "--out", str(tmp_path / "kept"),
                            "--unconfined", "--sandbox", "process", "--no-cache"])
    assert (tmp_path / "kept").is_dir()


HANDOUT_NAME_ERROR = "SIZE = SIZE_FROM_HANDOUT * 2  # the 2019 handout's name, not defined here\n"


def test_a_class_graded_twice_keeps_its_roster_and_adjustment(tmp_path):
    """The must-show: six files, a roster of eight (two handed nothing in, one file's name a
    near miss), an adjustment of +5 that a regrade keeps, and both exports."""
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    correct = open(os.path.join(SAMPLES, "correct.py")).read()
    for student, text in (("kim", correct), ("kang_m", correct),
                          ("jung", correct.replace("\ndef ", f"\n{HANDOUT_NAME_ERROR}\ndef ", 1)),
                          ("choi", correct),
                          ("lee", open(os.path.join(SAMPLES, "wrong_sizes.py")).read()),
                          ("park", open(os.path.join(SAMPLES, "not_compiled.py")).read())):
        (submissions / f"{student}.py").write_text(text)
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "adjustments.csv").write_text(ADJUSTMENTS)
    data = write_npz(tmp_path / "cifar10.npz", generated_arrays((32, 32, 3), 500, 100))
    # generated images are easy: full accuracy marks only from 99%, so that points are lost
    (tmp_path / "rubric.json").write_text('{"accuracy": {"full_marks_at": 0.99}}')
    out = tmp_path / "grades"
    common = ["--data", data, "--out", out, "--train-size", 500, "--epochs", 1,
              "--cache", tmp_path / "cache", "--rubric", tmp_path / "rubric.json"]
    first = grade(submissions, *common, "--roster", tmp_path / "roster.csv",
                  "--adjustments", tmp_path / "adjustments.csv", "--export", "canvas",
                  "--export", "moodle")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "2 handed nothing in (han, yoon)" in first.stdout
    assert "the file of kang_m matches no roster id (closest: kang_min (Kang Min))" in first.stdout
    (tmp_path / "adjustments.csv").unlink()  # the copy in --out is what later runs use
    second = grade(submissions, *common, "--regrade")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    rows = {row["student"]: row for row in grades_csv(out)}
    assert len(rows) == 9
    assert [row["lost"] for student, row in rows.items() if student in ("han", "yoon")] == \
        ["nothing handed in"] * 2
    kim = rows["kim"]
    assert float(kim["score"]) == float(kim["auto"]) + 5 and kim["adjust"] == "5"
    page = (out / "feedback" / "kim.md").read_text()
    assert "- +5 points: late penalty waived: the upload failed" in page
    lost_accuracy = [student for student, row in rows.items()
                     if row["accuracy"] and float(row["pts_accuracy"]) < 30]
    assert len(lost_accuracy) == 6
    summary = (out / "summary.md").read_text()
    table = {student: why for _, student, why in summary_table(summary)}
    for student in lost_accuracy:  # told on the page, in the summary and in grades.csv
        page = (out / "feedback" / f"{student}.md").read_text()
        assert "accuracy points, " in page and " lost: the test accuracy" in page
        assert "test accuracy (-" in rows[student]["lost"]
        assert table[student] == rows[student]["lost"]
    assert "SIZE_FROM_HANDOUT" in (out / "feedback" / "jung.md").read_text()
    assert list(table) == list(rows)
    grades = json.load(open(out / "grades.json"))
    assert picture_data(grades["submissions"], HOMEWORK)["students"] == list(rows)
    canvas = list(csv.reader(open(out / "canvas.csv", encoding="utf-8")))
    moodle = list(csv.reader(open(out / "moodle.csv", encoding="utf-8")))
    assert canvas[0] == exports.CANVAS_HEADER + [HOMEWORK.title] and len(canvas) == 10
    assert moodle[0] == exports.MOODLE_HEADER + [HOMEWORK.title] and len(moodle) == 10
