"""The students' guide in Korean keeps every command of the README's students' part."""

import os
import re

from conftest import REPO_ROOT


def commands(markdown):
    """Every `python ...` or `pip ...` command of a Markdown text: code-block lines (their
    comments left out) and inline code."""
    found = set()
    for block in re.findall(r"```bash\n(.*?)```", markdown, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(("python ", "pip ")):
                found.add(" ".join(line.split()))
    for span in re.findall(r"`([^`\n]+)`", markdown):
        if span.startswith(("python ", "pip ")):
            found.add(" ".join(span.split()))
    return found


def test_every_student_command_of_the_readme_is_in_the_korean_guide():
    readme = open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8").read()
    students = readme.split("<!-- students' part: begin")[1].split("<!-- students' part: end")[0]
    korean = open(os.path.join(REPO_ROOT, "README.ko.md"), encoding="utf-8").read()
    wanted = commands(students)
    assert len(wanted) >= 15
    missing = sorted(wanted - commands(korean))
    assert not missing, missing
    assert "(README.ko.md)" in readme.split("\n## ")[0]  # linked from the top


def test_the_handout_names_the_korean_guide():
    handout = open(os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py"), encoding="utf-8").read()
    assert "README.ko.md" in handout.split('"""')[1]
