"""Confine a process where bubblewrap cannot: namespaces, a user of its own, Landlock.

Used by launcher.py (beside it) in the process it starts, before the command runs.
CONFINEMENT (JSON) says how (``{}``: not at all):

``{"namespaces": {...}}`` gives it network, System V IPC and (as root, with "mounts") mount
namespaces of its own: no network device but a loopback that is down, and, as root, fresh
small file systems over the folders every user may write ("scratch") and empty read-only
ones over the grader's own files and folders ("hide"), with the paths the command needs
("keep") bound back in place; a launcher that is not root gets them inside a user namespace
of its own, mapped to its own user.  ``{"user": [UID, GID]}`` runs it as that unprivileged
user, with no supplementary groups and no way to gain privileges again (when the launcher
runs as root); ``"drop_capabilities": true`` gives up every capability; ``{"landlock":
{"read": [...], "write": [...]}}`` lets it read only below the "read" paths and write only
below the "write" ones, deny it TCP, and (Linux 6.12 and newer) signal or trace nothing
outside itself, with Linux's Landlock, which needs no privilege.  The launcher itself keeps
its rights, to kill what the command leaves.  If the confinement cannot be set up the
command does not start: exit status 125.

Standard library only: it runs inside the sandbox, where nothing else of the suite is visible.
"""

import ctypes
import os

# Landlock (linux/landlock.h): system calls, rules and access rights by ABI version
LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
READ_RIGHTS = 0b1101  # execute, read file, read folder
FILE_RIGHTS = 0b111 | 1 << 14 | 1 << 15  # what a rule on a file (not a folder) may name


def landlock_rights(abi):
    """(every file-system right, network rights, scopes) that Landlock `abi` knows."""
    fs = (1 << 13) - 1
    fs |= (1 << 13) if abi >= 2 else 0  # refer (renaming across folders)
    fs |= (1 << 14) if abi >= 3 else 0  # truncate
    fs |= (1 << 15) if abi >= 5 else 0  # ioctl on devices
    net = 0b11 if abi >= 4 else 0  # bind and connect TCP
    scoped = 0b11 if abi >= 6 else 0  # abstract Unix sockets and signals outside the domain
    return fs, net, scoped


def landlock_abi():
    """The Landlock ABI version of this kernel (0 where there is none)."""
    libc = ctypes.CDLL(None, use_errno=True)
    version = libc.syscall(LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                           ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return max(version, 0)


class PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def restrict_with_landlock(read, write):
    """Allow this process (and all it will exec) to read only below `read`, to write only
    below `write`, no TCP, and (ABI 6) no signal to a process outside its own domain."""
    libc = ctypes.CDLL(None, use_errno=True)
    abi = landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not enabled in this kernel")
    fs, net, scoped = landlock_rights(abi)
    attribute = (ctypes.c_uint64 * 3)(fs, net, scoped)
    size = 8 * (3 if abi >= 6 else 2 if abi >= 4 else 1)
    ruleset = libc.syscall(LANDLOCK_CREATE_RULESET, ctypes.byref(attribute), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        for paths, rights in ((read, READ_RIGHTS), (write, fs)):
            for path in paths:
                try:
                    descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # nothing there to allow
                try:
                    allowed = rights if os.path.isdir(path) else rights & FILE_RIGHTS
                    rule = PathBeneath(allowed, descriptor)
                    if libc.syscall(LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                                    ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                        raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
                finally:
                    os.close(descriptor)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 or \
                libc.syscall(LANDLOCK_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)


# Namespaces and mounts (linux/sched.h, linux/mount.h)
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWNET = 0x20000, 0x8000000, 0x10000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
HIDING_BYTES = 64 * 1024  # an empty file system over each of the grader's own folders


def enter_namespaces(namespaces):
    """Network and System V IPC namespaces of this process's own, and, as root with "mounts",
    a mount namespace (see the module's docstring); not root, inside a user namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNET | CLONE_NEWIPC
    if os.geteuid() != 0:
        flags |= CLONE_NEWUSER
    elif namespaces.get("mounts"):
        flags |= CLONE_NEWNS
    if libc.unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "unshare (new namespaces)")
    if flags & CLONE_NEWUSER:  # the same user inside as outside, and no group to gain
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                           ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)
    if flags & CLONE_NEWNS:
        private_mounts(**namespaces["mounts"])


def mount(source, target, kind, flags, data=None):
    libc = ctypes.CDLL(None, use_errno=True)
    arguments = [None if value is None else os.fsencode(value) for value in (source, target, kind)]
    if libc.mount(*arguments, ctypes.c_ulong(flags),
                  None if data is None else data.encode()) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def beneath(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def private_mounts(hide, scratch, keep, scratch_bytes):
    """Fresh file systems of `scratch_bytes` over the `scratch` folders, empty read-only ones
    over the `hide` folders (/dev/null over a file), then each `keep` path that they covered
    bound back where it was.  Every path is absolute and has no symbolic link in it."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here reaches the machine's
    held = []
    for path in keep:
        try:
            held.append((path, os.open(path, os.O_PATH | os.O_CLOEXEC), os.path.isdir(path)))
        except OSError:
            pass  # nothing there to keep
    covered, hidden = [], []
    for folder in scratch:
        if os.path.isdir(folder) and not os.path.islink(folder):
            mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV,
                  f"mode=1777,size={scratch_bytes}")
            covered.append(folder)
    for path in hide:
        if not os.path.lexists(path) or os.path.islink(path):
            continue  # gone, or under a folder already covered
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  f"mode=0711,size={HIDING_BYTES}")
            covered.append(path)
            hidden.append(path)
        else:
            mount("/dev/null", path, None, MS_BIND)
    for path, descriptor, is_folder in held:
        if any(beneath(path, folder) for folder in covered):
            mount_point(path, is_folder)
            mount(f"/proc/self/fd/{descriptor}", path, None, MS_BIND | MS_REC)
        os.close(descriptor)
    for path in hidden:
        mount(None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)


def mount_point(path, is_folder):
    """An empty folder (or file) at `path`, with the folders above it: root's, passable only."""
    os.makedirs(os.path.dirname(path), mode=0o711, exist_ok=True)
    if is_folder:
        os.makedirs(path, mode=0o711, exist_ok=True)
    elif not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))


def become_user(uid, gid):
    """Run as `uid`:`gid` from now on, for good: no groups, no way back, no privileges to gain."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0:
        raise OSError(ctypes.get_errno(), "no_new_privs")
    if os.getuid() != uid or os.geteuid() != uid or os.getgid() != gid:
        raise OSError("the user could not be changed")


def drop_capabilities():
    """Give up every capability of root, for this process and all it will exec."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in range(64):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the last one
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: none (two words each)
    if libc.capset(header, data) < 0:
        raise OSError(ctypes.get_errno(), "capset")


def confine(confinement):
    """Apply CONFINEMENT (see above) to this process."""
    if "namespaces" in confinement:
        enter_namespaces(confinement["namespaces"])
    if confinement.get("drop_capabilities"):
        drop_capabilities()
    if "landlock" in confinement:
        restrict_with_landlock(confinement["landlock"]["read"], confinement["landlock"]["write"])
    if "user" in confinement:
        become_user(*confinement["user"])
