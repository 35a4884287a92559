"""The only place a submission's code runs: build its model and save it, nothing more.

    python -I student_stage.py SUBMISSION.py FUNCTION ARGUMENTS_JSON MODEL_FILE STATUS_FILE

Started by the grader inside its sandbox, in a scratch folder that holds a copy of the
submission alone.  It executes the file's imports, assignments and definitions (also those
nested in ``try``, ``if`` and ``with`` blocks), but no module-level call, loop or
``if __name__ == "__main__":`` block, and no assignment that starts work (``run()``,
``fit``, ``load_data()``); then it calls the homework's FUNCTION (``NN_model()``,
``CNN_model()``) as its handout does (with the ARGUMENTS_JSON the handout passes, where the
function takes them) and writes what it returns to MODEL_FILE: the model's architecture and
compile settings (config.json and metadata.json of Keras' .keras format; no weights, the
grader trains from fresh ones).  It receives no data and sends back no score: the grader
reads the saved model as data.  STATUS_FILE says what went wrong, for the report only.

Standard library and Keras only: inside the sandbox nothing of the suite is visible.
"""

import ast
import inspect
import json
import os
import sys
import tokenize
import zipfile

SUITE_PACKAGES = {"nnlab"}
WORK_METHODS = {"fit", "fit_generator", "train_on_batch", "evaluate", "predict",
                "predict_classes", "save", "load_data", "load_model"}
BLOCKED_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                  "os.fork", "os.forkpty", "os.kill", "os.killpg", "ctypes.dlopen",
                  "ctypes.dlsym", "ctypes.call_function", "socket.", "pty.spawn",
                  "sqlite3.connect", "_posixsubprocess", "os.startfile", "webbrowser")
PATH_EVENTS = {"os.remove": (0,), "os.rename": (0, 1), "os.rmdir": (0,), "os.mkdir": (0,),
               "os.chmod": (0,), "os.chown": (0,), "os.link": (0, 1), "os.symlink": (1,),
               "os.truncate": (0,), "os.utime": (0,), "shutil.rmtree": (0,),
               "shutil.copyfile": (1,), "shutil.copytree": (1,), "shutil.move": (1,)}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class Tripwire:
    """An audit hook that refuses and records what a model builder has no reason to do.

    Python code can get around an audit hook (PEP 578 says so): the operating-system
    sandbox is the boundary.  This reports, for the instructor, what a file tried.
    """

    def __init__(self, work_folder, readable):
        self.work = os.path.realpath(work_folder)
        self.readable = [os.path.realpath(path) for path in readable]
        self.seen = []

    def inside(self, path, roots):
        if isinstance(path, int):
            return True  # an already open descriptor
        path = os.path.realpath(os.fsdecode(path))
        return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep)
                   for root in roots)

    def refuse(self, what):
        if len(self.seen) < 20:
            self.seen.append(what)
        raise PermissionError(f"the grader forbids {what}")

    def __call__(self, event, args):
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                     (isinstance(flags, int) and flags & WRITE_FLAGS)
            if writes and not self.inside(path, [self.work]):
                self.refuse(f"writing outside the working folder: {os.fsdecode(path)}")
            if not self.inside(path, [self.work] + self.readable):
                self.refuse(f"reading outside the Python installation: {os.fsdecode(path)}")
            if not self.inside(path, [self.work]) and os.path.isdir(path):
                self.refuse(f"opening a folder outside the working folder: {os.fsdecode(path)}")
        elif event in PATH_EVENTS:
            for index in PATH_EVENTS[event]:
                if index < len(args) and args[index] is not None and \
                        not self.inside(args[index], [self.work]):
                    self.refuse(f"{event} outside the working folder: {args[index]}")
        elif event.startswith(BLOCKED_EVENTS):
            self.refuse(f"{event} in a submission")


def python_folders():
    """Where the interpreter and its packages live: what the submission's imports may read."""
    import site
    import sysconfig
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages()}
    folders.update(path for path in sysconfig.get_paths().values())
    folders.update(path for path in sys.path if path and os.path.isdir(path))
    return sorted(folders) + ["/usr", "/lib", "/lib64", "/etc", "/proc/self", "/dev/null",
                              "/dev/urandom", "/sys/devices/system/cpu"]


