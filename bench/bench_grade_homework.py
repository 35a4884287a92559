"""Time the homework grader: its cost over training directly, and what parallel workers gain.

1. `cifar/grade_homework.py` grading one correct submission (tests/homework_samples/correct.py)
   against bench/bare_keras_cifar.py doing the same work in one process (load, build, fit,
   test accuracy), both on every core this process may use (`--threads` for the grader,
   TF_NUM_INTRAOP_THREADS for the bare script); alternately, median ratio (target <= 1.10).
   The grader's fixed costs (its data check, the sandboxed student stage, a second
   TensorFlow start) weigh on tiny trainings and fade on real ones: the default is the whole
   training set for one epoch.
2. Four correct submissions, each with its own seeded initializer (four distinct networks,
   each trained: the grader trains a network once), graded with --workers 2 against
   --workers 1, each on
   --scaling-train-size images for one epoch and --scaling-threads threads (the grader's
   default, 1) in both runs (target <= 0.70).  Every submission trains on the same number of
   threads whatever the number of workers, so that its grade does not depend on it: workers
   are how the grader uses the other cores.  For comparison, the machine's own ratio: bare
   Keras training twice at once against twice in turn, on the same threads and images (where
   two cores share one core's arithmetic units, as virtual CPUs may, no program reaches 0.5).

Real CIFAR-10 from $CIFAR10_DATA or ../shared/data/cifar10.npz.

    python bench/bench_grade_homework.py [--repeats 3] [--train-size 10000] [--epochs 1]
"""

import argparse
import os
import shlex
import shutil
import tempfile

from timing import PYTHON, REPO_ROOT, alternate, data_file, print_ratio

CORRECT = os.path.join(REPO_ROOT, "tests", "homework_samples", "correct.py")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds of alternating runs")
    parser.add_argument("--train-size", type=int, default=50000,
                        help="training images for part 1")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of training in part 1")
    parser.add_argument("--scaling-train-size", type=int, default=10000,
                        help="training images for each of the four submissions in part 2")
    parser.add_argument("--scaling-threads", type=int, default=1,
                        help="--threads of the grader in part 2, the same in both runs "
                             "(default: the grader's own, 1)")
    parser.add_argument("--part", choices=("1", "2", "both"), default="both",
                        help="which measurement to make")
    args = parser.parse_args()
    cifar = data_file("cifar10.npz", "CIFAR10_DATA")
    settings = ["--data", cifar, "--train-size", str(args.train_size), "--epochs", str(args.epochs)]
    small = ["--data", cifar, "--train-size", str(args.scaling_train_size), "--epochs", "1",
             "--threads", str(args.scaling_threads)]
    with tempfile.TemporaryDirectory() as scratch:
        one = os.path.join(scratch, "one")
        os.makedirs(one)
        shutil.copy(CORRECT, os.path.join(one, "student.py"))
        four = os.path.join(scratch, "four")
        os.makedirs(four)
        with open(CORRECT, encoding="utf-8") as file:
            correct = file.read()
        for seed in range(4):  # four distinct networks of one size: the grader trains each
            with open(os.path.join(four, f"seed{seed}.py"), "w", encoding="utf-8") as file:
                file.write(correct.replace(
                    'activation="softmax")', f'activation="softmax", '
                    f'kernel_initializer=GlorotUniform(seed={seed}))').replace(
                    "from tensorflow.keras import Input",
                    "from tensorflow.keras import Input\nfrom tensorflow.keras.initializers "
                    "import GlorotUniform"))

        if args.part != "2":
            single(args, one, cifar, settings, scratch)
        if args.part != "1":
            scaling(args, four, cifar, small, scratch)


def single(args, one, cifar, settings, scratch):
    threads = len(os.sched_getaffinity(0))
    print(f"1. Grading one submission against training it directly, both on {threads} threads")
    times = alternate({
        "grader": [PYTHON, "cifar/grade_homework.py", one, "--workers", "1", "--regrade",
                   "--no-cache",
                   "--threads", str(threads), "--out", os.path.join(scratch, "grades-one"),
                   *settings],
        "bare Keras": [PYTHON, "bench/bare_keras_cifar.py", cifar, str(args.epochs),
                       str(args.train_size), "test"],
    }, args.repeats, env=dict(os.environ, TF_NUM_INTRAOP_THREADS=str(threads)))
    print_ratio(times, "grader", "bare Keras", limit=1.10)


def scaling(args, four, cifar, small, scratch):
    print(f"2. Four submissions with 2 workers against 1 ({len(os.sched_getaffinity(0))} cores), "
          f"{args.scaling_train_size} images each, {args.scaling_threads} thread(s) a submission")
    bare = shlex.join([PYTHON, "bench/bare_keras_cifar.py", cifar, "1",
                       str(args.scaling_train_size), "test"])
    times = alternate({
        **{f"{workers} worker(s)": [PYTHON, "cifar/grade_homework.py", four, "--regrade",
                                    "--no-cache",
                                    "--workers", str(workers),
                                    "--out", os.path.join(scratch, f"grades-{workers}"), *small]
           for workers in (2, 1)},
        # What the machine itself gives: the same training twice, at once and one after the other
        "bare Keras twice at once": ["bash", "-c", f"{bare} & first=$!; {bare} && wait $first"],
        "bare Keras twice in turn": ["bash", "-c", f"{bare} && {bare}"],
    }, args.repeats, env=dict(os.environ, TF_NUM_INTRAOP_THREADS=str(args.scaling_threads)))
    print_ratio(times, "2 worker(s)", "1 worker(s)", limit=0.70)
    print("the machine's own, for comparison: ", end="")
    print_ratio(times, "bare Keras twice at once", "bare Keras twice in turn")


if __name__ == "__main__":
    main()
