"""Which sandbox grades the class: the first confinement that works here, said in one line.

bubblewrap, else an unprivileged user of its own (the grader as root), else Landlock; where
none works, submissions run unconfined only on the instructor's word (--unconfined), and the
report says so.  Where neither bubblewrap, Landlock nor a mount namespace keeps the grader's
own files from stage users, they are closed to other users while the class is graded.
"""

import contextlib

from grader import processes
from grader.boundary import sandbox, scratch
from grader.boundary.submissions import inside
from grader.safe_text import one_line
from nnlab.i18n import _


class SandboxUnavailable(RuntimeError):
    """The sandbox asked for cannot confine submissions here (the message says what to do)."""


def choose_sandbox(choice, unconfined=False, for_students=False):
    """("bwrap", "user", "landlock" or "process", a warning for the report or None); raises
    SandboxUnavailable.

    `auto` takes the first that works: bubblewrap, an unprivileged user (as root), Landlock.
    Where none does, submissions run unconfined only with `unconfined` (the instructor's
    --unconfined; a student checking their own file on their own machine needs no sandbox)."""
    problems = {"bwrap": sandbox.bubblewrap_problem, "user": sandbox.user_problem,
                "landlock": sandbox.landlock_problem}
    if choice in problems:
        problem = problems[choice]()
        if problem:
            raise SandboxUnavailable(f"--sandbox {choice}: {problem}; " + (
                f"{sandbox.INSTALL_BUBBLEWRAP}, " if choice == "bwrap" else "") +
                "or leave --sandbox at auto")
        return choice, seccomp_note()
    if choice == "auto":
        found = {}
        for mode, problem in problems.items():
            found[mode] = problem()
            if found[mode] is None:
                return mode, seccomp_note()
        why = "; ".join(f"{mode}: {problem}" for mode, problem in found.items())
    else:
        why = "--sandbox process"
    if not for_students and not unconfined:
        raise SandboxUnavailable(f"no way to confine submissions here ({why}): "
                                 f"{sandbox.INSTALL_BUBBLEWRAP}, or run the grader as root, or "
                                 "grade with --unconfined to run them as you, unconfined")
    problem = sandbox.process_problem()
    if problem:  # as root: even unconfined, never as root
        if for_students:
            raise SandboxUnavailable(_("run as root, the check runs your file as an "
                                       "unprivileged user of its own, and {problem}: run it as "
                                       "yourself, not as root").format(
                                           problem=problem[0].lower() + problem[1:]))
        raise SandboxUnavailable(f"--sandbox process: {problem}: as root, even an unconfined "
                                 "submission runs as an unprivileged user of its own, never as "
                                 "root")
    return "process", None if for_students else unconfined_note(why)


def unconfined_note(why):
    return (f"submissions were not confined by the operating system ({why}): each ran in "
            f"{describe('process')}, with --unconfined, and trainings were shared within this "
            "run only, with no cache a submission could have written. To confine them, "
            f"{sandbox.INSTALL_BUBBLEWRAP} (or grade as root) and grade again with --regrade.")


def seccomp_note():
    """A warning where the one-process filter is missing (the sandbox confines the rest)."""
    if sandbox.seccomp_problem() is None:
        return None
    return (f"submissions could start processes ({sandbox.seccomp_problem()}), limited in "
            f"number only, which does not bind root. To forbid them, "
            f"{sandbox.INSTALL_LIBSECCOMP} and grade again with --regrade.")


def describe(mode):
    """One line on what confines each submission here, for the console and the report."""
    as_user = " as an unprivileged user of its own" if sandbox.stage_user_needed() else ""
    layers = {"bwrap": [f"bubblewrap{as_user} (operating-system confinement)"],
              "user": ["an unprivileged user of its own (operating-system confinement)"],
              "landlock": [f"Landlock{as_user} (operating-system confinement)"],
              "process": [f"a separate, limited process{as_user}, NOT confined"]}[mode]
    layers += {"landlock": ["reads limited by Landlock"] if mode == "user" else [],
               "mounts": ["the grader's files hidden by a mount namespace"],
               "permissions": ["the grader's files closed to other users while grading"]}.get(
        sandbox.hiding(mode), [])
    if mode == "bwrap" or (mode in ("user", "landlock") and sandbox.namespaces_problem() is None):
        layers.append("no network (a network namespace of its own)")
    layers.append("no new processes, no signals and no sockets (seccomp)"
                  if sandbox.seccomp_problem() is None
                  else f"new processes limited by number only ({sandbox.seccomp_problem()})")
    return ", ".join(layers)


@contextlib.contextmanager
def kept_from_stages(paths, mode):
    """Where neither bubblewrap, Landlock nor a mount namespace keeps the grader's own files and
    folders (`paths`) from the stage users, they are closed to other users while the class is
    graded, except those holding what a stage runs (Python, the grader), and opened again."""
    if sandbox.hiding(mode) != "permissions":
        yield
        return
    needed = [*sandbox.python_folders(), processes.GRADER_DIR]
    closable = [path for path in paths if path and not any(
        inside(folder, path) for folder in needed)]
    with scratch.closed_to_others(closable) as closed:
        if closed:
            print(one_line("Without Landlock or a mount namespace here, closed to other users "
                           "while grading (opened again at the end): " + ", ".join(closed)),
                  flush=True)
        left_open = sorted(set(filter(None, paths)) - set(closable))
        if left_open:
            print(one_line("WARNING: left open to other users, as they hold what each "
                           "submission runs: " + ", ".join(left_open)), flush=True)
        yield