def read_source(path):
    """The submission as text: its coding cookie or BOM, else UTF-8, else cp949 (Korean Windows)."""
    with open(path, "rb") as file:
        raw = file.read()
    try:
        encoding, _ = tokenize.detect_encoding(iter(raw.splitlines(keepends=True)).__next__)
        return raw.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        pass
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", errors="replace")


def is_main_guard(statement):
    test = statement.test
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__")


def starts_work(statement, defined):
    """Whether an assignment or expression calls the file's own functions or training methods."""
    for node in ast.walk(statement):
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda)):
            return True
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in defined:
                return True
            if isinstance(function, ast.Attribute) and function.attr in WORK_METHODS:
                return True
    return False


def imports_the_suite(statement):
    """Whether a statement imports the suite's own plumbing (the handout's `from nnlab ...`),
    which the stage does not have and the model builder does not need."""
    names = [alias.name for alias in statement.names] if isinstance(statement, ast.Import) \
        else [statement.module or ""] if isinstance(statement, ast.ImportFrom) else []
    return any(name.split(".")[0] in SUITE_PACKAGES for name in names)


def kept(statements, defined):
    """The statements of a block that build definitions, with nested blocks filtered alike."""
    result = []
    for statement in statements:
        if imports_the_suite(statement):
            continue
        if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef,
                                  ast.AsyncFunctionDef, ast.ClassDef, ast.Pass)):
            result.append(statement)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if not starts_work(statement, defined):
                result.append(statement)
        elif isinstance(statement, ast.If) and not is_main_guard(statement):
            if not starts_work(statement.test, defined):
                statement.body = kept(statement.body, defined) or [ast.Pass()]
                statement.orelse = kept(statement.orelse, defined)
                result.append(statement)
        elif isinstance(statement, ast.Try):
            statement.body = kept(statement.body, defined) or [ast.Pass()]
            for handler in statement.handlers:
                handler.body = kept(handler.body, defined) or [ast.Pass()]
            statement.orelse = kept(statement.orelse, defined)
            statement.finalbody = kept(statement.finalbody, defined)
            result.append(statement)
        elif isinstance(statement, ast.With):
            if not any(starts_work(item, defined) for item in statement.items):
                statement.body = kept(statement.body, defined) or [ast.Pass()]
                result.append(statement)
    return result


def definitions_only(source, file_name):
    """The submission's definitions as (line, code object) pairs, each run on its own."""
    tree = ast.parse(source, file_name)
    defined = {node.name for node in ast.walk(tree)
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    statements = kept(tree.body, defined)
    return [(statement.lineno, compile(ast.fix_missing_locations(
        ast.Module(body=[statement], type_ignores=[])), file_name, "exec"))
            for statement in statements]


def call_builder(builder, name, handout_arguments):
    """The model builder called as the handout calls it: with the arguments the handout passes
    (NN_model's activation and optimizer) where it takes them."""
    try:
        parameters = inspect.signature(builder).parameters
    except (TypeError, ValueError):
        parameters = {}
    arguments = {key: value for key, value in handout_arguments.items() if key in parameters}
    missing = [key for key, parameter in parameters.items()
               if key not in arguments and parameter.default is parameter.empty
               and parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD,
                                      parameter.KEYWORD_ONLY)]
    if missing:
        raise TypeError(f"{name}() needs {', '.join(missing)}, which the handout never passes")
    return builder(**arguments)


def N_(message):
    """Marks a message the grader translates when it reads the status (nnlab.i18n is not here)."""
    return message


def say(status, said, **values):
    """The stage's error, in English and as (message, values) for the grader to translate."""
    values = {key: str(value)[:300] for key, value in values.items()}
    status["error"] = said.format(**values)
    status["said"] = [said, values]


