"""Grade a whole class's CIFAR-10 homework: every student's NN_model(), trained the same way.

For each submitted Train_NN_cifar.py (files, or folders of .py files) the grader starts a
sandboxed process with its own time and memory limits and scratch folder; takes NN_model()
out of the file without running the rest; checks it (compiled Keras model, 3072 inputs,
Dense layers of 3000/2000/10 units, sigmoid/sigmoid/softmax, 15,241,010 parameters,
categorical cross entropy); trains it with the grader's settings; measures its accuracy on
the CIFAR-10 test images; and scores it with a rubric.  Results are written as each
submission finishes, so an interrupted run resumes where it stopped.

    python grade_homework.py submissions/                      # the homework's 15 epochs
    python grade_homework.py submissions/ --train-size 5000 --epochs 1   # a quick look
    python grade_homework.py a.py b.py --out grades-week3 --rubric my_rubric.json
"""

import concurrent.futures
import hashlib
import json
import os
import shutil
import sys
import tempfile

import numpy

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets
from nnlab.grading_report import load_rubric, scored, write_report
from nnlab.paths import REPO_ROOT
from nnlab.sandbox import run_sandboxed

DEFAULT_RUBRIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rubric.json")


def gpu_count():
    """NVIDIA GPUs the driver lists, found without starting TensorFlow."""
    try:
        return len(os.listdir("/proc/driver/nvidia/gpus"))
    except OSError:
        return 0


