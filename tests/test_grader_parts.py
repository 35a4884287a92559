"""The grader's parts on their own: the launcher, the student stage's reading of a file, the
allowlist of saved models, the checks on rebuilt models, and the validation of records."""

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO_ROOT
from grader import model_config, report, sandbox, source_flags, spec, student_stage
from grader.model_config import NotGradable, NoModel

LAUNCHER = os.path.join(REPO_ROOT, "grader", "launcher.py")


def launch(code, timeout=60, memory_mb=2000, one_process=False):
    return subprocess.run([sys.executable, "-I", LAUNCHER, str(memory_mb), str(timeout), "64",
                           "1" if one_process else "0", "{}", sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=timeout + 60)


def running(marker):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as file:
                if marker.encode() in file.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def test_launcher_kills_detached_descendants_when_the_command_ends():
    marker = "launcher-test-detached-1"
    code = ("import os, subprocess, sys\n"
            f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)  # {marker}'],"
            " start_new_session=True)\n"
            "if os.fork() == 0:\n    os.setsid()\n"
            f"    os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(300)  # {marker}'])\n"
            "print('started')\n")
    result = launch(code)
    assert result.returncode == 0 and result.stdout == "started\n", result.stderr
    assert running(marker) == []


def test_launcher_time_limit_and_exit_codes():
    result = launch("import time; time.sleep(60)", timeout=1)
    assert result.returncode == 124
    assert launch("raise SystemExit(3)").returncode == 3
    assert launch("import os, signal; os.kill(os.getpid(), signal.SIGKILL)").returncode == 137


def test_launcher_memory_and_file_limits(tmp_path):
    result = launch("x = bytearray(3 * 2**30)", memory_mb=1000)
    assert result.returncode == 1 and "MemoryError" in result.stderr
    result = launch(f"open({str(tmp_path / 'big')!r}, 'wb').write(bytes(100 * 2**20))")
    assert result.returncode == 1 and "File too large" in result.stderr
    assert (tmp_path / "big").stat().st_size == 64 * 2**20


@pytest.mark.skipif(sandbox.seccomp_problem() is not None,
                    reason=f"no seccomp filter here: {sandbox.seccomp_problem()}")
def test_launcher_one_process_allows_threads_and_refuses_every_way_to_a_process():
    code = ("import ctypes, multiprocessing, os, subprocess, threading\n"
            "thread = threading.Thread(target=print, args=('thread',)); thread.start(); thread.join()\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "def unshare_user_namespace():\n"
            "    if libc.unshare(0x10000000) != 0:\n"
            "        raise OSError(ctypes.get_errno(), 'unshare')\n"
            "for start in (os.fork, lambda: subprocess.Popen(['/bin/true']),\n"
            "              lambda: os.posix_spawn('/bin/true', ['/bin/true'], {}),\n"
            "              lambda: multiprocessing.Process(target=print).start(),\n"
            "              unshare_user_namespace):\n"
            "    try:\n        print('started', start())\n"
            "    except OSError as error:\n        print('refused', error.errno)\n")
    result = launch(code, one_process=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["thread"] + ["refused 1"] * 5
    assert launch("import os; os.fork()").returncode == 0  # without the filter: as before


def test_definitions_keep_nested_imports_but_no_work():
    source = ("import os\nx = 3\ny = os.getcwd()\nrun()\nif __name__ == '__main__':\n"
              "    main()\ndef NN_model():\n    return x\nwhile True:\n    pass\n"
              "history = run()\nscores = model.fit(x, y)\ndef run():\n    pass\n"
              "try:\n    import keras\n    run()\nexcept ImportError:\n    import json\n"
              "if x:\n    import sys\n    main()\n"
              "with open('f') as f:\n    z = 1\n"
              "(a, b), (c, d) = cifar10.load_data()\n")
    kept = student_stage.definitions_only(source, "s.py")
    assert [line for line, _ in kept] == [1, 2, 3, 7, 13, 15, 20, 23]
    namespace = {}
    for _, code in kept[:7]:  # up to the `if x:` block; `with open("f")` needs a file
        exec(code, namespace)  # no run() or main() is called: they would raise NameError
    assert {"os", "x", "y", "NN_model", "run", "keras", "sys"} <= set(namespace)


@pytest.mark.parametrize("encoding", ["cp949", "utf-8-sig", "utf-8"])
def test_sources_in_the_encodings_students_save(tmp_path, encoding):
    text = "# 신경망 과제\r\ndef NN_model():\r\n    return '고양이'\r\n"
    path = tmp_path / "s.py"
    path.write_bytes(text.encode(encoding))
    source = student_stage.read_source(str(path))
    namespace = {}
    for _, code in student_stage.definitions_only(source, "s.py"):
        exec(code, namespace)
    assert namespace["NN_model"]() == "고양이"


def test_nn_model_is_called_as_the_handout_calls_it():
    assert student_stage.call_nn_model(lambda activation, optimizer: (activation, optimizer)) \
        == ("sigmoid", "sgd")
    assert student_stage.call_nn_model(lambda: "plain") == "plain"
    assert student_stage.call_nn_model(lambda optimizer="adam": optimizer) == "sgd"
    with pytest.raises(TypeError, match="needs size"):
        student_stage.call_nn_model(lambda size: size)


@pytest.mark.parametrize("source, reason", [
    ("x = " + "-" * 20000 + "1\n", "nested too deeply"),  # the parser's MemoryError
    ("x = 1" + " + 1" * 5000 + "\n", "nested too deeply"),  # its RecursionError
    ("def NN_model(:\n    pass\n", "syntax error at line 1"),
    ("x = 1\0\n", "source code string cannot contain null bytes")])
def test_files_python_cannot_compile_say_so(tmp_path, source, reason):
    path = tmp_path / "Train_NN_cifar.py"
    path.write_text(source + "def NN_model():\n    pass\n")
    status = {"error": None, "problems": []}
    student_stage.build(str(path), status)
    assert reason in status["error"]


@pytest.mark.parametrize("returncode, status, reason", [
    (-11, {}, "stopped by SIGSEGV before it saved a model"),
    (128 + 9, {}, "stopped by SIGKILL before it saved a model"),  # launcher.py's 128 + N
    (3, {}, "ended (exit code 3) before it saved a model"),
    (0, {}, "NN_model() saved no model"),
    (1, {"error": "NN_model() raised ValueError: no"}, "NN_model() raised ValueError: no")])
def test_a_builder_that_ends_without_a_model_says_how(returncode, status, reason):
    from grader.grade import Built
    run = sandbox.StageRun(returncode, timed_out=False, memory_exceeded=False, seconds=1.0,
                           output="", output_bytes=0)
    assert Built(run, status).error(timeout=300, memory_mb=4096).endswith(reason)


def dense(units, activation="linear", **extra):
    return {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
            "config": {"units": units, "activation": activation, **extra}}


def sequential(*layers, **top):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"layers": list(layers)}, **top}


