"""NN_comp_graph.py's and CNN_comp_graph.py's tests (tests/graph_mode/), each in a process of
its own.

Importing either module switches TensorFlow to graph mode for the rest of the process, as
TensorFlow 1 always ran: the Keras tests, which need eager mode, must not inherit it.
"""

import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT


@pytest.mark.parametrize("checks", ["check_comp_graph.py", "check_cnn_comp_graph.py"])
def test_the_graph_module_in_its_own_process(checks):
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             os.path.join("tests", "graph_mode", checks)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1] and "failed" not in result.stdout
