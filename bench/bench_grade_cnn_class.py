"""Grade a class of CNN files (--homework cnn) on real CIFAR-10, and say what a class of 300 costs.

The class is tests/cnn_samples plus the reference answer: one network written two ways,
ordinary CNNs, an MLP handed in as a CNN, a wrong input, an uncompiled model, logits outputs,
a network far over the compute budget, one too big to build, layers the grader does not
rebuild.  Each row of the report is printed; then the over-budget file is graded alone and
timed (it must be refused in under 60 s, never trained); then, from the throughput the grader
measured for its estimate, the cost of 300 files at the handout's settings (50,000 images,
20 epochs) on this machine's device.  Run it on a GPU machine as it is to get the GPU's hours.

Real CIFAR-10 from $CIFAR10_DATA or ../shared/data/cifar10.npz.

    python bench/bench_grade_cnn_class.py [--train-size 2000] [--epochs 1] [--workers 2]
"""

import argparse
import json
import os
import shutil
import tempfile

from timing import PYTHON, REPO_ROOT, data_file, run_seconds

SAMPLES = os.path.join(REPO_ROOT, "tests", "cnn_samples")
REFERENCE = os.path.join(REPO_ROOT, "grader", "cnn_reference_solution.py")
OVER_BUDGET = "cnn_over_budget"
CLASS_SIZE = 300
HANDOUT_IMAGES, HANDOUT_EPOCHS = 50_000, 20
TRAINING_FLOPS = 3  # a training step costs about three forward passes (as the grader counts)
NETWORKS = {"the reference answer (8.5 MFLOPs an image)": 8.5e6,
            "networks at the budget's limit (100 MFLOPs an image)": 100e6}


def grade(submissions, out, cifar, args):
    """Seconds to grade `submissions` into `out`, and its grades.json."""
    command = [PYTHON, "cifar/grade_homework.py", submissions, "--homework", "cnn",
               "--data", cifar, "--train-size", str(args.train_size), "--epochs",
               str(args.epochs), "--workers", str(args.workers), "--no-cache", "--out", out]
    seconds = run_seconds(command)
    with open(os.path.join(out, "grades.json"), encoding="utf-8") as file:
        return seconds, json.load(file)


def print_rows(grades):
    print(f"{'student':<28} {'score':>6} {'accuracy':>8}  trained / why not")
    for row in sorted(grades["submissions"], key=lambda row: -row["score"]):
        accuracy = "" if row["accuracy"] is None else f"{row['accuracy']:.4f}"
        network = row.get("network") or {}
        failed = [test["name"] for test in row["tests"] if test["status"] == "failed"
                  and not test["name"].startswith("test accuracy")]
        why = (network.get("trained") if row["accuracy"] is not None else
               row.get("not_gradable") or row.get("error") or "failed: " + ", ".join(failed))
        print(f"{row['student']:<28} {row['score']:>6.2f} {accuracy:>8}  {why[:90]}")


def print_class_cost(run):
    """Hours of 300 distinct networks at the handout's settings, from the measured throughput."""
    throughput, overhead = run.get("throughput"), run.get("overhead", 0) or 0
    if not throughput:
        print("no throughput was measured (nothing was trained)")
        return
    device = run.get("device", "CPU")
    print(f"measured on the {device}: {throughput / 1e9:.1f} GFLOP/s of training a worker")
    for label, flops in NETWORKS.items():
        seconds = overhead + TRAINING_FLOPS * HANDOUT_IMAGES * HANDOUT_EPOCHS * flops / throughput
        print(f"  {CLASS_SIZE} distinct {label}: {CLASS_SIZE * seconds / 3600:.1f} hours of one "
              f"{device} worker ({seconds / 60:.1f} minutes a network)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, default=2000, help="training images")
    parser.add_argument("--epochs", type=int, default=1, help="epochs")
    parser.add_argument("--workers", type=int, default=2, help="the grader's --workers")
    args = parser.parse_args()
    cifar = data_file("cifar10.npz", "CIFAR10_DATA")
    with tempfile.TemporaryDirectory() as scratch:
        submissions = os.path.join(scratch, "class")
        shutil.copytree(SAMPLES, submissions)
        shutil.copy(REFERENCE, os.path.join(submissions, "reference.py"))
        seconds, grades = grade(submissions, os.path.join(scratch, "grades"), cifar, args)
        print(f"{len(grades['submissions'])} files graded in {seconds:.0f} s "
              f"({args.train_size:,} images x {args.epochs} epoch)")
        print_rows(grades)
        run = grades.get("run", {})
        if run.get("estimated_seconds") is not None:
            print(f"training estimated before it started: {run['estimated_seconds']:.0f} s; "
                  f"took {run.get('training_seconds', 0):.0f} s")
        alone = os.path.join(scratch, "alone")
        os.makedirs(alone)
        shutil.copy(os.path.join(SAMPLES, OVER_BUDGET + ".py"), alone)
        seconds, grades = grade(alone, os.path.join(scratch, "alone-grades"), cifar, args)
        row, = grades["submissions"]
        print(f"{OVER_BUDGET} graded alone: {seconds:.1f} s (limit 60 s) "
              f"{'ok' if seconds < 60 and row['accuracy'] is None else 'TOO SLOW OR TRAINED'}")
        print_class_cost(run)


if __name__ == "__main__":
    main()