def test_allowlist_admits_the_homework():
    model_config.check_config(sequential(dense(3000, "sigmoid"), dense(2000, "sigmoid"),
                                         dense(10, "softmax"),
                                         compile_config={"loss": "categorical_crossentropy"}))


@pytest.mark.parametrize("config, words", [
    (sequential({"module": "keras.layers", "class_name": "Lambda", "config": {},
                 "registered_name": None}), "non-standard layer Lambda"),
    (sequential({"module": "mypackage", "class_name": "Dense", "config": {},
                 "registered_name": None}), "non-standard object mypackage.Dense"),
    (sequential(dense(10), registered_name="Sequential"), "registered custom class"),
    (sequential(dense(10, "my_activation")), "non-standard activation my_activation"),
    (sequential(dense(10, {"module": "builtins", "class_name": "function",
                           "config": "os.system", "registered_name": "function"})),
     "non-standard function os.system"),
    (sequential(dense(10, kernel_initializer={
        "module": "keras.initializers", "class_name": "Constant", "registered_name": None,
        "config": {"value": [0.5] * 3072}})), "a list of 3072 values"),
    (sequential(dense(10**7)), "a Dense layer of 10000000 units"),
    ({"class_name": "MyModel"}, "non-standard model MyModel"),
    ([1, 2], "non-standard model list"),
])
def test_allowlist_refuses_what_is_not_built_in(config, words):
    with pytest.raises(NotGradable, match=words.replace("(", r"\(")):
        model_config.check_config(config)


