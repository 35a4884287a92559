"""Processes the grader starts, and what they print: run with limits, watched, stopped whole.

Both sides of the grader start processes here: the student stages (through boundary.sandbox)
and the trusted stages (through trusted.client), each through the launcher
(sandboxed/launcher.py, named here by its path, never imported), which limits it and leaves
nothing of it running.  What a stage prints is drained by a CappedReader that keeps its head
and tail only and stops reading past a limit.
"""

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
SANDBOXED = os.path.join(GRADER_DIR, "sandboxed")
LAUNCHER = os.path.join(SANDBOXED, "launcher.py")
STUDENT_STAGE = os.path.join(SANDBOXED, "student_stage.py")
# the only files of the suite a student stage sees: the launcher, what it confines with, the stage
SANDBOXED_FILES = (LAUNCHER, os.path.join(SANDBOXED, "confinement.py"), STUDENT_STAGE)
MAX_PROCESSES = 256
TIMED_OUT = 124  # launcher.py's exit status when the command ran out of time
NO_FILTER = 125  # launcher.py's exit status when its filter or confinement cannot be set up
OUTPUT_HEAD = 4_000
OUTPUT_TAIL = 12_000
MAX_FOLDER_DEPTH = 64  # folders in folders a stage may make (none is needed)
MAX_FOLDER_ENTRIES = 100_000  # files and folders it may make
MAX_OUTPUT_BYTES = 8 * 2**20  # what a stage may print before it is stopped


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


def launcher_problem():
    """None where launcher.py can limit a stage (Linux); else why not."""
    return None if sys.platform.startswith("linux") else "its limits need Linux"


def kill_group(process):
    """SIGKILL a process started in a session of its own, and everything in its group."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # Windows: no process groups
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass


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
        kill_group(process)
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
