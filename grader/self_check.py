"""A student's check before handing in: the grader's own checks on NN_model(), in seconds.

    python cifar/check_homework.py [Train_NN_cifar.py]

Runs the file exactly as the grader will: copied alone into a scratch folder, in the same
sandbox, only its definitions and NN_model(); the saved model is read as data, checked
against the same allowlist, rebuilt and checked with the same code.  No training and no
test data: the accuracy points are earned when the instructor grades.  Exits 0 when every
check passes.
"""

import os
import sys
import tempfile
import threading

from grader import report, sandbox, spec
from grader.checks import compiled_parts, model_checks, rebuild
from grader.grade import DEFAULT_RUBRIC, build_in_sandbox, choose_sandbox, submitted_code
from grader.notebooks import NotANotebook
from grader.source_flags import flags_in
from nnlab import cli

HANDOUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cifar",
                       "Train_NN_cifar.py")


def parse_args(argv=None):
    def flags(parser):
        parser.add_argument("file", nargs="?", default=HANDOUT, metavar="FILE",
                            help="your homework file (.py, or a Jupyter/Colab notebook .ipynb)")
        parser.add_argument("--rubric", metavar="JSON", default=DEFAULT_RUBRIC,
                            help="the points of each check")
        parser.add_argument("--sandbox", choices=("auto",) + sandbox.MODES, default="auto",
                            help="as the grader: the first of bubblewrap, an unprivileged user "
                                 "(as root) and Landlock that works here, else a plain process")
        parser.add_argument("--timeout", type=cli.positive_float, default=300,
                            help="seconds NN_model() may take")
        parser.add_argument("--memory", type=cli.positive_int, default=8192, metavar="MB",
                            help="memory NN_model() may use, in MiB")
    parser, args = cli.parse(__doc__, argv, flags)
    if not os.path.isfile(args.file):
        parser.error(f"argument FILE: {args.file} is not a file: give your Train_NN_cifar.py")
    return parser, args


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
    sys.stdout.reconfigure(errors="replace")  # a Korean reason on a cp1252 console: "?", no crash
    passed_mark, failed_mark = marks(sys.stdout)
    rubric = report.load_rubric(args.rubric)
    mode, _ = choose_sandbox(parser, args.sandbox, for_students=True)  # notes are for instructors
    where = {"bwrap": "in the bubblewrap sandbox", "user": "as an unprivileged user",
             "landlock": "in a Landlock sandbox",
             "process": "in a separate process, not confined: fine for your own file"}[mode]
    with open(args.file, "rb") as file:
        raw = file.read()
    try:
        source, left_out = submitted_code(args.file, raw)
    except NotANotebook as problem:
        parser.error(f"argument FILE: {args.file}: {problem}")
    print(f"Checking {args.file} as the grader will ({where}), without training...", flush=True)
    loaded = []
    loader = threading.Thread(target=import_keras, args=(loaded,))  # TensorFlow loads meanwhile
    loader.start()
    if left_out:
        print(report.one_line("note: your notebook's IPython-only lines are left out, as the "
                              "grader does: " + "; ".join(left_out[:10]), limit=None))
    with tempfile.TemporaryDirectory(prefix="check-") as private:
        built = build_in_sandbox(source, private, mode, args.timeout, args.memory)
    loader.join()
    if isinstance(loaded[0], BaseException):
        raise SystemExit(f"error: Keras cannot be loaded here ({type(loaded[0]).__name__}: "
                         f"{loaded[0]}): run `pip install -r requirements.txt` in the suite's "
                         "environment")
    flags = flags_in(source)

    checks, problem = [], built.not_gradable or built.error(args.timeout, args.memory)
    if problem is None:
        keras = loaded[0]
        try:
            model, compile_config = rebuild(built.config, keras)
            checks = model_checks(model, compiled_parts(compile_config, keras), keras)
        except Exception as error:
            problem = f"Keras cannot rebuild the saved model ({type(error).__name__}: {error})"
    passed = dict((name, (ok, reason)) for name, ok, reason in checks)
    earned = 0.0
    for name in spec.CHECK_NAMES:
        points = rubric["checks"].get(name, 0.0)
        ok, reason = passed.get(name, (False, "not checked: " + (problem or "")))
        earned += points if ok else 0.0
        print(f"{passed_mark if ok else failed_mark} {name}: {report.one_line(reason)}  "
              f"({points if ok else 0:g}/{points:g} points)")
    total = sum(rubric["checks"].values())
    accuracy = rubric["accuracy"]
    print(f"Checks: {earned:g}/{total:g} points. The other {accuracy['points']:g} come from the "
          f"test accuracy when your instructor grades: full marks from "
          f"{accuracy['full_marks_at']:.0%}, none below {accuracy['zero_at']:.0%}.")
    for line in built.status.get("problems", []):
        print(f"note: {report.one_line(line)} (the grader skipped this line)")
    for flag in flags:
        print(f"warning: {report.one_line(flag)}: the grader holds back the accuracy points of "
              "files that do this")
    all_passed = not problem and len(checks) == len(spec.CHECK_NAMES) and \
        all(ok for _, ok, _ in checks)
    if problem:
        print(f"{failed_mark} {report.one_line(problem)}")
    raise SystemExit(0 if all_passed and not flags else 1)


if __name__ == "__main__":
    main()