def test_saved_model_is_read_with_care(tmp_path):
    with pytest.raises(NoModel, match="saved no model"):
        model_config.read_saved_config(str(tmp_path / "missing.keras"))
    (tmp_path / "empty.keras").write_bytes(b"")  # the grader's file, left as it was
    with pytest.raises(NoModel, match="saved no model"):
        model_config.read_saved_config(str(tmp_path / "empty.keras"))
    (tmp_path / "target.keras").write_bytes(b"x")
    os.symlink(tmp_path / "target.keras", tmp_path / "link.keras")
    with pytest.raises(NoModel):
        model_config.read_saved_config(str(tmp_path / "link.keras"))
    with pytest.raises(NoModel, match="unreadable"):
        model_config.read_saved_config(str(tmp_path / "target.keras"))
    with zipfile.ZipFile(tmp_path / "big.keras", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", " " * (2 * 2**20))
    with pytest.raises(NotGradable, match="config of"):
        model_config.read_saved_config(str(tmp_path / "big.keras"))
    os.mkfifo(tmp_path / "fifo.keras")  # opened naively, this would wait for a writer forever
    with pytest.raises(NoModel, match="not a regular file"):
        model_config.read_saved_config(str(tmp_path / "fifo.keras"))
    with zipfile.ZipFile(tmp_path / "deep.keras", "w") as archive:
        archive.writestr("config.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises((NoModel, NotGradable)):
        model_config.read_saved_config(str(tmp_path / "deep.keras"))
    with zipfile.ZipFile(tmp_path / "many.keras", "w") as archive:  # its directory alone is big
        for number in range(20_000):
            archive.writestr(str(number), "")
        archive.writestr("config.json", json.dumps(sequential(dense(10, "softmax"))))
    with pytest.raises(NoModel, match="too many files"):
        model_config.read_saved_config(str(tmp_path / "many.keras"))


@pytest.mark.parametrize("config", [
    sequential({"module": ["keras.layers"], "class_name": "Dense", "config": {"units": 10},
                "registered_name": None}),
    sequential(dense(10, {"module": "keras.activations", "class_name": "function",
                          "config": {"name": "softmax"}, "registered_name": "function"})),
    sequential({"module": "keras.layers", "class_name": {"a": 1}, "config": {},
                "registered_name": None}),
    {"module": "keras", "class_name": "Sequential", "config": ["layers"]},
    {"module": "keras", "class_name": "Sequential", "config": {"layers": [["Dense"]]}},
])
def test_configs_of_the_wrong_kinds_are_not_gradable_never_a_crash(tmp_path, config):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
    with pytest.raises(NotGradable):
        model_config.read_saved_config(str(path))


def built(*layers, loss="categorical_crossentropy"):
    import keras
    model = keras.Sequential([keras.Input(shape=(spec.INPUT_SIZE,)), *layers])
    model.compile(loss=loss, optimizer="sgd")
    return keras.saving.serialize_keras_object(model)


def checked(config):
    import keras
    from grader.checks import compiled_parts, model_checks, rebuild
    model_config.check_config(json.loads(json.dumps(config)))
    model, compile_config = rebuild(config, keras)
    return {name: (passed, reason) for name, passed, reason in
            model_checks(model, compiled_parts(compile_config, keras), keras)}


def test_checks_compare_functions_and_losses_not_names():
    from keras.layers import Activation, Dense
    right = checked(built(Dense(3000), Activation("sigmoid"), Dense(2000, activation="sigmoid"),
                          Dense(10, activation="softmax"), loss="CategoricalCrossentropy"))
    assert all(passed for passed, _ in right.values()), right
    logits = checked(built(Dense(3000, activation="sigmoid"), Dense(2000, activation="sigmoid"),
                           Dense(10, activation="softmax"),
                           loss=__import__("keras").losses.CategoricalCrossentropy(
                               from_logits=True)))
    assert logits[spec.Check.LOSS] == (False, "loss categorical_crossentropy (from_logits=True)")
    doubled = checked(built(Dense(3000, activation="sigmoid"), Activation("relu"),
                            Dense(2000, activation="sigmoid"), Dense(10, activation="softmax")))
    assert doubled[spec.Check.ACTIVATIONS] == (
        False, "activations ['sigmoid+relu', 'sigmoid', 'softmax']")


def test_tensorflow_functions_count_as_keras_ones(tmp_path):
    import tensorflow as tf
    from keras.layers import Dense
    config = built(Dense(3000, activation=tf.nn.sigmoid), Dense(2000, activation=tf.sigmoid),
                   Dense(10, activation=tf.nn.softmax))
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
    right = checked(model_config.read_saved_config(str(path)))
    assert all(passed for passed, _ in right.values()), right


def test_the_layers_check_wants_the_homework_network_and_nothing_more():
    import keras
    from keras.layers import Dense, Dropout, Flatten, Rescaling
    plain = [Dense(3000, activation="sigmoid"), Dense(2000, activation="sigmoid"),
             Dense(10, activation="softmax")]
    assert checked(built(Flatten(), *plain))[spec.Check.UNITS] == (
        True, "Dense units [3000, 2000, 10]")
    assert checked(built(Rescaling(1 / 255), plain[0], Dropout(0.2), *plain[1:]))[
        spec.Check.UNITS] == (False, "Dense units [3000, 2000, 10]; also Dropout, Rescaling")
    changed = checked(built(Dense(3000, activation="sigmoid", use_bias=True,
                                  kernel_initializer="glorot_uniform"),  # the defaults: fine
                            Dense(2000, activation="sigmoid", bias_initializer="ones",
                                  kernel_constraint=keras.constraints.MaxNorm(3)),
                            plain[2]))[spec.Check.UNITS]
    assert changed == (False, "Dense units [3000, 2000, 10]; not Keras' default Dense 2: "
                              "bias_initializer, Dense 2: kernel_constraint")


def test_checks_follow_the_data_through_every_layer():
    import keras
    from keras import layers
    inputs = keras.Input((spec.INPUT_SIZE,))
    hidden = layers.Dense(3000, activation="sigmoid")(inputs)
    regrouped = layers.Dense(2000, activation="sigmoid")(layers.Reshape((300, 10))(hidden))
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(regrouped))
    model = keras.Model(inputs, outputs)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    reshaped = checked(keras.saving.serialize_keras_object(model))
    assert model.count_params() == spec.PARAMETERS  # the same count, another network
    assert reshaped[spec.Check.UNITS][0] is False and "Reshape to shape (None, 300, 10)" in \
        reshaped[spec.Check.UNITS][1]
    assert reshaped[spec.Check.PARAMETERS] == (
        False, "15,241,010 parameters, but 9,219,000, 22,000, 6,000,010 in its Dense layers, "
               "not the homework's 9,219,000, 6,002,000, 20,010")
    over_batch = checked(built(layers.Dense(3000, activation="sigmoid"),
                               layers.Dense(2000, activation="sigmoid"), layers.Dense(10),
                               layers.Softmax(axis=0)))
    assert over_batch[spec.Check.ACTIVATIONS] == (
        False, "activations ['sigmoid', 'sigmoid', 'softmax over axis 0']")
    over_classes = checked(built(layers.Dense(3000, activation="sigmoid"),
                                 layers.Dense(2000, activation="sigmoid"), layers.Dense(10),
                                 layers.Softmax(axis=-1)))
    assert all(passed for passed, _ in over_classes.values()), over_classes
    squashed_input = checked(built(layers.Activation("sigmoid"),
                                   layers.Dense(3000, activation="sigmoid"),
                                   layers.Dense(2000, activation="sigmoid"),
                                   layers.Dense(10, activation="softmax")))
    assert squashed_input[spec.Check.UNITS] == (
        False, "Dense units [3000, 2000, 10]; also Activation before the first Dense layer")


def test_a_functional_model_listed_in_another_order_is_checked_in_data_flow_order():
    import keras
    from keras import layers
    inputs = keras.Input((spec.INPUT_SIZE,))
    first, second = layers.Dense(3000, activation="sigmoid"), layers.Dense(2000, activation="sigmoid")
    last = layers.Dense(10, activation="softmax")
    model = keras.Model(inputs, last(second(first(inputs))))
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    config = keras.saving.serialize_keras_object(model)
    listed = config["config"]["layers"]
    config["config"]["layers"] = [listed[0]] + listed[1:][::-1]
    try:
        results = checked(config)
    except ValueError as error:  # older Keras 3 rebuilds functional layers in listed order only
        pytest.skip(f"Keras {keras.__version__} cannot rebuild this model: {error}")
    assert all(passed for passed, _ in results.values())


def tiny_training():
    """(inputs, settings) for train_and_predict: 64 random images, one epoch."""
    import numpy as np
    rng = np.random.default_rng(0)
    inputs = {"x_train": rng.random((64, spec.INPUT_SIZE), dtype=np.float32),
              "y_train": np.eye(10, dtype=np.float32)[np.arange(64) % 10],
              "x_test": rng.random((16, spec.INPUT_SIZE), dtype=np.float32)}
    return inputs, {"optimizer": spec.OPTIMIZER, "batch_size": 32, "epochs": 1}


def test_models_that_pass_the_checks_are_trained_alike_however_written_or_compiled():
    import keras
    import numpy as np
    from keras.layers import Activation, Dense
    from grader.checks import rebuild
    from grader.trusted_stage import train_and_predict

    inputs, settings = tiny_training()

    def scores(config, seed=1):
        keras.utils.set_random_seed(seed)
        model, _ = rebuild(config, keras)
        return train_and_predict(model, settings, inputs)

    dense = built(Dense(3000, activation="sigmoid"), Dense(2000, activation="sigmoid"),
                  Dense(10, activation="softmax"))
    separate = built(Dense(3000), Activation("sigmoid"), Dense(2000), Activation("sigmoid"),
                     Dense(10), Activation("softmax"), loss="CategoricalCrossentropy")
    separate["compile_config"]["optimizer"] = "adam"  # a compile() of its own changes nothing
    np.testing.assert_array_equal(scores(dense), scores(separate))
    assert not np.array_equal(scores(dense), scores(dense, seed=2))  # the scores can differ


def test_submissions_that_are_not_plain_files_are_refused_before_reading(tmp_path):
    from grader.grade import submission_problem
    (tmp_path / "kim.py").write_text("def NN_model():\n    pass\n")
    assert submission_problem(str(tmp_path / "kim.py")) is None
    os.symlink(tmp_path / "kim.py", tmp_path / "lee.py")
    assert submission_problem(str(tmp_path / "lee.py")).startswith("a symbolic link")
    os.mkfifo(tmp_path / "park.py")
    assert submission_problem(str(tmp_path / "park.py")).startswith("not a regular file")
    (tmp_path / "choi.py").write_bytes(b"#" * 2_000_000)
    assert submission_problem(str(tmp_path / "choi.py")).startswith("a file of 2,000,000 bytes")


def test_records_are_validated_before_use():
    good = [{"checks": [[spec.Check.COMPILED, True, "compiled"]]},
            {"accuracy": 0.3, "train_seconds": 4}]
    fields, problem = report.validated_records(good)
    assert problem is None and fields["accuracy"] == 0.3
    for bad in ([{"accuracy": "1.0"}], [{"accuracy": 7}], [{"accuracy": float("nan")}],
                [{"checks": [["made up", True, "x"]]}], [{"checks": [[spec.Check.INPUT, 1, "x"]]}],
                [{"score": 100}], [None], [{"error": 5}], [{"accuracy": True}]):
        fields, problem = report.validated_records(bad)
        assert problem and problem.startswith("the grader received a malformed"), bad
        assert fields["accuracy"] is None or bad[0].get("accuracy") is None


def test_damaged_results_are_not_reused(tmp_path):
    path = tmp_path / "kim.json"
    path.write_text("")
    assert report.read_result(str(path)) is None
    path.write_text(json.dumps({"student": "kim", "sha256": "x", "settings": {},
                                "accuracy": "0.9", "checks": []}))
    assert report.read_result(str(path)) is None
    path.write_text(json.dumps({"student": "kim", "sha256": "x", "settings": {},
                                "accuracy": 0.25, "checks": [], "seconds": 3}))
    assert report.read_result(str(path))["accuracy"] == 0.25


def test_scoring_follows_the_rubric():
    rubric = report.load_rubric(os.path.join(REPO_ROOT, "grader", "rubric.json"))
    checks = [[name, True, "ok"] for name in spec.CHECK_NAMES]
    assert report.scored({"checks": checks, "accuracy": 0.33}, rubric)["score"] == 100
    half = report.scored({"checks": checks, "accuracy": 0.19}, rubric)
    assert half["score"] == 70 + 15  # accuracy halfway between 0.10 and 0.28
    none = report.scored({"checks": [], "accuracy": None, "error": "boom"}, rubric)
    assert none["score"] == 0 and none["tests"][0]["output"] == "not checked: boom"
    held = report.scored({"checks": checks, "accuracy": 0.9, "review": ["line 3: imports gc"]},
                         rubric)
    assert held["score"] == 70 and "imports gc" in held["tests"][-1]["output"]


def test_spreadsheet_cells_are_neutralised():
    for text in ("=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx"):
        assert report.spreadsheet_safe(text) == "'" + text
    assert report.spreadsheet_safe("\rx") == "\\x0dx"  # written out, so no formula either
    assert report.spreadsheet_safe("kim") == "kim" and report.spreadsheet_safe(3.5) == 3.5


def test_control_characters_are_written_out():
    assert report.text("ok\x1b[2J\u202eabc\n\t고양이") == "ok\\x1b[2J\\u202eabc\n\t고양이"
    assert report.text("\udcff\x00") == "\\udcff\\x00"  # a lone surrogate is not UTF-8


BAD_TEXTS = ["\udcff\ud800", "\x00nul", "\x1b]0;owned\x07\x1b[2J", "\u202eevil", "=cmd|' /C calc'!A0",
             "<script>alert(1)</script> [x](javascript:alert(1)) www.evil.invalid a@b.invalid",
             "x" * 200_000]


def hostile_result(text):
    """A result whose every field a child process can reach holds `text` (or a wrong type)."""
    fields, problem = report.validated_records([
        {"checks": [[name, bool(number % 2), text] for number, name in enumerate(spec.CHECK_NAMES)]},
        {"accuracy": 0.5, "error": text, "not_gradable": text}])
    assert problem is None
    return {"student": "s" + str(len(text) % 7), "file": report.printable("/subs/" + text[:50]),
            "sha256": "", "settings": {"seed": 0}, "seconds": 1.0, "sandbox": "bwrap",
            "output_tail": report.printable(text)[-report.MAX_TEXT:], "output_bytes": len(text),
            "problems": [report.text(text, 300)], "tripwire": [report.text(text, 300)],
            "review": [report.text(text)], **fields}


def test_every_writer_survives_every_text_a_child_can_reach(tmp_path):
    from grader import gradescope
    from grader.grade import progress_line
    rubric = report.load_rubric(os.path.join(REPO_ROOT, "grader", "rubric.json"))
    results = [hostile_result(text) for text in BAD_TEXTS]
    (tmp_path / "results").mkdir()
    for result in results:
        report.write_result(str(tmp_path / "results"), result, rubric)
        line = progress_line(1, 2, result, rubric, 0.0)
        scored = report.scored(result, rubric)
        json.dumps(gradescope.results_json(result, scored, 1.0, rubric)).encode("utf-8")
        from grader.feedback import page_html, page_markdown
        page = page_html(page_markdown(dict(result, **scored), rubric, {"epochs": 1}), "x")
        assert "href" not in page and "src=" not in page  # no link, no image: text only
        assert not re.search(r"<(?!/?(html|head|meta|title|style|body|h1|h2|p|ul|li|strong|em|"
                             r"code|br)\b|!DOCTYPE)", page), page[:3000]
        line.encode("utf-8")
    report.write_report(str(tmp_path), results, rubric, {"seed": 0}, None, [])
    for name in ("grades.csv", "grades.json", "summary.md", "similarity.csv"):
        content = (tmp_path / name).read_bytes().decode("utf-8")  # valid UTF-8
        assert "\x00" not in content and "\x1b" not in content and "\u202e" not in content
        assert not any(0xD800 <= ord(character) <= 0xDFFF for character in content)
    assert len(json.load(open(tmp_path / "grades.json"))["submissions"]) == len(BAD_TEXTS)
    summary = (tmp_path / "summary.md").read_text()
    assert not re.search(r"(?<!\\)<", summary)  # every "<" escaped: shown, never HTML
    assert not re.search(r"(?<!\\)\(javascript:", summary)  # no link of a submission's making
    assert "www.evil" not in summary and "a@b" not in summary


def test_a_stage_status_of_any_shape_is_text_or_nothing(tmp_path):
    from grader.grade import read_status
    for status in ('{"error": "\\udcff\\u0000", "problems": ["\\ud800"], "flags": 7}',
                   '{"error": ["list"], "problems": {"a": 1}, "flags": [null, 3, "x"]}',
                   '[1, 2]', 'not json', '{"error": "' + "e" * 90_000 + '"}'):
        (tmp_path / "status.json").write_text(status)
        read = read_status(str(tmp_path))
        json.dumps(read, ensure_ascii=False).encode("utf-8")  # no surrogate left
        assert all(isinstance(value, (str, type(None), list)) for value in read.values())


def test_markdown_cells_are_cut_at_a_word_and_shown_as_text():
    cell = report.markdown_cell("Dense units [3000, 1000, 10] | " + "word " * 100, limit=40)
    assert cell == "Dense units \\[3000, 1000, 10\\] \\| word …"
    cell = report.markdown_cell("![x](http://a.invalid/p.png)\n<b>`code`</b> &amp; **ok**")
    assert cell == ("\\!\\[x\\]\\(http\\:\\/\\/a\\.invalid\\/p\\.png\\) \\<b\\>\\`code\\`\\<\\/b\\> "
                    "\\&amp\\; \\*\\*ok\\*\\*")
    # GitHub links bare addresses and e-mail addresses: none appears as such
    for text in ("see www.example.invalid", "https://example.invalid/x", "kim@example.invalid",
                 "javascript:alert(1)", "<script>alert(1)</script>", "x_y_ *z* ~~w~~ # h"):
        cell = report.markdown_cell(text)
        for pattern in ("www.", "://", "@", "javascript:", "<", "*", "_", "~", "#"):
            assert pattern not in cell.replace("\\" + pattern[0], ""), (text, cell)


@pytest.mark.parametrize("source, words", [
    (b"import gc\n", "imports gc"),
    (b"import keras\nkeras.Model.predict = None\n", "changes keras.Model.predict"),
    (b"def sigmoid(x):\n    return x\n", "defines its own sigmoid()"),
    (b"from keras import Sequential\nclass S(Sequential):\n    pass\n", "derived from Sequential"),
    (b"import os\nos.open('x', 0)\n", "uses os.open"),
    (b"exec('x = 1')\n", "calls exec()"),
    (b"from reference_solution import NN_model\n", "imports reference_solution"),
    (b"import zipfile\nzipfile.ZipFile('model.keras', 'w')\n", "names model.keras, the file"),
    (b"import os\nos._exit(0)\n", "uses os._exit"),
])
def test_source_flags_find_what_honest_files_never_do(source, words):
    assert any(words in flag for flag in source_flags.flags_in(source))


def test_honest_sources_raise_no_flag():
    for name in ("correct.py", "run_at_import.py", "correct_functional.py",
                 "correct_try_imports.py", "correct_required_parameters.py"):
        with open(os.path.join(REPO_ROOT, "tests", "homework_samples", name), "rb") as file:
            assert source_flags.flags_in(file.read()) == [], name
    with open(os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py"), "rb") as file:
        assert source_flags.flags_in(file.read()) == []


def launch_confined(code, confinement, folder, one_process=True):
    return subprocess.run([sys.executable, "-I", LAUNCHER, "2000", "60", "64",
                           "1" if one_process else "0", json.dumps(confinement), sys.executable,
                           "-I", "-c", code], cwd=folder, capture_output=True, text=True,
                          timeout=120)


TRY_ESCAPES = """
import os, sys
for path in (sys.argv[1] + '/outside.txt', 'inside.txt'):
    try:
        open(path, 'w').write('x'); print('wrote', os.path.basename(path))
    except OSError as error:
        print('refused', os.path.basename(path))
try:
    open(sys.argv[2]).read(); print('read secret')
except OSError:
    print('secret refused')
try:
    os.kill(os.getppid(), 0); print('signalled')
except OSError:
    print('signal refused')
"""


@pytest.mark.parametrize("mode", ["user", "landlock"])
def test_a_confined_stage_writes_reads_and_signals_only_its_own(tmp_path, mode):
    problem = sandbox.user_problem() if mode == "user" else sandbox.landlock_problem()
    if problem:
        pytest.skip(f"no {mode} sandbox here: {problem}")
    folder, outside = tmp_path / "stage", tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("the instructor's")
    owner = sandbox.stage_owner() if mode == "user" else None
    sandbox.prepare_folder(str(folder), b"", owner)
    os.chmod(tmp_path, 0o755)  # reachable by other users: what stops the stage is the sandbox
    confinement = sandbox.confinement(mode, str(folder), owner)
    code = TRY_ESCAPES.replace("sys.argv[1]", repr(str(outside))).replace(
        "sys.argv[2]", repr(str(secret)))
    run = launch_confined(code, confinement, str(folder))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.split("\n")
    assert lines[:2] == ["refused outside.txt", "wrote inside.txt"], run.stdout
    if mode == "landlock" or sandbox.landlock_abi() >= 1:
        assert lines[2] == "secret refused"
    assert lines[3] == "signal refused"
    assert not (outside / "outside.txt").exists()


def test_without_confinement_the_grader_stops_unless_told(monkeypatch, capsys):
    from grader import grade
    from nnlab import cli
    for name in ("bubblewrap_problem", "user_problem", "landlock_problem"):
        monkeypatch.setattr(sandbox, name, lambda: "not here")
    parser = cli.Parser(prog="grade_homework.py")
    with pytest.raises(SystemExit) as stop:
        grade.choose_sandbox(parser, "auto")
    message = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and "\n" not in message
    assert "no way to confine submissions here" in message and "--unconfined" in message
    with pytest.raises(SystemExit):
        grade.choose_sandbox(parser, "process")  # asked for by name: still needs the flag
    mode, note = grade.choose_sandbox(parser, "auto", unconfined=True)
    assert mode == "process" and "not confined" in note
    assert grade.choose_sandbox(parser, "auto", for_students=True) == ("process", None)


def test_file_names_are_never_flags_and_the_rubric_is_not_a_submission(tmp_path, monkeypatch):
    from grader import grade
    monkeypatch.chdir(tmp_path)
    for name in ("r.py", "--rubric=r.py", "kim.py", "-h"):
        (tmp_path / name).write_text("x = 1\n")
    parser, args = grade.parse_args(["--rubric=r.py", "-h", "kim.py", "r.py", "--epochs", "1"])
    assert args.rubric == grade.DEFAULT_RUBRIC and args.epochs == 1
    assert sorted(args.submissions) == sorted(["./--rubric=r.py", "./-h", "kim.py", "r.py"])
    for flags in (["--rubric", str(tmp_path / "r.py")], ["--out", str(tmp_path / "grades")]):
        with pytest.raises(SystemExit):
            grade.parse_args([str(tmp_path), *flags])


def test_a_student_id_is_a_short_safe_file_name():
    from grader.grade import MAX_NAME, student_name
    long = student_name("/s/" + "a" * 250 + ".py")
    assert len(long) <= MAX_NAME and long != student_name("/s/" + "a" * 249 + "b.py")
    assert student_name("/s/\udcff\x1b[2J.py") == "___2J"
    assert student_name("/s/김철수.py") == "김철수"
    assert student_name("/s/--rubric=r.py") == "rubric_r"


def test_the_trusted_code_is_verified_before_every_start(tmp_path, monkeypatch):
    from grader import grade
    code = tmp_path / "code"
    (code / "__pycache__").mkdir(parents=True)
    (code / "stage.py").write_text("x = 1\n")
    (code / "__pycache__" / "stage.pyc").write_bytes(b"cache")
    monkeypatch.setattr(grade, "TRUSTED_CODE", (str(code),))
    files = grade.code_files()
    fingerprint = grade.code_fingerprint(files)
    (code / "__pycache__" / "other.pyc").write_bytes(b"another run's cache")
    assert grade.code_fingerprint(files) == fingerprint  # not a change
    for change in (lambda: (code / "__pycache__" / "stage.pyc").write_bytes(b"planted"),
                   lambda: (code / "planted.py").write_text("y = 2\n"),
                   lambda: (code / "stage.py").write_text("x = 2\n")):
        change()
        assert grade.code_fingerprint(files) != fingerprint
    stage = grade.TrustedStage({}, None, (files, fingerprint))
    with pytest.raises(grade.GraderChanged):
        stage.start()


def homework_written_many_ways():
    """The homework's network as students write it: configs as the student stage saves them."""
    import keras
    import tensorflow as tf
    from keras import layers

    def compiled(model, **options):
        model.compile(**{"loss": "categorical_crossentropy", "optimizer": "sgd", **options})
        return json.loads(json.dumps(keras.saving.serialize_keras_object(model)))

    inputs = keras.Input((spec.INPUT_SIZE,))
    functional = keras.Model(inputs, layers.Dense(10, activation="softmax")(
        layers.Dense(2000, activation="sigmoid")(layers.Dense(3000, activation="sigmoid")(inputs))))
    last, middle, first = (layers.Dense(10, activation="softmax"),
                           layers.Dense(2000, activation="sigmoid"),
                           layers.Dense(3000, activation="sigmoid"))  # built output first
    inputs = keras.Input((spec.INPUT_SIZE,))
    backwards = keras.Model(inputs, last(middle(first(inputs))))
    tf_keras = tf.keras.Sequential([tf.keras.Input((spec.INPUT_SIZE,)),
                                    tf.keras.layers.Dense(3000, activation=tf.nn.sigmoid),
                                    tf.keras.layers.Dense(2000, activation=tf.sigmoid),
                                    tf.keras.layers.Dense(10, activation=tf.nn.softmax)])
    return {
        "Sequential": compiled(keras.Sequential([
            keras.Input((spec.INPUT_SIZE,)), layers.Dense(3000, activation="sigmoid"),
            layers.Dense(2000, activation="sigmoid"), layers.Dense(10, activation="softmax")])),
        "functional": compiled(functional),
        "layers made output first": compiled(backwards),
        "Activation layers": compiled(keras.Sequential([
            keras.Input((spec.INPUT_SIZE,)), layers.Dense(3000), layers.Activation("sigmoid"),
            layers.Dense(2000), layers.Activation("sigmoid"), layers.Dense(10),
            layers.Softmax()]), loss="CategoricalCrossentropy", optimizer="adam"),
        "tf.keras and TensorFlow's functions": compiled(tf_keras),
    }


def canonical_of(config):
    import keras
    from grader.checks import canonical_network, rebuild
    model, _ = rebuild(model_config.with_keras_names(config), keras)  # as the grader reads it
    return canonical_network(model, keras)


def test_the_same_network_however_written_is_one_canonical_network_trained_alike():
    import keras
    import numpy as np
    from grader.checks import describe_network, network_hash, rebuild_canonical
    from grader.trusted_stage import train_and_predict

    inputs, settings = tiny_training()
    predictions, hashes = {}, {}
    for way, config in homework_written_many_ways().items():
        canonical = canonical_of(config)
        hashes[way] = network_hash(canonical)
        keras.backend.clear_session()
        keras.utils.set_random_seed(1)
        predictions[way] = train_and_predict(rebuild_canonical(canonical, keras), settings, inputs)
    assert len(set(hashes.values())) == 1, hashes
    assert describe_network(canonical) == \
        "Dense 3000 sigmoid > Dense 2000 sigmoid > Dense 10 softmax"
    for way, scores in predictions.items():
        np.testing.assert_array_equal(scores, predictions["Sequential"], err_msg=way)


def test_networks_that_really_differ_stay_distinct():
    import keras
    from keras import layers
    from grader.checks import describe_network, network_hash

    def network(*hidden):
        model = keras.Sequential([keras.Input((spec.INPUT_SIZE,)), *hidden,
                                  layers.Dense(10, activation="softmax")])
        return canonical_of(json.loads(json.dumps(keras.saving.serialize_keras_object(model))))

    variants = {
        "homework": network(layers.Dense(3000, activation="sigmoid"),
                            layers.Dense(2000, activation="sigmoid")),
        "relu": network(layers.Dense(3000, activation="relu"),
                        layers.Dense(2000, activation="sigmoid")),
        "initializer": network(layers.Dense(3000, activation="sigmoid",
                                            kernel_initializer="he_normal"),
                               layers.Dense(2000, activation="sigmoid")),
        "dropout 0.2": network(layers.Dense(3000, activation="sigmoid"), layers.Dropout(0.2),
                               layers.Dense(2000, activation="sigmoid")),
        "dropout 0.3": network(layers.Dense(3000, activation="sigmoid"), layers.Dropout(0.3),
                               layers.Dense(2000, activation="sigmoid")),
        "no bias": network(layers.Dense(3000, activation="sigmoid", use_bias=False),
                           layers.Dense(2000, activation="sigmoid")),
    }
    hashes = {name: network_hash(canonical) for name, canonical in variants.items()}
    assert len(set(hashes.values())) == len(variants), hashes
    assert describe_network(variants["initializer"]).startswith("Dense 3000 sigmoid *")
    assert describe_network(variants["dropout 0.2"]) == \
        "Dense 3000 sigmoid > Dropout 0.2 > Dense 2000 sigmoid > Dense 10 softmax"


def test_the_trainings_cache_keeps_only_what_matches(tmp_path):
    from grader.trainings import Trainings
    data = tmp_path / "data.npz"
    data.write_bytes(b"the data")
    settings = {"seed": 1, "epochs": 1, "batch_size": 100, "train_size": None, "scale": False,
                "threads": 1, "optimizer": "sgd", "data": str(data)}
    first = Trainings(settings, str(tmp_path / "cache"))
    assert first.claim("a" * 12, "CPU") is None  # nobody has trained it: this caller does
    first.publish("a" * 12, "CPU", {"accuracy": 0.25, "train_seconds": 3.0, "error": None})
    assert first.claim("a" * 12, "CPU")["source"] == "another submission"
    again = Trainings(settings, str(tmp_path / "cache"))
    assert again.claim("a" * 12, "CPU") == {"accuracy": 0.25, "train_seconds": 3.0,
                                            "error": None, "source": "the cache"}
    assert again.claim("a" * 12, "GPU") is None  # another device: other numbers
    for changed in ({"epochs": 2}, {"train_size": 500}, {"seed": 2}, {"scale": True}):
        assert Trainings(dict(settings, **changed), str(tmp_path / "cache")).claim(
            "a" * 12, "CPU") is None, changed
    data.write_bytes(b"other data")
    assert Trainings(settings, str(tmp_path / "cache")).claim("a" * 12, "CPU") is None
    data.write_bytes(b"the data")
    (entry,) = (tmp_path / "cache").glob("*.json")
    for damage in ("", "{", '{"key": {}, "accuracy": 0.99}', json.dumps(
            dict(json.loads(entry.read_text()), accuracy=7.0))):
        saved = entry.read_text()
        entry.write_text(damage)
        assert Trainings(settings, str(tmp_path / "cache")).claim("a" * 12, "CPU") is None
        entry.write_text(saved)
    within_a_run = Trainings(settings, None)  # no cache: shared within the run only
    assert within_a_run.claim("b" * 12, "CPU") is None
    within_a_run.publish("b" * 12, "CPU", {"accuracy": 0.5, "train_seconds": 1.0, "error": None})
    assert within_a_run.claim("b" * 12, "CPU")["accuracy"] == 0.5


def test_what_a_stage_user_leaves_where_anyone_may_write_is_removed(tmp_path):
    if sandbox.user_problem():
        pytest.skip(f"no unprivileged stage user here: {sandbox.user_problem()}")
    folder = tmp_path / "stage"
    owner = sandbox.stage_owner()
    sandbox.prepare_folder(str(folder), b"", owner)
    os.chmod(tmp_path, 0o755)
    code = ("import os\n"
            "open(f'/tmp/left-by-{os.getuid()}', 'w').write('x')\n"
            "os.makedirs(f'/tmp/left-dir-{os.getuid()}/inner')\n"
            "os.symlink('/etc/passwd', f'/tmp/left-dir-{os.getuid()}/inner/link')\n")
    run = launch_confined(code, {"user": list(owner)}, str(folder))  # no Landlock: /tmp writable
    assert run.returncode == 0, run.stderr
    assert os.path.exists(f"/tmp/left-by-{owner[0]}")
    sandbox.remove_files_of(owner[0])
    assert not os.path.exists(f"/tmp/left-by-{owner[0]}")
    assert not os.path.exists(f"/tmp/left-dir-{owner[0]}") and os.path.exists("/etc/passwd")
