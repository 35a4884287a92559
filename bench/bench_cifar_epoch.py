"""Time one epoch of the CIFAR-10 homework's reference model, against a bare Keras script.

`python cifar/Train_NN_cifar.py --solution grader/reference_solution.py --epochs 1` and bench/bare_keras_cifar.py (load,
build, fit one epoch with validation_split=0.1, evaluate, save) run as whole processes,
alternately, on the real CIFAR-10 ($CIFAR10_DATA or ../shared/data/cifar10.npz); prints each
run, the medians and their ratio (target <= 1.10).

    python bench/bench_cifar_epoch.py [--repeats 5] [--train-size 50000]

On a shared 2-core machine single runs vary by 20% or more: use at least 5 rounds.
"""

import argparse
import os
import tempfile

from timing import PYTHON, alternate, data_file, print_ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds of alternating runs")
    parser.add_argument("--train-size", type=int, default=50000, help="training images used")
    args = parser.parse_args()
    cifar = data_file("cifar10.npz", "CIFAR10_DATA")
    with tempfile.TemporaryDirectory() as scratch:
        commands = {
            "Train_NN_cifar.py": [PYTHON, "cifar/Train_NN_cifar.py", "--solution",
                                  "grader/reference_solution.py", "--data",
                                  cifar, "--epochs", "1", "--train-size", str(args.train_size),
                                  "--model", os.path.join(scratch, "suite.h5")],
            "bare Keras": [PYTHON, "bench/bare_keras_cifar.py", cifar, "1", str(args.train_size),
                           "train", os.path.join(scratch, "bare.h5")],
        }
        times = alternate(commands, args.repeats)
        print_ratio(times, "Train_NN_cifar.py", "bare Keras", limit=1.10)


if __name__ == "__main__":
    main()
