"""A student's check before handing in: the grader's own checks of the homework, in seconds.

    python cifar/check_homework.py [Train_NN_cifar.py]          # the MLP homework (lecture 3)
    python cifar/check_homework.py Train_CNN_cifar.py           # the CNN homework (lecture 4)

Runs the file exactly as the grader will: copied alone into a scratch folder, in the same
sandbox, only its definitions and the homework's function (NN_model() or CNN_model(), told
apart by the file's name or by which one it defines); the saved model is read as data,
checked against the same allowlist, rebuilt and checked with the same code, and each failed
check says what to change.  No training and no test data: the accuracy points are earned
when the instructor grades.  Exits 0 when every check passes.
"""

import os
import re
import sys
import tempfile
import threading

from grader import homeworks, scoring
from grader.boundary import builds, sandbox, sandbox_choice
from grader.boundary.notebooks import NotANotebook
from grader.boundary.source_flags import flags_in
from grader.boundary.submissions import submitted_code
from grader.safe_text import one_line
from grader.trusted.checks import Inspected, measured, model_checks
from grader.trusted.models import compiled_parts, rebuild
from nnlab import cli
from nnlab.i18n import _
from nnlab.paths import REPO_ROOT


def parse_args(argv=None):
    def flags(parser):
        parser.add_argument("file", nargs="?", metavar="FILE",
                            help=_("your homework file (.py, or a Jupyter/Colab notebook .ipynb; "
                                   "default: the handout beside this script)"))
        parser.add_argument("--homework", choices=homeworks.HOMEWORKS,
                            help=_("which homework (default: told by the file's name, or by "
                                   "whether it defines NN_model or CNN_model)"))
        parser.add_argument("--rubric", metavar="JSON",
                            help=_("the points of each check (default: the homework's)"))
        parser.add_argument("--sandbox", choices=("auto",) + sandbox.MODES, default="auto",
                            help=_("as the grader: the first of bubblewrap, an unprivileged user "
                                   "(as root) and Landlock that works here, else a plain "
                                   "process"))
        parser.add_argument("--timeout", type=cli.positive_float, default=300,
                            help=_("seconds building the model may take"))
        parser.add_argument("--memory", type=cli.positive_int, default=8192, metavar="MB",
                            help=_("memory building the model may use, in MiB"))
    parser, args = cli.parse(__doc__, argv, flags)
    if args.file is None:
        name = args.homework or homeworks.HOMEWORKS[0]
        args.file = os.path.join(REPO_ROOT, homeworks.get(name).handout)
    if not os.path.isfile(args.file):
        names = [homeworks.get(name).submission_name for name in
                 ([args.homework] if args.homework else homeworks.HOMEWORKS)]
        parser.error(_("argument FILE: {path} is not a file: give your {names}").format(
            path=args.file, names=_(" or ").join(names)))
    try:
        homework = homeworks.get(args.homework or homework_of_file(args.file))
        args.homework = scoring.load_rubric(args.rubric, homework)
    except scoring.RubricError as problem:
        parser.error(str(problem))
    return parser, args


def homework_of_file(path):
    """The homework a file answers: by its name (Train_CNN_cifar.py), else by the function it
    defines (CNN_model without NN_model: the CNN homework), else the first."""
    named = homeworks.for_handout(os.path.basename(path).replace(".ipynb", ".py"))
    if named:
        return named.name
    with open(path, "rb") as file:
        text = file.read(2_000_000).decode("utf-8", errors="replace")
    defined = {name for name in homeworks.HOMEWORKS
               if re.search(rf"def\s+{homeworks.get(name).function}\s*\(", text)}
    return defined.pop() if len(defined) == 1 else homeworks.HOMEWORKS[0]


def import_keras(box):
    try:
        from nnlab.quiet_tensorflow import import_tensorflow
        import_tensorflow()
        import keras
        box.append(keras)
    except BaseException as error:  # said by main(), not lost in this thread
        box.append(error)


def marks(stream):
    """("✓", "✗"), or ("OK", "X") where the console cannot show them (cp949, cp1252...)."""
    try:
        "✓✗".encode(stream.encoding or "utf-8")
        return "✓", "✗"
    except (UnicodeEncodeError, LookupError):
        return "OK", "X"


