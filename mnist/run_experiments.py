"""Rerun the lectures' experiments through the real scripts and put the results side by side.

Machine Learning in Practice #3: the course's softmax network, the hidden layer that makes
accuracy drop, and what changes it (random initial weights, ReLU, Adam, longer training),
Fashion-MNIST, the Keras pair and, with --all, the CIFAR-10 homework.  #4: the convolutional
network against them on MNIST and Fashion-MNIST, its Keras version with Adadelta as Keras 2
and as Keras 3 read the course's "adadelta", and, with --all, the CIFAR-10 CNN homework's
reference answer against the MLP homework's.  Each experiment runs
the training script and then its test script, each in its own process, exactly as a
student would type them.  Writes model/experiments.md (experiment, command, training and
test accuracy, seconds) and model/experiments.png (the test accuracies side by side, and
the test accuracy during training of the TensorFlow 1.x runs).

    python run_experiments.py --quick         # shorter versions, about 10 minutes on 2 cores
    python run_experiments.py                 # the lecture's settings
    python run_experiments.py --all --cifar10 ../../shared/data/cifar10.npz
"""

import glob
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, plots
from nnlab.i18n import _
from nnlab.paths import MODEL_DIR, REPO_ROOT, ensure_writable_folder

TF1 = ("mnist/Train_NN.py", "mnist/Test_NN.py", ".ckpt")
KERAS = ("mnist_keras/Train_NN_keras.py", "mnist_keras/Test_NN_keras.py", ".h5")
CIFAR = ("cifar/Train_NN_cifar.py", "cifar/Test_NN_cifar.py", ".h5")
TF1_CNN = ("mnist/Train_CNN.py", "mnist/Test_CNN.py", ".ckpt")
KERAS_CNN = ("mnist_keras/Train_CNN_keras.py", "mnist_keras/Test_CNN_keras.py", ".h5")
CIFAR_CNN = ("cifar/Train_CNN_cifar.py", "cifar/Test_CNN_cifar.py", ".h5")
REFERENCE = ["--solution", "grader/reference_solution.py"]
CNN_REFERENCE = ["--solution", "grader/cnn_reference_solution.py"]

# name, scripts, flags, flags for --quick (in place of the length of training), long?
EXPERIMENTS = [
    ("course softmax (zero init, sgd)", TF1, [], ["--steps", "300"], False),
    ("hidden layer, zero init", TF1, ["--hidden"], ["--steps", "300"], False),
    ("hidden layer, zero init, on exact arithmetic", TF1, ["--hidden", "--exact-symmetry"],
     ["--steps", "300"], False),
    ("hidden layer, Glorot init", TF1, ["--hidden", "--init", "glorot"], ["--steps", "300"], False),
    ("hidden layer, Glorot, ReLU", TF1, ["--hidden", "--init", "glorot", "--activation", "relu"],
     ["--steps", "300"], False),
    ("hidden layer, Glorot, Adam", TF1, ["--hidden", "--init", "glorot", "--optimizer", "adam",
                                         "--learning-rate", "0.001"], ["--steps", "300"], False),
    ("hidden layer, Glorot, ReLU, Adam, 300 units, more steps", TF1,
     ["--hidden", "--init", "glorot", "--activation", "relu", "--optimizer", "adam",
      "--hidden-units", "300", "--steps", "6000", "--shuffle"], ["--steps", "600"], False),
    ("course softmax on Fashion-MNIST", TF1, ["--dataset", "fashion_mnist"], ["--steps", "300"],
     False),
    ("convolutional network (lecture 4, keep_prob 0.5)", TF1_CNN, [],
     ["--steps", "200"], False),
    ("convolutional network on Fashion-MNIST", TF1_CNN, ["--dataset", "fashion_mnist"],
     ["--steps", "200"], False),
    ("Keras, no hidden layer (2019 default)", KERAS, [], ["--epochs", "1"], False),
    ("Keras, hidden layer", KERAS, ["--hidden"], ["--epochs", "1"], False),
    ("Keras CNN, Adadelta learning rate 1.0 (Keras 2's 'adadelta')", KERAS_CNN, [],
     ["--epochs", "1"], False),
    ("Keras CNN, 'adadelta' as Keras 3 reads it (learning rate 0.001)", KERAS_CNN,
     ["--adadelta-keras3-default"], ["--epochs", "1"], False),
    ("CIFAR-10 reference, course settings", CIFAR, REFERENCE,
     ["--epochs", "1", "--train-size", "5000"], True),
    ("CIFAR-10 reference, scaled, ReLU, Adam", CIFAR,
     REFERENCE + ["--scale", "--activation", "relu", "--optimizer", "adam", "--learning-rate",
                  "0.0001"], ["--epochs", "1", "--train-size", "5000"], True),
    ("CIFAR-10 CNN reference (raw pixels, Adam, 20 epochs)", CIFAR_CNN, CNN_REFERENCE,
     ["--epochs", "1", "--train-size", "5000"], True),
]
ACCURACY = re.compile(r"Accuracy of trained model against (test|training) data: ([0-9.]+)")


