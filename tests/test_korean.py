"""Every message a student reads has a Korean form, and a Korean run speaks Korean.

The messages are found in the code itself (calls of ``_()``, ``N_()`` and ``ngettext()`` with
string literals, and the first docstring line of each script, its --help description); the
catalog nnlab/locale/ko/LC_MESSAGES/nnlab.po must translate each of them, with the same
placeholders, and nothing else; the compiled nnlab.mo must say what the .po says.
"""

import ast
import gettext
import os
import re
import string

import pytest

from conftest import REPO_ROOT

FOLDERS = ("nnlab", "grader", "cifar", "mnist", "mnist_keras")
ROOT_FILES = ("NN_comp_graph.py", "CNN_comp_graph.py")
CATALOG = os.path.join(REPO_ROOT, "nnlab", "locale", "ko", "LC_MESSAGES", "nnlab")
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}
# an English sentence: three English words in a row, separated by single spaces (a list of
# names, "sigmoid, sigmoid, softmax", is code, not a sentence)
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z']+(?: [A-Za-z][a-z']*){2,}")


def source_files():
    files = [os.path.join(REPO_ROOT, name) for name in ROOT_FILES
             if os.path.exists(os.path.join(REPO_ROOT, name))]
    for folder in FOLDERS:
        for root, folders, names in os.walk(os.path.join(REPO_ROOT, folder)):
            folders[:] = [name for name in folders if name != "__pycache__"]
            files += [os.path.join(root, name) for name in sorted(names) if name.endswith(".py")]
    return files


def messages_in(path):
    """{msgid or (singular, plural): where} for the marked messages of one file, and the
    problems: a marked call whose message is not a plain string literal."""
    source = open(path, encoding="utf-8").read()
    tree = ast.parse(source, path)
    found, problems = {}, []
    where = os.path.relpath(path, REPO_ROOT)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and
                node.func.id in MARKERS):
            continue
        literals = node.args[:MARKERS[node.func.id]]
        if len(literals) < MARKERS[node.func.id] or not all(
                isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in literals):
            if not (node.func.id == "_" and literals and isinstance(literals[0], (ast.Name, ast.IfExp,
                                                                                   ast.Attribute,
                                                                                   ast.Call,
                                                                                   ast.Subscript))):
                problems.append(f"{where}:{node.lineno}: {ast.unparse(node)[:80]}")
            continue
        values = tuple(arg.value for arg in literals)
        found[values[0] if len(values) == 1 else values] = f"{where}:{node.lineno}"
    docstring = ast.get_docstring(tree)
    if docstring and any(isinstance(node, ast.Call) and node.args and
                         isinstance(node.args[0], ast.Name) and node.args[0].id == "__doc__"
                         for node in ast.walk(tree)):  # cli.parse(__doc__, ...): --help's text
        found[docstring.strip().splitlines()[0]] = f"{where}:1"
    return found, problems


def code_messages():
    messages, problems = {}, []
    for path in source_files():
        found, wrong = messages_in(path)
        messages.update(found)
        problems += wrong
    return messages, problems


def read_po():
    from babel.messages.pofile import read_po as babel_read_po
    with open(CATALOG + ".po", "rb") as file:
        return babel_read_po(file)


def placeholders(text):
    named = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    return named | set(re.findall(r"%\(\w+\)[sdfr]|%[sdfr]", text))


def test_every_marked_message_is_a_literal_without_f_strings():
    _, problems = code_messages()
    assert problems == []


def test_every_message_has_a_korean_translation_with_the_same_placeholders_and_none_is_stale():
    messages, _ = code_messages()
    catalog = read_po()
    translated = {message.id: message for message in catalog if message.id}
    missing = sorted(str(key) for key in messages if key not in translated)
    stale = sorted(str(key) for key in translated if key not in messages)
    assert missing == [] and stale == []
    wrong = []
    for key, message in translated.items():
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        originals = key if isinstance(key, tuple) else (key,)
        if not all(forms) or message.fuzzy:
            wrong.append(f"untranslated: {key}")
        expected = set().union(*map(placeholders, originals))
        for form in forms:
            if form and placeholders(form) != expected:
                wrong.append(f"placeholders differ: {key!r} -> {form!r}")
    assert wrong == []


def test_the_compiled_catalog_says_what_the_po_says():
    with open(CATALOG + ".mo", "rb") as file:
        compiled = gettext.GNUTranslations(file)
    differing = []
    for message in read_po():
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for count, form in ((1, message.string[0]), (2, message.string[-1])):
                if compiled.ngettext(*message.id, count) != form:
                    differing.append(message.id)
        elif compiled.gettext(message.id) != message.string:
            differing.append(message.id)
    assert differing == [], "run: pybabel compile -d nnlab/locale -D nnlab"


