"""Shared test helpers: generated data sets, a local HTTP server, and running the scripts."""

import functools
import http.server
import os
import secrets
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

import numpy as np
import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
# The grader keeps trained networks' accuracies in a cache under $XDG_CACHE_HOME: the tests'
# gradings start from an empty one of their own, never the machine's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="nnlab-test-cache-")
# The data loader keeps every local copy it reads in Keras' cache: the tests' copies (small
# generated data) go to a cache of their own, never the machine's ~/.keras.
os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="nnlab-test-keras-")

SHARED_DATA = os.path.join(REPO_ROOT, "..", "shared", "data")
REAL_MNIST = os.path.join(SHARED_DATA, "mnist.npz")
REAL_CIFAR10 = os.path.join(SHARED_DATA, "cifar10.npz")
REAL_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"

needs_real_mnist = pytest.mark.skipif(
    not os.path.exists(REAL_MNIST), reason=f"real MNIST not found at {REAL_MNIST}")
needs_real_cifar10 = pytest.mark.skipif(
    not os.path.exists(REAL_CIFAR10), reason=f"real CIFAR-10 not found at {REAL_CIFAR10}")
needs_real_fashion_mnist = pytest.mark.skipif(
    not os.path.isdir(REAL_FASHION_MNIST),
    reason="real Fashion-MNIST not installed (Debian package dataset-fashion-mnist)")


def load_script(relative_path):
    """Import a course script as a module (its main() does not run)."""
    import importlib.util
    path = os.path.join(REPO_ROOT, relative_path)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generated_arrays(image_shape, train_size=600, test_size=200, seed=0, noise=60):
    """A learnable stand-in for MNIST or CIFAR-10: each class is a fixed random picture plus noise."""
    rng = np.random.default_rng(seed)
    templates = rng.integers(0, 256, size=(10,) + tuple(image_shape))
    arrays = []
    for size in (train_size, test_size):
        labels = np.arange(size) % 10
        rng.shuffle(labels)
        jitter = rng.integers(-noise, noise + 1, size=(size,) + tuple(image_shape))
        images = np.clip(templates[labels] * 0.6 + 50 + jitter, 0, 255).astype(np.uint8)
        arrays += [images, labels.astype(np.uint8)]
    return arrays


def write_npz(path, arrays):
    x_train, y_train, x_test, y_test = arrays
    np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return str(path)


@pytest.fixture
def mnist_npz(tmp_path):
    """A small generated mnist.npz in Keras' layout."""
    return write_npz(tmp_path / "mnist.npz", generated_arrays((28, 28)))


@pytest.fixture
def script_env(tmp_path):
    """An environment for the scripts: no display, an empty Keras cache, no data variables."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "MNIST_DATA", "CIFAR10_DATA",
                          "FASHION_MNIST_DATA", "NNLAB_MIRROR")}
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):  # English unless a test asks
        env.pop(variable, None)
    env["LANG"] = "C.UTF-8"
    env["KERAS_HOME"] = str(tmp_path / "keras_home")
    env["MPLBACKEND"] = "Agg"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def run_script(script_env):
    """Run a suite script as a student would; returns the CompletedProcess."""
    def run(script, *args, cwd=REPO_ROOT, env=None, timeout=600):
        return subprocess.run([sys.executable, os.path.join(REPO_ROOT, script), *map(str, args)],
                              cwd=cwd, env=env or script_env, capture_output=True, text=True,
                              timeout=timeout)
    return run


def assert_clean_failure(result, *expected_words):
    """A user mistake: non-zero exit, a one-line message with the expected words, no traceback."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    message = result.stderr.strip().splitlines()[-1]
    for word in expected_words:
        assert word in message, message
    return message


def accuracy_from(output, label):
    """The number printed after `label` (e.g. "against test data:") in a script's output."""
    for line in output.splitlines():
        if label in line:
            return float(line.rsplit(":", 1)[1])
    raise AssertionError(f"no line with {label!r} in:\n{output}")


