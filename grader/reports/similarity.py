"""Which submissions are unusually alike: copydetect's winnowing over Python tokens.

copydetect (MOSS-style fingerprints) compares the files' token streams with names,
comments and whitespace left out, and ignores whatever also appears in the handout.  The
homework's answer is short, so honest answers look alike too: the report lists the pairs
above a threshold, with their score and the lines that match, for the instructor to read.
It flags; it never changes a score.
"""

import csv
import io
import itertools
import os
import stat

import numpy as np

from grader.safe_text import spreadsheet_safe

NOISE_TOKENS = 25  # matches shorter than this many tokens are ignored
MAX_FILE_BYTES = 1_000_000  # the largest file the grader grades (grade.MAX_SUBMISSION_BYTES)
THRESHOLD = 0.8  # both files share at least this fraction of their fingerprints


def fingerprint(path, boilerplate):
    from copydetect import CodeFingerprint
    try:
        return CodeFingerprint(path, NOISE_TOKENS, 1, boilerplate=boilerplate, filter=True,
                               language="python")
    except (OSError, UnicodeDecodeError, ValueError):
        with open(path, "rb") as file:
            text = file.read().decode("utf-8", errors="replace")
        return CodeFingerprint(path, NOISE_TOKENS, 1, boilerplate=boilerplate, filter=True,
                               language="python", fp=io.StringIO(text))


def line_ranges(code, slices):
    """Character slices of `code` as "12-20" line ranges."""
    ranges = []
    for start, end in zip(*slices):
        first, last = code.count("\n", 0, start) + 1, code.count("\n", 0, max(start, end - 1)) + 1
        ranges.append(f"{first}-{last}" if last > first else str(first))
    return ", ".join(ranges)


def similar_pairs(files, handout, threshold=THRESHOLD):
    """[(student a, student b, similarity, lines of a, lines of b)], most similar first.

    `files`: student -> path of a copy of the code of each file graded (a regular file of at
    most MAX_FILE_BYTES: anything else is left out); `handout`: its lines don't count.
    """
    from copydetect import CodeFingerprint, compare_files
    boilerplate = np.array(list(CodeFingerprint(handout, NOISE_TOKENS, 1, filter=True,
                                                language="python").hashes))
    prints = {}
    for student, path in sorted(files.items()):
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES:  # never a link
            try:
                prints[student] = fingerprint(path, boilerplate)
            except Exception:  # copydetect cannot read it: nothing to compare
                continue
    pairs = []
    for a, b in itertools.combinations(prints, 2):
        if not len(prints[a].hashes) or not len(prints[b].hashes):
            continue
        _, (similarity_a, similarity_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
        similarity = float(min(similarity_a, similarity_b))
        if similarity >= threshold:
            pairs.append((a, b, similarity, line_ranges(prints[a].raw_code, slices_a),
                          line_ranges(prints[b].raw_code, slices_b)))
    return sorted(pairs, key=lambda pair: -pair[2])


def similarity_csv(pairs):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["student", "other student", "similarity", "matching lines (student)",
                     "matching lines (other)"])
    for a, b, similarity, lines_a, lines_b in pairs:
        writer.writerow([spreadsheet_safe(a), spreadsheet_safe(b), f"{similarity:.2f}",
                         lines_a, lines_b])
    return out.getvalue()


def summary_section(pairs, count):
    lines = ["", "## Similar submissions", "",
             f"Pairs whose code (names, comments and the handout's lines left out) shares at least "
             f"{THRESHOLD:.0%} of its fingerprints, from {count} files (copydetect). A short "
             "homework makes honest answers alike: read the lines before concluding anything. "
             "No score was changed.", ""]
    if not pairs:
        return lines + ["- none"]
    lines += ["| students | similarity | matching lines |", "| --- | --- | --- |"]
    for a, b, similarity, lines_a, lines_b in pairs[:50]:
        lines.append(f"| {a} ~ {b} | {similarity:.0%} | {lines_a} ~ {lines_b} |")
    if len(pairs) > 50:
        lines.append(f"\n{len(pairs) - 50} more pairs in similarity.csv.")
    return lines