def parse_args(argv=None):
    def flags(parser):
        parser.add_argument("--quick", action="store_true",
                            help=_("shorter training for every experiment (about 10 minutes in "
                                   "all)"))
        parser.add_argument("--all", action="store_true",
                            help=_("also the CIFAR-10 homeworks' runs (15 and 20 epochs: long)"))
        for name, variable in (("mnist", "MNIST_DATA"), ("fashion-mnist", "FASHION_MNIST_DATA"),
                               ("cifar10", "CIFAR10_DATA")):
            parser.add_argument(f"--{name}", metavar="PATH",
                                help=_("local copy of the data (also ${variable}); otherwise "
                                       "Keras' cache or a download").format(variable=variable))
        parser.add_argument("--out", metavar="DIR", default=str(MODEL_DIR),
                            help=_("where experiments.md, experiments.png and the models go"))
    return cli.parse(__doc__, argv, flags)


def shortened(flags, quick):
    """`flags` with their length of training (--steps N, --epochs N) replaced by `quick`'s."""
    kept, skip = [], False
    for flag in flags:
        if skip:
            skip = False
        elif flag in ("--steps", "--epochs", "--train-size") and flag in quick:
            skip = True
        else:
            kept.append(flag)
    return kept + quick


class Failed(Exception):
    """One experiment's script failed: its last line says why."""


def run(command, env):
    """Run one script; its output, or Failed with the script's last line."""
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise Failed((result.stderr.strip().splitlines() or ["(no message)"])[-1])
    return result.stdout


def test_accuracy_curve(logdir):
    """(steps, test accuracies) from a TF1 run's TensorBoard events."""
    from nnlab.quiet_tensorflow import import_tensorflow
    tf = import_tensorflow()
    points = []
    for path in glob.glob(os.path.join(logdir, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            points += [(event.step, value.simple_value) for value in event.summary.value
                       if value.tag == "test_accuracy"]
    return [step for step, _ in sorted(points)], [value for _, value in sorted(points)]


def main(argv=None):
    parser, args = parse_args(argv)
    # no window waits to be closed; the scripts' accuracies are read from their English lines
    env = dict(os.environ, PYTHONUNBUFFERED="1", MPLBACKEND="Agg", LANGUAGE="en")
    for name, variable in (("mnist", "MNIST_DATA"), ("fashion_mnist", "FASHION_MNIST_DATA"),
                           ("cifar10", "CIFAR10_DATA")):
        if getattr(args, name):
            if not os.path.exists(getattr(args, name)):
                parser.error(_("argument --{flag}: {path} does not exist").format(
                    flag=name.replace("_", "-"), path=getattr(args, name)))
            env[variable] = os.path.abspath(getattr(args, name))
    chosen = [experiment for experiment in EXPERIMENTS if args.all or not experiment[4]]
    folder = ensure_writable_folder(os.path.join(args.out, "experiments"), "--out DIR")
    rows, curves, failures = [], {}, []
    with tempfile.TemporaryDirectory(prefix="experiments-") as logs:
        for number, (name, (train, test, extension), flags, quick, _long) in enumerate(chosen, 1):
            model = os.path.join(folder, f"experiment{number}{extension}")
            flags = shortened(flags, quick) if args.quick else flags
            logdir = os.path.join(logs, str(number))
            command = ["python", train] + flags
            print(f"[{number}/{len(chosen)}] {name}: {' '.join(command)}", flush=True)
            start = time.perf_counter()
            extra = ["--logdir", logdir] if train in (TF1[0], TF1_CNN[0]) else []
            try:
                run([sys.executable, train, *flags, "--model", model, *extra], env)
                training = time.perf_counter() - start
                tested = run([sys.executable, test, "--model", model, "--samples", "0",
                              "--no-pictures"], env)
            except Failed as why:  # the others still run, and this one's row says why
                failures.append((name, " ".join(command), str(why)))
                print("    " + _("failed: {reason}").format(reason=why), flush=True)
                continue
            seconds = time.perf_counter() - start
            accuracies = dict(ACCURACY.findall(tested))
            rows.append((name, " ".join(command), float(accuracies["training"]),
                         float(accuracies["test"]), seconds))
            print("    " + _("test accuracy {accuracy}, {seconds} s (training {training} "
                          "s)").format(accuracy=f"{float(accuracies['test']):.2%}",
                                       seconds=f"{seconds:.0f}", training=f"{training:.0f}"),
                  flush=True)
            if extra:
                curves[name] = test_accuracy_curve(logdir)

    table = ["| experiment | command | train accuracy | test accuracy | seconds |",
             "| --- | --- | --- | --- | --- |"]
    table += [f"| {name} | `{command}` | {train:.2%} | {test:.2%} | {seconds:.0f} |"
              for name, command, train, test, seconds in rows]
    table += [f"| {name} | `{command}` | failed: {why.replace('|', '/')} | – | – |"
              for name, command, why in failures]
    with open(os.path.join(args.out, "experiments.md"), "w") as file:
        file.write(f"# The lectures' experiments{' (--quick)' if args.quick else ''}\n\n"
                   f"Written by `python mnist/run_experiments.py{' --quick' if args.quick else ''}"
                   f"{' --all' if args.all else ''}`; each command was followed by its test "
                   "script, whose accuracies these are.\n\n" + "\n".join(table) + "\n")
    print(_("Table written to {path}").format(path=os.path.join(args.out, "experiments.md")))
    if rows:
        plots.save(plots.experiments(rows, curves, args.quick),
                   os.path.join(args.out, "experiments.png"))
        plots.show_saved()
    if failures:
        raise SystemExit(_("error: {failed} of {count} experiments failed ({names}): their "
                           "rows in {path} say why").format(
                               failed=len(failures), count=len(chosen),
                               names="; ".join(failure[0] for failure in failures),
                               path=os.path.join(args.out, "experiments.md")))


if __name__ == "__main__":
    main()
