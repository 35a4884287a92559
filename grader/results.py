"""A submission's result: the records a trusted stage sends, validated, and results/<student>.json.

A trusted stage reports one JSON object a line, each of one kind (RECORD_KINDS, the one place
that names them): the device it trains on, the checks of a model, its network, why it could
not be graded, the accuracy a training gave, a throughput measured, and "done" after each
command.  Every field is checked for type, range and length before the grader uses it.
Results are written whole or not at all (write_atomically), and one read back from disk is
used again only when it is one of ours.
"""

import json
import math
import os
import tempfile

from grader.safe_text import text

HEX = set("0123456789abcdef")
RECORD_KINDS = {  # the keys each kind of record has: a record has exactly one kind's keys
    "device": {"device"},  # "CPU" or "GPU", once, when the stage starts
    "checks": {"checks"},  # [[name, passed, reason, [what to change...]], ...]
    "network": {"network"},  # {"sha256", "description", "parameters", "flops"}
    "not_gradable": {"not_gradable"},  # text: Keras cannot rebuild the model
    "error": {"error"},  # text: what went wrong
    "accuracy": {"accuracy", "train_seconds"},  # what a training gave
    "throughput": {"throughput", "overhead"},  # training's FLOP/s, and seconds to start one
    "done": {"done"},  # the end of one command's records
}


def record_kind(record):
    """The kind of a record (a key of RECORD_KINDS), or None for anything else."""
    if isinstance(record, dict):
        for kind, keys in RECORD_KINDS.items():
            if set(record) == keys:
                return kind
    return None


def number(value, high=math.inf):
    """`value` as a float where it is a finite number from 0 to `high`; else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or not 0 <= value <= high:
        return None
    return float(value)


def valid_checks(checks, names):
    """[[name, passed, reason, advice]] with every text made safe, or None where `checks` is
    not a list of checks named in `names`."""
    if not isinstance(checks, list):
        return None
    valid = []
    for check in checks:
        if not (isinstance(check, list) and len(check) == 4 and check[0] in names and
                isinstance(check[1], bool) and isinstance(check[2], str) and
                isinstance(check[3], list) and all(isinstance(hint, str) for hint in check[3])):
            return None
        valid.append([check[0], check[1], text(check[2]), [text(hint, 300) for hint in check[3][:6]]])
    return valid


def validated_records(records, names):
    """What a trusted stage reported about one model, checked field by field (`names`: the
    homework's check names): (fields, problem or None)."""
    fields = {"checks": [], "accuracy": None, "train_seconds": None, "error": None,
              "not_gradable": None, "network": None}
    for record in records:
        kind = record_kind(record)
        if kind in (None, "device", "throughput", "done"):
            return fields, "the grader received a malformed record"
        if kind == "network":
            fields["network"] = valid_network(record["network"])
            if fields["network"] is None:
                return fields, "the grader received a malformed network"
        elif kind == "checks":
            fields["checks"] = valid_checks(record["checks"], names)
            if fields["checks"] is None:
                fields["checks"] = []
                return fields, "the grader received a malformed list of checks"
        elif kind == "accuracy":
            fields["accuracy"] = number(record["accuracy"], 1)
            fields["train_seconds"] = number(record["train_seconds"])
            if fields["accuracy"] is None or fields["train_seconds"] is None:
                return fields, "the grader received a malformed accuracy"
        elif not isinstance(record[kind], str):
            return fields, f"the grader received a malformed {kind}"
        else:
            fields[kind] = text(record[kind])
    return fields, None


def network_label(key):
    """The short name a report shows for the network whose key (a full SHA-256 of its canonical
    description) is `key`: its first 12 hex digits.  Only a label: trainings and the cache are
    shared by the whole key, never by this."""
    return key[:12]


def valid_network(value):
    """A network as a trusted stage names it, {"sha256": the 64 hex digits of its canonical
    description, "description": text, "parameters": N, "flops": N (one image)} (and, in a
    stored result, "trained": where its accuracy came from), made safe and labelled ("hash");
    else None."""
    if not isinstance(value, dict) or set(value) - {"sha256", "description", "parameters",
                                                    "flops", "hash", "trained"}:
        return None
    key, description = value.get("sha256"), value.get("description")
    if not isinstance(key, str) or len(key) != 64 or set(key) - HEX or \
            not isinstance(description, str):
        return None
    sizes = {name: value.get(name) for name in ("parameters", "flops")}
    if not all(isinstance(size, int) and not isinstance(size, bool) and size >= 0
               for size in sizes.values()):
        return None
    network = {"sha256": key, "hash": network_label(key), "description": text(description, 300),
               **sizes}
    if isinstance(value.get("trained"), str):  # where its accuracy came from, in a stored result
        network["trained"] = text(value["trained"], 40)
    return network


def valid_result(result, names):
    """Whether a results/<student>.json read back from disk can be used again."""
    try:
        return (isinstance(result, dict) and isinstance(result["student"], str)
                and isinstance(result["sha256"], str) and isinstance(result["settings"], dict)
                and validated_records([{"checks": result["checks"]}], names)[1] is None
                and all(result.get(name) is None or isinstance(result[name], str)
                        for name in ("error", "not_gradable"))
                and (result.get("accuracy") is None or number(result["accuracy"], 1) is not None)
                and isinstance(result.get("seconds", 0), (int, float))
                and (result.get("network") is None or valid_network(result["network"])))
    except (KeyError, TypeError):
        return False


def write_atomically(path, content):
    """Write `content` to `path` whole or not at all (a scratch file renamed into place)."""
    handle, scratch = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".grades.")
    try:
        # Texts are made safe where they enter the grader; should one slip through, it is
        # written escaped rather than stopping the class's report.
        with os.fdopen(handle, "w", newline="", encoding="utf-8",
                       errors="backslashreplace") as file:
            file.write(content)
        os.replace(scratch, path)
    finally:
        if os.path.exists(scratch):
            os.remove(scratch)


def write_result(folder, result, scores):
    """results/<student>.json with its `scores` (grader.scoring.scored), whole or not at all."""
    write_atomically(os.path.join(folder, result["student"] + ".json"),
                     json.dumps(dict(result, **scores), indent=2))


def read_result(path, names):
    """A stored result, or None when it is missing, empty, damaged or not one of ours."""
    try:
        with open(path, encoding="utf-8") as file:
            result = json.load(file)
    except (OSError, ValueError, RecursionError):
        return None
    return result if valid_result(result, names) else None
