"""Grade a whole class's CIFAR-10 homework: every student's model, checked and trained the same way.

For each file handed in (files, or folders holding the handout's file) the grader copies it
alone into a folder of its own and runs the student stage on it, confined by the operating
system: the submission's definitions and the homework's function (NN_model() or CNN_model()),
whose model is saved as .keras (architecture and compile settings); nothing else comes back.
A trusted stage that never imports a submission rebuilds the saved model from its checked
config and makes the homework's checks.  Then each distinct network of the class is trained
once, the same way for everyone, and measured on the CIFAR-10 test images; the console says
beforehand how many there are and how long they should take.  Results are scored with the
homework's rubric and written as each submission finishes, so an interrupted run resumes.

    python cifar/grade_homework.py submissions/                      # the MLP homework
    python cifar/grade_homework.py submissions/ --homework cnn       # the CNN homework
    python cifar/grade_homework.py submissions/ --train-size 5000 --epochs 1   # a quick look
    python cifar/grade_homework.py --homework cnn --print-rubric > my_rubric.json

Give the folder, not `*.py`: a file named like a flag (`--rubric=r.py`) is never read as one,
but the folder form is the one that cannot surprise.
"""

import contextlib
import dataclasses
import json
import os
import shutil
import sys
import tempfile

import numpy

from grader import homeworks, scoring
from grader.boundary import builds, sandbox, sandbox_choice, submissions
from grader.class_grading import ClassRun, all_results, default_workers, plural
from grader.reports import similarity
from grader.reports.adjustments import read_adjustments
from grader.reports.class_report import Instructor
from grader.reports.exports import FORMATS
from grader.reports.roster import RosterError, read_roster
from grader.safe_text import one_line
from grader.trusted import trainings
from nnlab import cli, datasets
from nnlab.paths import REPO_ROOT


def files_not_flags(argv):
    """`argv` with every word that starts with "-" but names an existing file written as
    "./word": a shell's `*.py` hands over a student's file named `--rubric=r.py` as a word."""
    if "--" in argv:
        index = argv.index("--")
        return files_not_flags(argv[:index]) + argv[index:]
    return [os.path.join(".", word) if word.startswith("-") and os.path.lexists(word) else word
            for word in argv]


def check_not_in_submissions(parser, args):
    """The rubric, the data and --out must not be among what students handed in."""
    for flag, path in (("--rubric", args.rubric), ("--data", args.data), ("--out", args.out),
                       ("--roster", args.roster), ("--adjustments", args.adjustments)):
        for handed_in in args.submissions:
            if path and (submissions.inside(path, handed_in) if os.path.isdir(handed_in)
                         else os.path.realpath(path) == os.path.realpath(handed_in)):
                parser.error(f"argument {flag}: {path} lies inside the submissions "
                             f"({handed_in}): keep it outside the students' files")


def parse_args(argv=None):
    argv = files_not_flags(sys.argv[1:] if argv is None else list(argv))
    parser, args = cli.parse(__doc__, argv, class_flags, cli.data(("cifar10",)), training_flags,
                             limit_flags)
    try:
        args.homework = scoring.load_rubric(args.rubric, homeworks.get(args.homework))
    except scoring.RubricError as problem:
        parser.error(str(problem))
    if args.print_rubric:
        return parser, args
    if not args.submissions and not args.report_only and not args.gradescope_package:
        parser.error("give the submissions to grade (a folder of files, one per student), or "
                     "--report-only")
    check_not_in_submissions(parser, args)
    args.instructor = instructor_files(parser, args)
    args.workers = args.workers or default_workers(args.memory, args.threads)
    recipe = {name: getattr(args, name) for name in ("epochs", "batch_size", "train_size",
                                                      "seed", "scale")
              if getattr(args, name) is not None}
    args.homework = args.homework.with_rubric({"training": recipe})
    return parser, args


