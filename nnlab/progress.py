"""Progress of Train_NN.py's steps: a bar redrawn in place on a terminal, plain lines in a log.

Keras' Progbar is not used here: in TensorFlow 1.x graph mode it turns the numbers it shows
into graph tensors and fails on the oldest Keras the suite supports, and it writes colour
codes and backspaces even into a file.
"""

import sys
import time


class StepProgress:
    """`update(step, cost)` after each step; `lines` plain lines in all when not a terminal."""

    def __init__(self, total, stream=None, lines=10, width=30):
        self.total, self.width = total, width
        self.stream = stream or sys.stdout
        self.terminal = self.stream.isatty()
        self.every = max(1, total // lines)
        self.start = self.last_draw = time.perf_counter()
        self.drawn = 0  # characters of the line on screen: a shorter one must cover them all

    def update(self, step, cost):
        now = time.perf_counter()
        last = step == self.total
        if self.terminal:
            if last or now - self.last_draw > 0.1:
                done = self.width * step // self.total
                bar = "=" * done + (">" if done < self.width else "") + \
                    "." * (self.width - done - 1)
                line = f"{step}/{self.total} [{bar}] {self._time(now, step)} - cost: {cost:.4f}"
                self.stream.write("\r" + line.ljust(self.drawn) + ("\n" if last else ""))
                self.drawn = len(line)
                self.stream.flush()
                self.last_draw = now
        elif last or step == 1 or step % self.every == 0:
            self.stream.write(f"step {step}/{self.total} - {self._time(now, step)} - "
                              f"cost: {cost:.4f}\n")
            self.stream.flush()

    def _time(self, now, step):
        elapsed = now - self.start
        if step == self.total:
            return f"{elapsed:.0f}s"
        return f"ETA {elapsed / step * (self.total - step):.0f}s"

    def interrupt(self):
        """End the bar's line before a message."""
        if self.terminal:
            self.stream.write("\n")
            self.stream.flush()