def in_language(language, message):
    """`message` as the catalog says it in `language`, without changing this process's."""
    return gettext.translation("nnlab", os.path.join(REPO_ROOT, "nnlab", "locale"),
                               languages=[language], fallback=True).gettext(message)


def english_sentences(output):
    """Lines of `output` with three English words in a row, once paths, flags, code, numbers
    and TensorFlow's own log lines are left out."""
    found = []
    for line in output.splitlines():
        if re.match(r"^(WARNING|I0000|E0000|W0000|\d{4}-\d\d-\d\d \d\d:|\s*(File|Traceback))",
                    line) or "tensorflow" in line.lower() or "cuda" in line.lower():
            continue
        cleaned = re.sub(r"\S*[/\\]\S*|--?[\w-]+|`[^`]*`|\w+\([^()]*\)|\w+\.\w+\S*|\w*_\w*"
                         r"|'[^']*'|\"[^\"]*\"|\[[^\]]*\]", " ", line)
        if ENGLISH_RUN.search(cleaned):
            found.append(line)
    return found


def test_english_sentences_are_told_from_korean_lines():
    assert english_sentences("Accuracy of trained model against test data: 0.91")
    assert not english_sentences("학습한 모델의 테스트 데이터 정확도: 0.91 (model/mnist_NN_model.ckpt)")
    assert not english_sentences("사용법: Train_NN.py --hidden-units 100 Dense(3000, ...)")
    assert not english_sentences("✓ 활성화 함수 sigmoid, sigmoid, softmax  (15/15점)")
    assert english_sentences("error: cannot download MNIST from https://x/mnist.npz")


