"""NN_comp_graph.py's tests (tests/graph_mode/check_comp_graph.py), in a process of their own.

Importing NN_comp_graph switches TensorFlow to graph mode for the rest of the process, as
TensorFlow 1 always ran: the Keras tests, which need eager mode, must not inherit it.
"""

import os
import subprocess
import sys

from conftest import REPO_ROOT


def test_the_graph_module_in_its_own_process():
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             os.path.join("tests", "graph_mode", "check_comp_graph.py")],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1] and "failed" not in result.stdout
