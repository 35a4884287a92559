"""A submission built in the sandbox: what its student stage left, read as hostile data.

build_in_sandbox() copies the file's code alone into a folder of its own, runs the student
stage there (sandboxed/student_stage.py, through boundary.sandbox) and reads back the only two
files a stage can leave: status.json (its own words on what went wrong: text for the report,
nothing more) and model.keras (the model's config, checked by boundary.model_configs).
"""

import dataclasses
import json
import os

from grader import processes
from grader.boundary import sandbox, scratch
from grader.boundary.model_configs import NoModel, NotGradable, open_written_file, read_saved_config
from grader.safe_text import text
from nnlab.i18n import _, translated

BUILD_TIMEOUT = 300  # seconds a model builder may take at most: building a model takes seconds


def read_status(folder):
    """What the student stage says went wrong: untrusted, used only as text for the report."""
    file = open_written_file(os.path.join(folder, sandbox.STATUS_FILE), 100_000)
    if file is None:
        return {}
    try:
        with file:
            status = json.loads(file.read())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(status, dict):
        return {}

    def texts(value):
        return [text(item, 300) for item in value[:20]] if isinstance(value, list) else []
    error = status.get("error") if isinstance(status.get("error"), str) else None
    said = status.get("said")
    if error and isinstance(said, list) and len(said) == 2 and isinstance(said[0], str):
        error = translated(said[0], said[1]) or error  # no more than its own words could say
    return {"error": text(error) if error else None,
            "problems": texts(status.get("problems")), "flags": texts(status.get("flags"))}


@dataclasses.dataclass
class Built:
    """What the student stage left: its run, its (untrusted) status, and the checked config."""
    run: processes.StageRun
    status: dict
    config: dict = None
    not_gradable: str = None
    no_model: str = None

    def error(self, timeout, memory_mb, function="NN_model"):
        """Why there is no model to check (None when there is one, or one not gradable)."""
        if self.config is not None or self.not_gradable:
            return None
        if self.run.timed_out:
            return _("timed out after {seconds} s while building the model").format(
                seconds=f"{timeout:g}")
        if self.run.memory_exceeded or "MemoryError" in (self.status.get("error") or ""):
            return _("ran out of memory (limit {limit} MiB)").format(limit=memory_mb)
        if self.run.folder_exceeded:
            return _("wrote more than {limit} MiB into its folder: stopped").format(
                limit=sandbox.PROCESS_FOLDER_BYTES // 2**20)
        if self.run.output_exceeded:
            return _("printed more than {limit} MiB while building the model: stopped").format(
                limit=processes.MAX_OUTPUT_BYTES // 2**20)
        if self.run.returncode == processes.NO_FILTER:
            return _("the sandbox could not start: {output}").format(
                output=text(self.run.output.strip(), 200))
        if self.status.get("error"):
            return self.status["error"]
        if self.run.signal_name:
            return _("the model builder was stopped by {signal} before it saved a "
                     "model").format(signal=self.run.signal_name)
        if self.run.returncode > 0:
            return _("the model builder ended (exit code {code}) before it saved a "
                     "model").format(code=self.run.returncode)
        return self.no_model or _("{name}() saved no model").format(name=function)


def build_in_sandbox(source, homework, private, mode, timeout, memory_mb, hidden=()):
    """Run the student stage on `source` (a file's bytes) for `homework` (its spec), in a folder
    of its own under `private`, as a user of its own where the grader is root; `hidden`: the
    grader's own files and folders (see sandbox.confinement)."""
    folder = os.path.join(private, "stage")
    owner = sandbox.new_stage_owner()
    sandbox.prepare_folder(folder, source, owner, homework.submission_name)
    try:
        run = sandbox.run_student_stage(mode, folder, homework, timeout, memory_mb, owner, hidden)
        built = Built(run, read_status(folder))
        try:
            built.config = read_saved_config(os.path.join(folder, sandbox.MODEL_FILE),
                                             homework.function)
        except NotGradable as problem:  # its words may quote the config: made safe here
            built.not_gradable = text(str(problem))
        except NoModel as problem:
            built.no_model = text(str(problem))
    finally:
        scratch.remove_folder(folder)  # however deep the stage made it
    return built