KEPT = {"roster": "roster.csv", "adjustments": "adjustments.csv"}  # the copies kept in --out


def instructor_files(parser, args):
    """The roster, adjustments and exports of this run, as an Instructor: the files given, else
    the copies an earlier run kept in --out (so a regrade or --report-only keeps them); every
    export an earlier run wrote is written again, so that none is left behind stale."""
    found = {}
    for name, read in (("roster", read_roster), ("adjustments", read_adjustments)):
        path = getattr(args, name) or os.path.join(args.out, KEPT[name])
        if getattr(args, name) is None and not os.path.isfile(path):
            found[name] = None
            continue
        try:
            found[name] = read(path)
        except RosterError as problem:
            parser.error(f"argument --{name}: {problem}")
    exports = set(args.export or []) | {name for name in FORMATS
                                        if os.path.isfile(os.path.join(args.out, f"{name}.csv"))}
    return Instructor(found["roster"], found["adjustments"], tuple(sorted(exports)),
                      args.assignment)


def keep_instructor_files(args):
    """Copies of the roster and adjustments given, in --out, for the runs to come."""
    for name, kept in KEPT.items():
        given, copy = getattr(args, name), os.path.join(args.out, kept)
        if given and not (os.path.exists(copy) and os.path.samefile(given, copy)):
            shutil.copyfile(given, copy)


@contextlib.contextmanager
def made_for_this_run(folder):
    """--out as a failed run leaves it: a folder this run created is removed again when the run
    stops (an error, Ctrl-C) before any submission's result was written in it."""
    existed = os.path.lexists(folder)
    try:
        yield
    except BaseException:
        results = os.path.join(folder, "results")
        graded = os.path.isdir(results) and any(name.endswith(".json")
                                                for name in os.listdir(results))
        if not existed and os.path.isdir(folder) and not graded:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def say_instructor_notes(args):
    """The console's lines on the roster, the adjustments and the exports, once the report is
    written: every student and file a roster did not account for, by name."""
    with open(os.path.join(args.out, "grades.json"), encoding="utf-8") as file:
        grades = json.load(file)
    if args.instructor.roster is not None:
        missing = [row["student"] for row in grades["submissions"]
                   if row.get("missing") and not row.get("near_miss")]
        named = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if missing[20:] else "")
        print(f"Roster: {plural(len(args.instructor.roster), 'student')}, "
              f"{len(missing)} handed nothing in" + (f" ({named})" if missing else ""))
        for unmatched in grades["not_on_roster"]:
            print(one_line(f"WARNING: the file of {unmatched['student']} matches no roster id "
                           f"(closest: {', '.join(unmatched['closest']) or 'none'}): graded, "
                           "matched to no one"))
    adjusted = [row["student"] for row in grades["submissions"] if row.get("adjustments")]
    if adjusted or grades["adjustments_of_no_one"]:
        print(f"Adjusted by hand: {', '.join(adjusted) or 'no one'}")
    for student in grades["adjustments_of_no_one"]:
        print(one_line(f"WARNING: the adjustments of {student} count for no one: no such student"))
    for name in args.instructor.exports:
        print(f"For {name.capitalize()}: {os.path.join(args.out, name + '.csv')}")


def shard_value(text):
    """"K/N" -> (K, N) with 1 <= K <= N."""
    try:
        part, parts = (int(number) for number in text.split("/"))
    except ValueError:
        raise cli.argparse.ArgumentTypeError(f"must be K/N, like 1/4, not {text!r}") from None
    if not 1 <= part <= parts:
        raise cli.argparse.ArgumentTypeError(f"must be K/N with 1 <= K <= N, not {text}")
    return part, parts


