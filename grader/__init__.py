"""The CIFAR-10 homework grader: the instructor's tool, kept apart from the students' plumbing.

Hand the homework out as the suite without this folder.  Its modules, in the order a
submission meets them:

- ``spec``: what the homework asks for, written once; the checks and rubric derive from it.
- ``sandbox`` and ``launcher``: the operating-system sandbox (bubblewrap; else, as root, a user
  of its own for each stage; else Landlock; never root), with limits on time, memory, file size
  and processes (a seccomp filter allows threads but no new process, no signal, no socket).
- ``student_stage``: runs in the sandbox, executes the submission's definitions, calls
  ``NN_model()`` and writes the model's architecture and compile settings as ``.keras``.
  Nothing else comes back.
- ``model_config``: reads the saved model as data and admits built-in Keras pieces only.
- ``checks`` and ``trusted_stage``: rebuild the model from its checked config, check it,
  train it the same way for everyone and measure it; they never import the submission.
- ``report``: the rubric, validated records, grades.csv, grades.json and summary.md.
- ``grade``: the command, ``python cifar/grade_homework.py``.
"""
