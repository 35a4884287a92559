"""Where every user may write: what a stage user leaves there, removed however deep, and the
grader's own files closed to other users where nothing else keeps them from a stage.

Outside bubblewrap and Landlock, a stage that runs as a user of its own can still write where
every user may (/tmp, /var/tmp, /dev/shm): remove_files_of() takes away all it left, following
no link and holding at most one folder open at a time however deep the tree.  Where the
kernel has neither Landlock nor a mount namespace to offer, closed_to_others() keeps the
grader's own files from stage users while the class is graded.
"""

import contextlib
import os
import secrets
import stat
import tempfile

SHARED_SCRATCH = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")  # where every user may write


def shared_scratch():
    """The folders every user may write (the temporary folder included), as real paths."""
    folders = [*SHARED_SCRATCH, tempfile.gettempdir()]
    return list(dict.fromkeys(os.path.realpath(folder) for folder in folders
                              if os.path.isdir(folder)))


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
