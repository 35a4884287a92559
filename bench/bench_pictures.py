"""What recording the inside of the network, TensorBoard logs and pictures add to Train_NN.py.

The course's hidden-layer run (`--hidden`), which records cost, accuracy, the gradient norm
of each weight matrix and the saturation of the sigmoid units every 10 steps, writes them to
--logdir and draws the curves and gradients pictures, against the same run with
--no-pictures and no log, which records nothing; whole processes, alternately, on the real
MNIST ($MNIST_DATA or ../shared/data/mnist.npz); prints the medians and their ratio
(target <= 1.10).

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
            "with log and pictures": train + ["--model", os.path.join(scratch, "a", "m.ckpt"),
                                              "--logdir", os.path.join(scratch, "runs")],
            "without": train + ["--model", os.path.join(scratch, "b", "m.ckpt"), "--no-pictures"],
        }, args.repeats, env=env)
        print_ratio(times, "with log and pictures", "without", limit=1.10)


if __name__ == "__main__":
    main()