def class_flags(parser):
    parser.add_argument("submissions", nargs="*", metavar="SUBMISSIONS",
                        help="the folder of the students' files, as in `grade_homework.py "
                             "submissions/` (one .py or .ipynb per student, or one folder per "
                             "student); give the folder rather than the shell's *.py")
    parser.add_argument("--homework", choices=homeworks.HOMEWORKS, default=homeworks.HOMEWORKS[0],
                        help="which homework: mlp (lecture 3, NN_model in Train_NN_cifar.py) or "
                             "cnn (lecture 4, CNN_model in Train_CNN_cifar.py)")
    parser.add_argument("--rubric", metavar="JSON",
                        help="change the homework's points, accuracy band, training or budget "
                             "(default: the homework's own; see --print-rubric)")
    parser.add_argument("--print-rubric", action="store_true",
                        help="grade nothing: print the homework's rubric (with --rubric's "
                             "changes) as JSON, to copy, edit and pass with --rubric")
    parser.add_argument("--shard", type=shard_value, metavar="K/N",
                        help="grade only the K-th of N equal parts of the class (for several "
                             "machines or a Slurm job array sharing one --out folder)")
    parser.add_argument("--report-only", action="store_true",
                        help="grade nothing: write the class's reports from every result in --out")
    parser.add_argument("--gradescope-package", metavar="ZIP",
                        help="grade nothing: write a Gradescope autograder that grades with "
                             "these flags (--data puts the data in it)")
    parser.add_argument("--out", metavar="DIR", default="grades",
                        help="folder for grades.csv, grades.json, summary.md and results/")
    parser.add_argument("--regrade", action="store_true",
                        help="grade again submissions already graded with the same settings")
    parser.add_argument("--roster", metavar="CSV",
                        help="the class's roster (columns id, name, optional email): every "
                             "student on it gets a row (nothing handed in: 0), and files whose "
                             "name is no id on it are listed with the closest names; kept in "
                             "--out for later runs")
    parser.add_argument("--adjustments", metavar="CSV",
                        help="points added or taken by hand (columns student, points, reason), "
                             "applied after grading and shown on the student's page; kept in "
                             "--out, so a regrade keeps them")
    parser.add_argument("--export", action="append", choices=FORMATS,
                        help="also write the file a course site imports: canvas.csv (Canvas' "
                             "gradebook import) or moodle.csv (Moodle's CSV grade import); "
                             "give it twice for both")
    parser.add_argument("--assignment", metavar="NAME",
                        help="the assignment's column in --export's files (default: the "
                             "homework's title; for an existing Canvas assignment, its name as "
                             "Canvas exports it, like \"Homework 3 (12345)\")")
    parser.add_argument("--no-feedback", action="store_true",
                        help="write no feedback/ page for each student")
    parser.add_argument("--cache", metavar="DIR", default=trainings.default_cache_folder(),
                        help="where the accuracy of every network trained is kept, so that "
                             "the same network with the same settings is trained only once "
                             "(shared by shards and later runs)")
    parser.add_argument("--no-cache", action="store_true",
                        help="keep no trainings across runs (within a run, each distinct "
                             "network is still trained once)")


def training_flags(parser):
    group = parser.add_argument_group("training (default: the homework's; --print-rubric "
                                      "shows them)")
    group.add_argument("--epochs", type=cli.positive_int, help="passes over the training data")
    group.add_argument("--batch-size", type=cli.positive_int, help="images per mini-batch")
    group.add_argument("--train-size", type=cli.positive_int, metavar="N",
                       help="train on the first N training images only")
    group.add_argument("--seed", type=cli.seed_value, help="the random seed of every training")
    group.add_argument("--scale", action=cli.argparse.BooleanOptionalAction,
                       help="divide pixels by 255 (the 2019 handouts fed raw 0-255 values)")


