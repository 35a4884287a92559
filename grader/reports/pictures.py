"""class.png: the class at a glance, for summary.md (matplotlib, without a display).

Drawn from picture_data(), which takes the ranking and the counts of lost points from
grader.reports.story, as summary.md and grades.csv do: the picture cannot tell another story.
"""

from grader.homeworks import ACCURACY_TEST
from grader.reports import story

MAX_NAMES = 40  # beyond this many students, the ranking's bars are labelled by rank only


def picture_data(rows, homework):
    """What class.png draws: the students in rank order (best first) with their final scores
    split into check points, accuracy points and adjustments, and how many students lost points
    on each part of the rubric (test accuracy included), most common first."""
    order = story.ranked(list(rows))
    accuracy_points = [next(test["score"] for test in row["tests"] if test["name"] == ACCURACY_TEST)
                       for row in order]
    return {"students": [row["student"] for row in order],
            "ranks": [row["rank"] for row in order],
            "scores": [row["score"] for row in order],
            "accuracy_points": accuracy_points,
            "check_points": [row.get("auto_score", row["score"]) - points
                             for row, points in zip(order, accuracy_points)],
            "adjustments": [row["score"] - row.get("auto_score", row["score"]) for row in order],
            "lost": story.lost_counts(order),
            "maximum": order[0]["max_score"] if order else 0}


def plain_label(name, limit=40):
    """A label matplotlib shows as written (no "$...$" mathematics), cut to `limit`."""
    name = name if len(name) <= limit else name[:limit - 1] + "…"
    return name.replace("$", "\\$")


def class_picture(rows, homework, path):
    """A histogram of the final scores, the class in rank order, and where points were lost;
    None (nothing drawn) for fewer than 2 students."""
    if len(rows) < 2:
        return None
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import MaxNLocator

    data = picture_data(rows, homework)
    figure, (scores_axis, rank_axis, lost_axis) = pyplot.subplots(
        1, 3, figsize=(18, 5), gridspec_kw={"width_ratios": [1, 1.4, 1]}, layout="constrained")
    maximum = data["maximum"] or 1
    scores_axis.hist(data["scores"], bins=10, color="tab:blue", edgecolor="white",
                     range=(min([0] + data["scores"]), max([maximum] + data["scores"])))
    scores_axis.set(xlabel=f"final score (out of {maximum:g})", ylabel="students",
                    title=f"Scores of {len(rows)} students")
    places = list(range(len(data["ranks"])))
    rank_axis.bar(places, data["check_points"], color="tab:blue", label="checks")
    rank_axis.bar(places, data["accuracy_points"], bottom=data["check_points"], color="tab:green",
                  label="test accuracy")
    bottoms = [checks + accuracy for checks, accuracy in zip(data["check_points"],
                                                            data["accuracy_points"])]
    if any(data["adjustments"]):
        rank_axis.bar(places, data["adjustments"], bottom=bottoms, color="tab:purple",
                      label="adjusted by hand")
    labels = data["students"] if len(places) <= MAX_NAMES else [str(rank) for rank in data["ranks"]]
    rank_axis.set_xticks(places, labels, rotation=90, fontsize=7 if len(places) > 15 else 9)
    rank_axis.set(ylabel="points",
                  ylim=(min([0] + data["scores"]), max([maximum] + data["scores"])),
                  title="The class, ranked as in summary.md (best first)")
    rank_axis.legend(fontsize=8)
    names = [plain_label(name) for name, _ in data["lost"]][::-1]
    lost_axis.barh(names, [count for _, count in data["lost"]][::-1], color="tab:orange")
    lost_axis.set(xlabel="students who lost points on it", title="Where points were lost",
                  xlim=(0, len(rows)))
    scores_axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    lost_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    for axis in (scores_axis, rank_axis, lost_axis):
        axis.grid(alpha=0.3)
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path
