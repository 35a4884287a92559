"""Time `python mnist/Train_CNN.py` against a bare TF1 script doing the same steps, and --help.

Both run as whole processes, alternately, on the real MNIST ($MNIST_DATA or
../shared/data/mnist.npz): the suite's script with everything it does by default (flags,
data checks, the device line, progress, the test-accuracy points and the curves picture,
notes beside the checkpoint) against bench/bare_tf1_cnn.py, the 2019 script's work alone.
Prints each run, the medians and their ratio (target <= 1.15).

    python bench/bench_train_cnn.py [--repeats 3] [--steps 1000]
"""

import argparse
import os
import statistics
import tempfile

from timing import PYTHON, alternate, data_file, print_ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds of alternating runs")
    parser.add_argument("--steps", type=int, default=1000, help="training steps of each run")
    args = parser.parse_args()
    mnist = data_file("mnist.npz", "MNIST_DATA")
    with tempfile.TemporaryDirectory() as scratch:
        commands = {
            "Train_CNN.py": [PYTHON, "mnist/Train_CNN.py", "--data", mnist,
                             "--steps", str(args.steps),
                             "--model", os.path.join(scratch, "suite.ckpt")],
            "bare TF1": [PYTHON, "bench/bare_tf1_cnn.py", mnist,
                         os.path.join(scratch, "bare.ckpt"), str(args.steps)],
        }
        env = dict(os.environ, MPLBACKEND="Agg")  # the picture is written, no window waits
        times = alternate(commands, args.repeats, env)
        print_ratio(times, "Train_CNN.py", "bare TF1", limit=1.15)
        helps = alternate({script: [PYTHON, f"mnist/{script}", "--help"]
                           for script in ("Train_CNN.py", "Train_NN.py")}, 5)
        cnn, mlp = (statistics.median(helps[script]) for script in ("Train_CNN.py", "Train_NN.py"))
        print(f"python mnist/Train_CNN.py --help: median {cnn:.3f} s (limit 0.5 s; "
              f"Train_NN.py --help {mlp:.3f} s in the same rounds)")


if __name__ == "__main__":
    main()
