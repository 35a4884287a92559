"""Start one command with limits, and leave nothing of it running when it ends.

    python -I launcher.py MEMORY_MB TIMEOUT_S MAX_PROCESSES ONE_PROCESS CONFINEMENT COMMAND...
    python -I launcher.py --facts       (prints {"seccomp": ..., "landlock_abi": ...} and ends)

The second layer of the grader's sandbox, inside bubblewrap or alone.  The launcher makes
itself a "child subreaper" (every process the command starts, even one detached with
setsid or a double fork, is re-parented to it), starts the command with limits on address
space, file size, core dumps and processes, and waits.  When the command ends, or its time
is up, or the launcher is told to stop, it kills every process left under it.

With ONE_PROCESS = 1 the command also runs under a seccomp filter (made with libseccomp,
the library bubblewrap, systemd and container runtimes use): it may start threads but no
process (fork, vfork, clone without CLONE_THREAD), may signal no process (not even itself:
a model builder has no reason to), not by kill() nor by asking for SIGIO (F_SETOWN,
F_SETOWN_EX, F_SETSIG, FIOSETOWN), may open no socket of any kind, reserve no disk space
that its file size does not show (fallocate), set no set-user-ID or set-group-ID bit, make
no System V or POSIX message queue, shared memory or semaphore set, and may not trace
processes, mount, enter namespaces or use the kernel's rarer interfaces.  A model builder
needs none of it, and one process bounds the stage's memory by its address-space limit,
whoever runs the grader (the process limit does not bind root).  If the filter cannot be
loaded the command does not start: exit status 125.

CONFINEMENT (JSON) confines the command where bubblewrap cannot (``{}``: not at all): see
confinement.py beside this file.  If it cannot be set up the command does not start: exit
status 125.

Exit status: the command's, 124 on time-out, 125 when the filter or the confinement
failed, 128 + N when the command was killed by signal N.

Standard library only, and confinement.py beside it: it runs inside the sandbox, where
nothing else of the suite is visible.
"""

import ctypes
import errno
import json
import os
import resource
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves this folder out
from confinement import confine, landlock_abi  # noqa: E402  (this folder, just above)

PR_SET_CHILD_SUBREAPER = 36
FILE_SIZE_LIMIT = 64 * 2**20
TIMED_OUT = 124
NO_FILTER = 125

# libseccomp's constants (seccomp.h)
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_MASKED_EQ = 7
CLONE_THREAD = 0x00010000
DENIED_SYSCALLS = ("fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
                   "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "bpf",
                   "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
                   "io_uring_setup", "kill", "tkill", "tgkill", "rt_sigqueueinfo",
                   "rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
                   # no network, not even to a local listener or through a Unix socket
                   "socket", "socketpair",
                   # nothing that outlives the stage owned by its user, outside its folder
                   "shmget", "msgget", "semget", "mq_open")
# Commands of fcntl() and ioctl() that make the kernel signal a process chosen by the caller
# when a file is ready (SIGIO, or the signal F_SETSIG names): another way to signal.
F_SETOWN, F_SETSIG, F_SETOWN_EX = 8, 10, 15
FIOSETOWN, SIOCSPGRP = 0x8901, 0x8902
COMMAND_BITS = 0xFFFFFFFF  # the kernel reads these commands as 32-bit numbers
SET_ID_BITS = (0o4000, 0o2000)  # set-user-ID, set-group-ID
O_CREAT, O_TMPFILE_ONLY = 0o100, 0o20000000  # (O_TMPFILE is the latter with O_DIRECTORY)
# where the mode of a new or changed file is: (system call, index of its mode, of its flags)
MODE_ARGUMENTS = (("chmod", 1, None), ("fchmod", 1, None), ("fchmodat", 2, None),
                  ("fchmodat2", 2, None), ("creat", 1, None), ("mknod", 1, None),
                  ("mknodat", 2, None), ("open", 2, 1), ("openat", 3, 2))


def errno_action(number):
    return 0x00050000 | (number & 0xFFFF)


