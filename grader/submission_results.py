"""One submission through its two stages, to its result: built in the sandbox, then checked by
the worker's trusted stage; and, once its network is trained (or known), its accuracy.

A result is a dict (results/<student>.json): who, which file, with what settings, what the
stages said (every field validated where it came in), the network, the accuracy.
"""

import hashlib
import tempfile

from grader import processes, results
from grader.boundary import builds, submissions
from grader.boundary.notebooks import NotANotebook
from grader.boundary.source_flags import flags_in
from grader.safe_text import MAX_TEXT, printable, text

CHECK_TIMEOUT = 300  # seconds a trusted stage may take to rebuild and check one model


def ungraded_result(student, path, settings, problem):
    """The result of a submission that could not be graded at all: a link, a pipe, a huge
    file, or a failure of the grader's own."""
    return {"student": student, "file": printable(path), "sha256": "", "settings": settings,
            "seconds": 0.0, "checks": [], "accuracy": None, "error": text(problem),
            "network": None}


def check_file(student, path, homework, settings, args, mode, stage):
    """Phase one for one file: its student stage in the sandbox, then the checks of its model
    by `stage` (the worker's trusted stage).  (The result, with its network where the grader
    can train it (accuracy still to come) or final without one; the model's config or None.)"""
    problem = submissions.submission_problem(path)
    if problem:
        return ungraded_result(student, path, settings, problem), None
    raw = submissions.read_submission(path)
    try:
        source, left_out = submissions.submitted_code(path, raw)
    except NotANotebook as problem:
        return ungraded_result(student, path, settings, str(problem)), None
    stage.start()  # TensorFlow loads there while the student stage runs
    with tempfile.TemporaryDirectory(prefix="grade-") as private:
        timeout = min(args.timeout or builds.BUILD_TIMEOUT, builds.BUILD_TIMEOUT)
        built = builds.build_in_sandbox(source, homework, private, mode, timeout, args.memory,
                                        args.private_paths)
        records, checked = [], None
        if built.config is not None:
            records, checked = stage.run("check", built.config, CHECK_TIMEOUT)
    result = checked_result(student, path, source, homework, settings, args, mode, built,
                            records, checked)
    result["sha256"] = hashlib.sha256(raw).hexdigest()  # of the file handed in
    if left_out:
        result["problems"] = [text("notebook: IPython-only lines left out: " +
                                   "; ".join(left_out[:10]), 300)] + result["problems"]
    return result, built.config


def checked_result(student, path, source, homework, settings, args, mode, built, records,
                   checked):
    """A submission's result from what its two stages left: every field validated."""
    fields, malformed = results.validated_records(records, homework.check_names)
    output = built.run.output[-1000:] + (checked.output if checked else "")
    result = {"student": student, "file": printable(path),
              "sha256": hashlib.sha256(source).hexdigest(), "settings": settings,
              "review": [text(flag) for flag in flags_in(source)], "sandbox": mode,
              "seconds": round(built.run.seconds + (checked.seconds if checked else 0), 1),
              "output_tail": printable(output)[-MAX_TEXT:],
              "output_bytes": built.run.output_bytes + (checked.output_bytes if checked else 0),
              "problems": built.status.get("problems", []),
              "tripwire": built.status.get("flags", []), **fields}
    result["not_gradable"] = built.not_gradable or fields["not_gradable"]
    timeout = min(args.timeout or builds.BUILD_TIMEOUT, builds.BUILD_TIMEOUT)
    run = built.run
    if malformed:
        result.update(checks=[], accuracy=None, error=malformed, network=None, retry=True)
    elif built.error(timeout, args.memory, homework.function):
        result["error"] = built.error(timeout, args.memory, homework.function)
        # stopped by a limit or a signal, not by its own code: worth trying again next run
        result["retry"] = bool(run.timed_out or run.memory_exceeded or run.folder_exceeded
                               or run.output_exceeded or run.signal_name
                               or run.returncode == processes.NO_FILTER)
    elif checked is not None and checked.returncode != 0 and result["error"] is None:
        result["network"] = None
        result["error"] = stage_error(checked, CHECK_TIMEOUT, args.memory, "checking the model")
        result["retry"] = True
    return result


def stage_error(run, timeout, memory_mb, doing):
    """Why a trusted stage gave no answer: out of time, of memory, or ended."""
    if run.timed_out:
        return f"timed out after {timeout:g} s while {doing}"
    if run.memory_exceeded or "MemoryError" in run.output:
        return f"ran out of memory while {doing} (limit {memory_mb} MiB)"
    return f"{doing} ended without a result (exit code {run.returncode})"


def with_accuracy(result, outcome, source):
    """`result` (checked, with a network) completed by what training its network gave:
    `outcome` {"accuracy", "train_seconds", "error"}, `source` where it came from ("here",
    "by another submission", "from the cache")."""
    result = dict(result, accuracy=outcome.get("accuracy"),
                  train_seconds=outcome.get("train_seconds"),
                  error=result.get("error") or outcome.get("error"))
    result["network"] = dict(result["network"], trained=source)
    return result
