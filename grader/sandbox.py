"""Run a submission's stage confined by the operating system (bubblewrap), or by processes only.

With bubblewrap (``--sandbox bwrap``, chosen by ``auto`` where it works) the stage sees a
read-only system and Python installation, one writable scratch folder mounted as /work, a
private /tmp, no network, its own process-id namespace (everything it starts dies with
it), and nothing else: not the data, not the suite, not the submissions folder, not the
instructor's home.  Inside, and in the process sandbox alone, ``launcher.py`` adds limits
on address space, file size, core dumps and processes, and kills whatever is left when the
stage ends.  Output (standard output and error merged) is kept head and tail only.
"""

import functools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
OUTPUT_HEAD = 4_000
OUTPUT_TAIL = 12_000
MAX_PROCESSES = 256
INSTALL_BUBBLEWRAP = ("install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; "
                      "Fedora: dnf install bubblewrap)")


@dataclass
class StageRun:
    returncode: int
    timed_out: bool
    memory_exceeded: bool
    seconds: float
    output: str
    output_bytes: int


@functools.lru_cache(maxsize=None)
def bubblewrap_problem():
    """None where bubblewrap can confine a stage here; else why not."""
    if not sys.platform.startswith("linux"):
        return "bubblewrap exists on Linux only"
    if not shutil.which("bwrap"):
        return "bubblewrap (bwrap) is not installed"
    probe = subprocess.run(bwrap_arguments(os.path.realpath("/tmp")) + ["/bin/true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return "bwrap cannot start here (" + (probe.stderr.strip().splitlines() or ["?"])[-1] + ")"
    return None


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


def bwrap_arguments(scratch):
    arguments = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                 "--cap-drop", "ALL", "--hostname", "sandbox",
                 "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
                 "--tmpfs", "/tmp", "--bind", scratch, "/work", "--chdir", "/work",
                 "--clearenv"]
    for folder in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(folder):
            arguments += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            arguments += ["--ro-bind", folder, folder]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime",
                 "passwd", "group", "nsswitch.conf"):
        arguments += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for folder in python_folders():
        arguments += ["--ro-bind", folder, folder]
    for name in ("launcher.py", "student_stage.py"):
        arguments += ["--ro-bind", os.path.join(GRADER_DIR, name), f"/grader/{name}"]
    return arguments


def stage_command(mode, scratch, submission_name, memory_mb, timeout, env):
    """The command that runs the student stage on `submission_name` inside `scratch`."""
    if mode == "bwrap":
        launcher, stage = "/grader/launcher.py", "/grader/student_stage.py"
        prefix = bwrap_arguments(scratch)
        for name, value in env.items():
            prefix += ["--setenv", name, value.replace(scratch, "/work")]
        prefix.append("--")
    else:
        launcher = os.path.join(GRADER_DIR, "launcher.py")
        stage = os.path.join(GRADER_DIR, "student_stage.py")
        prefix = []
    return prefix + [sys.executable, "-I", launcher, str(memory_mb), str(timeout),
                     str(MAX_PROCESSES), sys.executable, "-I", stage, submission_name]


def run_student_stage(mode, scratch, submission_name, timeout, memory_mb):
    """Run the student stage in `scratch` (which holds the submission alone)."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch,
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
           "MPLBACKEND": "Agg", "KERAS_HOME": scratch, "CUDA_VISIBLE_DEVICES": "",
           "TF_CPP_MIN_LOG_LEVEL": "3", "TF_NUM_INTRAOP_THREADS": "1",
           "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
    command = stage_command(mode, scratch, submission_name, memory_mb, timeout, env)
    return run_limited(command, scratch, env if mode == "process" else {}, timeout)


def run_limited(command, cwd, env, timeout, memory_watch_mb=0, stdin=subprocess.DEVNULL,
                pass_fds=()):
    """Run `command` in its own session; kill its group past `timeout` (+ the launcher's grace).

    `memory_watch_mb`: kill it when its resident memory grows past this (for GPU machines,
    where an address-space limit would stop CUDA).
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env or None, stdin=stdin,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, pass_fds=pass_fds)
    output = CappedReader(process.stdout)
    timed_out = memory_exceeded = False
    try:
        while process.poll() is None:
            if time.perf_counter() - start > timeout + 30:  # the launcher's own timer failed
                timed_out = True
                break
            if memory_watch_mb and resident_mb(process.pid) > memory_watch_mb:
                memory_exceeded = True
                break
            try:
                process.wait(timeout=0.5)
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
                    time.perf_counter() - start, output.text(), output.total)


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
