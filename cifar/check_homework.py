"""Check your CIFAR-10 homework with the grader's own checks before handing it in.

    python check_homework.py                      # checks Train_NN_cifar.py beside it
    python check_homework.py my_copy.py

Each check is printed with ✓ or ✗, its reason and its points; exit status 0 when all pass.
No training: the accuracy points are earned when your instructor grades.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import guard

guard.install()  # first: the wrong Python or Ctrl-C end in one line, not a traceback

from grader.self_check import main

if __name__ == "__main__":
    main()
