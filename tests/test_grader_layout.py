"""The grader's folders show the trust boundary, and imports only go downwards.

Read from the source (no module is imported): every import of the suite's own modules, by
any file of the suite, is an arrow; the test fails on a cycle anywhere, on an arrow that goes
up or across the trust boundary, and on a grader module over 450 lines.
"""

import ast
import os

import pytest

from nnlab.paths import REPO_ROOT

FOLDERS = ("grader", "nnlab", "cifar", "mnist", "mnist_keras", "bench")
ROOT_FILES = ("NN_comp_graph.py", "CNN_comp_graph.py")
# what each part of the grader may import of the grader (nnlab: see ALLOWED_NNLAB)
GROUND = ("grader.safe_text", "grader.results", "grader.scoring", "grader.processes",
          "grader.costs", "grader.homeworks")
PARTS = {
    "ground": GROUND,
    "sandboxed": ("grader.sandboxed",),
    "boundary": ("grader.boundary",),
    "trusted": ("grader.trusted",),
    "reports": ("grader.reports",),
    "runs": ("grader.class_grading", "grader.submission_results", "grader.gradescope",
             "grader.checked_files"),
    "commands": ("grader.grade", "grader.self_check", "grader.handout", "grader.gradescope_run"),
}
MAY_IMPORT = {
    "ground": {"ground"},
    "sandboxed": set(),  # the standard library and Keras only: it runs beside a student's code
    "boundary": {"ground", "boundary"},
    "trusted": {"ground", "trusted"},
    "reports": {"ground", "reports"},
    "runs": {"ground", "boundary", "trusted", "reports", "runs"},
    "commands": {"ground", "boundary", "trusted", "reports", "runs"},
}
ALLOWED_NNLAB = {"trusted", "runs", "commands"}  # parts of the grader that may use nnlab
# ...and nnlab.i18n (the standard library's gettext only), which every part but the sandboxed
# stage uses to speak the student's language
EVERYWHERE_BUT_SANDBOXED = {"nnlab.i18n"}
COMMAND_IMPORTS = {("grader.gradescope_run", "grader.grade")}  # the one call of a command
MAX_LINES = 450


def module_name(path):
    relative = os.path.relpath(path, REPO_ROOT)[:-len(".py")].replace(os.sep, ".")
    return relative[:-len(".__init__")] if relative.endswith(".__init__") else relative


def suite_files():
    files = [os.path.join(REPO_ROOT, name) for name in ROOT_FILES
             if os.path.exists(os.path.join(REPO_ROOT, name))]
    for folder in FOLDERS:
        for root, folders, names in os.walk(os.path.join(REPO_ROOT, folder)):
            folders[:] = [name for name in folders if name != "__pycache__"]
            files += [os.path.join(root, name) for name in names if name.endswith(".py")]
    return sorted(files)


def imports_of(path, modules):
    """The suite's modules that the file at `path` imports (at any depth of its code)."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


@pytest.fixture(scope="module")
def graph():
    paths = {module_name(path): path for path in suite_files()}
    return {module: imports_of(path, paths) - {module} for module, path in paths.items()}


def part_of(module):
    for part, prefixes in PARTS.items():
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return part
    return None


def test_every_grader_module_has_its_part(graph):
    unplaced = [module for module in graph if module.startswith("grader.") and
                part_of(module) is None and module not in ("grader", "grader.reference_solution",
                                                           "grader.cnn_reference_solution")]
    assert unplaced == []


def test_imports_only_go_downwards_across_the_trust_boundary(graph):
    wrong = []
    for module, imported in graph.items():
        part = part_of(module)
        for target in imported:
            target_part = part_of(target)
            if target.startswith("nnlab") and module.startswith("grader.") and \
                    part not in ALLOWED_NNLAB and not (target in EVERYWHERE_BUT_SANDBOXED and
                                                       part != "sandboxed"):
                wrong.append(f"{module} -> {target}")
            if module.startswith("nnlab") and target.startswith("grader"):
                wrong.append(f"{module} -> {target}")
            if target_part == "commands" and (module, target) not in COMMAND_IMPORTS and \
                    module.startswith("grader"):
                wrong.append(f"{module} -> {target} (nothing imports a command)")
            if part and target_part and target_part not in MAY_IMPORT[part] and \
                    target_part != "commands":
                wrong.append(f"{module} ({part}) -> {target} ({target_part})")
    assert wrong == []


def test_no_import_cycle_anywhere_in_the_suite(graph):
    cycles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_grader_module_is_over_450_lines():
    long = {module_name(path): sum(1 for _ in open(path, encoding="utf-8"))
            for path in suite_files() if module_name(path).startswith("grader")}
    assert {module: lines for module, lines in long.items() if lines > MAX_LINES} == {}


def test_the_record_kinds_are_named_in_one_place():
    """Every record the trusted stage sends is of a kind grader/results.py names, and no other
    module tells kinds apart by their keys."""
    from grader.results import RECORD_KINDS
    stage = os.path.join(REPO_ROOT, "grader", "trusted", "trusted_stage.py")
    sent = [frozenset(keyword.arg for keyword in node.keywords)
            for node in ast.walk(ast.parse(open(stage, encoding="utf-8").read()))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "report"]
    assert sent and all(keys in map(frozenset, RECORD_KINDS.values()) for keys in sent)
    assert {kind for kind, keys in RECORD_KINDS.items() if frozenset(keys) in sent} >= \
        {"device", "checks", "network", "not_gradable", "error", "accuracy", "throughput"}
    elsewhere = [module_name(path) for path in suite_files()
                 if module_name(path).startswith("grader") and module_name(path) != "grader.results"
                 and "set(record)" in open(path, encoding="utf-8").read()]
    assert elsewhere == []
