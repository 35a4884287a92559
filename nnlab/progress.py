"""Progress of the TF1 lessons' steps: a bar redrawn in place on a terminal, plain lines in a log.

Keras' Progbar is not used here: in TensorFlow 1.x graph mode it turns the numbers it shows
into graph tensors and fails on the oldest Keras the suite supports, and it writes colour
codes and backspaces even into a file.
"""

import sys
import time

from nnlab.i18n import N_, _


class StepProgress:
    """`update(step, value)` after each step; `lines` plain lines in all when not a terminal
    (0: none, the caller says what it wants with `say`).  `label` names the value shown."""

    def __init__(self, total, stream=None, lines=10, width=30, label=N_("cost")):
        self.total, self.width, self.label = total, width, label
        self.stream = stream or sys.stdout
        self.terminal = self.stream.isatty()
        self.every = max(1, total // lines) if lines else None
        self.start = self.last_draw = time.perf_counter()
        self.drawn = 0  # characters of the line on screen: a shorter one must cover them all
        self.step, self.value = 0, None

    def update(self, step, value=None):
        now = time.perf_counter()
        self.step = step
        self.value = self.value if value is None else value
        last = step == self.total
        if self.terminal:
            if last or now - self.last_draw > 0.1:
                self._draw(now, end="\n" if last else "")
        elif self.every and (last or step == 1 or step % self.every == 0):
            self.stream.write(_("step {step}/{total}").format(step=step, total=self.total) +
                              f" - {self.eta(now)}{self._value()}\n")
            self.stream.flush()

    def say(self, line):
        """A line of its own, above the bar on a terminal (which is drawn again below it)."""
        if self.terminal:
            self.stream.write("\r" + line.ljust(self.drawn) + "\n")
            self.drawn = 0
            self._draw(time.perf_counter())
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def eta(self, now=None):
        """"ETA 40s" while running; the time it took once the last step is done."""
        elapsed = (now or time.perf_counter()) - self.start
        if self.step >= self.total:
            return _("{seconds}s").format(seconds=f"{elapsed:.0f}")
        return _("ETA {seconds}s").format(
            seconds=f"{elapsed / max(self.step, 1) * (self.total - self.step):.0f}")

    def _value(self):
        return "" if self.value is None else f" - {_(self.label)}: {self.value:.4f}"

    def _draw(self, now, end=""):
        done = self.width * self.step // self.total
        bar = "=" * done + (">" if done < self.width else "") + "." * (self.width - done - 1)
        line = f"{self.step}/{self.total} [{bar}] {self.eta(now)}{self._value()}"
        self.stream.write("\r" + line.ljust(self.drawn) + end)
        self.drawn = 0 if end else len(line)
        self.stream.flush()
        self.last_draw = now

    def interrupt(self):
        """End the bar's line before a message."""
        if self.terminal:
            self.stream.write("\n")
            self.stream.flush()