def run_korean(run_script, script_env, script, *args):
    env = dict(script_env, LANG="ko_KR.UTF-8")
    result = run_script(script, *args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert english_sentences(output) == [], output
    assert re.search("[가-힣]", output), output
    return output


def swapped_sizes(tmp_path):
    """A homework whose hidden layers are 2000 and 3000 units: the sizes swapped."""
    source = open(os.path.join(REPO_ROOT, "tests", "homework_samples", "wrong_sizes.py")).read()
    swapped = source.replace("size_hidden1 = 1000", "size_hidden1 = 2000").replace(
        "size_hidden2 = 500", "size_hidden2 = 3000")
    assert swapped.count("= 2000") == 1 and swapped.count("= 3000") == 1
    path = tmp_path / "Train_NN_cifar.py"
    path.write_text(swapped)
    return str(path)


def test_the_self_check_speaks_korean_and_says_what_to_change(run_script, script_env,
                                                              tmp_path):
    env = dict(script_env, LANG="ko_KR.UTF-8")
    result = run_script("cifar/check_homework.py", swapped_sizes(tmp_path), env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert english_sentences(result.stdout) == [], result.stdout
    advice = [line for line in result.stdout.splitlines() if "Dense(3000, ...)" in line]
    assert len(advice) == 1 and "2000" in advice[0], result.stdout


def test_the_self_check_in_english_says_what_to_change(run_script, tmp_path):
    result = run_script("cifar/check_homework.py", swapped_sizes(tmp_path))
    assert "the first hidden layer has 2000 units; the homework asks for 3000: write " \
        "Dense(3000, ...)" in result.stdout
    assert "the second hidden layer has 3000 units; the homework asks for 2000" in result.stdout


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_untouched_handout_says_its_one_reason_once(run_script, script_env, lang):
    result = run_script("cifar/check_homework.py", "--lang", lang)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith(("✗", "X "))]
    problem, held_back = failed[0], failed[1:]
    assert "NotImplementedError" in problem and result.stdout.count("NotImplementedError") == 1
    # the checks it holds back: their names and points, no reason repeated after each
    names = [in_language(lang, name) for name in (
        "returns a compiled Keras model", "input of 3072 values",
        "only Dense layers of 3000, 2000 and 10 units", "activations sigmoid, sigmoid, softmax",
        "15,241,010 parameters", "loss: categorical cross entropy")]
    assert [line[2:line.rindex("  (")] for line in held_back] == names, result.stdout


def test_a_missing_return_is_named(run_script, tmp_path):
    source = open(os.path.join(REPO_ROOT, "tests", "homework_samples", "correct.py")).read()
    no_return = source.replace("    return model", "    pass")
    assert no_return != source
    path = tmp_path / "Train_NN_cifar.py"
    path.write_text(no_return)
    for lang, words in (("en", "return model"), ("ko", "return model")):
        result = run_script("cifar/check_homework.py", str(path), "--lang", lang)
        assert result.returncode == 1 and words in result.stdout, result.stdout


# Each lab as a student runs it, on small generated data: every line it prints in Korean.
LABS = {
    "mnist": [("mnist/show_mnist_data.py", "--data", "{mnist}", "--save", "{tmp}/data.png"),
              ("mnist/Train_NN.py", "--data", "{mnist}", "--steps", "30", "--hidden",
               "--model", "{tmp}/m.ckpt"),
              ("mnist/Test_NN.py", "--model", "{tmp}/m.ckpt")],
    "keras": [("mnist_keras/Train_NN_keras.py", "--data", "{mnist}", "--epochs", "1",
               "--model", "{tmp}/m.h5"),
              ("mnist_keras/Test_NN_keras.py", "--model", "{tmp}/m.h5")],
    "cifar": [("cifar/show_cifar_data.py", "--data", "{cifar}", "--save", "{tmp}/data.png",
               "--names"),
              ("cifar/Train_NN_cifar.py", "--solution", "grader/reference_solution.py",
               "--data", "{cifar}", "--epochs", "1", "--model", "{tmp}/c.h5"),
              ("cifar/Test_NN_cifar.py", "--model", "{tmp}/c.h5")],
    "cnn": [("mnist/Train_CNN.py", "--data", "{mnist}", "--steps", "20",
             "--model", "{tmp}/cnn.ckpt"),
            ("mnist/Test_CNN.py", "--model", "{tmp}/cnn.ckpt"),
            ("mnist_keras/Train_CNN_keras.py", "--data", "{mnist}", "--epochs", "1",
             "--model", "{tmp}/cnn.h5"),
            ("mnist_keras/Test_CNN_keras.py", "--model", "{tmp}/cnn.h5"),
            ("cifar/Train_CNN_cifar.py", "--solution", "grader/cnn_reference_solution.py",
             "--data", "{cifar}", "--epochs", "1", "--model", "{tmp}/ccnn.h5"),
            ("cifar/Test_CNN_cifar.py", "--model", "{tmp}/ccnn.h5")],
}


@pytest.mark.parametrize("lab", sorted(LABS))
def test_a_korean_run_of_each_lab_prints_no_english_sentence(run_script, script_env, tmp_path,
                                                             lab):
    from conftest import generated_arrays, write_npz
    places = {"tmp": str(tmp_path),
              "mnist": write_npz(tmp_path / "mnist.npz", generated_arrays((28, 28))),
              "cifar": write_npz(tmp_path / "cifar10.npz", generated_arrays(
                  (32, 32, 3), train_size=300, test_size=100))}
    for script, *args in LABS[lab]:
        run_korean(run_script, script_env, script, *(arg.format(**places) for arg in args))


def test_korean_class_names_in_the_pictures_need_a_hangul_font_or_say_so():
    from nnlab import plots
    from nnlab.datasets import CIFAR10
    names = plots.picture_class_names(CIFAR10.class_names_ko)
    if plots.korean_font():
        assert names == list(CIFAR10.class_names_ko)
    else:
        assert names == list(CIFAR10.class_names)  # and a note says how to install a font


@pytest.fixture
def korean():
    """This process speaks Korean for one test, then its own language again."""
    from nnlab.i18n import set_language
    set_language("ko")
    yield
    set_language(None)


def test_the_feedback_page_speaks_korean_and_says_what_to_change(korean):
    from grader import scoring
    from grader.homeworks.mlp import HOMEWORK
    from grader.reports.feedback import page_html, page_markdown
    from grader.trusted.layer_checks import layer_advice
    advice = layer_advice([2000, 3000, 10], [3000, 2000, 10], "units")
    checks = [[check.name, check.kind != "dense_units", "…", advice if check.kind ==
               "dense_units" else []] for check in HOMEWORK.checks]
    result = {"student": "s1", "checks": checks, "accuracy": 0.25, "problems": [],
              "review": [], "tripwire": []}
    row = dict(result, **scoring.scored(result, HOMEWORK))
    markdown = page_markdown(row, HOMEWORK, {"recipe": {"epochs": 15, "batch_size": 100,
                                                        "optimizer": "sgd", "seed": 1}})
    assert english_sentences(markdown) == [], markdown
    assert "Dense(3000, ...)" in markdown and "고칠 점" in markdown
    assert '<html lang="ko">' in page_html(markdown, "s1")


@pytest.mark.parametrize("message", ["{name.__class__.__mro__}", "{0}", "{name[0]}",
                                     "{name:>999999999}", "{name!r}", "{missing}"])
def test_a_stage_record_fills_plain_names_only(message):
    from nnlab.i18n import translated
    assert translated(message, {"name": "x"}) is None
    assert translated("{name}() saved no model", {"name": "NN_model"}) == "NN_model() saved no model"
