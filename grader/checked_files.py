"""Files checked before: a regrade does not build again a file the grader has already built and
checked with the same code, homework and settings.

A file's student stage (a Keras import and the model built, in the sandbox) is most of what a
file costs once its network's accuracy is known.  The result of phase one (the checks, the
network, what was noticed) and the model's config are kept in the grader's cache folder
(the trainings cache's, with its checks: the grader's own folder, closed to others), under a
key of everything that decides them: the SHA-256 of the file's bytes, the homework as graded
(its checks, budget and recipe), the grading settings, the sandbox, the memory limit and the
SHA-256 of the grader's own code.  An entry is used only when it reads back as a valid result
whose key is the one asked for.  A result whose stage was stopped by a limit or a signal (time,
memory, output, a crash) is never kept: it is tried again; what a file's own code did (an
exception, a failed check) is kept like any result.  `--regrade` builds every file again.
"""

import hashlib
import json

from grader import results
from grader.boundary import submissions
from grader.safe_text import printable
from grader.trusted.trainings import read_entry, write_entry

MAX_ENTRY_BYTES = 1024 * 1024  # a result and a model's config: a few to a few hundred KiB


class CheckedFiles:
    """Phase one's results kept across runs, in the folder of `trainings` (none where it has
    none); `settings`: the grading settings; `grader_code`: the SHA-256 of the grader's code."""

    def __init__(self, trainings, homework, settings, mode, memory_mb, grader_code, read=True):
        self.folder, self.descriptor = trainings.folder, trainings.descriptor
        self.homework, self.read = homework, read
        self.key_base = {"kind": "checked file", "homework": repr(homework),
                         "settings": settings, "sandbox": mode, "memory": memory_mb,
                         "grader": grader_code, "cache": trainings.settings}
        self.from_cache = 0

    def _key(self, digest):
        return dict(self.key_base, file_sha256=digest)

    def _name(self, digest):
        text = json.dumps(self._key(digest), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest() + ".checked"  # trainings: .json

    def cached(self, student, path):
        """(result, config) of the file at `path` as checked before, for `student`; or None."""
        if self.folder is None or not self.read or submissions.submission_problem(path):
            return None
        digest = hashlib.sha256(submissions.read_submission(path)).hexdigest()
        entry = read_entry(self.descriptor, self._name(digest), MAX_ENTRY_BYTES)
        if not isinstance(entry, dict) or entry.get("key") != self._key(digest):
            return None
        result, config = entry.get("result"), entry.get("config")
        if not isinstance(result, dict) or not (config is None or isinstance(config, dict)):
            return None
        result = dict(result, student=student, file=printable(path), sha256=digest)
        if not results.valid_result(result, self.homework.check_names) or \
                result.get("accuracy") is not None or result.get("retry") or \
                (result.get("network") is not None and config is None):
            return None
        if result.get("network") is not None:
            result["network"] = results.valid_network(result["network"])
        self.from_cache += 1
        return result, config

    def store(self, result, config):
        """Keep phase one's `result` (and the model's `config`) for the next run, unless a
        limit stopped its stage or the entry would be too big."""
        if self.folder is None or result.get("retry") or result.get("accuracy") is not None \
                or not result.get("sha256"):
            return
        kept = {name: value for name, value in result.items()
                if name not in ("student", "file", "sha256")}
        entry = {"key": self._key(result["sha256"]), "result": kept, "config": config}
        if len(json.dumps(entry, default=str)) <= MAX_ENTRY_BYTES:
            write_entry(self.descriptor, self._name(result["sha256"]), entry, self.folder)
