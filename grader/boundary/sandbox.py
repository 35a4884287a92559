"""Run a submission's stage confined by the operating system: bubblewrap, else an unprivileged
user (when the grader runs as root), else Landlock; by processes only on the instructor's word.
No stage ever runs as root: where the grader is root, every stage, in every mode, runs as a
user id of its own that owns nothing but its folder.

With bubblewrap (``--sandbox bwrap``, chosen by ``auto`` where it works) the stage sees a
read-only system and Python installation, a small private /work (a tmpfs) holding a
read-only copy of the submission and the two files it may write back, ``model.keras`` and
``status.json``, a small private /tmp, no network, its own process-id namespace
(everything it starts dies with it), and nothing else: not the data, not the suite, not
the submissions folder, not the instructor's home, and no other place to write.  A grader
that is root starts bubblewrap itself as the stage's own user (bubblewrap started by root
would map the stage's user id 0 to root, owner of the files bound in).  Inside, and in the
other modes alone, ``launcher.py`` adds limits on address space, file size, core dumps and
processes, a seccomp filter that lets the stage start threads but no process, signal
nothing, open no socket and reserve no hidden disk space, and kills whatever is left when
the stage ends.

Without bubblewrap (containers without user namespaces, as Gradescope's; locked-down
machines) the launcher confines the stage itself.  ``user``, where the grader runs as
root: the stage runs as a user id of its own that owns nothing but its scratch folder, so
it can write nowhere else and neither signal, trace nor read the memory of the grader's
processes, in network and IPC namespaces of its own where they can be made.  What it may
read: with Landlock, where the kernel has it, only the system, the Python installation and
its folder; without, everything the grader keeps is hidden from it by a mount namespace
(empty file systems over the class, the data, the rubric, --out and the cache, fresh ones
over the folders every user may write), or, where no namespace can be made, closed to
other users while the class is graded, and what it left where every user may write is
removed when it ends.  ``landlock``: Linux's Landlock lets the stage read only the system,
the Python installation and its folder and write only its folder, in a network namespace
of its own where one can be made (as root, also as a stage user of its own).  ``process``
confines nothing (a grader that is root still runs it as a stage user of its own), and the
grader uses it only when the instructor says ``--unconfined``.  Output (standard output and
error merged) is kept head and tail only, and a stage that prints more than
``MAX_OUTPUT_BYTES`` is stopped.
"""

import functools
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile

from grader import processes
from grader.boundary import scratch

MODEL_FILE = "model.keras"  # the two files a stage may write, the only ones read back
STATUS_FILE = "status.json"
PRIVATE_FOLDER_BYTES = 128 * 2**20  # each of /work and /tmp inside bubblewrap
PROCESS_FOLDER_BYTES = 256 * 2**20  # the scratch folder of the sandboxes without bubblewrap
PRIVATE_SCRATCH_BYTES = 64 * 2**20  # each folder every user may write, in a mount namespace
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


def prepare_folder(folder, source, owner, name):
    """The stage's folder: the submission (`source`, its bytes, read-only) and the empty files
    it may fill.  With `owner` (uid, gid) the folder and those files are the stage user's, and
    the folder above it lets that user through (and no more)."""
    os.makedirs(folder)
    with open(os.path.join(folder, name), "wb") as file:
        file.write(source)
    for written in (MODEL_FILE, STATUS_FILE):
        open(os.path.join(folder, written), "wb").close()
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


def stage_user_needed():
    """Whether stages run as users of their own: wherever the grader is root (on Linux)."""
    return not processes.launcher_problem() and os.geteuid() == 0


def new_stage_owner():
    """A stage user of its own where the grader is root, else None (the grader's user)."""
    return stage_owner() if stage_user_needed() else None


@functools.lru_cache(maxsize=None)
def bubblewrap_problem():
    """None where bubblewrap can confine a stage here; else why not."""
    if not sys.platform.startswith("linux"):
        return "bubblewrap exists on Linux only"
    if not shutil.which("bwrap"):
        return "bubblewrap (bwrap) is not installed"
    return probe("bwrap")


@functools.lru_cache(maxsize=None)
def seccomp_problem():
    """None where the launcher can allow a stage one process only; else why not."""
    if not sys.platform.startswith("linux"):
        return "seccomp exists on Linux only"
    return None if launcher_facts().get("seccomp") else "libseccomp is not installed"
PROBE = ("import importlib.util, sys; open(sys.argv[1], 'rb').close(); "
         "sys.exit(0 if importlib.util.find_spec('keras') else 3)")


