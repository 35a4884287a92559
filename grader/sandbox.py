"""Run a submission's stage confined by the operating system: bubblewrap, else an unprivileged
user (when the grader runs as root), else Landlock; by processes only on the instructor's word.

With bubblewrap (``--sandbox bwrap``, chosen by ``auto`` where it works) the stage sees a
read-only system and Python installation, a small private /work (a tmpfs) holding a
read-only copy of the submission and the two files it may write back, ``model.keras`` and
``status.json``, a small private /tmp, no network, its own process-id namespace
(everything it starts dies with it), and nothing else: not the data, not the suite, not
the submissions folder, not the instructor's home, and no other place to write.  Inside,
and in the process sandbox alone, ``launcher.py`` adds limits on address space, file size,
core dumps and processes, a seccomp filter that lets the stage start threads but no
process and signal nothing, and kills whatever is left when the stage ends.

Without bubblewrap (containers without user namespaces, as Gradescope's; locked-down
machines) the launcher confines the stage itself.  ``user``, where the grader runs as
root: the stage runs as a user id of its own that owns nothing but its scratch folder, so
it can write nowhere else and neither signal, trace nor read the memory of the grader's
processes; with Landlock, where the kernel has it, it can also read only the system, the
Python installation and its folder (without Landlock, what it left where every user may
write is removed when it ends).  ``landlock``, where the grader is not root: Linux's
Landlock lets the stage read only those and write only its folder, and with the seccomp
filter it can signal no process.  ``process`` confines nothing, and the grader uses it only
when the instructor says ``--unconfined``.  Output (standard output and error merged) is
kept head and tail only, and a stage that prints more than ``MAX_OUTPUT_BYTES`` is stopped.
"""

import functools
import itertools
import json
import os
import shutil
import signal
import stat
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
PROCESS_FOLDER_BYTES = 256 * 2**20  # the scratch folder of the sandboxes without bubblewrap
MAX_OUTPUT_BYTES = 8 * 2**20  # what a stage may print before it is stopped
STAGE_UID_BASE = 1_500_000_000  # user ids of the stages: far above any real user's
MODES = ("bwrap", "user", "landlock", "process")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
                "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full")
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/proc",
                  "/sys/devices/system/cpu", "/sys/fs/cgroup")
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
    output_exceeded: bool = False

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


def prepare_folder(folder, source, owner=None):
    """The stage's folder: the submission (`source`, its bytes, read-only) and the empty files
    it may fill.  With `owner` (uid, gid) the folder and those files are the stage user's, and
    the folder above it lets that user through (and no more)."""
    os.makedirs(folder)
    with open(os.path.join(folder, SUBMISSION_NAME), "wb") as file:
        file.write(source)
    for name in (MODEL_FILE, STATUS_FILE):
        open(os.path.join(folder, name), "wb").close()
    if owner:
        os.chmod(os.path.dirname(os.path.abspath(folder)), 0o711)
        os.chmod(folder, 0o700)
        for path in (folder, os.path.join(folder, MODEL_FILE), os.path.join(folder, STATUS_FILE)):
            os.chown(path, *owner)


_uids = itertools.count()


def stage_owner():
    """A (uid, gid) of its own for one stage: no file, no process and no other stage is its."""
    number = STAGE_UID_BASE + (os.getpid() % 100_000) * 1000 + next(_uids) % 1000
    return number, number


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


PROBE = ("import importlib.util, sys; open(sys.argv[1], 'rb').close(); "
         "sys.exit(0 if importlib.util.find_spec('keras') else 3)")


def probe(mode):
    """None where a stage can start in `mode` here: this Python, Keras and the grader's stage
    readable, the confinement set up; else why not, in a few words."""
    with tempfile.TemporaryDirectory(prefix="grade-probe-") as probe_folder:
        folder = os.path.join(probe_folder, "stage")
        owner = stage_owner() if mode == "user" else None
        prepare_folder(folder, b"", owner)
        env = {"PATH": "/usr/bin:/bin", "HOME": folder, "LANG": "C.UTF-8"}
        command = stage_command(mode, folder, 0, 60, env, owner)
        command[-4:] = [sys.executable, "-I", "-c", PROBE, os.path.join(GRADER_DIR,
                                                                          "student_stage.py")]
        run = run_limited(command, folder, env, 60)
    if run.returncode == 0:
        return None
    if run.returncode == NO_FILTER:
        return (run.output.strip().splitlines() or ["?"])[-1]
    if mode == "user" and run.returncode in (126, 127, 1, 3):
        return (f"a user other than root cannot run {sys.executable} and its Keras (is a "
                "folder above it, such as /root, closed to other users?)")
    return f"a confined test stage failed (exit code {run.returncode})"


@functools.lru_cache(maxsize=None)
def user_problem():
    """None where stages can run as unprivileged users of their own here; else why not."""
    if not sys.platform.startswith("linux"):
        return "stage users are set up on Linux only"
    if os.geteuid() != 0:
        return "the grader does not run as root, so it cannot start stages as another user"
    return probe("user")


@functools.lru_cache(maxsize=None)
def landlock_problem():
    """None where Landlock can confine a stage here; else why not."""
    if not sys.platform.startswith("linux"):
        return "Landlock exists on Linux only"
    abi = landlock_abi()
    if abi < 1:
        return "this kernel has no Landlock (Linux 5.13 or newer, with Landlock enabled)"
    if abi < 6 and seccomp_problem():
        return ("Landlock on this kernel cannot stop a stage from signalling the grader, and "
                "libseccomp, which can, is missing")
    return probe("landlock")


def launcher_problem():
    """None where launcher.py can limit a stage (Linux); else why not."""
    return None if sys.platform.startswith("linux") else "its limits need Linux"