def build(submission, name, handout_arguments, model_file, status):
    """Run the submission's definitions and the function `name`; save the model in
    `model_file`.  Fills `status`."""
    try:
        source = read_source(submission)
        statements = definitions_only(source, os.path.basename(submission))
    except SyntaxError as error:
        say(status, N_("syntax error at line {line}: {problem}"), line=error.lineno,
            problem=error.msg)
        return
    except (RecursionError, MemoryError):  # Python's own parser and compiler give up
        say(status, N_("Python cannot compile the file: an expression is nested too deeply"))
        return
    except ValueError as error:  # null bytes, on Python versions that say so this way
        say(status, N_("the file is not Python source: {error}"), error=error)
        return
    namespace = {"__name__": "submission", "__file__": os.path.abspath(submission),
                 "__builtins__": __builtins__}
    for line, code in statements:
        try:
            exec(code, namespace)
        except Exception as error:
            status["problems"].append(f"line {line}: {type(error).__name__}: {error}"[:300])
    builder = namespace.get(name)
    if not callable(builder):
        if status["problems"]:
            say(status, N_("no {name}(): {reason}"), name=name,
                reason="; ".join(status["problems"]))
        else:
            say(status, N_("no {name}(): the file defines no function {name}()"), name=name)
        return
    try:
        model = call_builder(builder, name, handout_arguments)
    except NotImplementedError as error:
        if str(error):
            say(status, N_("{name}() is not written yet (it raises NotImplementedError: "
                           "{detail}): implement it where the handout says IMPLEMENT HERE"),
                name=name, detail=error)
        else:
            say(status, N_("{name}() is not written yet (it raises NotImplementedError): "
                           "implement it where the handout says IMPLEMENT HERE"), name=name)
        return
    except (Exception, SystemExit) as error:
        if isinstance(error, MemoryError) or type(error).__name__ == "ResourceExhaustedError":
            say(status, N_("ran out of memory in {name}(), building its network: a network this "
                           "big cannot be graded; make it much smaller"), name=name)
            return
        message = N_("{name}() called sys.exit {error}") if isinstance(error, SystemExit) \
            else N_("{name}() raised {error}")
        say(status, message, name=name, error=f"{type(error).__name__}: {error}")
        return
    import keras
    if model is None:
        say(status, N_("{name}() returned None, not a Keras model: end it with "
                       "`return model`"), name=name)
        return
    if not isinstance(model, keras.Model):
        say(status, N_("{name}() returned {kind}, not a Keras model"), name=name,
            kind=type(model).__name__)
        return
    try:
        save_architecture(model, keras, model_file)
    except Exception as error:
        say(status, N_("the model cannot be saved as .keras, so it cannot be graded "
                       "({error})"), error=f"{type(error).__name__}: {error}")


def save_architecture(model, keras, model_file):
    """`model_file` as Keras' .keras zip without its weights: config.json and metadata.json."""
    config = json.dumps(keras.saving.serialize_keras_object(model))
    metadata = json.dumps({"keras_version": keras.__version__})
    with open(model_file, "r+b") as file:  # the grader's own file, written in place
        file.truncate()
        with zipfile.ZipFile(file, "w") as archive:
            archive.writestr("metadata.json", metadata)
            archive.writestr("config.json", config)


def import_keras_quietly():
    """Import Keras before the tripwire (TensorFlow reads many files), its start-up noise muted."""
    import tempfile
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401
            from keras.src.saving import saving_lib  # noqa: F401  (what model.save needs)
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def main():
    if sys.path and os.path.realpath(sys.path[0]) == os.path.dirname(os.path.realpath(__file__)):
        del sys.path[0]  # the grader's own folder is nothing the submission may import from
    submission, name, arguments, model_file, status_file = sys.argv[1:6]
    import_keras_quietly()

    tripwire = Tripwire(os.getcwd(), python_folders())
    sys.addaudithook(tripwire)
    status = {"error": None, "problems": [], "flags": tripwire.seen}
    try:
        build(submission, name, json.loads(arguments), model_file, status)
    finally:
        status["error"] = status["error"] and status["error"][:500]
        with open(status_file, "w") as file:
            json.dump(status, file)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # done: TensorFlow's own tear-down takes a second and helps nobody


if __name__ == "__main__":
    main()
