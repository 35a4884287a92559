"""Time `python mnist_keras/Train_NN_keras.py` against a bare Keras script doing the same work.

Both run as whole processes (load MNIST, fit the course's hidden-layer model, evaluate,
save .h5), alternately, on the real MNIST ($MNIST_DATA or ../shared/data/mnist.npz); prints
each run, the medians and their ratio (target <= 1.10).

    python bench/bench_train_keras.py [--repeats 3] [--epochs 15]
"""

import argparse
import os
import tempfile

from timing import PYTHON, alternate, data_file, print_ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds of alternating runs")
    parser.add_argument("--epochs", type=int, default=15, help="epochs of each fit")
    args = parser.parse_args()
    mnist = data_file("mnist.npz", "MNIST_DATA")
    with tempfile.TemporaryDirectory() as scratch:
        commands = {
            "Train_NN_keras.py": [PYTHON, "mnist_keras/Train_NN_keras.py", "--data", mnist,
                                  "--epochs", str(args.epochs), "--hidden",
                                  "--model", os.path.join(scratch, "suite.h5")],
            "bare Keras": [PYTHON, "bench/bare_keras_mnist.py", mnist,
                           os.path.join(scratch, "bare.h5"), str(args.epochs)],
        }
        times = alternate(commands, args.repeats)
        print_ratio(times, "Train_NN_keras.py", "bare Keras", limit=1.10)


if __name__ == "__main__":
    main()