@pytest.fixture
def http_server(tmp_path):
    """Serve a folder on 127.0.0.1; yields (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def run_and_report_tensorflow(script, *args):
    """Run a script's main as `python script args`, in a fresh process; returns the
    CompletedProcess and whether TensorFlow had been imported by the time it ended.
    (-X importtime cannot tell: the quiet import hides what TensorFlow's import writes.)"""
    path = os.path.join(REPO_ROOT, script)
    code = ("import runpy, sys\n"
            f"sys.argv = [{path!r}] + {list(map(str, args))!r}\n"
            "try:\n"
            f"    runpy.run_path({path!r}, run_name='__main__')\n"
            "except SystemExit as leaving:\n"
            "    status = leaving.code\n"
            "print('\\ntensorflow loaded:', 'tensorflow' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=300)
    return result, result.stdout.rstrip().endswith("tensorflow loaded: True")


# A kernel as some machines have it, simulated for the grader and everything it starts: a
# seccomp filter (loaded here, then the command is run) answers Landlock's system calls "not
# implemented", as a kernel without Landlock does, and with "no-namespaces" unshare()
# "not permitted", as in a container without CAP_SYS_ADMIN.
SIMULATED_KERNEL = """
import errno, os, sys
sys.path.insert(0, os.path.join(sys.argv[2], "grader", "sandboxed"))
from launcher import SCMP_ACT_ALLOW, errno_action, load_libseccomp
library = load_libseccomp()
context = library.seccomp_init(SCMP_ACT_ALLOW)
denied = {name: errno.ENOSYS for name in
          ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")}
if sys.argv[1] == "no-namespaces":
    denied["unshare"] = errno.EPERM
for name, number in denied.items():
    assert library.seccomp_rule_add_array(context, errno_action(number),
                                          library.seccomp_syscall_resolve_name(name.encode()),
                                          0, None) == 0, name
assert library.seccomp_load(context) == 0
os.execv(sys.executable, [sys.executable] + sys.argv[3:])
"""


def on_simulated_kernel(kind, command):
    """`command` (which starts with this Python) run on a kernel without Landlock ("no-landlock")
    or without Landlock and namespaces ("no-namespaces")."""
    assert command[0] == sys.executable and kind in ("no-landlock", "no-namespaces")
    return [sys.executable, "-c", SIMULATED_KERNEL, kind, REPO_ROOT, *command[1:]]


class Listeners:
    """Listeners on this machine of every kind a stage could try: TCP and UDP on 127.0.0.1, a
    Unix socket with a path in a folder every user may reach, an abstract Unix socket.
    `heard` collects what reached them, until close()."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="nnlab-listeners-")
        os.chmod(self.folder, 0o755)
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(os.path.join(self.folder, "listener"))
        os.chmod(os.path.join(self.folder, "listener"), 0o777)  # anyone may connect
        self.abstract_name = "nnlab-listener-" + secrets.token_hex(6)
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract.bind("\0" + self.abstract_name)
        for listener in (self.unix, self.abstract):
            listener.listen()
        self.heard = set()
        self.stop_reading, self.stop_writing = os.pipe()
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def places(self):
        return {"@TCP_PORT@": self.tcp.getsockname()[1], "@UDP_PORT@": self.udp.getsockname()[1],
                "@UNIX_PATH@": os.path.join(self.folder, "listener"),
                "@ABSTRACT@": self.abstract_name}

    def _listen(self):
        names = {self.tcp: "tcp", self.udp: "udp", self.unix: "unix", self.abstract: "abstract"}
        while True:
            ready, _, _ = select.select([*names, self.stop_reading], [], [])
            if self.stop_reading in ready:
                return
            for listener in ready:
                self.heard.add(names[listener])
                if listener is self.udp:
                    listener.recv(65536)
                else:
                    listener.accept()[0].close()

    def close(self):
        os.write(self.stop_writing, b"x")
        self.thread.join()
        for listener in (self.tcp, self.udp, self.unix, self.abstract):
            listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        return self.heard
