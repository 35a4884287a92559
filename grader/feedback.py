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

import ast
import html
import os
import re

from grader import spec
from grader.report import markdown_text, scored, write_atomically

ORDINALS = ("first hidden layer", "second hidden layer", "output layer")
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


def listed(reason, prefix):
    """The Python list after `prefix` in a check's reason ("Dense units [1000, 500, 10]")."""
    match = re.match(re.escape(prefix) + r" (\[.*?\])", reason)
    if not match:
        return None
    try:
        return ast.literal_eval(match.group(1))
    except (ValueError, SyntaxError):
        return None


def layer_advice(found, expected, what):
    """"the first hidden layer has 1000 units; the homework asks for 3000", for each layer."""
    if found is None:
        return []
    if len(found) != len(expected):
        return [f"the network has {len(found)} Dense layers; the homework asks for "
                f"{len(expected)} (two hidden layers and the output layer)"]
    return [f"the {ORDINALS[number]} has {value} {what}; the homework asks for {wanted}"
            for number, (value, wanted) in enumerate(zip(found, expected)) if value != wanted]


def advice(name, reason):
    """What to change for a failed check, in plain words."""
    if name == spec.Check.UNITS:
        hints = layer_advice(listed(reason, "Dense units"), list(spec.UNITS), "units")
        if "also" in reason:
            hints.append("remove every layer that is not Dense (or an activation)")
        if "not Keras' default" in reason:
            hints.append("leave the Dense layers' other options (initializers, regularizers, "
                         "constraints) at Keras' defaults")
        if "not float32 and trainable" in reason:
            hints.append("leave every layer's dtype and trainable at Keras' defaults (float32, "
                         "trainable)")
        return hints or ["use Dense layers of 3000, 2000 and 10 units, and nothing else"]
    if name == spec.Check.ACTIVATIONS:
        found = listed(reason, "activations")
        return layer_advice(found, list(spec.ACTIVATIONS), "activation") or \
            ["use sigmoid in both hidden layers and softmax in the output layer"]
    if name == spec.Check.INPUT and ("dtype" in reason or "sparse" in reason
                                     or "ragged" in reason):
        return ["take the input as Keras' default dense float32 values: "
                "keras.Input(shape=(3072,)), without dtype, sparse or ragged"]
    return {spec.Check.COMPILED: ["call model.compile(...) before returning the model"],
            spec.Check.INPUT: ["give the first layer 3072 inputs: keras.Input(shape=(3072,))"],
            spec.Check.PARAMETERS: ["the layers above fix the parameters: fix the layers"],
            spec.Check.LOSS: ['compile with loss="categorical_crossentropy"']}.get(name, [])


def page_markdown(row, rubric, settings):
    """One student's page as Markdown (every text from the submission escaped)."""
    result = scored(row, rubric)
    lines = [f"# CIFAR-10 homework: {markdown_text(row['student'])}", "",
             f"**Score: {result['score']:g} / {result['max_score']:g}**", ""]
    problem = row.get("not_gradable") or row.get("error")
    if problem:
        lines += [f"Your file could not be graded in full: {markdown_text(problem)}", ""]
    lines += ["## Checks of NN\\_model()", ""]
    for test in result["tests"]:
        if test["name"] == spec.ACCURACY_TEST:
            continue
        passed = test["status"] == "passed"
        lines.append(f"- {'✓' if passed else '✗'} **{markdown_text(test['name'])}** "
                     f"({test['score']:g}/{test['max_score']:g} points): "
                     f"{markdown_text(test['output'])}")
        if not passed and not test["output"].startswith("not checked"):
            lines += [f"    - to change: {markdown_text(hint)}" for hint in
                      advice(test["name"], test["output"])]
    accuracy_test = result["tests"][-1]
    rule = rubric["accuracy"]
    lines += ["", "## Test accuracy", "",
              f"{accuracy_test['score']:g}/{accuracy_test['max_score']:g} points: "
              f"{markdown_text(accuracy_test['output'])}.", "",
              f"The rubric gives no points below {rule['zero_at']:.0%} and all "
              f"{rule['points']:g} from {rule['full_marks_at']:.0%}, in proportion between."]
    noticed = list(row.get("review") or []) + [f"the sandbox stopped: {flag}"
                                              for flag in row.get("tripwire") or []]
    if noticed:
        lines += ["", "## Noticed in your file", "",
                  "Your instructor will look at these before the accuracy points count:", ""]
        lines += [f"- {markdown_text(note)}" for note in noticed[:20]]
    lines += ["", "## How it was graded", "",
              "Your NN\\_model() was built in a sandbox, checked, and its network trained by the "
              "grader the same way for everyone: " + markdown_text(
                  f"{settings.get('epochs')} epoch(s), batch {settings.get('batch_size')}, "
                  f"{settings.get('train_size') or 'all'} training images, "
                  f"{'scaled' if settings.get('scale') else 'raw'} pixels, SGD, seed "
                  f"{settings.get('seed')}") + "."]
    return "\n".join(lines) + "\n"


def page_html(markdown, title):
    """The page as HTML: markdown-it-py, raw HTML off, no script allowed by the page itself."""
    from markdown_it import MarkdownIt
    body = MarkdownIt("commonmark", {"html": False}).render(markdown)
    return PAGE.format(title=html.escape(title), body=body)


def write_pages(folder, rows, rubric, settings):
    """feedback/<student>.md and .html for every row."""
    os.makedirs(folder, exist_ok=True)
    for row in rows:
        markdown = page_markdown(row, rubric, settings)
        base = os.path.join(folder, row["student"])
        write_atomically(base + ".md", markdown)
        write_atomically(base + ".html", page_html(markdown, f"CIFAR-10 homework: {row['student']}"))
