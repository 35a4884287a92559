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

import contextlib
import functools
import itertools
import json
import os
import secrets
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
PRIVATE_SCRATCH_BYTES = 64 * 2**20  # each folder every user may write, in a mount namespace
MAX_FOLDER_DEPTH = 64  # folders in folders a stage may make (none is needed)
MAX_FOLDER_ENTRIES = 100_000  # files and folders it may make
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


def stage_user_needed():
    """Whether stages run as users of their own: wherever the grader is root (on Linux)."""
    return not launcher_problem() and os.geteuid() == 0


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
        owner = new_stage_owner()
        prepare_folder(folder, b"", owner)
        env = {"PATH": "/usr/bin:/bin", "HOME": folder, "LANG": "C.UTF-8"}
        command = stage_command(mode, folder, 0, 60, env, owner)
        stage = "/grader/student_stage.py" if mode == "bwrap" else \
            os.path.join(GRADER_DIR, "student_stage.py")
        command[-4:] = [sys.executable, "-I", "-c", PROBE, stage]
        if mode == "bwrap":
            run = run_limited(command, folder, {"PATH": env["PATH"], "LANG": env["LANG"]}, 60,
                              user=owner)
        else:
            run = run_limited(command, folder, env, 60)
    if run.returncode == 0:
        return None
    last_line = (run.output.strip().splitlines() or ["?"])[-1]
    if run.returncode == NO_FILTER:
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
                f"{os.path.join(GRADER_DIR, 'student_stage.py')} (is a folder above them, such "
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
    if launcher_problem():
        return "namespaces exist on Linux only"
    namespaces = {"network": True}
    with tempfile.TemporaryDirectory(prefix="grade-probe-") as folder:
        if os.geteuid() == 0:
            namespaces["mounts"] = {"hide": [], "scratch": [os.path.realpath(folder)],
                                    "keep": [], "scratch_bytes": 2**20}
        run = run_limited([sys.executable, "-I", os.path.join(GRADER_DIR, "launcher.py"), "0",
                           "60", str(MAX_PROCESSES), "0", json.dumps({"namespaces": namespaces}),
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


def shared_scratch():
    """The folders every user may write (the temporary folder included), as real paths."""
    folders = [*SHARED_SCRATCH, tempfile.gettempdir()]
    return list(dict.fromkeys(os.path.realpath(folder) for folder in folders
                              if os.path.isdir(folder)))


def private_mounts(folder, hidden):
    """The launcher's "mounts": fresh folders where every user may write, the `hidden` paths
    covered, and what a stage needs bound back (its folder, Python, the stage's two files)."""
    keep = [folder, *python_folders(), os.path.join(GRADER_DIR, "launcher.py"),
            os.path.join(GRADER_DIR, "student_stage.py")]
    return {"hide": sorted({os.path.realpath(path) for path in hidden if path}),
            "scratch": shared_scratch(), "scratch_bytes": PRIVATE_SCRATCH_BYTES,
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


def stage_command(mode, folder, memory_mb, timeout, env, owner=None, hidden=()):
    """The command that runs the student stage on the submission in `folder` (owned by
    `owner`, the stage's user, where the grader is root)."""
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
    confined = json.dumps(confinement(mode, folder, owner, hidden))
    return prefix + [sys.executable, "-I", launcher, str(memory_mb), str(timeout),
                     str(MAX_PROCESSES), one_process, confined, sys.executable, "-I", stage,
                     SUBMISSION_NAME]


def run_student_stage(mode, folder, timeout, memory_mb, owner=None, hidden=()):
    """Run the student stage on the submission in `folder` (see prepare_folder), as `owner`
    where the grader is root; `hidden`: see confinement()."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": folder, "TMPDIR": folder,
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
           "MPLBACKEND": "Agg", "KERAS_HOME": folder, "CUDA_VISIBLE_DEVICES": "",
           "TF_CPP_MIN_LOG_LEVEL": "3", "TF_NUM_INTRAOP_THREADS": "1",
           "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
    command = stage_command(mode, folder, memory_mb, timeout, env, owner, hidden)
    if mode == "bwrap":  # bubblewrap itself (pid 1 inside) sees only what it needs
        return run_limited(command, folder, {"PATH": env["PATH"], "LANG": env["LANG"]}, timeout,
                           user=owner)
    if launcher_problem():
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")  # Windows' Python needs it
    try:
        return run_limited(command, folder, env, timeout, folder_limit=PROCESS_FOLDER_BYTES)
    finally:
        if owner and hiding(mode) != "landlock":  # it could write where every user may
            remove_files_of(owner[0], spare=folder)


SHARED_SCRATCH = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")  # where every user may write


def remove_files_of(uid, spare=None):
    """Remove everything the stage user `uid` left where every user may write, however deep:
    each file and folder it owns anywhere below shared_scratch(), searching the folders of
    other users that others may pass through (the machine's), links never followed; all but
    the folder `spare` (the stage's own, which the grader reads and removes itself)."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        spared = os.lstat(spare) if spare else None
        spared = spared and (spared.st_dev, spared.st_ino)
    except OSError:
        spared = None
    for top in shared_scratch():
        try:
            pending = [os.open(top, flags)]
        except OSError:
            continue
        while pending:
            descriptor = pending.pop()
            try:
                entries = list(os.scandir(descriptor))
            except OSError:
                entries = []
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                    if (info.st_dev, info.st_ino) == spared:
                        continue
                    if info.st_uid == uid:
                        if stat.S_ISDIR(info.st_mode):
                            remove_tree(descriptor, entry.name)
                        else:
                            os.unlink(entry.name, dir_fd=descriptor)
                    elif stat.S_ISDIR(info.st_mode) and info.st_mode & 0o001:
                        pending.append(os.open(entry.name, flags, dir_fd=descriptor))
                except OSError:
                    pass
            os.close(descriptor)


def remove_tree(parent, name):
    """Remove the folder `name` of the folder open as `parent`, however deep: each folder in
    it is first moved up beside it, so that neither the depth of the tree nor the length of
    its paths matters, and no more than one folder is open at a time."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    pending = [name]
    while pending:
        folder = pending[-1]
        try:
            descriptor = os.open(folder, flags, dir_fd=parent)
        except OSError:
            pending.pop()
            continue
        moved = False
        try:
            for entry in list(os.scandir(descriptor)):
                try:
                    if entry.is_dir(follow_symlinks=False):
                        new_name = f".grader-removing-{secrets.token_hex(8)}"
                        os.rename(entry.name, new_name, src_dir_fd=descriptor, dst_dir_fd=parent)
                        pending.append(new_name)
                        moved = True
                    else:
                        os.unlink(entry.name, dir_fd=descriptor)
                except OSError:
                    pass
        finally:
            os.close(descriptor)
        if not moved:  # empty now (or holding what cannot be removed): done with it
            try:
                os.rmdir(folder, dir_fd=parent)
            except OSError:
                pass
            pending.pop()


def remove_folder(path):
    """Remove the folder `path` and everything in it, however deep (a stage's folder)."""
    parent, name = os.path.split(os.path.abspath(path))
    try:
        descriptor = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        remove_tree(descriptor, name)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def closed_to_others(paths):
    """The `paths` (the grader's own files and folders) closed to other users until the end of
    the block, then as they were: where neither Landlock nor a mount namespace keeps them from
    a stage user.  Yields the paths that were open to other users and are now closed."""
    changed = {}
    try:
        for path in dict.fromkeys(os.path.realpath(path) for path in paths if path):
            try:
                info = os.stat(path)
            except OSError:
                continue
            if info.st_mode & 0o007 and not info.st_mode & stat.S_ISVTX:
                os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o007)
                changed[path] = stat.S_IMODE(info.st_mode)
        yield list(changed)
    finally:
        for path, mode in changed.items():
            try:
                os.chmod(path, mode)
            except OSError:
                pass


def describe(mode):
    """One line on what confines each submission here, for the console and the report."""
    as_user = " as an unprivileged user of its own" if stage_user_needed() else ""
    layers = {"bwrap": [f"bubblewrap{as_user} (operating-system confinement)"],
              "user": ["an unprivileged user of its own (operating-system confinement)"],
              "landlock": [f"Landlock{as_user} (operating-system confinement)"],
              "process": [f"a separate, limited process{as_user}, NOT confined"]}[mode]
    layers += {"landlock": ["reads limited by Landlock"] if mode == "user" else [],
               "mounts": ["the grader's files hidden by a mount namespace"],
               "permissions": ["the grader's files closed to other users while grading"]}.get(
        hiding(mode), [])
    if mode == "bwrap" or (mode in ("user", "landlock") and namespaces_problem() is None):
        layers.append("no network (a network namespace of its own)")
    layers.append("no new processes, no signals and no sockets (seccomp)"
                  if seccomp_problem() is None
                  else f"new processes limited by number only ({seccomp_problem()})")
    return ", ".join(layers)


def run_limited(command, cwd, env, timeout, memory_watch_mb=0, folder_limit=0, user=None):
    """Run `command` in its own session; kill its group past `timeout` (+ the launcher's grace).

    `memory_watch_mb`: kill it when its resident memory grows past this (for GPU machines,
    where an address-space limit would stop CUDA).  `folder_limit`: kill it when the files
    under `cwd` grow past this many bytes (the process sandbox's scratch folder is on disk).
    `user`: (uid, gid) to run it as, with no supplementary groups (the grader as root).
    """
    start = time.perf_counter()
    as_user = {"user": user[0], "group": user[1], "extra_groups": []} if user else {}
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=hasattr(os, "killpg"), **as_user)
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
    """The disk space that the files and folders under `folder` take, at least a block each;
    "infinitely much" past MAX_FOLDER_DEPTH folders in folders or MAX_FOLDER_ENTRIES entries,
    where counting would take too long or paths grow too long to follow."""
    total, entries, pending = 0, 0, [(folder, 0)]
    while pending:
        path, depth = pending.pop()
        try:
            with os.scandir(path) as found:
                for entry in found:
                    entries += 1
                    if entries > MAX_FOLDER_ENTRIES:
                        return float("inf")
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    total += max(info.st_blocks * 512, 4096)
                    if stat.S_ISDIR(info.st_mode):
                        if depth + 1 > MAX_FOLDER_DEPTH:
                            return float("inf")
                        pending.append((entry.path, depth + 1))
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