def probe(mode):
    """None where a stage can start in `mode` here: this Python, Keras and the grader's stage
    readable, the confinement set up; else why not, in a few words."""
    with tempfile.TemporaryDirectory(prefix="grade-probe-") as probe_folder:
        folder = os.path.join(probe_folder, "stage")
        owner = new_stage_owner()
        prepare_folder(folder, b"", owner, PROBE_NAME)
        env = {"PATH": "/usr/bin:/bin", "HOME": folder, "LANG": "C.UTF-8"}
        command = stage_command(mode, folder, None, 0, 60, env, owner)
        command[-1:] = ["-c", PROBE, command[-1]]  # this Python reads the stage's file
        if mode == "bwrap":
            run = processes.run_limited(command, folder, {"PATH": env["PATH"], "LANG": env["LANG"]},
                                        60, user=owner)
        else:
            run = processes.run_limited(command, folder, env, 60)
    if run.returncode == 0:
        return None
    last_line = (run.output.strip().splitlines() or ["?"])[-1]
    if run.returncode == processes.NO_FILTER:
        return last_line
    if mode == "bwrap":
        if "--size" in last_line:
            return "bwrap cannot start here (bubblewrap 0.5 or newer is needed, to bound its " \
                   "private folders)"
        if run.returncode == 1 and last_line.startswith("bwrap"):
            return "bwrap cannot start here (" + last_line + ")" + (
                ": as root, bubblewrap runs as the stage's own unprivileged user, who needs "
                "user namespaces and to reach this Python" if owner else "")
    if owner and run.returncode in (126, 127, 1, 3):
        return (f"a user other than root cannot run {sys.executable} and its Keras, or read "
                f"{processes.STUDENT_STAGE} (is a folder above them, such "
                "as /root, closed to other users?)")
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


@functools.lru_cache(maxsize=None)
def process_problem():
    """None where a stage can run unconfined here (as a stage user, where the grader is root)."""
    return probe("process") if stage_user_needed() else None


@functools.lru_cache(maxsize=None)
def namespaces_problem():
    """None where the launcher can give a stage network and IPC namespaces of its own (and, as
    root, a mount namespace); else why not."""
    if processes.launcher_problem():
        return "namespaces exist on Linux only"
    namespaces = {"network": True}
    with tempfile.TemporaryDirectory(prefix="grade-probe-") as folder:
        if os.geteuid() == 0:
            namespaces["mounts"] = {"hide": [], "scratch": [os.path.realpath(folder)],
                                    "keep": [], "scratch_bytes": 2**20}
        run = processes.run_limited([sys.executable, "-I", processes.LAUNCHER, "0",
                           "60", str(processes.MAX_PROCESSES), "0", json.dumps({"namespaces": namespaces}),
                           "/bin/true"], folder, {"PATH": "/usr/bin:/bin"}, 60)
    if run.returncode == 0:
        return None
    return (run.output.strip().splitlines() or ["?"])[-1]


def hiding(mode):
    """How the grader's own files are kept from a stage in `mode`: "bubblewrap", "landlock",
    "mounts" (a mount namespace), "permissions" (closed to other users while grading), or
    None (the stage can read whatever the grader's user, or any user, can)."""
    if mode == "bwrap":
        return "bubblewrap"
    if mode == "process":
        return None
    if landlock_abi() >= 1:
        return "landlock"
    if stage_user_needed():
        return "mounts" if namespaces_problem() is None else "permissions"
    return None


def landlock_abi():
    """The Landlock ABI version of this kernel (0 where there is none)."""
    return launcher_facts().get("landlock_abi", 0)


@functools.lru_cache(maxsize=None)
def launcher_facts():
    """What the launcher finds here: {"seccomp": libseccomp is there, "landlock_abi": N}; the
    launcher is asked by running it (it is the stages' code, never imported by the grader)."""
    if processes.launcher_problem():
        return {}
    try:
        answer = subprocess.run([sys.executable, "-I", processes.LAUNCHER, "--facts"],
                                capture_output=True, text=True, timeout=60)
        facts = json.loads(answer.stdout)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return {}
    return facts if isinstance(facts, dict) else {}


def landlock_rules(folder):
    """What a stage may read and write under Landlock: the system's libraries and the Python
    installation, the grader's two stage files, and its own folder."""
    read = [*SYSTEM_FOLDERS, *SYSTEM_FILES, *python_folders(),
            *processes.SANDBOXED_FILES,
            folder]
    return {"read": read, "write": [folder, "/dev/null"]}


def confinement(mode, folder, owner, hidden=()):
    """The launcher's CONFINEMENT for a stage in `mode` whose files are in `folder`, run as
    `owner` (uid, gid) where the grader is root; `hidden`: the grader's own files and
    folders, hidden where neither bubblewrap nor Landlock hides them."""
    result = {}
    if mode in ("user", "landlock"):
        if landlock_abi() >= 1:
            result["landlock"] = landlock_rules(folder)
        if namespaces_problem() is None:
            result["namespaces"] = {"network": True}
            if hiding(mode) == "mounts":
                result["namespaces"]["mounts"] = private_mounts(folder, hidden)
            if os.geteuid() != 0:  # what a user namespace gave, given up
                result["drop_capabilities"] = True
    if owner and mode != "bwrap":
        result["user"] = list(owner)
    return result


