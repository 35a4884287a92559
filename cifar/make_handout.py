"""Build the folder students receive, without the homework's answer (the instructor's command).

    python cifar/make_handout.py handout/
    python cifar/make_handout.py --help
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import guard

guard.install()  # first: the wrong Python or Ctrl-C end in one line, not a traceback

from grader.handout import main

if __name__ == "__main__":
    main()
