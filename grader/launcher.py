"""Start one command with limits, and leave nothing of it running when it ends.

    python -I launcher.py MEMORY_MB TIMEOUT_S MAX_PROCESSES COMMAND...

The second layer of the grader's sandbox, inside bubblewrap or alone.  The launcher makes
itself a "child subreaper" (every process the command starts, even one detached with
setsid or a double fork, is re-parented to it), starts the command with limits on address
space, file size, core dumps and processes, and waits.  When the command ends, or its time
is up, or the launcher is told to stop, it kills every process left under it.  Exit status:
the command's, 124 on time-out, 128 + N when the command was killed by signal N.

Standard library only: it runs inside the sandbox, where nothing of the suite is visible.
"""

import ctypes
import os
import resource
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36
FILE_SIZE_LIMIT = 256 * 2**20
TIMED_OUT = 124


def set_limits(memory_mb, max_processes):
    if memory_mb:
        memory = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Counted over all of the user's threads, and not enforced for root: it binds when the
    # grader runs as a user, allowing the command `max_processes` more than the user has.
    allowed = user_threads() + max_processes
    resource.setrlimit(resource.RLIMIT_NPROC, (allowed, allowed))


def user_threads():
    """Threads that this user runs now (what RLIMIT_NPROC counts)."""
    uid, count = str(os.getuid()), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/status") as status:
                    fields = dict(line.split(":", 1) for line in status if ":" in line)
            except OSError:
                continue
            if fields.get("Uid", "").split()[:1] == [uid]:
                count += int(fields.get("Threads", "1"))
    return count


def children():
    """Process ids whose parent is this process."""
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                found.append(int(name))
    return found


def kill_everything_below():
    """SIGKILL every descendant; the orphans they leave come back to us, so repeat until none."""
    while True:
        for pid in children():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def main():
    memory_mb, timeout, max_processes = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    command = sys.argv[4:]
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the process group kill of the grader remains
    pid = os.fork()
    if pid == 0:
        try:
            set_limits(memory_mb, max_processes)
            os.execv(command[0], command)
        finally:
            os._exit(127)

    def stop(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    status = TIMED_OUT
    try:
        while True:
            finished, wait_status = os.waitpid(-1, 0)
            if finished == pid:
                status = os.waitstatus_to_exitcode(wait_status)
                status = 128 - status if status < 0 else status
                break
    except TimeoutError:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        kill_everything_below()
    sys.exit(status)


if __name__ == "__main__":
    main()
