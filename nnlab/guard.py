"""One line, never a traceback, where a student goes: the wrong Python and Ctrl-C.

Installed by ``import nnlab`` (nnlab/__init__.py), which every student-facing script does
before it imports numpy, TensorFlow or matplotlib, so it is in place when one of them is
missing.  Only the standard library (and nnlab.i18n, which is stdlib only) is used here.

- A ModuleNotFoundError for one of the suite's packages (numpy, tensorflow, keras, ...) that
  nothing caught: the system ``python3`` when the virtual environment is not active, or a
  fresh Python.  One line says which package is missing for which Python and what to do:
  activate the suite's environment, or ``pip install -r requirements.txt``.
- A KeyboardInterrupt (Ctrl-C) that nothing caught: one line, exit status 130.  The process
  leaves at once (os._exit): TensorFlow objects cut off half-built complain while being freed.
  The training scripts catch Ctrl-C themselves first, to say that the saved model is unchanged.
- A BrokenPipeError (the output piped into ``head``, which has read enough): silence.
"""

import os
import sys

from nnlab.i18n import _

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The top-level modules of requirements.txt's packages (and those they bring) that scripts import.
SUITE_PACKAGES = {"numpy", "tensorflow", "keras", "matplotlib", "h5py", "copydetect",
                  "markdown_it", "nbformat", "absl", "google", "PIL"}
INTERRUPTED_STATUS = 130  # what a shell reports for a program ended by SIGINT


def how_to_install():
    """Activate the suite's environment where there is one (and this is not it), else pip."""
    environments = [os.path.join(REPO_ROOT, name) for name in (".venv", "venv", "env")
                    if os.path.isfile(os.path.join(REPO_ROOT, name, "pyvenv.cfg"))]
    if environments and os.path.realpath(sys.prefix) != os.path.realpath(environments[0]):
        activate = os.path.join(environments[0], "bin", "activate")
        return _("activate the suite's environment first (source {activate})").format(
            activate=activate)
    return _("run it with the Python that has the suite's packages (activate its environment), "
             "or install them: {python} -m pip install -r requirements.txt").format(
        python=sys.executable)


def not_installed(name):
    """The one line for a Python without one of the suite's packages."""
    return _("error: {package} is not installed for {python}: {how}").format(
        package=name, python=sys.executable, how=how_to_install())


def interrupted():
    return _("Interrupted (Ctrl-C): nothing more was done; run the same command again to "
             "start over.")


def _write_line(line):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        sys.stderr.write(("\n" if sys.stdout.isatty() else "") + line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, UnicodeError):
        pass


def _excepthook(kind, value, traceback):
    if issubclass(kind, KeyboardInterrupt):
        _write_line(interrupted())
        os._exit(INTERRUPTED_STATUS)
    if issubclass(kind, BrokenPipeError):  # the output went to `head` or a closed pager
        os._exit(1)
    name = getattr(value, "name", None) or ""
    if issubclass(kind, ModuleNotFoundError) and name.split(".")[0] in SUITE_PACKAGES:
        _write_line(not_installed(name.split(".")[0]))
        os._exit(1)
    _previous_hook(kind, value, traceback)


_previous_hook = sys.excepthook


def install():
    """Put the hook in place (once)."""
    global _previous_hook
    if sys.excepthook is not _excepthook:
        _previous_hook = sys.excepthook
        sys.excepthook = _excepthook
