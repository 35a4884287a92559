"""Read a submission's source, without running it, for what no honest model builder writes.

Building a Keras model needs Keras, a few numbers and perhaps numpy.  It never needs to
reach into the interpreter (``gc``, stack frames, ``sys.modules``), start processes, open
raw file descriptors, patch a library (``keras.Model.predict = ...``), subclass a Keras
model or layer, execute strings, or import the reference answer.  A file that does any of
this is listed for the instructor and its accuracy points are held back: the attempt
cannot raise a grade, whatever the sandbox let it do.  Found by the grader in its own
process from the syntax tree alone.
"""

import ast

MAX_SOURCE_BYTES = 1_000_000
SUSPICIOUS_MODULES = {"gc", "inspect", "ctypes", "cffi", "subprocess", "multiprocessing",
                      "socket", "pty", "signal", "sqlite3", "marshal", "builtins", "importlib",
                      "homework_solution", "reference_solution", "grader", "threading",
                      "_thread", "concurrent", "asyncio", "mmap", "fcntl", "resource", "urllib", "http", "requests", "ftplib", "code", "runpy", "types"}
SUSPICIOUS_CALLS = {"exec", "eval", "compile", "__import__", "globals", "vars", "getattr",
                    "setattr", "delattr", "breakpoint"}
SUSPICIOUS_ATTRIBUTES = {
    "_getframe", "settrace", "setprofile", "addaudithook", "modules", "f_back", "f_locals",
    "f_globals", "gi_frame", "tb_frame", "__globals__", "__code__", "__closure__",
    "__subclasses__", "__builtins__", "__dict__", "__class__", "__bases__", "__mro__",
    "__module__", "__qualname__", "fdopen", "dup", "dup2", "fork", "forkpty", "setsid",
    "setpgid", "kill", "killpg", "system", "popen", "execv", "execve", "execvp", "spawnv",
    "spawnve", "posix_spawn", "spawnv_passfds", "register_keras_serializable",
    "get_custom_objects", "custom_object_scope", "_exit", "abort"}
# the files through which the student stage hands the model back: the grader writes them
GRADER_FILES = {"model.keras", "status.json"}
# attributes suspicious only on these modules: os.open(dir_fd=...), os.write(fd), sys.modules
MODULE_ATTRIBUTES = {"os": {"open", "write", "read", "pipe", "chdir", "chroot", "mkfifo", "mknod",
                            "symlink", "link"},
                     "sys": {"modules", "meta_path", "path_hooks"}}
KERAS_NAMES = {"sigmoid", "softmax", "relu", "tanh", "linear", "categorical_crossentropy",
               "Dense", "Sequential", "Activation", "Input", "Model"}
KERAS_BASES = {"Model", "Sequential", "Functional", "Layer", "Dense", "Loss", "Optimizer",
               "Metric"}


def flags_in(source_bytes):
    """What in the source is worth an instructor's look, as short sentences (empty: nothing)."""
    if len(source_bytes) > MAX_SOURCE_BYTES:
        return [f"a file of {len(source_bytes):,} bytes (more than a model builder needs)"]
    try:
        tree = ast.parse(source_bytes)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the student stage reports the syntax error
    found = []
    imported = set()

    def flag(node, what):
        line = getattr(node, "lineno", "?")
        sentence = f"line {line}: {what}"
        if sentence not in found and len(found) < 20:
            found.append(sentence)

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""]
            for name in names:
                imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
                if name.split(".")[0] in SUSPICIOUS_MODULES:
                    flag(node, f"imports {name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in SUSPICIOUS_CALLS:
            flag(node, f"calls {node.func.id}()")
        elif isinstance(node, ast.Attribute) and (
                node.attr in SUSPICIOUS_ATTRIBUTES or
                node.attr in MODULE_ATTRIBUTES.get(getattr(node.value, "id", None), ())):
            flag(node, f"uses {ast.unparse(node)}")
        elif isinstance(node, ast.ClassDef):
            if node.name in KERAS_NAMES:
                flag(node, f"defines its own class {node.name}, under the name of Keras' one")
            for base in node.bases:
                name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
                if name in KERAS_BASES:
                    flag(node, f"defines class {node.name}, derived from {name}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                node.name in KERAS_NAMES:
            flag(node, f"defines its own {node.name}(), under the name of Keras' one")
        elif isinstance(node, ast.Name) and node.id in ("__builtins__", "__loader__", "__spec__"):
            flag(node, f"uses {node.id}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                node.value.strip().lstrip("./") in GRADER_FILES:
            flag(node, f"names {node.value.strip()}, the file the grader writes itself")
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            root = target
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(target, ast.Attribute) and isinstance(root, ast.Name) and \
                    root.id in imported:
                flag(node, f"changes {ast.unparse(target)} of an imported library")
    return found
