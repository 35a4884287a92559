"""The page each student receives about their own file: feedback/<student>.md and .html.

The score out of the maximum; each check with ✓ or ✗, its points and the reason in plain
words, with what to change where it failed ("the first hidden layer has 1000 units; the
homework asks for 3000"); the test accuracy and where it sits in the rubric's range; what
the grader noticed about the file (lines left out or not run, lines held for review, what the
sandbox stopped); the instructor's adjustments with their reasons; and the grader's settings.
Every text a submission can influence is escaped as Markdown where it would change the
rendering (safe_text.markdown_text), and the HTML is rendered by markdown-it-py with raw HTML
off, in a page whose Content-Security-Policy allows no script at all: opened in a browser, a
page never runs anything a student wrote.  Gradescope's results.json gets the same Markdown as
the student's output.
"""

import html
import os

from grader.homeworks import ACCURACY_TEST
from grader.reports import story
from grader.results import write_atomically
from grader.safe_text import markdown_text
from grader.scoring import scored
from nnlab.i18n import _, current_language

PAGE = """<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>body {{ font-family: sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.5 }}
code {{ background: #f3f3f3 }}</style>
</head>
<body>
{body}
</body>
</html>
"""


def page_markdown(row, homework, settings):
    """One student's page as Markdown (every text from the submission escaped where it would
    change the rendering)."""
    result = scored(row, homework)
    final = row.get("score", result["score"]) if "auto_score" in row else result["score"]
    row = dict(row, **dict(result, score=final))
    name = f" ({markdown_text(row['name'])})" if row.get("name") else ""
    lines = [f"# {markdown_text(_(homework.title))}: {markdown_text(row['student'])}{name}", "",
             "**" + _("Score: {score} / {maximum}").format(
                 score=f"{final:g}", maximum=f"{result['max_score']:g}") + "**", ""]
    if row.get("missing"):
        lines += [_("Nothing was handed in under your id, so nothing could be graded. If you did "
                    "hand something in, tell your instructor at once."), ""]
        if row.get("near_miss"):
            lines += [_("A file whose name comes close to your id was handed in; your instructor "
                        "is checking whether it is yours."), ""]
    problem = row.get("not_gradable") or row.get("error")
    if problem and not row.get("missing"):
        lines += [_("Your file could not be graded in full: {problem}").format(
            problem=markdown_text(problem)), ""]
    lost = story.points_lost(row)
    lines += ["## " + _("Where your points went"), ""]
    lines += [f"- {markdown_text(_(what))}" + (
        _(" (-{points} points)").format(points=f"{points:g}") if points else "")
        + f": {markdown_text(check_output(why))}" for what, points, why in lost]
    lines += [] if lost else ["- " + _("nowhere: you earned every point.")]
    lines += ["", "## " + _("Checks of {function}()").format(
        function=markdown_text(homework.function)), ""]
    for test in result["tests"]:
        if test["name"] == ACCURACY_TEST:
            continue
        passed = test["status"] == "passed"
        lines.append(f"- {'✓' if passed else '✗'} **{markdown_text(_(test['name']))}** " +
                     _("({score}/{points} points)").format(score=f"{test['score']:g}",
                                                         points=f"{test['max_score']:g}") +
                     f": {markdown_text(check_output(test['output']))}")
        lines += ["    - " + _("to change: {advice}").format(advice=markdown_text(hint))
                  for hint in test["advice"]]
    rule = homework.accuracy
    lines += ["", "## " + _("Test accuracy"), "",
              markdown_text(story.accuracy_sentence(row, homework)), "",
              _("The rubric gives no points below {zero} and all {points} from {full}, in "
                "proportion between.").format(zero=f"{rule.zero_at:.0%}",
                                              points=f"{rule.points:g}",
                                              full=f"{rule.full_marks_at:.0%}")]
    if row.get("adjustments"):
        lines += ["", "## " + _("Adjusted by your instructor"), "",
                  _("The grader gave {grader}; your instructor's adjustments make it "
                    "{final}:").format(grader=f"{row['auto_score']:g}", final=f"{final:g}"), ""]
        lines += ["- " + _("{points} points: {reason}").format(
            points=f"{item['points']:+g}", reason=markdown_text(item["reason"]))
            for item in row["adjustments"]]
    recipe = settings.get("recipe") or {}
    optimizer = str(recipe["optimizer"]).upper() if recipe.get("optimizer") else \
        _("the optimizer you compiled")
    noticed = story.noticed(row)
    if noticed:
        intro = _("Lines left out or not run were skipped, and the rest of your file graded") \
            if not row.get("review") else \
            _("Lines left out or not run were skipped, and the rest of your file graded; lines "
              "held for review keep the accuracy points back until your instructor has looked")
        lines += ["", "## " + _("Noticed in your file"), "", intro + ":", ""]
        lines += [f"- {markdown_text(note)}" for note in noticed[:20]]
    lines += ["", "## " + _("How it was graded"), "",
              _("Your {function}() was built in a sandbox, checked, and its network trained by "
                "the grader the same way for everyone: {recipe}.").format(
                  function=markdown_text(homework.function), recipe=markdown_text(
                      _("{epochs} epoch(s), batch {batch}, {images}, {pixels}, {optimizer}, "
                        "seed {seed}").format(
                          epochs=recipe.get("epochs"), batch=recipe.get("batch_size"),
                          images=_("{count} training images").format(
                              count=recipe["train_size"]) if recipe.get("train_size") else
                          _("all training images"),
                          pixels=_("scaled pixels") if recipe.get("scale") else _("raw pixels"),
                          optimizer=optimizer, seed=recipe.get("seed"))))]
    return "\n".join(lines) + "\n"


def check_output(output):
    """A check's reason as the page says it: the grader's "not checked: ..." and "not
    measured: ..." (kept in English in the results, where the reports look for them) in the
    page's language."""
    for prefix, message in (("not checked: ", _("not checked: {problem}")),
                            ("not measured: ", _("not measured: {problem}"))):
        if output.startswith(prefix):
            return message.format(problem=output[len(prefix):])
    return output


def page_html(markdown, title):
    """The page as HTML: markdown-it-py, raw HTML off, no script allowed by the page itself."""
    from markdown_it import MarkdownIt
    body = MarkdownIt("commonmark", {"html": False}).render(markdown)
    return PAGE.format(title=html.escape(title), body=body, language=current_language())


def write_pages(folder, rows, homework, settings):
    """feedback/<student>.md and .html for every row."""
    os.makedirs(folder, exist_ok=True)
    for row in rows:
        markdown = page_markdown(row, homework, settings)
        base = os.path.join(folder, row["student"])
        write_atomically(base + ".md", markdown)
        write_atomically(base + ".html", page_html(markdown,
                                                   f"{_(homework.title)}: {row['student']}"))
