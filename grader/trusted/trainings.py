"""One training per distinct network: kept across runs, in a cache that checks before it trusts.

The trusted stage names each model's canonical network (canonical.canonical_network: the
layers in data-flow order and how they are trained, nothing else) by the SHA-256 of its
whole description: two networks share a training only where their descriptions are equal
(the short hash in the reports is a label, never a key).  Accuracies are kept in a cache
folder, under a key of everything that decides them: the network, the device kind, a
SHA-256 of the data, the homework, its recipe (train size, epochs, batch size, seed,
scaling), the threads and the versions of TensorFlow, Keras and this cache.  So a regrade next
week, late submissions, a changed rubric or Slurm shards (separate processes, at the same
time) train only what has not been trained with those settings.

The cache is trusted only as far as it is checked.  Its folder must be the grader's user's
own and closed to every other user (made so where the grader creates it); one that is not,
or that is a link, is not used at all, and the console says so in one line.  Only the
grader's own process writes the cache, each entry written whole and renamed into place
(concurrent writers of one entry write the same thing).  An entry is opened without
following a link or waiting on a pipe, read outside the lock the workers share, and used
only when it is a regular file of the grader's user of at most MAX_ENTRY_BYTES whose key is
the one asked for: anything else is ignored and the network trained again.  Where
submissions run unconfined, no cache is used: a submission could have written it.
"""

import hashlib
import importlib.metadata
import json
import math
import os
import secrets
import stat
import threading

CACHE_VERSION = 3
MAX_ENTRY_BYTES = 64 * 1024  # an entry is a key and three numbers: a few hundred bytes
# A training whose outputs are no longer finite numbers ends so again with the same settings:
# kept like an accuracy (any other error, a timeout or a crash, is tried again next time).
DIVERGED = "training diverged: the network's outputs are no longer finite numbers"


class CacheRefused(Exception):
    """The cache folder cannot be trusted; its message says why, in a few words."""


def default_cache_folder():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nnlab-grader")


def open_cache_folder(folder):
    """A descriptor of the cache folder `folder`, made (closed to others) where it is missing;
    CacheRefused where it is a link, is not the grader's user's, or others may open it."""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if os.path.islink(folder):
            raise CacheRefused("it is a symbolic link") from None
        raise CacheRefused(error.strerror or str(error)) from None
    info = os.fstat(descriptor)
    problem = None
    if info.st_uid != os.geteuid():
        problem = f"it belongs to user {info.st_uid}, not to the grader's user {os.geteuid()}"
    elif info.st_mode & 0o077:
        problem = f"other users may open it (mode {stat.S_IMODE(info.st_mode):04o})"
    if problem:
        os.close(descriptor)
        raise CacheRefused(problem)
    return descriptor


def data_digest(path):
    """A SHA-256 of the data file (or of every file of a data folder)."""
    digest = hashlib.sha256()
    files = [path] if os.path.isfile(path) else sorted(
        os.path.join(folder, name) for folder, _, names in os.walk(path) for name in names)
    for file_path in files:
        digest.update(os.path.relpath(file_path, path).encode(errors="surrogateescape"))
        with open(file_path, "rb") as file:
            for block in iter(lambda: file.read(2**20), b""):
                digest.update(block)
    return digest.hexdigest()


def version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def cache_settings(settings):
    """Everything but the network and the device that decides a training's accuracy."""
    return {"data_sha256": data_digest(settings["data_source"]), "cache_version": CACHE_VERSION,
            "tensorflow": version("tensorflow"), "keras": version("keras"),
            "homework": settings["homework"], "recipe": settings["recipe"],
            "threads": settings["threads"]}


def valid_outcome(outcome):
    accuracy = outcome.get("accuracy") if isinstance(outcome, dict) else "missing"
    return accuracy is None or (isinstance(accuracy, float) and math.isfinite(accuracy)
                                and 0 <= accuracy <= 1)


