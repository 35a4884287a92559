"""Grade a whole class's CIFAR-10 homework (the instructor's command; the grader is in grader/).

    python cifar/grade_homework.py submissions/ --out grades
    python cifar/grade_homework.py --help
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import guard

guard.install()  # first: the wrong Python or Ctrl-C end in one line, not a traceback

from grader.grade import main

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit("Interrupted: finished submissions are saved; run the same command "
                         "again to grade the rest.") from None