def private_mounts(folder, hidden):
    """The launcher's "mounts": fresh folders where every user may write, the `hidden` paths
    covered, and what a stage needs bound back (its folder, Python, the stage's two files)."""
    keep = [folder, *python_folders(), *processes.SANDBOXED_FILES]
    return {"hide": sorted({os.path.realpath(path) for path in hidden if path}),
            "scratch": scratch.shared_scratch(), "scratch_bytes": PRIVATE_SCRATCH_BYTES,
            "keep": list(dict.fromkeys(os.path.realpath(path) for path in keep))}


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


def bwrap_arguments(folder, name):
    """bubblewrap's options for a stage whose files (see prepare_folder; `name`: the
    submission's) are in `folder`."""
    size = str(PRIVATE_FOLDER_BYTES)
    arguments = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                 "--cap-drop", "ALL", "--hostname", "sandbox",
                 "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
                 "--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", "/work",
                 "--ro-bind", os.path.join(folder, name), f"/work/{name}"]
    for file_name in (MODEL_FILE, STATUS_FILE):
        arguments += ["--bind", os.path.join(folder, file_name), f"/work/{file_name}"]
    arguments += ["--chdir", "/work", "--clearenv"]
    for folder_name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(folder_name):
            arguments += ["--symlink", os.readlink(folder_name), folder_name]
        elif os.path.isdir(folder_name):
            arguments += ["--ro-bind", folder_name, folder_name]
    for etc_name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime",
                     "passwd", "group", "nsswitch.conf"):
        arguments += ["--ro-bind-try", f"/etc/{etc_name}", f"/etc/{etc_name}"]
    for python_folder in python_folders():
        arguments += ["--ro-bind", python_folder, python_folder]
    for path in processes.SANDBOXED_FILES:
        arguments += ["--ro-bind", path, f"/grader/{os.path.basename(path)}"]
    # Nothing else is writable: not the root the mounts hang from, not /dev.
    return arguments + ["--remount-ro", "/", "--remount-ro", "/dev"]

PROBE_NAME = "submission.py"  # the file of a probe's stage, which runs no submission


def stage_arguments(homework):
    """What the student stage is told: the submission's file, the function to call and what
    the handout passes it, and the two files to write (see sandboxed/student_stage.py);
    nothing for a probe (homework None)."""
    if homework is None:
        return []
    return [homework.submission_name, homework.function, json.dumps(homework.arguments),
            MODEL_FILE, STATUS_FILE]


def stage_command(mode, folder, homework, memory_mb, timeout, env, owner=None, hidden=()):
    """The command that runs the student stage on the submission in `folder` (owned by
    `owner`, the stage's user, where the grader is root)."""
    if mode == "bwrap":
        launcher, stage = "/grader/launcher.py", "/grader/student_stage.py"
        prefix = bwrap_arguments(folder, homework.submission_name if homework else PROBE_NAME)
        for name, value in env.items():
            prefix += ["--setenv", name, value.replace(folder, "/work")]
        prefix.append("--")
    else:
        launcher, stage, prefix = processes.LAUNCHER, processes.STUDENT_STAGE, []
        if processes.launcher_problem():  # macOS, Windows: a plain child process, time-limited
            return [sys.executable, "-I", stage, *stage_arguments(homework)]
    one_process = "0" if seccomp_problem() else "1"
    confined = json.dumps(confinement(mode, folder, owner, hidden))
    return prefix + [sys.executable, "-I", launcher, str(memory_mb), str(timeout),
                     str(processes.MAX_PROCESSES), one_process, confined, sys.executable, "-I",
                     stage, *stage_arguments(homework)]


def run_student_stage(mode, folder, homework, timeout, memory_mb, owner=None, hidden=()):
    """Run the student stage of `homework` on the submission in `folder` (see prepare_folder),
    as `owner` where the grader is root; `hidden`: see confinement()."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": folder, "TMPDIR": folder,
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
           "MPLBACKEND": "Agg", "KERAS_HOME": folder, "CUDA_VISIBLE_DEVICES": "",
           "TF_CPP_MIN_LOG_LEVEL": "3", "TF_NUM_INTRAOP_THREADS": "1",
           "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
    command = stage_command(mode, folder, homework, memory_mb, timeout, env, owner, hidden)
    if mode == "bwrap":  # bubblewrap itself (pid 1 inside) sees only what it needs
        return processes.run_limited(command, folder, {"PATH": env["PATH"], "LANG": env["LANG"]},
                                     timeout, user=owner)
    if processes.launcher_problem():
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")  # Windows' Python needs it
    try:
        return processes.run_limited(command, folder, env, timeout,
                                     folder_limit=PROCESS_FOLDER_BYTES)
    finally:
        if owner and hiding(mode) != "landlock":  # it could write where every user may
            scratch.remove_files_of(owner[0], spare=folder)