def default_workers(memory_mb):
    """One worker per GPU; without one, one per core, as far as memory allows."""
    if gpu_count():
        return gpu_count()
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return max(1, min(os.cpu_count() or 1, total_mb // memory_mb))


def parse_args(argv=None):
    parser = cli.parser(__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                        help="a student's .py file, or a folder of them")
    parser.add_argument("--out", metavar="DIR", default="grades",
                        help="folder for grades.csv, grades.json, summary.md and results/")
    parser.add_argument("--rubric", metavar="JSON", default=DEFAULT_RUBRIC,
                        help="points per check and the accuracy rule")
    parser.add_argument("--regrade", action="store_true",
                        help="grade again submissions already graded with the same settings")
    cli.add_data_arguments(parser, datasets=("cifar10",), env_var="CIFAR10_DATA")
    cli.add_cifar_data_arguments(parser)
    cli.add_training_arguments(parser, batch_size=100, epochs=15)
    limits = parser.add_argument_group("limits per submission")
    limits.add_argument("--workers", type=cli.positive_int,
                        help="submissions graded at once (default: one per GPU, else one per "
                             "CPU core as memory allows)")
    limits.add_argument("--timeout", type=cli.positive_float, default=3600,
                        help="seconds before a submission is stopped")
    limits.add_argument("--memory", type=cli.positive_int, default=8192, metavar="MB",
                        help="address space a submission may use, in MiB")
    args = parser.parse_args(argv)
    args.workers = args.workers or default_workers(args.memory)
    return parser, args


def collect_submissions(parser, paths):
    """(student id, file) pairs: the file name's stem, or its folder's name for a handout name."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(folder, name) for folder, _, names in os.walk(path)
                           for name in names if name.endswith(".py"))
            if not found:
                parser.error(f"{path} holds no .py file")
            files += found
        elif os.path.isfile(path):
            files.append(path)
        else:
            parser.error(f"{path} does not exist")
    submissions, taken = [], set()
    for path in files:
        stem = os.path.splitext(os.path.basename(path))[0]
        student = os.path.basename(os.path.dirname(os.path.abspath(path))) \
            if stem == "Train_NN_cifar" else stem
        unique, number = student, 2
        while unique in taken:
            unique, number = f"{student}-{number}", number + 1
        taken.add(unique)
        submissions.append((unique, os.path.abspath(path)))
    return submissions


def grade_one(student, path, settings, data_copy, args):
    """Run one submission in its sandbox; returns its result record."""
    with open(path, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    scratch = tempfile.mkdtemp(prefix=f"grade-{student}-")
    threads = max(1, (os.cpu_count() or 1) // args.workers)
    try:
        run = run_sandboxed(
            [sys.executable, "-m", "nnlab.homework_checks", path,
             json.dumps(dict(settings, data=data_copy, threads=threads))],
            scratch, args.timeout, args.memory,
            {"PYTHONPATH": REPO_ROOT, "TF_NUM_INTRAOP_THREADS": str(threads),
             "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": str(threads),
             **{name: os.environ[name] for name in ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")
                if name in os.environ}},
            limit_address_space=not gpu_count())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result = {"student": student, "file": path, "sha256": digest, "settings": settings,
              "seconds": round(run.seconds, 1), "output_tail": run.output[-3000:],
              "output_bytes": run.output_bytes, "checks": [], "accuracy": None, "error": None}
    for record in run.records:
        result.update({key: value for key, value in record.items()
                       if key in ("checks", "accuracy", "train_seconds", "error")})
    if result["accuracy"] is None and result["error"] is None:
        if run.timed_out:
            result["error"] = f"timed out after {args.timeout:g} s"
        elif run.memory_exceeded or "MemoryError" in run.output or run.returncode == -6:
            result["error"] = f"ran out of memory (limit {args.memory} MiB)"
        elif not result["checks"]:
            result["error"] = f"ended without a result (exit code {run.returncode})"
    return result


def main(argv=None):
    parser, args = parse_args(argv)
    rubric = load_rubric(args.rubric)
    submissions = collect_submissions(parser, args.submissions)
    results_folder = os.path.join(args.out, "results")
    try:
        os.makedirs(results_folder, exist_ok=True)
    except OSError as error:
        parser.error(f"cannot write to {args.out} ({error.strerror})")

    # Load the data once here: it is checked, and downloaded once if needed, before any worker.
    data = datasets.load("cifar10", args.data, args.mirror)
    cli.check_train_size(parser, args.train_size, len(data.x_train))
    settings = {"seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size,
                "train_size": args.train_size, "scale": args.scale,
                "data": os.path.abspath(data.source)}
    with tempfile.TemporaryDirectory(prefix="grade-data-") as data_folder:
        # An uncompressed copy: each worker reads it in a fraction of the time of the original.
        data_copy = os.path.join(data_folder, "cifar10.npz")
        numpy.savez(data_copy, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                    y_test=data.y_test)
        del data
        grade_all(args, submissions, rubric, settings, data_copy, results_folder)


def grade_all(args, submissions, rubric, settings, data_copy, results_folder):
    """Grade what is not graded yet, several at once, writing each result as it comes."""
    results, pending = {}, []
    for student, path in submissions:
        previous = read_result(os.path.join(results_folder, student + ".json"))
        with open(path, "rb") as file:
            digest = hashlib.sha256(file.read()).hexdigest()
        if previous and not args.regrade and previous.get("sha256") == digest and \
                previous.get("settings") == settings:
            results[student] = previous
        else:
            pending.append((student, path))
    print(f"Grading {len(pending)} submissions ({len(results)} already graded) with "
          f"{args.workers} worker(s): {args.epochs} epochs, batch {args.batch_size}, "
          f"train size {args.train_size or 'all'}, {'scaled' if args.scale else 'raw'} pixels")
    write_report(args.out, list(results.values()), rubric, settings)
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        futures = {pool.submit(grade_one, student, path, settings, data_copy, args): student
                   for student, path in pending}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            result = future.result()
            results[result["student"]] = result
            with open(os.path.join(results_folder, result["student"] + ".json"), "w") as file:
                json.dump(dict(result, **scored(result, rubric)), file, indent=2)
            write_report(args.out, list(results.values()), rubric, settings)
            score = scored(result, rubric)
            accuracy = "" if result["accuracy"] is None else f", accuracy {result['accuracy']:.4f}"
            problem = f" ({result['error']})" if result["error"] else ""
            print(f"[{done}/{len(pending)}] {result['student']}: {score['score']:g}/"
                  f"{score['max_score']:g}{accuracy}, {result['seconds']:.0f} s{problem}",
                  flush=True)
    print(f"Report written to {os.path.join(args.out, 'summary.md')}, grades.csv and grades.json")


def read_result(path):
    try:
        with open(path) as file:
            return json.load(file)
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit("Interrupted: finished submissions are saved; run the same command "
                         "again to grade the rest.") from None