def limit_flags(parser):
    limits = parser.add_argument_group("sandbox and limits per submission")
    limits.add_argument("--sandbox", choices=("auto",) + sandbox.MODES, default="auto",
                        help="bwrap: confine each submission with bubblewrap (Linux); user: run "
                             "it as an unprivileged user of its own (the grader as root); "
                             "landlock: confine it with Linux's Landlock; process: a separate "
                             "process with limits only, NOT confined (needs --unconfined); "
                             "auto: the first of bwrap, user, landlock that works here")
    limits.add_argument("--unconfined", action="store_true",
                        help="where nothing can confine submissions (macOS, say), run them "
                             "anyway in a separate process as you: only for files you trust")
    limits.add_argument("--workers", type=cli.positive_int,
                        help="networks trained at once (default: one per GPU, else one per "
                             "--threads cores as memory allows)")
    limits.add_argument("--threads", type=cli.positive_int, default=1,
                        help="CPU threads that train each network; the same for every network "
                             "and recorded with the grades, since TensorFlow's sums (and so "
                             "the last digits of an accuracy) depend on it; a class grades "
                             "fastest on 1 thread a worker, one network alone on as many "
                             "threads as cores")
    limits.add_argument("--timeout", type=cli.positive_float,
                        help="seconds training one network may take (default: at least an "
                             "hour, or 4 times what this machine's throughput gives for it; "
                             f"building a model: at most {builds.BUILD_TIMEOUT} s)")
    limits.add_argument("--memory", type=cli.positive_int, default=8192, metavar="MB",
                        help="memory a submission's stages may use, in MiB")


def similar_pairs(results, homework, paths=None):
    """similarity.similar_pairs of the class's graded files (`paths`: student -> the file
    itself, where a result's name for it was made printable)."""
    with tempfile.TemporaryDirectory(prefix="grade-similar-") as code_folder:
        files = submissions.code_files_for_similarity(
            {student: (paths or {}).get(student, result["file"])
             for student, result in results.items()}, code_folder)
        return similarity.similar_pairs(files, os.path.join(REPO_ROOT, homework.handout))


def report_only(parser, args):
    """The class's reports from the results that shards (or earlier runs) left in --out."""
    folder = os.path.join(args.out, "results")
    if not os.path.isdir(folder):
        parser.error(f"argument --out: {args.out} holds no results/ to report on")
    found = all_results(folder, args.homework)
    settings = next(iter(found.values()))["settings"] if found else {}
    unconfined = [student for student, result in found.items()
                  if result.get("sandbox") == "process"]
    note = sandbox_choice.unconfined_note(
        f"{plural(len(unconfined), 'submission')} of {len(found)} graded with --unconfined") \
        if unconfined else None
    from grader.reports import class_report
    keep_instructor_files(args)
    class_report.write_report(args.out, list(found.values()), args.homework, settings, note,
                              similar_pairs(found, args.homework), feedback=not args.no_feedback,
                              instructor=args.instructor)
    print(f"Report on {plural(len(found), 'submission')} written to "
          f"{os.path.join(args.out, 'summary.md')}, grades.csv and grades.json")
    say_instructor_notes(args)


def settings_of(args, data_source):
    """What decides a result, recorded with it: a result graded with other settings is graded
    again."""
    homework = args.homework
    return {"homework": homework.name, "recipe": {
        "epochs": homework.recipe.epochs, "batch_size": homework.recipe.batch_size,
        "train_size": homework.recipe.train_size, "seed": homework.recipe.seed,
        "scale": homework.recipe.scale, "optimizer": homework.recipe.optimizer},
        "budget": {"parameters": homework.budget.parameters, "flops": homework.budget.flops},
        "threads": args.threads, "data": os.path.abspath(data_source)}


