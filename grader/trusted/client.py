"""The grader's side of a trusted stage: start it, hand it commands, read back what it reports.

Each grading worker has one trusted stage (grader/trusted/trusted_stage.py), started through
the launcher for its limits and so that nothing of it is left running; where the machine has
GPUs, worker N's stage sees only GPU N.  A stage is started again after a command that made
it fail or run out of time, and each time only from the code that was on disk when grading
began (code_fingerprint): a changed grader grades nothing more.
"""

import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from grader import processes, results
from grader.safe_text import one_line
from nnlab.i18n import environment_for_child
from nnlab.paths import REPO_ROOT

TRUSTED_CODE = (processes.GRADER_DIR, os.path.join(REPO_ROOT, "nnlab"))
RESULT_FD_ENV_VAR = "GRADER_RESULT_FD"  # where the stage writes its records (trusted_stage.py)
FOREVER = 10 * 365 * 86400  # the stage's own time limit: each command has its own


def gpu_count():
    """NVIDIA GPUs the driver lists, found without starting TensorFlow."""
    try:
        return len(os.listdir("/proc/driver/nvidia/gpus"))
    except OSError:
        return 0


def visible_gpu(worker):
    """The CUDA_VISIBLE_DEVICES of worker number `worker`: one GPU of its own where there are
    any (of those the grader was allowed), else nothing to change (None)."""
    allowed = os.environ.get("CUDA_VISIBLE_DEVICES")
    devices = [device for device in allowed.split(",") if device.strip()] if allowed else \
        [str(number) for number in range(gpu_count())]
    return devices[worker % len(devices)] if devices and gpu_count() else None


class GraderChanged(RuntimeError):
    """The grader's own code changed on disk while it was grading."""


def code_files():
    """The files of the code a trusted stage runs: the sources, and the bytecode caches there
    are of them now (one written later by another grader run is not a change)."""
    files = []
    for folder in TRUSTED_CODE:
        for root, folders, names in os.walk(folder):
            folders.sort()
            files += [os.path.join(root, name) for name in sorted(names)
                      if name.endswith((".py", ".pyc"))]
    return files


