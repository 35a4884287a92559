"""Run untrusted Python in a child process with limits on time, memory and output.

The child gets its own process group (killed whole on time-out), a memory limit, a cap on
the size of any file it writes, no core dumps, a scratch folder as its working directory
and HOME, and a minimal environment.  The memory limit is an address-space limit
(``RLIMIT_AS``: an allocation past it fails at once with MemoryError) and, because CUDA
reserves far more address space than it uses, on GPU machines a watch on the resident
memory instead, which kills the child when it grows past the limit.  Its standard output and
error are merged and only the head and tail are kept.  A pipe, whose descriptor number is
in $NNLAB_RESULT_FD, carries its results, out of the reach of what the child prints.

The limits are set by this module run as a launcher (``python -m nnlab.sandbox MEMORY_MB
COMMAND...``), which then replaces itself with the command: safer than a preexec_fn in a
grader that starts children from several threads.
"""

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

OUTPUT_HEAD = 4_000
OUTPUT_TAIL = 12_000
FILE_SIZE_LIMIT = 256 * 2**20
RESULT_FD_ENV_VAR = "NNLAB_RESULT_FD"


@dataclass
class SandboxResult:
    returncode: int
    timed_out: bool
    memory_exceeded: bool
    seconds: float
    output: str
    output_bytes: int
    records: list = field(default_factory=list)


def run_sandboxed(command, scratch, timeout, memory_mb, extra_env=None, limit_address_space=True):
    """Run `command` in `scratch`; returns a SandboxResult with the JSON records it sent."""
    read_end, write_end = os.pipe()
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch,
           "LANG": os.environ.get("LANG", "C.UTF-8"), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", "KERAS_HOME": scratch,
           RESULT_FD_ENV_VAR: str(write_end)}
    env.update(extra_env or {})
    launcher = [sys.executable, "-m", "nnlab.sandbox",
                str(memory_mb if limit_address_space else 0)]
    start = time.perf_counter()
    process = subprocess.Popen(launcher + list(command), cwd=scratch, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, pass_fds=(write_end,),
                               start_new_session=True)
    os.close(write_end)
    output = CappedReader(process.stdout)
    records = CappedReader(os.fdopen(read_end, "rb"), head=1_000_000)
    timed_out = memory_exceeded = False
    try:
        while process.poll() is None:
            if time.perf_counter() - start > timeout:
                timed_out = True
                break
            if resident_mb(process.pid) > memory_mb:
                memory_exceeded = True
                break
            try:
                process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the child and all it left running
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
    seconds = time.perf_counter() - start
    output.join()
    records.join()
    return SandboxResult(process.returncode, timed_out, memory_exceeded, seconds, output.text(),
                         output.total, parse_records(records.text()))


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


def send_record(**fields):
    """From inside the sandbox: one JSON record to the grader."""
    os.write(int(os.environ[RESULT_FD_ENV_VAR]), (json.dumps(fields) + "\n").encode())


def parse_records(text):
    records = []
    for line in text.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            pass
    return records


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

    def text(self):
        after_head = self.total - len(self.head)  # bytes that came after the head
        if after_head <= len(self.tail):
            content = self.head + self.tail[len(self.tail) - after_head:]
            return content.decode(errors="replace")
        left_out = after_head - len(self.tail)
        return (self.head.decode(errors="replace") + f"\n[... {left_out:,} bytes left out ...]\n"
                + self.tail.decode(errors="replace"))


def main():
    """The launcher: set the limits, then become the command."""
    memory = int(sys.argv[1]) * 2**20
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execv(sys.argv[2], sys.argv[2:])


if __name__ == "__main__":
    main()
