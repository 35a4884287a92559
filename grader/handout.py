"""Build the folder students receive: the labs and the homework, without any answer to it.

    python cifar/make_handout.py handout/           # the students' folder, checked
    python cifar/make_handout.py --check FOLDER     # check a folder made another way

Copies what students use (the MNIST labs, the Keras labs, the homework handout with its
viewer, self-check and test script, the suite's nnlab/ and the grader's checks that the
self-check runs, the READMEs and requirements.txt) and nothing else: not the reference answers
(the MLP's and the CNN's), not the tests (whose samples answer the homework), not the
benchmarks, not the instructor's grading commands.  Then it reads every Python file of the
folder and fails, naming the files, if one builds the MLP homework's network (Dense layers of
3000 and 2000 units) or a convolutional network for CIFAR-10's 32 x 32 x 3 images (the CNN
homework's answer), so that a folder that gives an answer away is never handed out.
"""

import ast
import os
import shutil
import sys

from grader import homeworks
from grader.homeworks import mlp as spec
from nnlab import cli
from nnlab.paths import REPO_ROOT

STUDENT_PARTS = ("NN_comp_graph.py", "CNN_comp_graph.py", "README.md", "README.ko.md",
                 "requirements.txt", "mnist", "mnist_keras", "cifar", "nnlab", "grader",
                 "model/.gitkeep")
INSTRUCTOR_ONLY = (*(homeworks.get(name).reference for name in homeworks.HOMEWORKS),
                   "cifar/grade_homework.py", "cifar/grade_on_slurm.sh", "cifar/make_handout.py",
                   "grader/gradescope.py", "grader/gradescope_run.py")
LEFT_BEHIND = ("__pycache__", ".pyc", ".ipynb_checkpoints")
CONVOLUTIONS = {"Conv2D", "Convolution2D", "SeparableConv2D", "SeparableConvolution2D",
                "DepthwiseConv2D", "conv2d"}  # Keras' layers and tf.nn's function
CIFAR_IMAGE = (32, 32, 3)


def parse_args(argv=None):
    def flags(parser):
        parser.add_argument("folder", metavar="FOLDER",
                            help="where to build the students' folder (must not exist yet)")
        parser.add_argument("--check", action="store_true",
                            help="build nothing: only check FOLDER for the homework's answer")
    parser, args = cli.parse(__doc__, argv, flags)
    if not args.check and os.path.exists(args.folder):
        parser.error(f"argument FOLDER: {args.folder} exists already: give a new folder")
    if args.check and not os.path.isdir(args.folder):
        parser.error(f"argument FOLDER: {args.folder} is not a folder")
    return parser, args


def student_files():
    """(source, path in the handout) of every file students receive."""
    for part in STUDENT_PARTS:
        source = os.path.join(REPO_ROOT, part)
        if os.path.isfile(source):
            yield source, part
        elif os.path.isdir(source):
            for folder, folders, names in os.walk(source):
                folders[:] = sorted(name for name in folders if name not in LEFT_BEHIND)
                for name in sorted(names):
                    path = os.path.relpath(os.path.join(folder, name), REPO_ROOT)
                    if path not in INSTRUCTOR_ONLY and not name.endswith(LEFT_BEHIND):
                        yield os.path.join(folder, name), path


def constant_ints(tree):
    """Module-level names bound to whole numbers (`size_hidden1 = 3000`)."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and \
                isinstance(node.value.value, int):
            found.update({target.id: node.value.value for target in node.targets
                          if isinstance(target, ast.Name)})
    return found


def dense_units(tree):
    """The units a file's Dense(...) calls may have: those read from the calls themselves, and,
    where it makes any Dense layer, every whole number the file names (a loop over
    `(3000, 2000, 10)` builds the same network)."""
    names, units, calls = constant_ints(tree), set(), 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func.attr if isinstance(node.func, ast.Attribute) else \
            getattr(node.func, "id", None)
        if function != "Dense":
            continue
        calls += 1
        value = node.args[0] if node.args else next(
            (keyword.value for keyword in node.keywords if keyword.arg == "units"), None)
        if isinstance(value, ast.Constant) and isinstance(value.value, int):
            units.add(value.value)
        elif isinstance(value, ast.Name) and value.id in names:
            units.add(names[value.id])
    if calls:
        units |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                  and isinstance(node.value, int) and not isinstance(node.value, bool)}
    return units


def called_names(tree):
    """The names of the functions and classes a file calls: `Dense(...)`, `layers.Conv2D(...)`."""
    return {node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            for node in ast.walk(tree) if isinstance(node, ast.Call) and
            isinstance(node.func, (ast.Attribute, ast.Name))}


def names_cifar_images(tree):
    """Whether a file writes CIFAR-10's image shape, (32, 32, 3), as a tuple or a list of
    numbers or of names bound to them (`input_shape = (32, 32, 3)`, `(size, size, 3)`), also
    after a batch size (`tf.reshape(x, [-1, 32, 32, 3])`)."""
    names = constant_ints(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) in (3, 4):
            values = tuple(element.value if isinstance(element, ast.Constant) else
                           names.get(element.id) if isinstance(element, ast.Name) else None
                           for element in node.elts[-3:])
            if values == CIFAR_IMAGE:
                return True
    return False


def answer_given(tree):
    """Which homework's answer a file gives away, in words, or None."""
    if set(spec.UNITS[:-1]) <= dense_units(tree):
        return (f"builds the MLP homework's network (Dense layers of {spec.UNITS[0]} and "
                f"{spec.UNITS[1]} units)")
    if CONVOLUTIONS & called_names(tree) and names_cifar_images(tree):
        return "builds a convolutional network for CIFAR-10's 32 x 32 x 3 images (the CNN homework)"
    return None


def answers(folder):
    """(path, what it gives away) of the Python files under `folder` that answer a homework."""
    found = []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as file:
                        tree = ast.parse(file.read())
                except (SyntaxError, ValueError):
                    continue
                given = answer_given(tree)
                if given:
                    found.append((os.path.relpath(path, folder), given))
    return found


def main(argv=None):
    parser, args = parse_args(argv)
    if not args.check:
        for source, path in student_files():
            target = os.path.join(args.folder, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target)
    found = answers(args.folder)
    if found:
        raise SystemExit(f"error: {args.folder} gives the homework's answer away: " +
                         "; ".join(f"{path} {given}" for path, given in found) +
                         "; remove them before handing it out")
    count = sum(len(names) for _, _, names in os.walk(args.folder))
    print(f"{args.folder}: {count} files, none of them builds the homework's network"
          + ("" if args.check else ": hand it out"))


if __name__ == "__main__":
    sys.exit(main())
