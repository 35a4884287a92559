"""What recording the inside of the network, TensorBoard logs and pictures add to Train_NN.py.

On the course's hidden-layer run (`--hidden`), whole processes, alternately, on the real MNIST
($MNIST_DATA or ../shared/data/mnist.npz); prints the medians and their ratios:

1. recording the gradient norm of each weight matrix and the saturation of the sigmoid units
   every 10 steps, and drawing them (the default), against `--no-gradients` (target <= 1.10);
2. all of the logging and pictures (--logdir, curves, gradients) against --no-pictures and no
   log, which records nothing (for information).

    python bench/bench_pictures.py [--repeats 5]
"""

import argparse
import os
import tempfile

from timing import PYTHON, alternate, data_file, print_ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds of alternating runs")
    args = parser.parse_args()
    mnist = data_file("mnist.npz", "MNIST_DATA")
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    with tempfile.TemporaryDirectory() as scratch:
        train = [PYTHON, "mnist/Train_NN.py", "--data", mnist, "--hidden"]
        times = alternate({
            "gradients recorded": train + ["--model", os.path.join(scratch, "a", "m.ckpt"),
                                           "--logdir", os.path.join(scratch, "runs-a")],
            "not recorded": train + ["--model", os.path.join(scratch, "b", "m.ckpt"),
                                     "--logdir", os.path.join(scratch, "runs-b"),
                                     "--no-gradients"],
            "no log, no pictures": train + ["--model", os.path.join(scratch, "c", "m.ckpt"),
                                            "--no-pictures"],
        }, args.repeats, env=env)
        print_ratio(times, "gradients recorded", "not recorded", limit=1.10)
        print_ratio(times, "gradients recorded", "no log, no pictures")


if __name__ == "__main__":
    main()
