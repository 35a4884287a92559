"""Run a submission's stage confined by the operating system (bubblewrap), or by processes only.

With bubblewrap (``--sandbox bwrap``, chosen by ``auto`` where it works) the stage sees a
read-only system and Python installation, a small private /work (a tmpfs) holding a
read-only copy of the submission and the two files it may write back, ``model.keras`` and
``status.json``, a small private /tmp, no network, its own process-id namespace
(everything it starts dies with it), and nothing else: not the data, not the suite, not
the submissions folder, not the instructor's home, and no other place to write.  Inside,
and in the process sandbox alone, ``launcher.py`` adds limits on address space, file size,
core dumps and processes, a seccomp filter that lets the stage start threads but no
process, and kills whatever is left when the stage ends.  Output (standard output and
error merged) is kept head and tail only.
"""

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from grader.student_stage import MODEL_FILE, STATUS_FILE, SUBMISSION_NAME

GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
OUTPUT_HEAD = 4_000
OUTPUT_TAIL = 12_000
MAX_PROCESSES = 256
NO_FILTER = 125  # launcher.py's exit status when its seccomp filter cannot be loaded
PRIVATE_FOLDER_BYTES = 128 * 2**20  # each of /work and /tmp inside bubblewrap
PROCESS_FOLDER_BYTES = 256 * 2**20  # the scratch folder of the process sandbox
INSTALL_BUBBLEWRAP = ("install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; "
                      "Fedora: dnf install bubblewrap)")
INSTALL_LIBSECCOMP = "install libseccomp (Debian/Ubuntu: apt-get install libseccomp2)"


@dataclass
class StageRun:
    returncode: int
    timed_out: bool
    memory_exceeded: bool
    seconds: float
    output: str
    output_bytes: int
    folder_exceeded: bool = False

    @property
    def signal_name(self):
        """The signal that stopped the stage ("SIGSEGV"), or None: launcher.py exits with
        128 + N when the stage was killed by signal N; a negative code is the launcher's own."""
        number = -self.returncode if self.returncode < 0 else self.returncode - 128
        if not 0 < number < signal.NSIG:
            return None
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"


def prepare_folder(folder, source):
    """The stage's folder: the submission (`source`, its bytes) and the empty files it may fill."""
    os.makedirs(folder)
    with open(os.path.join(folder, SUBMISSION_NAME), "wb") as file:
        file.write(source)
    for name in (MODEL_FILE, STATUS_FILE):
        open(os.path.join(folder, name), "wb").close()


@functools.lru_cache(maxsize=None)
def bubblewrap_problem():
    """None where bubblewrap can confine a stage here; else why not."""
    if not sys.platform.startswith("linux"):
        return "bubblewrap exists on Linux only"
    if not shutil.which("bwrap"):
        return "bubblewrap (bwrap) is not installed"
    with tempfile.TemporaryDirectory() as probe_folder:
        folder = os.path.join(probe_folder, "stage")
        os.makedirs(folder)
        for name in (SUBMISSION_NAME, MODEL_FILE, STATUS_FILE):
            open(os.path.join(folder, name), "wb").close()
        probe = subprocess.run(bwrap_arguments(folder) + ["--", "/bin/true"],
                               capture_output=True, text=True)
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or ["?"])[-1]
        if "--size" in why:
            why = "bubblewrap 0.5 or newer is needed, to bound its private folders"
        return "bwrap cannot start here (" + why + ")"
    return None


@functools.lru_cache(maxsize=None)
def seccomp_problem():
    """None where the launcher can allow a stage one process only; else why not."""
    if not sys.platform.startswith("linux"):
        return "seccomp exists on Linux only"
    sys.path.insert(0, GRADER_DIR)
    try:
        from launcher import load_libseccomp
    finally:
        sys.path.remove(GRADER_DIR)
    return None if load_libseccomp() else "libseccomp is not installed"


def python_folders():
    """The interpreter's installation and package folders, to be visible read-only."""
    import site
    import sysconfig
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable),
               *site.getsitepackages(), *sysconfig.get_paths().values()}
    real = {os.path.realpath(folder) for folder in folders if os.path.isdir(folder)}
    real |= {folder for folder in folders if os.path.isdir(folder)}
    # Keep only the outermost of nested folders; /usr is bound anyway.
    outer = sorted(folder for folder in real
                   if not any(folder != other and folder.startswith(other.rstrip("/") + "/")
                              for other in real) and not folder.startswith("/usr/"))
    return [folder for folder in outer if folder != "/usr"]


def bwrap_arguments(folder):
    """bubblewrap's options for a stage whose files (see prepare_folder) are in `folder`."""
    size = str(PRIVATE_FOLDER_BYTES)
    arguments = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                 "--cap-drop", "ALL", "--hostname", "sandbox",
                 "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
                 "--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", "/work",
                 "--ro-bind", os.path.join(folder, SUBMISSION_NAME), f"/work/{SUBMISSION_NAME}"]
    for name in (MODEL_FILE, STATUS_FILE):
        arguments += ["--bind", os.path.join(folder, name), f"/work/{name}"]
    arguments += ["--chdir", "/work", "--clearenv"]
    for folder_name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(folder_name):
            arguments += ["--symlink", os.readlink(folder_name), folder_name]
        elif os.path.isdir(folder_name):
            arguments += ["--ro-bind", folder_name, folder_name]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime",
                 "passwd", "group", "nsswitch.conf"):
        arguments += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for python_folder in python_folders():
        arguments += ["--ro-bind", python_folder, python_folder]
    for name in ("launcher.py", "student_stage.py"):
        arguments += ["--ro-bind", os.path.join(GRADER_DIR, name), f"/grader/{name}"]
    # Nothing else is writable: not the root the mounts hang from, not /dev.
    return arguments + ["--remount-ro", "/", "--remount-ro", "/dev"]