def code_fingerprint(files):
    """A SHA-256 of `files` and of the list of sources there are now."""
    digest = hashlib.sha256()
    sources = [path for path in code_files() if path.endswith(".py")]
    for path in sorted(set(files) | set(sources)):
        digest.update(path.encode(errors="surrogateescape") + b"\0")
        try:
            with open(path, "rb") as file:
                digest.update(hashlib.sha256(file.read()).digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()


class TrustedStage:
    """One worker's trusted stage (see the module's docstring).

    `settings`: what the stage is started with (homework, recipe, budget, threads, data);
    `fingerprint`: (files, code_fingerprint of them) taken when grading began; `worker`: the
    worker's number (its GPU); `memory_mb`: the stage's memory limit; `on_device(name)`: told
    once the stage says on which device it trains."""

    def __init__(self, settings, fingerprint, worker=0, memory_mb=8192, on_device=None):
        self.settings, self.fingerprint, self.worker = settings, fingerprint, worker
        self.memory_mb, self.on_device = memory_mb, on_device
        self.device, self.device_known = "CPU", False
        self.memory_watch = memory_mb if gpu_count() else 0
        self.process = None

    def start(self):
        if self.process is not None and self.process.poll() is None:
            return
        if code_fingerprint(self.fingerprint[0]) != self.fingerprint[1]:
            raise GraderChanged("the grader's own code changed on disk while it was grading: "
                                "nothing more is graded; reinstall the suite and grade again")
        self.folder = tempfile.mkdtemp(prefix="grade-trusted-")
        read_end, write_end = os.pipe()
        threads = str(self.settings["threads"])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.folder,
               "LANG": "C.UTF-8", "PYTHONPATH": REPO_ROOT, "PYTHONDONTWRITEBYTECODE": "1",
               "MPLBACKEND": "Agg", "KERAS_HOME": self.folder, RESULT_FD_ENV_VAR: str(write_end),
               "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": "1",
               "OMP_NUM_THREADS": threads,
               # a few malloc arenas: each thread's own would reserve address space that the
               # memory limit counts, until a long-lived stage cannot start a thread
               "MALLOC_ARENA_MAX": "2",
               **environment_for_child(),  # its reasons in the grader's language
               **{name: os.environ[name] for name in ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")
                  if name in os.environ}}
        gpu = visible_gpu(self.worker)
        if gpu is not None:
            env["CUDA_VISIBLE_DEVICES"] = gpu
        command = [sys.executable, "-m", "grader.trusted.trusted_stage",
                   json.dumps(self.settings)]
        if not processes.launcher_problem():  # Linux: its limits, and nothing of it left behind
            memory = 0 if gpu_count() else self.memory_mb  # CUDA reserves more address space
            command = [sys.executable, processes.LAUNCHER, str(memory), str(FOREVER),
                       str(processes.MAX_PROCESSES), "0", "{}", *command]
        self.process = subprocess.Popen(command, cwd=self.folder, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True, pass_fds=(write_end,))
        os.close(write_end)
        self.output = processes.CappedReader(self.process.stdout, head=0)
        self.records = queue.Queue()
        threading.Thread(target=self._read_records, args=(os.fdopen(read_end, "rb"),),
                         daemon=True).start()

    def said_device(self, record):
        self.device, self.device_known = one_line(record["device"], 20), True
        if self.on_device:
            self.on_device(self.device)

    def known_device(self, timeout=600):
        """The device this stage trains on ("CPU" or "GPU"), started where it is not, once it
        has said so (it does first thing); "CPU" where it says nothing in `timeout` seconds."""
        self.start()
        deadline = time.perf_counter() + timeout
        while not self.device_known and time.perf_counter() < deadline:
            try:
                record = self.records.get(timeout=0.5)
            except queue.Empty:
                continue
            if record is EOFError:
                self.records.put(EOFError)  # the next run() sees the end too
                break
            if results.record_kind(record) == "device":
                self.said_device(record)
        return self.device

    def _read_records(self, stream):
        with stream:
            for line in iter(lambda: stream.readline(1_000_000), b""):
                try:
                    self.records.put(json.loads(line))
                except ValueError:
                    self.records.put(None)
        self.records.put(EOFError)

    def run(self, command, content, timeout, **extra):
        """Hand the stage one command ("check", "train" or "calibrate") on `content` (written
        to a file of the stage's folder); (its records, the run: StageRun)."""
        self.start()
        path = os.path.join(self.folder, f"{command}.json")
        with open(path, "w") as file:
            json.dump(content, file)
        start, output_start = time.perf_counter(), self.output.total
        records, done, memory_exceeded, timed_out = [], False, False, False
        try:
            self.process.stdin.write((json.dumps({command: path, **extra}) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            pass
        while not done:
            remaining = timeout - (time.perf_counter() - start)
            if remaining <= 0:
                timed_out = True
                break
            if self.memory_watch and processes.resident_mb(self.process.pid) > self.memory_watch:
                memory_exceeded = True
                break
            try:
                record = self.records.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if record is EOFError:
                break
            kind = results.record_kind(record)
            if kind == "done" and record["done"] is True:
                done = True
            elif kind == "device":
                self.said_device(record)
            else:
                records.append(record)
        returncode = 0 if done else self.close()
        return records, processes.StageRun(returncode, timed_out, memory_exceeded,
                                           time.perf_counter() - start,
                                           self.output.text_since(output_start),
                                           self.output.total - output_start)

    def close(self):
        """Stop the process and all it started; its exit code."""
        if self.process is None:
            return 0
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        processes.kill_group(self.process)
        returncode = self.process.wait()
        self.output.join()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.process = None
        return returncode
