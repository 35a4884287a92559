"""Import TensorFlow without the start-up noise it prints on standard error.

TensorFlow 2.21 ignores the course's ``TF_CPP_MIN_LOG_LEVEL=3``: its C++ core writes
half a dozen lines ("All log messages before absl::InitializeLog()...", the oneDNN
notice, "Could not find cuda drivers...") before any Python setting can apply.  The
only reliable cure is to point file descriptor 2 elsewhere while the library loads.
What was written is kept and shown again if the import fails, so real errors stay
visible.
"""

import os
import sys
import tempfile

from nnlab.guard import not_installed
from nnlab.i18n import _

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
LEGACY_KERAS_OFF = ("", "0", "false", "False", "no")


def keras_on_tensorflow():
    """Keras 3 on TensorFlow, the backend this suite is written for, whatever the machine's
    settings say (KERAS_BACKEND=jax or torch, TF_USE_LEGACY_KERAS=1): each one overridden
    is said in one line."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow":
        print(_("note: KERAS_BACKEND={backend} ignored: this suite runs Keras on "
                "TensorFlow").format(backend=backend), file=sys.stderr)
    os.environ["KERAS_BACKEND"] = "tensorflow"
    if os.environ.get("TF_USE_LEGACY_KERAS", "") not in LEGACY_KERAS_OFF:
        print(_("note: TF_USE_LEGACY_KERAS ignored: this suite is written for Keras 3"),
              file=sys.stderr)
    os.environ.pop("TF_USE_LEGACY_KERAS", None)


def import_tensorflow():
    """Return the ``tensorflow`` module, imported with standard error silenced."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    keras_on_tensorflow()
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow
            import keras  # noqa: F401  (Keras 3 prints the same banner again on its first import)
        except ModuleNotFoundError as error:
            if error.name not in ("tensorflow", "keras"):
                raise
            os.dup2(saved_stderr, 2)
            raise SystemExit(not_installed(error.name)) from None
        except KeyboardInterrupt:
            raise  # Ctrl-C while TensorFlow loads: what it printed is only noise
        except BaseException:
            os.dup2(saved_stderr, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
    tensorflow.get_logger().setLevel("ERROR")
    return tensorflow


def import_tensorflow_v1():
    """Return ``tensorflow.compat.v1``, the TensorFlow 1.x API that the 2019 course code uses."""
    return import_tensorflow().compat.v1