def stage_command(mode, folder, memory_mb, timeout, env):
    """The command that runs the student stage on the submission in `folder`."""
    if mode == "bwrap":
        launcher, stage = "/grader/launcher.py", "/grader/student_stage.py"
        prefix = bwrap_arguments(folder)
        for name, value in env.items():
            prefix += ["--setenv", name, value.replace(folder, "/work")]
        prefix.append("--")
    else:
        launcher = os.path.join(GRADER_DIR, "launcher.py")
        stage = os.path.join(GRADER_DIR, "student_stage.py")
        prefix = []
    one_process = "0" if seccomp_problem() else "1"
    return prefix + [sys.executable, "-I", launcher, str(memory_mb), str(timeout),
                     str(MAX_PROCESSES), one_process, sys.executable, "-I", stage,
                     SUBMISSION_NAME]


def run_student_stage(mode, folder, timeout, memory_mb):
    """Run the student stage on the submission in `folder` (see prepare_folder)."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": folder, "TMPDIR": folder,
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
           "MPLBACKEND": "Agg", "KERAS_HOME": folder, "CUDA_VISIBLE_DEVICES": "",
           "TF_CPP_MIN_LOG_LEVEL": "3", "TF_NUM_INTRAOP_THREADS": "1",
           "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
    command = stage_command(mode, folder, memory_mb, timeout, env)
    if mode == "bwrap":
        return run_limited(command, folder, {}, timeout)
    return run_limited(command, folder, env, timeout, folder_limit=PROCESS_FOLDER_BYTES)


def describe(mode):
    """One line on what confines each submission here, for the console and the report."""
    layers = ["bubblewrap (operating-system confinement)" if mode == "bwrap"
              else "a separate, limited process"]
    layers.append("no new processes (seccomp)" if seccomp_problem() is None
                  else f"new processes limited by number only ({seccomp_problem()})")
    return ", ".join(layers)


def run_limited(command, cwd, env, timeout, memory_watch_mb=0, folder_limit=0):
    """Run `command` in its own session; kill its group past `timeout` (+ the launcher's grace).

    `memory_watch_mb`: kill it when its resident memory grows past this (for GPU machines,
    where an address-space limit would stop CUDA).  `folder_limit`: kill it when the files
    under `cwd` grow past this many bytes (the process sandbox's scratch folder is on disk).
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env or None, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    output = CappedReader(process.stdout)
    timed_out = memory_exceeded = folder_exceeded = False
    try:
        while process.poll() is None:
            if time.perf_counter() - start > timeout + 30:  # the launcher's own timer failed
                timed_out = True
                break
            if memory_watch_mb and resident_mb(process.pid) > memory_watch_mb:
                memory_exceeded = True
                break
            if folder_limit and folder_bytes(cwd) > folder_limit:
                folder_exceeded = True
                break
            try:
                process.wait(timeout=0.2 if folder_limit else 0.5)
            except subprocess.TimeoutExpired:
                pass
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
    output.join()
    timed_out = timed_out or process.returncode == 124
    return StageRun(process.returncode, timed_out, memory_exceeded,
                    time.perf_counter() - start, output.text(), output.total, folder_exceeded)


def folder_bytes(folder):
    """The disk space that the files and folders under `folder` take, at least a block each."""
    total = 0
    for root, folders, names in os.walk(folder):
        for name in folders + names:
            try:
                total += max(os.lstat(os.path.join(root, name)).st_blocks * 512, 4096)
            except OSError:
                pass
    return total


def resident_mb(pid):
    """The resident memory of process `pid` in MiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0


class CappedReader(threading.Thread):
    """Drains a pipe to its end, keeping only its first and last bytes."""

    def __init__(self, stream, head=OUTPUT_HEAD, tail=OUTPUT_TAIL):
        super().__init__(daemon=True)
        self.stream, self.head_size, self.tail_size = stream, head, tail
        self.head, self.tail, self.total = b"", b"", 0
        self.start()

    def run(self):
        with self.stream:
            for chunk in iter(lambda: self.stream.read1(65536), b""):
                self.total += len(chunk)
                if len(self.head) < self.head_size:
                    self.head += chunk[:self.head_size - len(self.head)]
                self.tail = (self.tail + chunk)[-self.tail_size:]

    def text_since(self, position):
        """What came after the first `position` bytes, as far as the tail still holds it."""
        fresh = self.total - position
        return self.tail[-fresh:].decode(errors="replace") if fresh > 0 else ""

    def text(self):
        after_head = self.total - len(self.head)  # bytes that came after the head
        if after_head <= len(self.tail):
            content = self.head + self.tail[len(self.tail) - after_head:]
            return content.decode(errors="replace")
        left_out = after_head - len(self.tail)
        return (self.head.decode(errors="replace") + f"\n[... {left_out:,} bytes left out ...]\n"
                + self.tail.decode(errors="replace"))