def main(argv=None):
    parser, args = parse_args(argv)
    homework = args.homework
    if args.print_rubric:
        print(json.dumps(homework.rubric(), indent=2))
        return
    if args.report_only:
        return report_only(parser, args)
    if args.gradescope_package:
        from grader.gradescope import write_package
        if args.data and not os.path.isfile(args.data):
            parser.error(f"argument --data: {args.data} must be one file to put in the package")
        return write_package(args.gradescope_package, args)
    handouts = [homeworks.get(name).submission_name for name in homeworks.HOMEWORKS]
    try:
        class_files = submissions.collect_submissions(args.submissions, handouts)
        mode, sandbox_note = sandbox_choice.choose_sandbox(args.sandbox, args.unconfined)
    except (submissions.NoSubmissions, sandbox_choice.SandboxUnavailable) as problem:
        parser.error(str(problem))
    args.instructor = dataclasses.replace(args.instructor, handed_in=frozenset(
        student for student, _ in class_files))
    if args.shard:
        part, parts = args.shard
        class_files = class_files[part - 1::parts]
    with made_for_this_run(args.out):
        grade(parser, args, class_files, mode, sandbox_note)


def grade(parser, args, class_files, mode, sandbox_note):
    """Load the data, make --out and grade the class (what main checked first)."""
    homework = args.homework
    # Load the data once here: it is checked, and downloaded once if needed, before any stage.
    data = datasets.load("cifar10", args.data, args.mirror)
    cli.check_train_size(parser, homework.recipe.train_size, len(data.x_train))
    try:
        os.makedirs(os.path.join(args.out, "results"), exist_ok=True)
        keep_instructor_files(args)
    except OSError as error:
        parser.error(f"cannot write to {args.out} ({error.strerror})")
    settings = settings_of(args, data.source)
    cache = None if args.no_cache or mode == "process" else args.cache
    kept = trainings.Trainings(dict(settings, data_source=data.source), cache)
    with tempfile.TemporaryDirectory(prefix="grade-data-") as data_folder:
        # An uncompressed copy: each trusted stage reads it in a fraction of the time.
        args.data_copy = os.path.join(data_folder, "cifar10.npz")
        numpy.savez(args.data_copy, x_train=data.x_train, y_train=data.y_train,
                    x_test=data.x_test, y_test=data.y_test)
        args.train_images = len(data.x_train)
        args.private_paths = [*args.submissions, args.out, args.rubric, data.source, data_folder,
                              kept.folder]
        del data
        with sandbox_choice.kept_from_stages(args.private_paths, mode):
            grade_class(args, class_files, settings, mode, sandbox_note, kept)


def grade_class(args, class_files, settings, mode, sandbox_note, kept):
    """Grade what is not graded yet (both phases), then write the class's reports."""
    run = ClassRun(args, args.homework, settings, mode, sandbox_note, kept)
    pending = run.pending(class_files)
    recipe = args.homework.recipe
    workers = max(1, min(args.workers, len(pending)))
    print(f"Grading the {args.homework.title}: {plural(len(pending), 'submission')} "
          f"({len(run.results)} already graded) with {plural(workers, 'worker')}, "
          f"{plural(args.threads, 'thread')} each: {plural(recipe.epochs, 'epoch')}, batch "
          f"{recipe.batch_size}, train size {recipe.train_size or 'all'}, "
          f"{'scaled' if recipe.scale else 'raw'} pixels", flush=True)
    print(f"Sandbox: {sandbox_choice.describe(mode)}", flush=True)
    if sandbox_note:
        print(f"WARNING: {sandbox_note}", flush=True)
    run.write_report()
    import copydetect  # noqa: F401  (the similarity report's library, loaded before any stage runs)
    run.grade(pending)
    if args.shard:  # the class's similarity report waits for every shard: --report-only
        print(f"Shard {args.shard[0]}/{args.shard[1]} done; when all are, write the class's "
              f"report with --report-only --out {args.out}")
        return
    run.write_report(similar_pairs(run.all_results(), args.homework, dict(class_files)),
                     feedback=not args.no_feedback)
    print(f"Report written to {os.path.join(args.out, 'summary.md')}, grades.csv, grades.json, "
          "similarity.csv" + ("" if args.no_feedback else " and a page for each student in "
                              f"{os.path.join(args.out, 'feedback')}"))
    say_instructor_notes(args)


if __name__ == "__main__":
    main()
