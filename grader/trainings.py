"""One training per distinct network: results shared within a run, and kept across runs.

The trusted stage names each model's canonical network (checks.canonical_network: the layers
in data-flow order with everything that changes training, nothing else) by a short hash.
Submissions of the same network wait for one training and share its accuracy.  Accuracies
are also kept in a cache folder, under a key of everything that decides them: the network,
the device kind, a SHA-256 of the data, the training settings (train size, epochs, batch
size, seed, threads, scaling, optimizer) and the versions of TensorFlow, Keras and this
cache.  So a regrade next week, late submissions, a changed rubric or Slurm shards (separate
processes, at the same time) train only what has not been trained with those settings.

Only the grader's own process writes the cache, each entry written whole and renamed into
place (concurrent writers of one entry write the same thing); an entry that is damaged or
does not match its key is ignored and the network trained again.  Where submissions run
unconfined, no cache is used: a submission could have written it.
"""

import hashlib
import importlib.metadata
import json
import math
import os
import tempfile
import threading

CACHE_VERSION = 1
NETWORK_HASH_LENGTH = 12


def default_cache_folder():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nnlab-grader")


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
    return {"data_sha256": data_digest(settings["data"]), "cache_version": CACHE_VERSION,
            "tensorflow": version("tensorflow"), "keras": version("keras"),
            **{name: settings[name] for name in ("seed", "epochs", "batch_size", "train_size",
                                                  "scale", "threads", "optimizer")}}


def valid_outcome(outcome):
    accuracy = outcome.get("accuracy") if isinstance(outcome, dict) else "missing"
    return accuracy is None or (isinstance(accuracy, float) and math.isfinite(accuracy)
                                and 0 <= accuracy <= 1)


class Trainings:
    """The trainings of one grading run: who trains which network, and what came of it.

    `cache_folder`: where accuracies are kept across runs (None: within this run only)."""

    def __init__(self, settings, cache_folder=None):
        self.folder = cache_folder
        self.settings = cache_settings(settings) if cache_folder else None
        self.condition = threading.Condition()
        self.outcomes, self.running = {}, set()
        self.trained = self.from_cache = 0
        self.device_said = False

    def claim(self, network, device):
        """The outcome of `network` on `device` where it is known (waiting while another worker
        trains it); None when the caller is to train it and then publish()."""
        with self.condition:
            while (network, device) in self.running:
                self.condition.wait()
            if (network, device) in self.outcomes:
                return dict(self.outcomes[network, device], source="another submission")
            cached = self._read(network, device)
            if cached is not None:
                self.outcomes[network, device] = cached
                self.from_cache += 1
                return dict(cached, source="the cache")
            self.running.add((network, device))
            return None

    def publish(self, network, device, outcome):
        """What training `network` gave (accuracy, train_seconds, error), for every submission
        of it; accuracies are kept in the cache."""
        outcome = {key: outcome.get(key) for key in ("accuracy", "train_seconds", "error")}
        with self.condition:
            self.running.discard((network, device))
            self.outcomes[network, device] = outcome
            self.trained += 1
            self.condition.notify_all()
        if outcome["accuracy"] is not None and self.folder is not None:
            self._write(network, device, outcome)

    def progress(self):
        """"2 trainings done, 1 running, 1 from the cache", for the console."""
        with self.condition:
            parts = [f"{self.trained} training{'' if self.trained == 1 else 's'} done"]
            parts += [f"{len(self.running)} running"] if self.running else []
            parts += [f"{self.from_cache} from the cache"] if self.from_cache else []
        return ", ".join(parts)

    def say_device(self, device):
        """Print once which device trains the networks."""
        with self.condition:
            if self.device_said:
                return
            self.device_said = True
        print(f"Training on the {device}", flush=True)

    def _key(self, network, device):
        return dict(self.settings, network=network, device=device)

    def _path(self, network, device):
        text = json.dumps(self._key(network, device), sort_keys=True)
        return os.path.join(self.folder, hashlib.sha256(text.encode()).hexdigest() + ".json")

    def _read(self, network, device):
        if self.folder is None:
            return None
        try:
            with open(self._path(network, device), encoding="utf-8") as file:
                entry = json.load(file)
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != self._key(network, device) or \
                not isinstance(entry.get("accuracy"), float) or not valid_outcome(entry):
            return None
        seconds = entry.get("train_seconds")
        return {"accuracy": entry["accuracy"], "error": None,
                "train_seconds": seconds if isinstance(seconds, float) else None}

    def _write(self, network, device, outcome):
        try:
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
            handle, scratch = tempfile.mkstemp(dir=self.folder, prefix=".entry.")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump({"key": self._key(network, device), **outcome}, file)
            os.replace(scratch, self._path(network, device))
        except OSError as error:  # a cache that cannot be written costs time, never a grade
            print(f"note: the trainings cache {self.folder} cannot be written "
                  f"({error.strerror}): networks will be trained again next time", flush=True)