def main(argv=None):
    parser, args = parse_args(argv)
    homework = args.homework
    sys.stdout.reconfigure(errors="replace")  # a Korean reason on a cp1252 console: "?", no crash
    passed_mark, failed_mark = marks(sys.stdout)
    try:  # notes are for instructors
        mode, _notes = sandbox_choice.choose_sandbox(args.sandbox, for_students=True)
    except sandbox_choice.SandboxUnavailable as problem:
        parser.error(str(problem))
    where = {"bwrap": _("in the bubblewrap sandbox"), "user": _("as an unprivileged user"),
             "landlock": _("in a Landlock sandbox"),
             "process": _("in a separate process, not confined: fine for your own file")}[mode]
    with open(args.file, "rb") as file:
        raw = file.read()
    try:
        source, left_out = submitted_code(args.file, raw)
    except NotANotebook as problem:
        parser.error(_("argument FILE: {path}: {problem}").format(path=args.file,
                                                                  problem=problem))
    print(_("Checking {path} for the {homework} as the grader will ({where}), without "
            "training...").format(path=args.file, homework=_(homework.title), where=where),
          flush=True)
    loaded = []
    loader = threading.Thread(target=import_keras, args=(loaded,))  # TensorFlow loads meanwhile
    loader.start()
    if left_out:
        print(one_line(_("note: your notebook's IPython-only lines are left out, as the grader "
                         "does: {lines}").format(lines="; ".join(left_out[:10])), limit=None))
    with tempfile.TemporaryDirectory(prefix="check-") as private:
        built = builds.build_in_sandbox(source, homework, private, mode, args.timeout,
                                        args.memory)
    loader.join()
    if isinstance(loaded[0], BaseException):
        raise SystemExit(_("error: Keras cannot be loaded here ({problem}): run `pip install "
                           "-r requirements.txt` in the suite's environment").format(
                               problem=f"{type(loaded[0]).__name__}: {loaded[0]}"))
    checks, problem = [], built.not_gradable or built.error(args.timeout, args.memory,
                                                            homework.function)
    if problem is None:
        checks, problem = checks_of(built.config, homework, loaded[0])
    said = print_checks(checks, problem, homework, passed_mark, failed_mark)
    for line in built.status.get("problems", []):
        print(_("note: {problem} (the grader skipped this line)").format(
            problem=one_line(line)))
    flags = flags_in(source)
    for flag in flags:
        print(_("warning: {flag}: the grader holds back the accuracy points of files that do "
                "this").format(flag=one_line(flag)))
    raise SystemExit(0 if said and not flags else 1)


def checks_of(config, homework, keras):
    """(the checks of a built model's config, or [], and why there are none)."""
    try:
        model, compile_config = rebuild(config, keras)
        cost, cost_problem = measured(config)
        inspected = Inspected(model, compiled_parts(compile_config, keras), keras, homework,
                              cost, cost_problem)
        return model_checks(inspected), None
    except Exception as error:
        return [], _("Keras cannot rebuild the saved model ({problem})").format(
            problem=f"{type(error).__name__}: {error}")


def print_checks(checks, problem, homework, passed_mark, failed_mark):
    """Each check with its mark, reason, points and what to change; the problem that kept the
    checks from being made, said once, with the checks it holds back listed without a reason.
    Whether every check passed."""
    found = {name: (ok, reason, advice) for name, ok, reason, advice in checks}
    if problem:
        print(f"{failed_mark} {one_line(problem)}")
        print("    " + _("the checks below are made once your function returns a model"))
    earned = 0.0
    for check in homework.checks:
        points = _("({earned}/{points} points)")
        if check.name not in found:
            print(f"{failed_mark} {_(check.name)}  " + points.format(earned=0,
                                                                  points=f"{check.points:g}"))
            continue
        ok, reason, advice = found[check.name]
        earned += check.points if ok else 0.0
        print(f"{passed_mark if ok else failed_mark} {_(check.name)}: {one_line(reason)}  " +
              points.format(earned=f"{check.points if ok else 0:g}", points=f"{check.points:g}"))
        for hint in advice:
            print(_("    to change: {advice}").format(advice=one_line(hint)))
    total = sum(check.points for check in homework.checks)
    accuracy = homework.accuracy
    print(_("Checks: {earned}/{total} points. The other {accuracy} come from the test accuracy "
            "when your instructor grades: full marks from {full}, none below {zero}.").format(
        earned=f"{earned:g}", total=f"{total:g}", accuracy=f"{accuracy.points:g}",
        full=f"{accuracy.full_marks_at:.0%}", zero=f"{accuracy.zero_at:.0%}"))
    return not problem and len(found) == len(homework.checks) and \
        all(ok for ok, _reason, _advice in found.values())


if __name__ == "__main__":
    main()
