"""Timing helpers for the bench/ scripts: whole processes, run alternately, compared by median."""

import os
import statistics
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(REPO_ROOT, "..", "shared", "data")


def data_file(name, env_var):
    """The real data set: $ENV_VAR, else ../shared/data/NAME; exits with a reason when absent."""
    path = os.environ.get(env_var) or os.path.join(SHARED_DATA, name)
    if not os.path.exists(path):
        raise SystemExit(f"error: {path} not found: set {env_var} to a local copy of {name}")
    return os.path.abspath(path)


def run_seconds(command, env=None):
    """Wall-clock seconds of one run of `command`; a failing command stops the benchmark."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return seconds


def alternate(commands, repeats, env=None):
    """Run each named command in turn, `repeats` rounds; return {name: [seconds, ...]}."""
    times = {name: [] for name in commands}
    for round_number in range(repeats):
        for name, command in commands.items():
            times[name].append(run_seconds(command, env))
        print(f"round {round_number + 1}/{repeats}: " +
              ", ".join(f"{name} {seconds[-1]:.2f} s" for name, seconds in times.items()),
              flush=True)
    return times


def print_ratio(times, name, baseline, limit=None):
    """Print both medians and their ratio, and whether it is within `limit` (if one is set)."""
    ratio = statistics.median(times[name]) / statistics.median(times[baseline])
    verdict = "" if limit is None else \
        f" (limit {limit}) {'ok' if ratio <= limit else 'TOO SLOW'}"
    print(f"median {name}: {statistics.median(times[name]):.2f} s, median {baseline}: "
          f"{statistics.median(times[baseline]):.2f} s, ratio {ratio:.3f}{verdict}")
    return ratio


PYTHON = sys.executable
