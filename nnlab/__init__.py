"""Plumbing shared by the lab scripts: data, paths, command line, TensorFlow set-up, output.

Each module has one job, so that the course scripts themselves read like the slides.
Importing the package puts nnlab.guard's hook in place (standard library only): a missing
package (the wrong Python) or Ctrl-C then ends in one line, not a traceback.  Scripts import
nnlab before numpy or TensorFlow for that reason.
"""

from nnlab import guard as _guard

_guard.install()
