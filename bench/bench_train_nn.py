"""Time `python mnist/Train_NN.py` against a bare TF1 script doing the same work, and --help.

Both run as whole processes, alternately, on the real MNIST ($MNIST_DATA or
../shared/data/mnist.npz); prints each run, the medians and their ratio (target <= 1.15).

    python bench/bench_train_nn.py [--repeats 5]
"""

import argparse
import os
import statistics
import tempfile

from timing import PYTHON, alternate, data_file, print_ratio, run_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds of alternating runs")
    args = parser.parse_args()
    mnist = data_file("mnist.npz", "MNIST_DATA")
    with tempfile.TemporaryDirectory() as scratch:
        commands = {
            "Train_NN.py": [PYTHON, "mnist/Train_NN.py", "--data", mnist,
                            "--model", os.path.join(scratch, "suite.ckpt")],
            "bare TF1": [PYTHON, "bench/bare_tf1_mnist.py", mnist,
                         os.path.join(scratch, "bare.ckpt")],
        }
        times = alternate(commands, args.repeats)
        print_ratio(times, "Train_NN.py", "bare TF1", limit=1.15)
        help_times = [run_seconds([PYTHON, "mnist/Train_NN.py", "--help"]) for _ in range(5)]
        print(f"python mnist/Train_NN.py --help: median {statistics.median(help_times):.3f} s "
              "(limit 0.5 s)")


if __name__ == "__main__":
    main()