def landlock_abi():
    if not sys.platform.startswith("linux"):
        return 0
    sys.path.insert(0, GRADER_DIR)
    try:
        from launcher import landlock_abi as abi
    finally:
        sys.path.remove(GRADER_DIR)
    return abi()


def landlock_rules(folder):
    """What a stage may read and write under Landlock: the system's libraries and the Python
    installation, the grader's two stage files, and its own folder."""
    read = [*SYSTEM_FOLDERS, *SYSTEM_FILES, *python_folders(),
            os.path.join(GRADER_DIR, "launcher.py"), os.path.join(GRADER_DIR, "student_stage.py"),
            folder]
    return {"read": read, "write": [folder, "/dev/null"]}


def confinement(mode, folder, owner):
    """The launcher's CONFINEMENT for a stage in `mode` whose files are in `folder`."""
    result = {}
    if mode in ("user", "landlock") and landlock_abi() >= 1:
        result["landlock"] = landlock_rules(folder)
    if mode == "user":
        result["user"] = list(owner)
    if mode == "landlock" and os.geteuid() == 0:
        result["drop_capabilities"] = True
    return result


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


def stage_command(mode, folder, memory_mb, timeout, env, owner=None):
    """The command that runs the student stage on the submission in `folder` (owned by
    `owner` in the user mode)."""
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
        if launcher_problem():  # macOS, Windows: a plain child process, its time still limited
            return [sys.executable, "-I", stage, SUBMISSION_NAME]
    one_process = "0" if seccomp_problem() else "1"
    confined = json.dumps(confinement(mode, folder, owner))
    return prefix + [sys.executable, "-I", launcher, str(memory_mb), str(timeout),
                     str(MAX_PROCESSES), one_process, confined, sys.executable, "-I", stage,
                     SUBMISSION_NAME]


def run_student_stage(mode, folder, timeout, memory_mb, owner=None):
    """Run the student stage on the submission in `folder` (see prepare_folder)."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": folder, "TMPDIR": folder,
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
           "MPLBACKEND": "Agg", "KERAS_HOME": folder, "CUDA_VISIBLE_DEVICES": "",
           "TF_CPP_MIN_LOG_LEVEL": "3", "TF_NUM_INTRAOP_THREADS": "1",
           "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
    command = stage_command(mode, folder, memory_mb, timeout, env, owner)
    if mode == "user":
        try:
            return run_limited(command, folder, env, timeout, folder_limit=PROCESS_FOLDER_BYTES)
        finally:
            remove_files_of(owner[0])
    if launcher_problem():
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")  # Windows' Python needs it
    if mode == "bwrap":  # bubblewrap itself (pid 1 inside) sees only what it needs
        return run_limited(command, folder, {"PATH": env["PATH"], "LANG": env["LANG"]}, timeout)
    return run_limited(command, folder, env, timeout, folder_limit=PROCESS_FOLDER_BYTES)


SHARED_SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")  # where every user may write


def remove_files_of(uid):
    """Remove what a stage's user left where every user may write (without Landlock it could):
    each entry of SHARED_SCRATCH that the user owns, links never followed."""
    for folder in SHARED_SCRATCH:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
                if info.st_uid != uid:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.remove(path)
            except OSError:
                pass


def describe(mode):
    """One line on what confines each submission here, for the console and the report."""
    layers = {"bwrap": ["bubblewrap (operating-system confinement)"],
              "user": ["an unprivileged user of its own (operating-system confinement)"],
              "landlock": ["Landlock (operating-system confinement)"],
              "process": ["a separate, limited process, NOT confined"]}[mode]
    if mode == "user" and landlock_abi() >= 1:
        layers.append("reads limited by Landlock")
    layers.append("no new processes and no signals (seccomp)" if seccomp_problem() is None
                  else f"new processes limited by number only ({seccomp_problem()})")
    return ", ".join(layers)


def run_limited(command, cwd, env, timeout, memory_watch_mb=0, folder_limit=0):
    """Run `command` in its own session; kill its group past `timeout` (+ the launcher's grace).

    `memory_watch_mb`: kill it when its resident memory grows past this (for GPU machines,
    where an address-space limit would stop CUDA).  `folder_limit`: kill it when the files
    under `cwd` grow past this many bytes (the process sandbox's scratch folder is on disk).
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=hasattr(os, "killpg"))
    output = CappedReader(process.stdout, limit=MAX_OUTPUT_BYTES)
    timed_out = memory_exceeded = folder_exceeded = output_exceeded = False
    try:
        while process.poll() is None:
            if output.total > MAX_OUTPUT_BYTES:
                output_exceeded = True
                break
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
                process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
    finally:
        try:
            if hasattr(os, "killpg"):
                os.killpg(process.pid, signal.SIGKILL)
            else:  # Windows: no process groups
                process.kill()
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
    output.join()
    output_exceeded = output.total > MAX_OUTPUT_BYTES
    timed_out = timed_out or process.returncode == 124
    return StageRun(process.returncode, timed_out, memory_exceeded,
                    time.perf_counter() - start, output.text(), output.total, folder_exceeded,
                    output_exceeded)


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
    """Drains a pipe to its end, keeping only its first and last bytes; past `limit` bytes it
    stops reading (the writer then waits, until it is stopped)."""

    def __init__(self, stream, head=OUTPUT_HEAD, tail=OUTPUT_TAIL, limit=None):
        super().__init__(daemon=True)
        self.stream, self.head_size, self.tail_size, self.limit = stream, head, tail, limit
        self.head, self.tail, self.total = b"", b"", 0
        self.start()

    def run(self):
        with self.stream:
            for chunk in iter(lambda: self.stream.read1(65536), b""):
                if self.limit is not None and self.total > self.limit:
                    break
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
