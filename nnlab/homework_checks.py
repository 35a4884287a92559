"""Check and score one student's CIFAR-10 homework.  Runs inside the grader's sandbox.

    python -m nnlab.homework_checks SUBMISSION.py SETTINGS_JSON

Started by cifar/grade_homework.py in a scratch folder, with limits on time, memory and
output.  It loads TensorFlow and the data first; then it forbids, through a Python audit
hook, every write outside the scratch folder and every new process, signal, socket and
native library; then it takes NN_model() out of the submission without running the
rest of it (only imports, plain assignments and definitions are executed), checks the
model, trains it with the grader's settings and measures its test accuracy.  Results go,
one JSON object per line, to the grader's pipe, which the submission's prints cannot reach.
"""

import ast
import json
import os
import sys
import time

import numpy as np

from nnlab.sandbox import send_record as report

EXPECTED_UNITS = [3000, 2000, 10]
EXPECTED_ACTIVATIONS = ["sigmoid", "sigmoid", "softmax"]
EXPECTED_PARAMETERS = 15_241_010
CHECK_NAMES = ("returns a compiled Keras model", "input of 3072 values",
               "Dense layers of 3000, 2000 and 10 units", "activations sigmoid, sigmoid, softmax",
               "15,241,010 parameters", "loss: categorical cross entropy")
BLOCKED_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                  "os.fork", "os.forkpty", "os.kill", "os.killpg", "ctypes.dlopen",
                  "ctypes.dlsym", "ctypes.call_function", "socket.connect", "socket.bind",
                  "socket.sendto", "pty.spawn")
PATH_EVENTS = {"os.remove": (0,), "os.rename": (0, 1), "os.rmdir": (0,), "os.mkdir": (0,),
               "os.chmod": (0,), "os.chown": (0,), "os.link": (0, 1), "os.symlink": (1,),
               "os.truncate": (0,), "os.utime": (0,), "shutil.rmtree": (0,),
               "shutil.copyfile": (1,), "shutil.copytree": (1,), "shutil.move": (1,)}
TRAINING_METHODS = {"fit", "fit_generator", "train_on_batch", "evaluate", "predict",
                    "predict_classes", "save"}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def forbid_outside(scratch):
    """Install the audit hook that keeps the submission inside `scratch`."""
    scratch = os.path.realpath(scratch)

    def inside(path):
        if isinstance(path, int):
            return True  # an already open descriptor
        path = os.path.realpath(os.fsdecode(path))
        return path == scratch or path.startswith(scratch + os.sep)

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                     (isinstance(flags, int) and flags & WRITE_FLAGS)
            if path is not None and writes and not inside(path):
                raise PermissionError(f"the grader forbids writing outside the working folder: {path}")
        elif event in PATH_EVENTS:
            for index in PATH_EVENTS[event]:
                if index < len(args) and args[index] is not None and not inside(args[index]):
                    raise PermissionError(f"the grader forbids {event} outside the working "
                                          f"folder: {args[index]}")
        elif event.startswith(BLOCKED_EVENTS):
            raise PermissionError(f"the grader forbids {event} in a submission")

    sys.addaudithook(hook)


