"""class.png: the class at a glance, for summary.md (matplotlib, without a display)."""

import collections

from grader.homeworks import ACCURACY_TEST


def class_picture(rows, homework, path):
    """A histogram of the scores, the test accuracies against the rubric's zero and full-marks
    lines, and how many submissions failed each check; None (nothing drawn) for fewer than 2."""
    if len(rows) < 2:
        return None
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    from matplotlib.ticker import MaxNLocator

    figure, (scores_axis, accuracy_axis, checks_axis) = pyplot.subplots(
        1, 3, figsize=(16, 4.5), gridspec_kw={"width_ratios": [1, 1, 1]}, layout="constrained")
    maximum = rows[0]["max_score"] or 1
    scores_axis.hist([row["score"] for row in rows], bins=10, range=(0, maximum),
                     color="tab:blue", edgecolor="white")
    scores_axis.set(xlabel=f"score (out of {maximum:g})", ylabel="submissions",
                    title=f"Scores of {len(rows)} submissions")
    accuracies = sorted(row["accuracy"] for row in rows if row.get("accuracy") is not None)
    rule = homework.accuracy
    accuracy_axis.plot(range(1, len(accuracies) + 1), accuracies, "o", color="tab:blue")
    accuracy_axis.axhline(rule.zero_at, color="tab:red", linestyle="--",
                          label=f"no accuracy points below {rule.zero_at:.0%}")
    accuracy_axis.axhline(rule.full_marks_at, color="tab:green", linestyle="--",
                          label=f"full marks from {rule.full_marks_at:.0%}")
    accuracy_axis.set(xlabel="submissions, lowest accuracy first", ylabel="test accuracy",
                      title=f"Test accuracy ({len(accuracies)} trained)", ylim=(0, 1))
    accuracy_axis.legend(fontsize=8)
    failed = collections.Counter(test["name"] for row in rows for test in row["tests"]
                                 if test["status"] == "failed" and test["name"] != ACCURACY_TEST)
    names = list(homework.check_names)[::-1]
    checks_axis.barh(names, [failed.get(name, 0) for name in names], color="tab:orange")
    checks_axis.set(xlabel="submissions that failed it", title="Failed checks",
                    xlim=(0, len(rows)))
    scores_axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    checks_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    for axis in (scores_axis, accuracy_axis, checks_axis):
        axis.grid(alpha=0.3)
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path
