"""Check that the CNN lab trains on a GPU where TensorFlow sees one: device, time a step, accuracy.

Runs, as a student would, short real-data runs of the TensorFlow 1.x CNN (mnist/Train_CNN.py
--steps N, then mnist/Test_CNN.py) and of the Keras CNN (mnist_keras/Train_CNN_keras.py
--epochs 1, then Test_CNN_keras.py), each in its own process, and prints for each the device
its training line names, the time a training step took and the test accuracy.  Nothing in the
suite depends on a GPU: on a machine without one the device is "the CPU".  --also-cpu runs
both again with the GPU hidden (CUDA_VISIBLE_DEVICES=""), for the speed-up.

    python bench/gpu_check_cnn.py [--steps 500] [--also-cpu]      # MNIST: $MNIST_DATA or
                                                                   # ../shared/data/mnist.npz
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

from timing import PYTHON, REPO_ROOT, data_file

DEVICE = re.compile(r"^Training .*?on (the [CG]PU[^:]*|GPU \d+):", re.M)
TF1_STEP = re.compile(r"steps done in [0-9.]+s \(([0-9.]+) ms a step\)")
KERAS_STEP = re.compile(r"- ([0-9.]+)(m?s|us)/step")
TEST = re.compile(r"Accuracy of trained model against test data: ([0-9.]+)")


def run(command, env):
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def keras_ms_a_step(output):
    """The last epoch's time a step, as Keras prints it ("71ms/step", "2s/step", "900us/step")."""
    value, unit = KERAS_STEP.findall(output)[-1]
    return float(value) * {"s": 1000, "ms": 1, "us": 0.001}[unit]


def check(name, train, test, step_time, env, model):
    start = time.perf_counter()
    trained = run([PYTHON, *train, "--model", model], env)
    tested = run([PYTHON, test, "--model", model, "--samples", "0", "--no-pictures"], env)
    device = DEVICE.search(trained)
    print(f"{name}: trained on {device.group(1) if device else 'an unnamed device'}, "
          f"{step_time(trained):.1f} ms a step, test accuracy {TEST.search(tested).group(1)} "
          f"({time.perf_counter() - start:.0f} s in all)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500, help="steps of the TF1 CNN's run")
    parser.add_argument("--also-cpu", action="store_true",
                        help="run both again with the GPU hidden from TensorFlow")
    args = parser.parse_args()
    mnist = data_file("mnist.npz", "MNIST_DATA")
    print(f"Python {sys.version.split()[0]}; TensorFlow sees: "
          + run([PYTHON, "-c", "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'; "
                 "import tensorflow as tf; print(tf.__version__, "
                 "[gpu.name for gpu in tf.config.list_physical_devices('GPU')] or 'no GPU')"],
                dict(os.environ)).strip(), flush=True)
    settings = [("", dict(os.environ, MPLBACKEND="Agg"))]
    if args.also_cpu:
        settings.append((" with the GPU hidden", dict(os.environ, MPLBACKEND="Agg",
                                                       CUDA_VISIBLE_DEVICES="")))
    with tempfile.TemporaryDirectory() as scratch:
        for label, env in settings:
            check(f"TF1 CNN, {args.steps} steps of 100{label}",
                  ["mnist/Train_CNN.py", "--data", mnist, "--steps", str(args.steps)],
                  "mnist/Test_CNN.py", lambda output: float(TF1_STEP.search(output).group(1)),
                  env, os.path.join(scratch, "tf1.ckpt"))
            check(f"Keras CNN, 1 epoch of 54,000 images{label}",
                  ["mnist_keras/Train_CNN_keras.py", "--data", mnist, "--epochs", "1"],
                  "mnist_keras/Test_CNN_keras.py", keras_ms_a_step, env,
                  os.path.join(scratch, "keras.h5"))


if __name__ == "__main__":
    main()