class ArgumentComparison(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def load_libseccomp():
    """libseccomp through ctypes, or None where it is not installed."""
    import ctypes.util
    for name in ("libseccomp.so.2", ctypes.util.find_library("seccomp")):
        if name:
            try:
                library = ctypes.CDLL(name, use_errno=True)
            except OSError:
                continue
            library.seccomp_init.restype = ctypes.c_void_p
            library.seccomp_init.argtypes = [ctypes.c_uint32]
            library.seccomp_rule_add_array.argtypes = [
                ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                ctypes.POINTER(ArgumentComparison)]
            library.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
            library.seccomp_load.argtypes = [ctypes.c_void_p]
            library.seccomp_release.argtypes = [ctypes.c_void_p]
            return library
    return None


def allow_one_process_only():
    """Load the seccomp filter described above into this process (and all it will exec)."""
    library = load_libseccomp()
    if library is None:
        raise OSError("libseccomp is not installed")
    context = library.seccomp_init(SCMP_ACT_ALLOW)
    if not context:
        raise OSError("seccomp_init failed")
    try:
        def deny(name, action, comparisons=()):
            number = library.seccomp_syscall_resolve_name(name.encode())
            if number < 0:
                return  # no such system call on this processor (fork on arm64, say)
            array = (ArgumentComparison * max(1, len(comparisons)))(*comparisons)
            result = library.seccomp_rule_add_array(context, action, number, len(comparisons),
                                                    array)
            if result < 0:
                raise OSError(-result, f"seccomp rule for {name}")

        def masked(argument, mask, value=None):
            return ArgumentComparison(argument, SCMP_CMP_MASKED_EQ, mask,
                                      mask if value is None else value)

        for name in DENIED_SYSCALLS:
            deny(name, errno_action(errno.EPERM))
        # clone() starts threads (CLONE_THREAD) or processes: only the threads may start.
        deny("clone", errno_action(errno.EPERM), [masked(0, CLONE_THREAD, 0)])
        # clone3() and openat2() hide their flags in memory a filter cannot read: "not
        # implemented" makes the C library fall back to clone() and openat().
        deny("clone3", errno_action(errno.ENOSYS))
        deny("openat2", errno_action(errno.ENOSYS))
        # Disk space the file size does not show (FALLOC_FL_KEEP_SIZE): "not supported"
        # makes posix_fallocate() write the blocks instead, within the file size limit.
        deny("fallocate", errno_action(errno.EOPNOTSUPP))
        for command in (F_SETOWN, F_SETSIG, F_SETOWN_EX):
            deny("fcntl", errno_action(errno.EPERM), [masked(1, COMMAND_BITS, command)])
        for command in (FIOSETOWN, SIOCSPGRP):
            deny("ioctl", errno_action(errno.EPERM), [masked(1, COMMAND_BITS, command)])
        for name, mode, flags in MODE_ARGUMENTS:
            for bit in SET_ID_BITS:
                if flags is None:
                    deny(name, errno_action(errno.EPERM), [masked(mode, bit)])
                else:  # open() reads the mode only when it creates the file
                    for creates in (O_CREAT, O_TMPFILE_ONLY):
                        deny(name, errno_action(errno.EPERM),
                             [masked(flags, creates), masked(mode, bit)])
        result = library.seccomp_load(context)
        if result < 0:
            raise OSError(-result, "seccomp_load")
    finally:
        library.seccomp_release(context)


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


def facts():
    """What this machine offers the launcher, for the grader (``launcher.py --facts``)."""
    return {"seccomp": load_libseccomp() is not None, "landlock_abi": landlock_abi()}


def main():
    if sys.argv[1:] == ["--facts"]:
        print(json.dumps(facts()))
        return
    memory_mb, timeout, max_processes = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    one_process, confinement, command = sys.argv[4] == "1", json.loads(sys.argv[5]), sys.argv[6:]
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the process group kill of the grader remains
    pid = os.fork()
    if pid == 0:
        try:
            try:
                confine(confinement)
                set_limits(memory_mb, max_processes)
                if one_process:
                    allow_one_process_only()
            except OSError as error:
                print(f"the sandbox could not start: {error}", file=sys.stderr, flush=True)
                os._exit(NO_FILTER)
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
