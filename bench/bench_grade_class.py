"""Time grading a class whose files mostly build the same network: one training per network.

A class of 14 files in 3 distinct networks: the homework's network written 12 ways
(tests/homework_samples' honest files, Sequential, functional, layers made output first,
separate Activation layers, tf.keras imports, required parameters, ..., and the same file
saved as cp949, with a BOM and with CRLF line ends) and two other networks.  Alternately,
each round:

1. one of its files graded alone (no cache);
2. the whole class, with an empty trainings cache (target: at most 3.0 x the file alone);
3. the whole class again into a new output folder, with the cache the class run left
   (target: at most 0.4 x the class run);
4. the same with --regrade: every file built and checked again, the networks from the cache
   (what each file's sandboxed stage costs: the basis of the estimate below).

Then, from the number of trainings and the times measured, an estimate of the CPU-hours a
class of 300 files costs at the homework's own settings (50,000 images, 15 epochs).

Real CIFAR-10 from $CIFAR10_DATA or ../shared/data/cifar10.npz.

    python bench/bench_grade_class.py [--repeats 3] [--train-size 20000] [--workers 2]
"""

import argparse
import os
import shutil
import statistics
import tempfile

from timing import PYTHON, REPO_ROOT, data_file, print_ratio, run_seconds

SAMPLES = os.path.join(REPO_ROOT, "tests", "homework_samples")
HOMEWORK_WAYS = ("correct", "correct_functional", "correct_2019_style", "correct_try_imports",
                 "correct_required_parameters", "correct_tensorflow_functions",
                 "correct_activation_layers", "correct_layers_built_backwards",
                 "prints_megabytes")
OTHER_NETWORKS = ("wrong_sizes", "wrong_activations")
HOMEWORK_SETTINGS = (50_000, 15)  # training images and epochs the homework asks for
CLASS_SIZE = 300


def write_class(folder):
    """The 14 files: 9 samples, the first also as cp949, with a BOM and CRLF, and 2 others."""
    os.makedirs(folder)
    for name in HOMEWORK_WAYS + OTHER_NETWORKS:
        shutil.copy(os.path.join(SAMPLES, name + ".py"), os.path.join(folder, name + ".py"))
    with open(os.path.join(SAMPLES, "correct.py"), encoding="utf-8") as file:
        correct = "# 과제: 신경망 모델\n" + file.read()
    for name, content in (("saved_as_cp949", correct.encode("cp949")),
                          ("saved_with_bom", b"\xef\xbb\xbf" + correct.encode()),
                          ("saved_with_crlf", correct.replace("\n", "\r\n").encode())):
        with open(os.path.join(folder, name + ".py"), "wb") as file:
            file.write(content)
    return len(os.listdir(folder))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds of alternating runs")
    parser.add_argument("--train-size", type=int, default=20000, help="training images")
    parser.add_argument("--workers", type=int, default=2, help="the grader's --workers")
    args = parser.parse_args()
    cifar = data_file("cifar10.npz", "CIFAR10_DATA")
    times = {"class": [], "file alone": [], "class again": [], "class rebuilt": []}
    with tempfile.TemporaryDirectory() as scratch:
        files = write_class(os.path.join(scratch, "class"))
        alone = os.path.join(scratch, "alone")
        os.makedirs(alone)
        shutil.copy(os.path.join(SAMPLES, "correct.py"), alone)
        settings = ["--data", cifar, "--train-size", str(args.train_size), "--epochs", "1",
                    "--workers", str(args.workers)]
        for number in range(args.repeats):
            cache = os.path.join(scratch, f"cache-{number}")
            runs = {"file alone": [alone, "--no-cache", "--out", os.path.join(scratch, f"a{number}")],
                    "class": [os.path.join(scratch, "class"), "--cache", cache,
                              "--out", os.path.join(scratch, f"c{number}")],
                    "class again": [os.path.join(scratch, "class"), "--cache", cache,
                                    "--out", os.path.join(scratch, f"d{number}")],
                    "class rebuilt": [os.path.join(scratch, "class"), "--cache", cache, "--regrade",
                                      "--out", os.path.join(scratch, f"e{number}")]}
            for name, arguments in runs.items():
                times[name].append(run_seconds([PYTHON, "cifar/grade_homework.py", *arguments,
                                                *settings]))
            trainings = len([name for name in os.listdir(cache) if name.endswith(".json")])
            print(f"round {number + 1}/{args.repeats}: " +
                  ", ".join(f"{name} {seconds[-1]:.1f} s" for name, seconds in times.items()) +
                  f"; {files} files, {trainings} trainings", flush=True)
    print_ratio(times, "class", "file alone", limit=3.0)
    print_ratio(times, "class again", "class", limit=0.4)
    print_ratio(times, "class rebuilt", "class")
    estimate(args, times, files, trainings)


def estimate(args, times, files, trainings):
    """CPU-hours of a class of 300 at the homework's settings, from what was measured: each
    file's student stage and checks cost what the cached run spent on it, each distinct
    network one training scaled to 50,000 images and 15 epochs."""
    stage = statistics.median(times["class rebuilt"]) * args.workers / files  # CPU-s per file
    training = statistics.median(times["file alone"]) - stage  # one training, 1 thread
    images, epochs = HOMEWORK_SETTINGS
    full_training = training * images / args.train_size * epochs
    print(f"one training at the homework's settings: about {full_training / 60:.0f} CPU-minutes "
          f"(measured {training:.1f} s for {args.train_size:,} images, 1 epoch); "
          f"each file's sandboxed stage and checks: {stage:.1f} CPU-s")
    share = trainings / files
    for distinct in sorted({10, 30, round(CLASS_SIZE * share), CLASS_SIZE}):
        hours = (distinct * full_training + CLASS_SIZE * stage) / 3600
        label = ("every file its own training, as before" if distinct == CLASS_SIZE else
                 "this class's share of distinct networks" if distinct == round(CLASS_SIZE * share)
                 else "")
        print(f"  {CLASS_SIZE} files in {distinct:>3} distinct networks: {hours:6.1f} CPU-hours"
              + (f"  ({label})" if label else ""))


if __name__ == "__main__":
    main()