class Trainings:
    """What the trainings of a grading run gave, and what earlier runs kept in the cache.

    Networks are named by their key, the full SHA-256 of their canonical description.
    `cache_folder`: where accuracies are kept across runs (None: within this run only); one
    that cannot be trusted is said and not used.  `folder` is the one in use (or None)."""

    def __init__(self, settings, cache_folder=None):
        self.folder, self.descriptor = None, None
        if cache_folder:
            try:
                self.descriptor = open_cache_folder(cache_folder)
                self.folder = cache_folder
            except CacheRefused as why:
                print(f"WARNING: the trainings cache {cache_folder} is not used ({why}): "
                      "it must be a folder of the grader's own user that no other user may "
                      "open; every network is trained in this run (remove that folder, or give "
                      "--cache a new one)", flush=True)
        self.settings = cache_settings(settings) if self.folder else None
        self.lock = threading.Lock()
        self.trained = self.from_cache = 0

    def cached(self, network, device):
        """The outcome of `network` (its key) on `device` kept by an earlier run, or None."""
        outcome = self._read(network, device)
        if outcome is not None:
            with self.lock:
                self.from_cache += 1
        return outcome

    def store(self, network, device, outcome):
        """What training `network` gave (accuracy, train_seconds, error); accuracies and
        divergences are kept."""
        outcome = {key: outcome.get(key) for key in ("accuracy", "train_seconds", "error")}
        with self.lock:
            self.trained += 1
        if (outcome["accuracy"] is not None or outcome["error"] == DIVERGED) and \
                self.folder is not None:
            self._write(network, device, outcome)
        return outcome

    def _key(self, network, device):
        return dict(self.settings, network=network, device=device)

    def _name(self, network, device):
        text = json.dumps(self._key(network, device), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest() + ".json"

    def _read(self, network, device):
        """The cached outcome of `network` on `device`, or None (no entry, or one not to trust)."""
        if self.folder is None:
            return None
        entry = read_entry(self.descriptor, self._name(network, device), MAX_ENTRY_BYTES)
        if not isinstance(entry, dict) or entry.get("key") != self._key(network, device):
            return None
        seconds = entry.get("train_seconds")
        seconds = seconds if isinstance(seconds, float) else None
        if entry.get("accuracy") is None and entry.get("error") == DIVERGED:
            return {"accuracy": None, "error": DIVERGED, "train_seconds": seconds}
        if not isinstance(entry.get("accuracy"), float) or not valid_outcome(entry):
            return None
        return {"accuracy": entry["accuracy"], "error": None, "train_seconds": seconds}

    def _write(self, network, device, outcome):
        write_entry(self.descriptor, self._name(network, device),
                    {"key": self._key(network, device), **outcome}, self.folder)


def read_entry(folder_descriptor, name, max_bytes):
    """The JSON of the cache entry `name`, or None: opened without following a link or waiting
    on a pipe, and only a regular file of the grader's user, not hard-linked, of at most
    `max_bytes`."""
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                             dir_fd=folder_descriptor)
    except OSError:
        return None  # none, or a link
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or \
                info.st_nlink != 1 or info.st_size > max_bytes:
            return None  # a pipe, a device, another user's, a hard link, too big
        return json.loads(os.read(descriptor, max_bytes + 1).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        os.close(descriptor)


def write_entry(folder_descriptor, name, entry, folder):
    """The cache entry `name`, written whole (a scratch file renamed into place)."""
    scratch = f".entry.{secrets.token_hex(8)}"
    try:
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW |
                             os.O_CLOEXEC, 0o600, dir_fd=folder_descriptor)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(entry, file)
        os.replace(scratch, name, src_dir_fd=folder_descriptor, dst_dir_fd=folder_descriptor)
    except OSError as error:  # a cache that cannot be written costs time, never a grade
        try:
            os.unlink(scratch, dir_fd=folder_descriptor)
        except OSError:
            pass
        print(f"note: the grader's cache {folder} cannot be written ({error.strerror}): "
              "what it would keep is done again next time", flush=True)
