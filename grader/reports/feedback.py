"""The page each student receives about their own file: feedback/<student>.md and .html.

The score out of the maximum; each check with ✓ or ✗, its points and the reason in plain
words, with what to change where it failed ("the first hidden layer has 1000 units; the
homework asks for 3000"); the test accuracy and where it sits in the rubric's range; what
the grader noticed about the file (lines held for review, what the sandbox stopped); and the
grader's settings.  Every text a submission can influence is escaped as Markdown
(report.markdown_text), and the HTML is rendered by markdown-it-py with raw HTML off, in a
page whose Content-Security-Policy allows no script at all: opened in a browser, a page never
runs anything a student wrote.  Gradescope's results.json gets the same Markdown as the
student's output.
"""

import html
import os

from grader.homeworks import ACCURACY_TEST
from grader.results import write_atomically
from grader.safe_text import markdown_text
from grader.scoring import scored

PAGE = """<!DOCTYPE html>
<html lang="en">
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
    """One student's page as Markdown (every text from the submission escaped)."""
    result = scored(row, homework)
    lines = [f"# {markdown_text(homework.title)}: {markdown_text(row['student'])}", "",
             f"**Score: {result['score']:g} / {result['max_score']:g}**", ""]
    problem = row.get("not_gradable") or row.get("error")
    if problem:
        lines += [f"Your file could not be graded in full: {markdown_text(problem)}", ""]
    lines += [f"## Checks of {markdown_text(homework.function)}()", ""]
    for test in result["tests"]:
        if test["name"] == ACCURACY_TEST:
            continue
        passed = test["status"] == "passed"
        lines.append(f"- {'✓' if passed else '✗'} **{markdown_text(test['name'])}** "
                     f"({test['score']:g}/{test['max_score']:g} points): "
                     f"{markdown_text(test['output'])}")
        lines += [f"    - to change: {markdown_text(hint)}" for hint in test["advice"]]
    accuracy_test = result["tests"][-1]
    rule = homework.accuracy
    lines += ["", "## Test accuracy", "",
              f"{accuracy_test['score']:g}/{accuracy_test['max_score']:g} points: "
              f"{markdown_text(accuracy_test['output'])}.", "",
              f"The rubric gives no points below {rule.zero_at:.0%} and all "
              f"{rule.points:g} from {rule.full_marks_at:.0%}, in proportion between."]
    recipe = settings.get("recipe") or {}
    optimizer = str(recipe["optimizer"]).upper() if recipe.get("optimizer") else \
        "the optimizer you compiled"
    noticed = list(row.get("review") or []) + [f"the sandbox stopped: {flag}"
                                              for flag in row.get("tripwire") or []]
    if noticed:
        lines += ["", "## Noticed in your file", "",
                  "Your instructor will look at these before the accuracy points count:", ""]
        lines += [f"- {markdown_text(note)}" for note in noticed[:20]]
    lines += ["", "## How it was graded", "",
              f"Your {markdown_text(homework.function)}() was built in a sandbox, checked, and "
              "its network trained by the grader the same way for everyone: " + markdown_text(
                  f"{recipe.get('epochs')} epoch(s), batch {recipe.get('batch_size')}, "
                  f"{recipe.get('train_size') or 'all'} training images, "
                  f"{'scaled' if recipe.get('scale') else 'raw'} pixels, "
                  f"{optimizer}, seed {recipe.get('seed')}") + "."]
    return "\n".join(lines) + "\n"


def page_html(markdown, title):
    """The page as HTML: markdown-it-py, raw HTML off, no script allowed by the page itself."""
    from markdown_it import MarkdownIt
    body = MarkdownIt("commonmark", {"html": False}).render(markdown)
    return PAGE.format(title=html.escape(title), body=body)


def write_pages(folder, rows, homework, settings):
    """feedback/<student>.md and .html for every row."""
    os.makedirs(folder, exist_ok=True)
    for row in rows:
        markdown = page_markdown(row, homework, settings)
        base = os.path.join(folder, row["student"])
        write_atomically(base + ".md", markdown)
        write_atomically(base + ".html", page_html(markdown, f"{homework.title}: {row['student']}"))
