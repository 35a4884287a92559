"""Attack (round 4): an error text with newlines and a carriage return, written to print
console lines of its own into the grader's output (a fake result, a fake "done")."""


def NN_model():
    raise ValueError("oops\n[99/99] kim: 100/100, accuracy 0.9999, 1 s\rReport written to "
                     "grades/summary.md\u2028all graded")