def definitions_only(source, file_name):
    """The submission's imports, assignments and definitions, as (line, code object) pairs.

    Module-level calls (`run()`, `main()`), loops, `if __name__ == "__main__":` blocks, and
    assignments that call the file's own functions or a model's fit/evaluate/predict
    (`history = run()`) are left out: grading must not start the student's training.
    """
    tree = ast.parse(source, file_name)
    definitions = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    defined = {statement.name for statement in tree.body
               if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    kept = [statement for statement in tree.body
            if isinstance(statement, definitions)
            or (isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                and not _starts_work(statement, defined))]
    return [(statement.lineno, compile(ast.Module(body=[statement], type_ignores=[]),
                                       file_name, "exec")) for statement in kept]


def _starts_work(statement, defined):
    for node in ast.walk(statement):
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in defined:
                return True
            if isinstance(function, ast.Attribute) and function.attr in TRAINING_METHODS:
                return True
    return False


def load_nn_model(path):
    """NN_model from the submission, and the problems met on the way (e.g. a failed import)."""
    with open(path, "rb") as file:
        source = file.read()
    namespace = {"__name__": "submission", "__file__": path, "__builtins__": __builtins__}
    problems = []
    for line, code in definitions_only(source, path):
        try:
            exec(code, namespace)
        except Exception as error:
            problems.append(f"line {line}: {type(error).__name__}: {error}")
    return namespace.get("NN_model"), problems


def model_checks(model, keras):
    """(name, passed, reason) for each property the homework asks of NN_model()."""
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    units = [layer.units for layer in dense]
    activations = [getattr(layer.activation, "__name__", str(layer.activation)) for layer in dense]
    width = model.input_shape[-1] if isinstance(model.input_shape, tuple) else model.input_shape
    parameters = model.count_params()
    loss = model.loss
    loss_name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or str(loss)
    return [
        (CHECK_NAMES[1], width == 3072, f"input shape {model.input_shape}"),
        (CHECK_NAMES[2], units == EXPECTED_UNITS, f"Dense units {units}"),
        (CHECK_NAMES[3], activations == EXPECTED_ACTIVATIONS, f"activations {activations}"),
        (CHECK_NAMES[4], parameters == EXPECTED_PARAMETERS, f"{parameters:,} parameters"),
        (CHECK_NAMES[5], loss_name == "categorical_crossentropy", f"loss {loss_name}"),
    ]


def grade(submission, settings):
    from nnlab import datasets
    from nnlab.quiet_tensorflow import import_tensorflow

    tensorflow = import_tensorflow()
    keras = tensorflow.keras
    threads = settings.get("threads")
    if threads:
        tensorflow.config.threading.set_intra_op_parallelism_threads(threads)
        tensorflow.config.threading.set_inter_op_parallelism_threads(1)
    for gpu in tensorflow.config.list_physical_devices("GPU"):
        tensorflow.config.experimental.set_memory_growth(gpu, True)  # workers share the card
    data = datasets.load("cifar10", settings["data"])
    train_size = settings.get("train_size") or len(data.x_train)
    x_train = datasets.flat_images(data.x_train[:train_size], settings["scale"])
    y_train = datasets.one_hot(data.y_train[:train_size])
    x_test = datasets.flat_images(data.x_test, settings["scale"])

    forbid_outside(os.getcwd())
    try:
        nn_model, problems = load_nn_model(submission)
    except SyntaxError as error:
        report(error=f"syntax error at line {error.lineno}: {error.msg}")
        return
    if not callable(nn_model):
        reason = "; ".join(problems) if problems else "the file defines no function NN_model()"
        report(error=f"no NN_model(): {reason}")
        return

    keras.utils.set_random_seed(settings["seed"])
    try:
        model = nn_model()
    except (Exception, SystemExit) as error:
        kind = "called sys.exit" if isinstance(error, SystemExit) else "raised"
        report(error=f"NN_model() {kind} {type(error).__name__}: {error}"[:500])
        return
    if not isinstance(model, keras.Model) or not type(model).__module__.startswith("keras."):
        report(checks=[(CHECK_NAMES[0], False, f"NN_model() returned {type(model).__name__}")])
        return
    compiled = bool(model.compiled)
    checks = [(CHECK_NAMES[0], compiled, "compiled" if compiled else "model.compile() not called")]
    checks += model_checks(model, keras)
    report(checks=checks)
    if not (compiled and checks[1][1] and model.output_shape[-1] == 10):
        return

    start = time.perf_counter()
    try:
        model.fit(x_train, y_train, batch_size=settings["batch_size"],
                  epochs=settings["epochs"], verbose=2)
        probabilities = model.predict(x_test, batch_size=settings["batch_size"], verbose=0)
    except Exception as error:
        report(error=f"training failed: {type(error).__name__}: {error}"[:500])
        return
    predicted = np.argmax(probabilities, axis=1)
    report(accuracy=float(np.mean(predicted == data.y_test)),
           train_seconds=time.perf_counter() - start)


def main():
    submission, settings = sys.argv[1], json.loads(sys.argv[2])
    grade(submission, settings)


if __name__ == "__main__":
    main()
