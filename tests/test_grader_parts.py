"""The grader's parts on their own: the launcher, the student stage's reading of a file, the
allowlist of saved models, the checks on rebuilt models, and the validation of records."""

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile

import pytest

from conftest import REPO_ROOT, Listeners
from grader import results, safe_text, scoring
from grader.boundary import model_configs as model_config
from grader.boundary import sandbox, source_flags
from grader.boundary.model_configs import NotGradable, NoModel
from grader.homeworks import mlp as spec
from grader.sandboxed import student_stage
from grader import processes
from grader.boundary import scratch
from grader.processes import StageRun

HOMEWORK = spec.HOMEWORK
CHECK = {check.kind: check.name for check in HOMEWORK.checks}

LAUNCHER = os.path.join(REPO_ROOT, "grader", "sandboxed", "launcher.py")


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


def test_the_model_builder_is_called_as_the_handout_calls_it():
    def call(builder):
        return student_stage.call_builder(builder, "NN_model", HOMEWORK.arguments)
    assert call(lambda activation, optimizer: (activation, optimizer)) == ("sigmoid", "sgd")
    assert call(lambda: "plain") == "plain"
    assert call(lambda optimizer="adam": optimizer) == "sgd"
    with pytest.raises(TypeError, match="needs size"):
        call(lambda size: size)
    with pytest.raises(TypeError, match="CNN_model\\(\\) needs activation"):
        student_stage.call_builder(lambda activation: activation, "CNN_model", {})


@pytest.mark.parametrize("source, reason", [
    ("x = " + "-" * 20000 + "1\n", "nested too deeply"),  # the parser's MemoryError
    ("x = 1" + " + 1" * 5000 + "\n", "nested too deeply"),  # its RecursionError
    ("def NN_model(:\n    pass\n", "syntax error at line 1"),
    ("x = 1\0\n", "source code string cannot contain null bytes")])
def test_files_python_cannot_compile_say_so(tmp_path, source, reason):
    path = tmp_path / "Train_NN_cifar.py"
    path.write_text(source + "def NN_model():\n    pass\n")
    status = {"error": None, "problems": []}
    student_stage.build(str(path), "NN_model", HOMEWORK.arguments, "model.keras", status)
    assert reason in status["error"]


@pytest.mark.parametrize("returncode, status, reason", [
    (-11, {}, "stopped by SIGSEGV before it saved a model"),
    (128 + 9, {}, "stopped by SIGKILL before it saved a model"),  # launcher.py's 128 + N
    (3, {}, "ended (exit code 3) before it saved a model"),
    (0, {}, "NN_model() saved no model"),
    (1, {"error": "NN_model() raised ValueError: no"}, "NN_model() raised ValueError: no")])
def test_a_builder_that_ends_without_a_model_says_how(returncode, status, reason):
    from grader.boundary.builds import Built
    run = StageRun(returncode, timed_out=False, memory_exceeded=False, seconds=1.0,
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
    from grader.trusted.models import compiled_parts, rebuild
    from grader.trusted.checks import Inspected, measured, model_checks
    model_config.check_config(json.loads(json.dumps(config)))
    model, compile_config = rebuild(config, keras)
    inspected = Inspected(model, compiled_parts(compile_config, keras), keras, HOMEWORK,
                          *measured(config))
    return {name: (passed, reason) for name, passed, reason, _ in model_checks(inspected)}


def test_checks_compare_functions_and_losses_not_names():
    from keras.layers import Activation, Dense
    right = checked(built(Dense(3000), Activation("sigmoid"), Dense(2000, activation="sigmoid"),
                          Dense(10, activation="softmax"), loss="CategoricalCrossentropy"))
    assert all(passed for passed, _ in right.values()), right
    logits = checked(built(Dense(3000, activation="sigmoid"), Dense(2000, activation="sigmoid"),
                           Dense(10, activation="softmax"),
                           loss=__import__("keras").losses.CategoricalCrossentropy(
                               from_logits=True)))
    assert logits[CHECK["loss"]] == (False, "loss categorical_crossentropy (from_logits=True) "
                                            "after a softmax: the softmax is applied twice")
    doubled = checked(built(Dense(3000, activation="sigmoid"), Activation("relu"),
                            Dense(2000, activation="sigmoid"), Dense(10, activation="softmax")))
    assert doubled[CHECK["activations"]] == (
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
    assert checked(built(Flatten(), *plain))[CHECK["dense_units"]] == (
        True, "Dense units [3000, 2000, 10]")
    assert checked(built(Rescaling(1 / 255), plain[0], Dropout(0.2), *plain[1:]))[
        CHECK["dense_units"]] == (False, "Dense units [3000, 2000, 10]; also Dropout, Rescaling")
    changed = checked(built(Dense(3000, activation="sigmoid", use_bias=True,
                                  kernel_initializer="glorot_uniform"),  # the defaults: fine
                            Dense(2000, activation="sigmoid", bias_initializer="ones",
                                  kernel_constraint=keras.constraints.MaxNorm(3)),
                            plain[2]))[CHECK["dense_units"]]
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
    assert reshaped[CHECK["dense_units"]][0] is False and "Reshape to shape (None, 300, 10)" in \
        reshaped[CHECK["dense_units"]][1]
    assert reshaped[CHECK["parameters"]] == (
        False, "15,241,010 parameters, but 9,219,000, 22,000, 6,000,010 in its Dense layers, "
               "not the homework's 9,219,000, 6,002,000, 20,010")
    over_batch = checked(built(layers.Dense(3000, activation="sigmoid"),
                               layers.Dense(2000, activation="sigmoid"), layers.Dense(10),
                               layers.Softmax(axis=0)))
    assert over_batch[CHECK["activations"]] == (
        False, "activations ['sigmoid', 'sigmoid', 'softmax over axis 0']")
    over_classes = checked(built(layers.Dense(3000, activation="sigmoid"),
                                 layers.Dense(2000, activation="sigmoid"), layers.Dense(10),
                                 layers.Softmax(axis=-1)))
    assert all(passed for passed, _ in over_classes.values()), over_classes
    squashed_input = checked(built(layers.Activation("sigmoid"),
                                   layers.Dense(3000, activation="sigmoid"),
                                   layers.Dense(2000, activation="sigmoid"),
                                   layers.Dense(10, activation="softmax")))
    assert squashed_input[CHECK["dense_units"]] == (
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


def tiny_training(homework=HOMEWORK):
    """(inputs, homework) for train_and_predict: 64 random images, one epoch of batches of 32."""
    import numpy as np
    rng = np.random.default_rng(0)
    shape = tuple(homework.input_shape)
    inputs = {"x_train": rng.random((64,) + shape, dtype=np.float32),
              "y_train": np.eye(10, dtype=np.float32)[np.arange(64) % 10],
              "x_test": rng.random((16,) + shape, dtype=np.float32)}
    return inputs, homework.with_rubric({"training": {"epochs": 1, "batch_size": 32}})


def test_models_that_pass_the_checks_are_trained_alike_however_written_or_compiled():
    import keras
    import numpy as np
    from keras.layers import Activation, Dense
    from grader.trusted.models import rebuild
    from grader.trusted.trusted_stage import canonical_of, train_and_predict

    inputs, homework = tiny_training()

    def scores(config, seed=1):
        model, compile_config = rebuild(config, keras)
        canonical = canonical_of(model, compile_config, keras, homework)
        return train_and_predict(canonical, keras, homework.with_rubric(
            {"training": {"seed": seed}}), inputs)

    dense = built(Dense(3000, activation="sigmoid"), Dense(2000, activation="sigmoid"),
                  Dense(10, activation="softmax"))
    separate = built(Dense(3000), Activation("sigmoid"), Dense(2000), Activation("sigmoid"),
                     Dense(10), Activation("softmax"), loss="CategoricalCrossentropy")
    separate["compile_config"]["optimizer"] = "adam"  # a compile() of its own changes nothing
    np.testing.assert_array_equal(scores(dense), scores(separate))
    assert not np.array_equal(scores(dense), scores(dense, seed=2))  # the scores can differ


def test_submissions_that_are_not_plain_files_are_refused_before_reading(tmp_path):
    from grader.boundary.submissions import submission_problem
    (tmp_path / "kim.py").write_text("def NN_model():\n    pass\n")
    assert submission_problem(str(tmp_path / "kim.py")) is None
    os.symlink(tmp_path / "kim.py", tmp_path / "lee.py")
    assert submission_problem(str(tmp_path / "lee.py")).startswith("a symbolic link")
    os.mkfifo(tmp_path / "park.py")
    assert submission_problem(str(tmp_path / "park.py")).startswith("not a regular file")
    (tmp_path / "choi.py").write_bytes(b"#" * 2_000_000)
    assert submission_problem(str(tmp_path / "choi.py")).startswith("a file of 2,000,000 bytes")


def test_records_are_validated_before_use():
    good = [{"checks": [[CHECK["compiled"], True, "compiled", []]]},
            {"accuracy": 0.3, "train_seconds": 4}]
    fields, problem = results.validated_records(good, HOMEWORK.check_names)
    assert problem is None and fields["accuracy"] == 0.3
    for bad in ([{"accuracy": "1.0"}], [{"accuracy": 7}], [{"accuracy": float("nan")}],
                [{"checks": [["made up", True, "x", []]]}],
                [{"checks": [[CHECK["input"], 1, "x", []]]}],
                [{"checks": [[CHECK["input"], True, "x", "not a list"]]}],
                [{"checks": [[CHECK["input"], True, "x"]]}],
                [{"score": 100}], [None], [{"error": 5}], [{"accuracy": True}]):
        fields, problem = results.validated_records(bad, HOMEWORK.check_names)
        assert problem and problem.startswith("the grader received a malformed"), bad
        assert fields["accuracy"] is None or bad[0].get("accuracy") is None


def test_damaged_results_are_not_reused(tmp_path):
    path = tmp_path / "kim.json"
    path.write_text("")
    names = HOMEWORK.check_names
    assert results.read_result(str(path), names) is None
    path.write_text(json.dumps({"student": "kim", "sha256": "x", "settings": {},
                                "accuracy": "0.9", "checks": []}))
    assert results.read_result(str(path), names) is None
    path.write_text(json.dumps({"student": "kim", "sha256": "x", "settings": {},
                                "accuracy": 0.25, "checks": [], "seconds": 3}))
    assert results.read_result(str(path), names)["accuracy"] == 0.25


def test_scoring_follows_the_rubric():
    rubric = HOMEWORK
    checks = [[name, True, "ok", []] for name in HOMEWORK.check_names]
    assert scoring.scored({"checks": checks, "accuracy": 0.33}, rubric)["score"] == 100
    half = scoring.scored({"checks": checks, "accuracy": 0.19}, rubric)
    assert half["score"] == 70 + 15  # accuracy halfway between 0.10 and 0.28
    none = scoring.scored({"checks": [], "accuracy": None, "error": "boom"}, rubric)
    assert none["score"] == 0 and none["tests"][0]["output"] == "not checked: boom"
    held = scoring.scored({"checks": checks, "accuracy": 0.9, "review": ["line 3: imports gc"]},
                         rubric)
    assert held["score"] == 70 and "imports gc" in held["tests"][-1]["output"]


def test_spreadsheet_cells_are_neutralised():
    for text in ("=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx"):
        assert safe_text.spreadsheet_safe(text) == "'" + text
    assert safe_text.spreadsheet_safe("\rx") == "\\x0dx"  # written out, so no formula either
    assert safe_text.spreadsheet_safe("kim") == "kim" and safe_text.spreadsheet_safe(3.5) == 3.5


def test_control_characters_are_written_out():
    assert safe_text.text("ok\x1b[2J\u202eabc\n\t고양이") == "ok\\x1b[2J\\u202eabc\n\t고양이"
    assert safe_text.text("\udcff\x00") == "\\udcff\\x00"  # a lone surrogate is not UTF-8


BAD_TEXTS = ["\udcff\ud800", "\x00nul", "\x1b]0;owned\x07\x1b[2J", "\u202eevil", "=cmd|' /C calc'!A0",
             "<script>alert(1)</script> [x](javascript:alert(1)) www.evil.invalid a@b.invalid",
             "x" * 200_000]


def hostile_result(text):
    """A result whose every field a child process can reach holds `text` (or a wrong type)."""
    fields, problem = results.validated_records([
        {"checks": [[name, bool(number % 2), text, [text]]
                    for number, name in enumerate(HOMEWORK.check_names)]},
        {"accuracy": 0.5, "train_seconds": 1.0}, {"error": text}, {"not_gradable": text}],
        HOMEWORK.check_names)
    assert problem is None
    return {"student": "s" + str(len(text) % 7), "file": safe_text.printable("/subs/" + text[:50]),
            "sha256": "", "settings": {"seed": 0}, "seconds": 1.0, "sandbox": "bwrap",
            "output_tail": safe_text.printable(text)[-safe_text.MAX_TEXT:], "output_bytes": len(text),
            "problems": [safe_text.text(text, 300)], "tripwire": [safe_text.text(text, 300)],
            "review": [safe_text.text(text)], **fields}


def test_every_writer_survives_every_text_a_child_can_reach(tmp_path):
    from grader import gradescope
    from grader.class_grading import progress_line
    from grader.reports.class_report import write_report
    from grader.reports.feedback import page_html, page_markdown
    hostile = [hostile_result(text) for text in BAD_TEXTS]
    (tmp_path / "results").mkdir()
    for result in hostile:
        scored = scoring.scored(result, HOMEWORK)
        results.write_result(str(tmp_path / "results"), result, scored)
        line = progress_line(1, 2, result, scored, 0.0)
        json.dumps(gradescope.results_json(result, scored, 1.0, HOMEWORK)).encode("utf-8")
        page = page_html(page_markdown(dict(result, **scored), HOMEWORK,
                                       {"recipe": {"epochs": 1}}), "x")
        assert "href" not in page and "src=" not in page  # no link, no image: text only
        assert not re.search(r"<(?!/?(html|head|meta|title|style|body|h1|h2|p|ul|li|strong|em|"
                             r"code|br)\b|!DOCTYPE)", page), page[:3000]
        line.encode("utf-8")
    write_report(str(tmp_path), hostile, HOMEWORK, {"seed": 0}, None, [])
    for name in ("grades.csv", "grades.json", "summary.md", "similarity.csv"):
        content = (tmp_path / name).read_bytes().decode("utf-8")  # valid UTF-8
        assert "\x00" not in content and "\x1b" not in content and "\u202e" not in content
        assert not any(0xD800 <= ord(character) <= 0xDFFF for character in content)
    assert len(json.load(open(tmp_path / "grades.json"))["submissions"]) == len(BAD_TEXTS)
    summary = (tmp_path / "summary.md").read_text()
    assert not re.search(r"(?<!\\)<", summary)  # every "<" escaped: shown, never HTML
    # no link of a submission's making (the picture of the class is the report's own)
    assert not re.search(r"(?<!\\)\](?=\()", summary.replace("](class.png)", ""))
    assert "www.evil" not in summary and "a@b" not in summary


def test_every_text_printed_to_the_console_is_one_line():
    from grader.class_grading import progress_line
    for text in BAD_TEXTS + ["oops\n[9/9] kim: 100/100\r\n", "a\u2028b\u2029c\x85d\x0be\tf"]:
        result = hostile_result(text)
        scores = scoring.scored(result, HOMEWORK)
        for line in (progress_line(1, 2, result, scores, 0.0), safe_text.one_line(text)):
            assert len(line.splitlines()) == 1 and "\t" not in line, line[:200]
            line.encode("utf-8")


def test_a_stage_status_of_any_shape_is_text_or_nothing(tmp_path):
    from grader.boundary.builds import read_status
    for status in ('{"error": "\\udcff\\u0000", "problems": ["\\ud800"], "flags": 7}',
                   '{"error": ["list"], "problems": {"a": 1}, "flags": [null, 3, "x"]}',
                   '[1, 2]', 'not json', '{"error": "' + "e" * 90_000 + '"}'):
        (tmp_path / "status.json").write_text(status)
        read = read_status(str(tmp_path))
        json.dumps(read, ensure_ascii=False).encode("utf-8")  # no surrogate left
        assert all(isinstance(value, (str, type(None), list)) for value in read.values())


def test_markdown_cells_are_cut_at_a_word_and_shown_as_text():
    cell = safe_text.markdown_cell("Dense units [3000, 1000, 10] | " + "word " * 100, limit=40)
    assert cell == "Dense units \\[3000, 1000, 10\\] \\| word …"
    cell = safe_text.markdown_cell("![x](http://a.invalid/p.png)\n<b>`code`</b> &amp; **ok**")
    assert cell == "!\\[x\\](http\\://a.invalid/p.png) \\<b>\\`code\\`\\</b> \\&amp; \\*\\*ok\\*\\*"
    # only what would change the rendering is escaped: the text still reads as plain text
    assert safe_text.markdown_text("call model.compile() with 'relu'; NN_model") == \
        "call model.compile() with 'relu'; NN_model"
    # GitHub links bare addresses and e-mail addresses: none appears as such
    for text in ("see www.example.invalid", "https://example.invalid/x", "kim@example.invalid",
                 "<script>alert(1)</script>", "x_y_ *z* ~~w~~ $m$", "# h", "- a", "1. b"):
        cell = safe_text.markdown_cell(text)
        for pattern in ("www.", "://", "@", "<", "*", "_ ", "~", "$", "# ", "- ", "1. "):
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


def launch_confined(code, confinement, folder, one_process=True, user=None):
    """`code` run by the launcher with `confinement`; by a launcher running as `user` (uid, gid),
    as a grader that is not root would, where given."""
    as_user = {"user": user[0], "group": user[1], "extra_groups": []} if user else {}
    return subprocess.run([sys.executable, "-I", LAUNCHER, "2000", "60", "64",
                           "1" if one_process else "0", json.dumps(confinement), sys.executable,
                           "-I", "-c", code], cwd=folder, capture_output=True, text=True,
                          timeout=120, **as_user)


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
    owner = sandbox.new_stage_owner()
    sandbox.prepare_folder(str(folder), b"", owner, "submission.py")
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


def test_without_confinement_the_grader_stops_unless_told(monkeypatch):
    from grader.boundary.sandbox_choice import SandboxUnavailable, choose_sandbox
    for name in ("bubblewrap_problem", "user_problem", "landlock_problem"):
        monkeypatch.setattr(sandbox, name, lambda: "not here")
    with pytest.raises(SandboxUnavailable) as stop:
        choose_sandbox("auto")
    message = str(stop.value)
    assert "\n" not in message
    assert "no way to confine submissions here" in message and "--unconfined" in message
    with pytest.raises(SandboxUnavailable):
        choose_sandbox("process")  # asked for by name: still needs the flag
    mode, note = choose_sandbox("auto", unconfined=True)
    assert mode == "process" and "not confined" in note
    assert choose_sandbox("auto", for_students=True) == ("process", None)


def test_file_names_are_never_flags_and_the_rubric_is_not_a_submission(tmp_path, monkeypatch):
    from grader import grade
    monkeypatch.chdir(tmp_path)
    for name in ("r.py", "--rubric=r.py", "kim.py", "-h"):
        (tmp_path / name).write_text("x = 1\n")
    parser, args = grade.parse_args(["--rubric=r.py", "-h", "kim.py", "r.py", "--epochs", "1"])
    assert args.rubric is None and args.epochs == 1 and args.homework.recipe.epochs == 1
    assert sorted(args.submissions) == sorted(["./--rubric=r.py", "./-h", "kim.py", "r.py"])
    (tmp_path / "rubric.json").write_text("{}")
    for flags in (["--rubric", str(tmp_path / "rubric.json")],
                  ["--out", str(tmp_path / "grades")]):
        with pytest.raises(SystemExit):
            grade.parse_args([str(tmp_path), *flags])


def test_a_student_id_is_a_short_safe_file_name():
    from grader.boundary.submissions import MAX_NAME, student_name
    long = student_name("/s/" + "a" * 250 + ".py")
    assert len(long) <= MAX_NAME and long != student_name("/s/" + "a" * 249 + "b.py")
    assert student_name("/s/\udcff\x1b[2J.py") == "___2J"
    assert student_name("/s/김철수.py") == "김철수"
    assert student_name("/s/--rubric=r.py") == "rubric_r"


def test_the_trusted_code_is_verified_before_every_start(tmp_path, monkeypatch):
    from grader.trusted import client as grade
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
    stage = grade.TrustedStage({}, (files, fingerprint))
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


def canonical_of(config, homework=HOMEWORK):
    import keras
    from grader.trusted import trusted_stage
    from grader.trusted.models import rebuild
    model, compile_config = rebuild(model_config.with_keras_names(config), keras)  # as read
    return trusted_stage.canonical_of(model, compile_config, keras, homework)


def trained(canonical, homework, inputs):
    """(the model, its test scores) after the grader's training of `canonical`."""
    import keras
    from grader.trusted.trusted_stage import compiled_network
    model = compiled_network(canonical, keras, homework)
    model.fit(inputs["x_train"], inputs["y_train"], batch_size=32, epochs=1, verbose=0)
    return model, model.predict(inputs["x_test"], verbose=0)


def test_the_same_network_however_written_is_one_canonical_network_trained_alike():
    import keras
    import numpy as np
    from grader.trusted.canonical import describe_network, network_key
    from grader.trusted.trusted_stage import train_and_predict

    inputs, homework = tiny_training()
    predictions, hashes = {}, {}
    for way, config in homework_written_many_ways().items():
        canonical = canonical_of(config)
        hashes[way] = network_key(canonical)
        predictions[way] = train_and_predict(canonical, keras, homework, inputs)
    assert len(set(hashes.values())) == 1, hashes
    assert describe_network(canonical) == \
        "Dense 3000 sigmoid > Dense 2000 sigmoid > Dense 10 softmax"
    for way, scores in predictions.items():
        np.testing.assert_array_equal(scores, predictions["Sequential"], err_msg=way)


def test_networks_that_really_differ_stay_distinct():
    import keras
    from keras import layers
    from grader.trusted.canonical import describe_network, network_key

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
    hashes = {name: network_key(canonical) for name, canonical in variants.items()}
    assert len(set(hashes.values())) == len(variants), hashes
    assert describe_network(variants["initializer"]).startswith("Dense 3000 sigmoid *")
    assert describe_network(variants["dropout 0.2"]) == \
        "Dense 3000 sigmoid > Dropout 0.2 > Dense 2000 sigmoid > Dense 10 softmax"


def homework_variant(*hidden, input_dtype=None, out=None):
    """A compiled model of the homework's outline, as the student stage saves it: `hidden` as
    the layers between the input and the output layer."""
    import keras
    from keras import layers
    inputs = keras.Input((spec.INPUT_SIZE,), **({"dtype": input_dtype} if input_dtype else {}))
    model = keras.Sequential([inputs, *hidden, out or layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return json.loads(json.dumps(keras.saving.serialize_keras_object(model)))


def test_no_op_layers_and_flags_are_normalised_away():
    from keras import layers, regularizers
    from grader.trusted.canonical import network_key
    homework = network_key(canonical_of(homework_variant(
        layers.Dense(3000, activation="sigmoid"), layers.Dense(2000, activation="sigmoid"))))
    for variant in (
            [layers.Dense(3000, activation="sigmoid"), layers.Dropout(0.0),
             layers.Dense(2000, activation="sigmoid")],
            [layers.Dense(3000, activation="sigmoid"), layers.Activation("linear"),
             layers.GaussianNoise(0.0), layers.ActivityRegularization(),
             layers.Dense(2000, activation="sigmoid"), layers.Flatten()],
            [layers.Dense(3000, activation="sigmoid", kernel_regularizer=regularizers.L2(0.0)),
             layers.Dense(2000, activation="sigmoid",
                          bias_regularizer=regularizers.L1L2(0.0, 0.0))]):
        assert network_key(canonical_of(homework_variant(*variant))) == homework, variant


def test_dtypes_and_trainable_flags_are_part_of_the_network_and_fail_a_check():
    """The homework's network is float32 and trainable: an integer input, a bfloat16 layer or
    activation, a layer not trained, never share the right network's training, and each fails
    a check with its reason."""
    import keras
    import numpy as np
    from keras import layers
    from grader.trusted.canonical import describe_network, network_key, rebuild_canonical

    def hidden(first_dtype=None, trainable=True):
        return [layers.Dense(3000, activation="sigmoid", trainable=trainable,
                             **({"dtype": first_dtype} if first_dtype else {})),
                layers.Dense(2000, activation="sigmoid")]

    variants = {
        "homework": homework_variant(*hidden()),
        "integer input": homework_variant(*hidden(), input_dtype="int32"),
        "bfloat16 activation": homework_variant(
            layers.Dense(3000), layers.Activation("sigmoid", dtype="bfloat16"),
            layers.Dense(2000, activation="sigmoid")),
        "bfloat16 Dense": homework_variant(*hidden("bfloat16")),
        "mixed_bfloat16 Dense": homework_variant(*hidden("mixed_bfloat16")),
        "frozen Dense": homework_variant(*hidden(trainable=False)),
    }
    keys = {name: network_key(canonical_of(config)) for name, config in variants.items()}
    assert len(set(keys.values())) == len(variants), keys
    reasons = {name: checked(config) for name, config in variants.items()}
    assert all(passed for passed, _ in reasons["homework"].values())
    assert reasons["integer input"][CHECK["input"]] == (
        False, "input shape (None, 3072), dtype int32")
    assert reasons["bfloat16 activation"][CHECK["dense_units"]] == (
        False, "Dense units [3000, 2000, 10]; not float32 and trainable: Activation: dtype "
               "bfloat16")
    assert "Dense 1: dtype mixed_bfloat16" in reasons["mixed_bfloat16 Dense"][CHECK["dense_units"]][1]
    assert "Dense 1: not trainable" in reasons["frozen Dense"][CHECK["dense_units"]][1]
    for name in variants:
        if name != "homework":
            assert not all(passed for passed, _ in reasons[name].values()), name
    assert describe_network(canonical_of(variants["integer input"])).startswith("input int32 > ")
    # Trained, each is the network it is: scaled pixels through an integer input are zeros.
    inputs, homework = tiny_training()
    predictions, frozen_kept = {}, None
    for name in ("homework", "integer input", "frozen Dense"):
        canonical = canonical_of(variants[name])
        keras.backend.clear_session()
        keras.utils.set_random_seed(1)
        first = rebuild_canonical(canonical, keras).layers[0].get_weights()[0].copy()
        model, predictions[name] = trained(canonical, homework, inputs)
        if name == "frozen Dense":
            frozen_kept = np.array_equal(first, model.layers[0].get_weights()[0])
    assert not np.allclose(predictions["homework"], predictions["integer input"])
    if frozen_kept:  # Keras 3.0.5 trains a layer made with trainable=False all the same
        assert not np.allclose(predictions["homework"], predictions["frozen Dense"])


def test_reports_label_networks_but_the_key_is_the_whole_description():
    from grader.reports import class_report as report
    key = "ab" * 32
    sizes = {"parameters": 110, "flops": 200}
    assert results.valid_network({"sha256": key, "description": "Dense 10 softmax", **sizes}) \
        == {"sha256": key, "hash": key[:12], "description": "Dense 10 softmax", **sizes}
    for bad in ({"hash": key[:12], "description": "x", **sizes},
                {"sha256": key[:12], "description": "x", **sizes},
                {"sha256": "zz" * 32, "description": "x", **sizes}, {"sha256": key, **sizes},
                {"sha256": key, "description": "x"},
                {"sha256": key, "description": "x", "parameters": -1, "flops": 2}):
        assert results.valid_network(bad) is None, bad
    rows = [{"student": name, "score": 1.0, "tests": [], "network": {
        "sha256": digit * 64, "hash": "c0111de0c0de", "description": "x"}, "accuracy": value}
        for name, digit, value in (("kim", "1", 0.3), ("lee", "2", 0.1))]
    section = report.networks_section(rows)  # two networks, however alike their labels
    assert "2 distinct networks" in section[3]
    assert [line.split("|")[-2].strip() for line in section if "c0111de0c0de" in line] == \
        ["0.3000", "0.1000"]


def test_the_trainings_cache_keeps_only_what_matches(tmp_path):
    from grader.trusted.trainings import Trainings
    settings = cache_settings(tmp_path)
    data = tmp_path / "data.npz"
    first = Trainings(settings, str(tmp_path / "cache"))
    assert first.cached("a" * 64, "CPU") is None  # nobody has trained it
    first.store("a" * 64, "CPU", {"accuracy": 0.25, "train_seconds": 3.0, "error": None})
    again = Trainings(settings, str(tmp_path / "cache"))
    assert again.cached("a" * 64, "CPU") == {"accuracy": 0.25, "train_seconds": 3.0,
                                             "error": None}
    assert again.cached("a" * 64, "GPU") is None  # another device: other numbers
    for changed in ({"epochs": 2}, {"train_size": 500}, {"seed": 2}, {"scale": True}):
        recipe = dict(settings["recipe"], **changed)
        assert Trainings(dict(settings, recipe=recipe), str(tmp_path / "cache")).cached(
            "a" * 64, "CPU") is None, changed
    assert Trainings(dict(settings, homework="cnn"), str(tmp_path / "cache")).cached(
        "a" * 64, "CPU") is None
    data.write_bytes(b"other data")
    assert Trainings(settings, str(tmp_path / "cache")).cached("a" * 64, "CPU") is None
    data.write_bytes(b"the data")
    (entry,) = (tmp_path / "cache").glob("*.json")
    for damage in ("", "{", '{"key": {}, "accuracy": 0.99}', json.dumps(
            dict(json.loads(entry.read_text()), accuracy=7.0))):
        saved = entry.read_text()
        entry.write_text(damage)
        assert Trainings(settings, str(tmp_path / "cache")).cached("a" * 64, "CPU") is None
        entry.write_text(saved)
    no_cache = Trainings(settings, None)  # kept nowhere: every network trained
    no_cache.store("b" * 64, "CPU", {"accuracy": 0.5, "train_seconds": 1.0, "error": None})
    assert no_cache.cached("b" * 64, "CPU") is None


def test_a_diverged_training_is_kept_and_other_errors_are_tried_again(tmp_path):
    from grader.trusted.trainings import DIVERGED, Trainings
    settings = cache_settings(tmp_path)
    first = Trainings(settings, str(tmp_path / "cache"))
    first.store("d" * 64, "CPU", {"accuracy": None, "train_seconds": 2.0, "error": DIVERGED})
    first.store("e" * 64, "CPU", {"accuracy": None, "train_seconds": None,
                                  "error": "training took more than 60 seconds"})
    again = Trainings(settings, str(tmp_path / "cache"))
    assert again.cached("d" * 64, "CPU") == {"accuracy": None, "train_seconds": 2.0,
                                             "error": DIVERGED}
    assert again.cached("e" * 64, "CPU") is None
    (entry,) = (tmp_path / "cache").glob("*.json")
    entry.write_text(json.dumps(dict(json.loads(entry.read_text()), error="made up")))
    assert Trainings(settings, str(tmp_path / "cache")).cached("d" * 64, "CPU") is None


def cache_settings(tmp_path):
    data = tmp_path / "data.npz"
    data.write_bytes(b"the data")
    return {"homework": "mlp", "recipe": {"seed": 1, "epochs": 1, "batch_size": 100,
                                          "train_size": None, "scale": False,
                                          "optimizer": "sgd"},
            "threads": 1, "data_source": str(data)}


NETWORK = "c0ffee" * 10 + "beef"  # a network's key: the SHA-256 of its description


def forged_entry(cache, settings):
    """What the grader would write for NETWORK, with an accuracy it never measured."""
    from grader.trusted.trainings import Trainings
    honest = Trainings(settings, str(cache))
    honest.store(NETWORK, "CPU", {"accuracy": 0.25, "train_seconds": 3.0, "error": None})
    (entry,) = cache.glob("*.json")
    forged = dict(json.loads(entry.read_text()), accuracy=0.99)
    return entry, json.dumps(forged)


def test_a_cache_folder_others_may_open_or_a_link_is_not_used(tmp_path, capsys):
    from grader.trusted.trainings import Trainings
    settings = cache_settings(tmp_path)
    cache = tmp_path / "cache"
    entry, forged = forged_entry(cache, settings)
    entry.write_text(forged)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700  # made closed to others
    assert Trainings(settings, str(cache)).cached(NETWORK, "CPU")["accuracy"] == 0.99  # its own
    capsys.readouterr()
    os.chmod(cache, 0o777)  # as a stage that was root could make it, then wrote its entry
    opened = Trainings(settings, str(cache))
    assert opened.folder is None and opened.cached(NETWORK, "CPU") is None  # trained again
    warning = capsys.readouterr().out
    assert warning.count("\n") == 1 and "is not used (other users may open it (mode 0777))" \
        in warning
    opened.store(NETWORK, "CPU", {"accuracy": 0.25, "train_seconds": 3.0, "error": None})
    assert entry.read_text() == forged  # nothing written there either
    os.chmod(cache, 0o700)
    os.chown(cache, 12345, 12345)  # another user's folder
    assert Trainings(settings, str(cache)).folder is None
    assert "belongs to user 12345" in capsys.readouterr().out
    os.chown(cache, 0, 0)
    os.symlink(cache, tmp_path / "link")
    assert Trainings(settings, str(tmp_path / "link")).folder is None
    assert "is a symbolic link" in capsys.readouterr().out


def test_a_cache_entry_is_read_only_when_it_is_a_plain_small_file_of_the_grader(tmp_path):
    from grader.trusted.trainings import MAX_ENTRY_BYTES, Trainings
    settings = cache_settings(tmp_path)
    cache = tmp_path / "cache"
    entry, forged = forged_entry(cache, settings)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(forged)

    def claim_within_a_minute():
        """cached() in a thread: a cache read that would wait forever fails the test instead."""
        outcome = []
        worker = threading.Thread(target=lambda: outcome.append(
            Trainings(settings, str(cache)).cached(NETWORK, "CPU")), daemon=True)
        worker.start()
        worker.join(60)
        assert not worker.is_alive(), "cached() waits on the cache entry"
        return outcome[0]

    entry.unlink()
    os.symlink(elsewhere, entry)  # a link to a file with the right key
    assert claim_within_a_minute() is None
    entry.unlink()
    os.mkfifo(entry)  # a pipe nobody writes: read naively, it never ends
    assert claim_within_a_minute() is None
    entry.unlink()
    entry.write_text(forged + " " * MAX_ENTRY_BYTES)  # valid JSON, but no entry is that big
    assert claim_within_a_minute() is None
    entry.write_text(forged)
    os.chown(entry, 12345, 12345)  # another user's file, planted in the grader's folder
    assert claim_within_a_minute() is None
    os.chown(entry, 0, 0)
    os.link(entry, tmp_path / "second-name.json")  # a hard link: written by someone else
    assert claim_within_a_minute() is None
    os.unlink(tmp_path / "second-name.json")
    assert claim_within_a_minute()["accuracy"] == 0.99  # the grader's own file: trusted


def test_the_cache_is_read_outside_any_lock_the_workers_share(tmp_path):
    """A worker reading a slow cache entry holds up no other worker."""
    from grader.trusted import trainings
    settings = cache_settings(tmp_path)
    kept = trainings.Trainings(settings, str(tmp_path / "cache"))
    reading, release = threading.Event(), threading.Event()
    original = kept._read

    def slow_read(network, device):
        if network == "slow":
            reading.set()
            release.wait()
        return original(network, device)

    kept._read = slow_read
    worker = threading.Thread(target=kept.cached, args=("slow", "CPU"), daemon=True)
    worker.start()
    reading.wait()
    assert kept.cached("other", "CPU") is None  # not waiting for the slow read
    kept.store("other", "CPU", {"accuracy": 0.5, "train_seconds": 1.0, "error": None})
    release.set()
    worker.join()


def test_what_a_stage_user_leaves_where_anyone_may_write_is_removed_however_deep(tmp_path):
    if sandbox.user_problem():
        pytest.skip(f"no unprivileged stage user here: {sandbox.user_problem()}")
    folder = tmp_path / "stage"
    owner = sandbox.stage_owner()
    sandbox.prepare_folder(str(folder), b"", owner, HOMEWORK.submission_name)
    os.chmod(tmp_path, 0o755)
    sticky = tempfile.mkdtemp(prefix="nnlab-sticky-")  # root's, as /tmp/.X11-unix
    os.chmod(sticky, 0o1777)
    code = ("import os\n"
            "open(f'/tmp/left-by-{os.getuid()}', 'w').write('x')\n"
            "os.makedirs(f'/tmp/left-dir-{os.getuid()}/inner')\n"
            "os.symlink('/etc/passwd', f'/tmp/left-dir-{os.getuid()}/inner/link')\n"
            f"open('{sticky}/left-in-sticky', 'w').write('x')\n"
            f"os.chdir('{sticky}')\n"
            "for _ in range(400):  # past the longest path: only relative steps reach the bottom\n"
            "    os.mkdir('d' * 100)\n"
            "    os.chdir('d' * 100)\n"
            "open('bottom', 'w').write('x')\n")
    run = launch_confined(code, {"user": list(owner)}, str(folder))  # no Landlock: /tmp writable
    assert run.returncode == 0, run.stderr
    assert os.path.exists(f"/tmp/left-by-{owner[0]}") and os.listdir(sticky)
    scratch.remove_files_of(owner[0], spare=str(folder))
    try:
        assert not os.path.exists(f"/tmp/left-by-{owner[0]}")
        assert not os.path.exists(f"/tmp/left-dir-{owner[0]}") and os.path.exists("/etc/passwd")
        assert os.listdir(sticky) == []
        assert sorted(os.listdir(folder)) == sorted(  # its own folder is the grader's to read
            [HOMEWORK.submission_name, sandbox.MODEL_FILE, sandbox.STATUS_FILE])
        assert not [name for name in os.listdir("/tmp") if name.startswith(".grader-removing-")]
    finally:
        shutil.rmtree(sticky, ignore_errors=True)


def test_a_folder_too_deep_or_too_full_counts_as_over_its_limit(tmp_path):
    deep = tmp_path / "deep"
    path = deep
    for _ in range(processes.MAX_FOLDER_DEPTH + 1):
        path = path / "d"
    path.mkdir(parents=True)
    assert processes.folder_bytes(str(deep)) == float("inf")
    (tmp_path / "shallow" / "d").mkdir(parents=True)
    assert processes.folder_bytes(str(tmp_path / "shallow")) == 4096
    scratch.remove_folder(str(deep))  # removed however deep
    assert not deep.exists()


# Round 4: what a stage can do in each mode, tried as a hostile student would.

STAGE_MODES = ["bwrap", "user", "landlock", "process"]


@pytest.fixture
def stage_parent():
    """A folder for stage folders, as the grader's own: passable by the stage users."""
    folder = tempfile.mkdtemp(prefix="grade-test-")
    os.chmod(folder, 0o711)
    yield folder
    scratch.remove_folder(folder)


def stage_in(mode, parent, code):
    """`code` run as a submission's stage in `mode`, as the grader runs one (as a stage user of
    its own where the grader is root); skipped where the mode cannot run here."""
    problem = {"bwrap": sandbox.bubblewrap_problem, "user": sandbox.user_problem,
               "landlock": sandbox.landlock_problem, "process": sandbox.process_problem}[mode]()
    if problem:
        pytest.skip(f"no {mode} sandbox here: {problem}")
    folder = os.path.join(parent, mode)
    owner = sandbox.new_stage_owner()
    sandbox.prepare_folder(folder, code.encode(), owner, sandbox.PROBE_NAME)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": folder}
    command = sandbox.stage_command(mode, folder, None, 2000, 60, env, owner)
    if mode == "bwrap":
        command[-3:] = [sys.executable, "-I", "/work/" + sandbox.PROBE_NAME]
        run = processes.run_limited(command, folder, {"PATH": env["PATH"]}, 60, user=owner)
    else:
        command[-3:] = [sys.executable, "-I", sandbox.PROBE_NAME]
        run = processes.run_limited(command, folder, env, 60)
    if owner:
        scratch.remove_files_of(owner[0], spare=folder)
    return run


def other_user():
    """A user id of its own, to play a grader that is not root; skipped where there is none."""
    if sandbox.user_problem():
        pytest.skip(f"no other user can run this Python here: {sandbox.user_problem()}")
    return sandbox.stage_owner()


CHANGE_ROOTS_FILES = """
import os, shutil, sys
targets = [{target!r}, sys.executable, os.path.abspath("submission.py")]
print("uid", os.getuid(), os.geteuid())
for target in targets:
    for what, change in (("chmod", lambda: os.chmod(target, 0o777)),
                         ("chown", lambda: os.chown(target, os.getuid(), os.getgid())),
                         ("utime", lambda: os.utime(target, (0, 0))),
                         ("utimensat", lambda: os.utime(target, ns=(1, 1))),
                         ("touch", lambda: os.utime(target, None)),
                         ("setxattr", lambda: os.setxattr(target, "user.nnlab", b"x")),
                         ("setxattr-trusted", lambda: os.setxattr(target, "trusted.nnlab", b"x"))):
        try:
            change()
            print(what, target, "changed")
        except OSError:
            pass
for what, make in (("copy", lambda: (shutil.copy(sys.executable, "python-copy"),
                                     os.chmod("python-copy", 0o4755))),
                   ("model", lambda: os.chmod("model.keras", 0o2755)),
                   ("created", lambda: os.close(os.open("new", os.O_CREAT | os.O_WRONLY, 0o4755)))):
    try:
        make()
    except OSError:
        pass
for name in ("python-copy", "model.keras", "new"):
    if os.path.exists(name) and os.stat(name).st_mode & 0o6000:
        print("set-id bit on", name)
"""


def root_file_state(path):
    info = os.stat(path)
    return info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns, os.listxattr(path)


@pytest.mark.parametrize("mode", STAGE_MODES)
def test_no_stage_is_root_nor_changes_what_root_owns(mode, stage_parent):
    """As root, the grader runs every stage as a user of its own: chmod, chown, utime,
    utimensat, extended attributes on root's files outside its folder, and set-ID files, all
    fail (the files checked from outside too)."""
    if os.geteuid() != 0:
        pytest.skip("the grader is not root here")
    target_folder = tempfile.mkdtemp(prefix="nnlab-root-files-")
    os.chmod(target_folder, 0o755)  # others may reach it: only the stage's rights protect it
    target = os.path.join(target_folder, "root-owned.py")
    with open(target, "w") as file:
        file.write("# root's\n")
    try:
        before = root_file_state(target), root_file_state(sys.executable)
        run = stage_in(mode, stage_parent, CHANGE_ROOTS_FILES.format(target=target))
        assert run.returncode == 0, run.output
        uid_line = run.output.splitlines()[0]
        assert uid_line.startswith("uid ") and " 0" not in uid_line + " ", uid_line
        assert "changed" not in run.output and "set-id" not in run.output, run.output
        assert (root_file_state(target), root_file_state(sys.executable)) == before
    finally:
        shutil.rmtree(target_folder)


REACH_LISTENERS = """
import socket
def unix(address):
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(5)
    connection.connect(address)
    connection.sendall(b"x")
for what, reach in (
        ("tcp", lambda: socket.create_connection(("127.0.0.1", {@TCP_PORT@}), timeout=5)),
        ("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
            b"x", ("127.0.0.1", {@UDP_PORT@}))),
        ("unix", lambda: unix({@UNIX_PATH@!r})),
        ("abstract", lambda: unix("\\0" + {@ABSTRACT@!r}))):
    try:
        reach()
        print(what, "reached")
    except OSError as error:
        print(what, "refused", type(error).__name__)
"""


def reach_listeners_code(listeners):
    code = REACH_LISTENERS
    for name, value in listeners.places().items():
        code = code.replace("{" + name, "{" + name.strip("@").lower())
    return code.format(**{name.strip("@").lower(): value
                          for name, value in listeners.places().items()})


@pytest.mark.parametrize("mode", STAGE_MODES)
def test_no_stage_reaches_a_local_listener_by_any_socket(mode, stage_parent):
    listeners = Listeners()
    try:
        run = stage_in(mode, stage_parent, reach_listeners_code(listeners))
    finally:
        heard = listeners.close()
    assert run.returncode == 0, run.output
    assert heard == set(), run.output
    for what in ("tcp", "udp", "unix", "abstract"):
        assert f"{what} refused" in run.output, run.output


def test_a_grader_that_is_not_root_gives_landlock_stages_no_network(stage_parent):
    """Landlock for a grader that is not root: the stage runs in a user and network namespace
    of its own (TCP, UDP and abstract sockets reach nothing even without the seccomp filter)
    and, with the filter, opens no socket at all."""
    if sandbox.landlock_problem():
        pytest.skip(f"no Landlock here: {sandbox.landlock_problem()}")
    grader = other_user()
    folder = os.path.join(stage_parent, "stage")
    sandbox.prepare_folder(folder, b"", grader, HOMEWORK.submission_name)  # the grader's user's folder
    confinement = {"namespaces": {"network": True}, "drop_capabilities": True,
                   "landlock": sandbox.landlock_rules(folder)}
    for one_process in (False, True):
        listeners = Listeners()
        try:
            run = launch_confined(reach_listeners_code(listeners) +
                                  "import os; print('uid', os.getuid())", confinement, folder,
                                  one_process=one_process, user=grader)
        finally:
            heard = listeners.close()
        assert run.returncode == 0, run.stderr
        assert f"uid {grader[0]}" in run.stdout
        assert heard <= {"unix"} and "tcp refused" in run.stdout, run.stdout
        if one_process:  # the seccomp filter: no socket of any kind
            assert heard == set() and run.stdout.count("refused PermissionError") == 4, run.stdout


def test_network_namespaces_alone_keep_a_stage_off_the_network(stage_parent):
    """The grader as root: a network namespace, without the seccomp filter, already stops TCP,
    UDP and abstract sockets (a Unix socket with a path is a file: the filter stops it)."""
    if sandbox.namespaces_problem() or sandbox.user_problem():
        pytest.skip(f"no namespaces here: {sandbox.namespaces_problem() or sandbox.user_problem()}")
    owner = sandbox.stage_owner()
    folder = os.path.join(stage_parent, "stage")
    sandbox.prepare_folder(folder, b"", owner, HOMEWORK.submission_name)
    listeners = Listeners()
    try:
        run = launch_confined(reach_listeners_code(listeners),
                              {"namespaces": {"network": True}, "user": list(owner)}, folder,
                              one_process=False)
    finally:
        heard = listeners.close()
    assert run.returncode == 0, run.stderr
    assert heard <= {"unix"}, (heard, run.stdout)


HIDDEN_DISK_AND_SIGIO = """
import ctypes, fcntl, os, signal
libc = ctypes.CDLL(None, use_errno=True)
descriptor = os.open("reserved", os.O_CREAT | os.O_WRONLY, 0o600)
result = libc.fallocate(descriptor, 1, ctypes.c_long(0), ctypes.c_long(2**30))  # KEEP_SIZE
print("fallocate", result, os.fstat(descriptor).st_blocks * 512)
for how in ("F_SETOWN", "F_SETOWN_EX", "FIOSETOWN"):
    ready, writer = os.pipe()
    try:
        if how == "F_SETOWN":
            fcntl.fcntl(ready, fcntl.F_SETOWN, {grader})
        elif how == "F_SETOWN_EX":
            fcntl.fcntl(ready, 15, (0).to_bytes(4, "little") + ({grader}).to_bytes(4, "little"))
        elif libc.ioctl(ready, 0x8901, ctypes.byref(ctypes.c_int({grader}))) != 0:
            raise OSError(ctypes.get_errno(), "ioctl")
        fcntl.fcntl(ready, 10, signal.SIGUSR2)  # F_SETSIG
        fcntl.fcntl(ready, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
        os.write(writer, b"ready")
        print(how, "armed")
    except OSError:
        print(how, "refused")
"""


@pytest.fixture
def signals_received():
    """How many SIGUSR2 this process (the grader, here) received while the test ran."""
    received = []
    previous = signal.signal(signal.SIGUSR2, lambda number, frame: received.append(number))
    yield received
    signal.signal(signal.SIGUSR2, previous)
    assert signal.SIGUSR2 not in signal.sigpending()


@pytest.mark.parametrize("mode", STAGE_MODES + ["unconfined, as the grader's own user"])
def test_no_stage_takes_hidden_disk_space_or_signals_the_grader_by_sigio(
        mode, stage_parent, signals_received):
    code = HIDDEN_DISK_AND_SIGIO.format(grader=os.getpid())
    if mode in STAGE_MODES:
        run = stage_in(mode, stage_parent, code)
        output, returncode = run.output, run.returncode
    else:  # the filter alone, for a stage as the grader's own user (root here)
        if sandbox.seccomp_problem():
            pytest.skip(f"no seccomp filter here: {sandbox.seccomp_problem()}")
        folder = os.path.join(stage_parent, "stage")
        sandbox.prepare_folder(folder, b"", None, HOMEWORK.submission_name)
        run = launch_confined(code, {}, folder)
        output, returncode = run.stdout + run.stderr, run.returncode
    assert returncode == 0, output
    assert "fallocate -1 0" in output, output
    assert "armed" not in output and output.count("refused") == 3, output
    assert signals_received == []


def test_a_hidden_disk_space_or_sigio_without_the_filter_would_have_worked(
        stage_parent, signals_received):
    """The same code with no filter, as the grader's own user: what the filter stops is real."""
    folder = os.path.join(stage_parent, "stage")
    sandbox.prepare_folder(folder, b"", None, HOMEWORK.submission_name)
    code = HIDDEN_DISK_AND_SIGIO.format(grader=os.getpid()).replace("2**30", "2**20").replace(
        '("F_SETOWN", "F_SETOWN_EX", "FIOSETOWN")', '("F_SETOWN",)')  # SIGUSR2, and only once
    run = launch_confined(code, {}, folder, one_process=False)
    assert "fallocate 0 1048576" in run.stdout, run.stdout + run.stderr
    assert "F_SETOWN armed" in run.stdout
    assert signals_received, "the kernel sent no SIGUSR2"
    signals_received.clear()


def test_a_mount_namespace_hides_the_graders_files_and_keeps_what_the_stage_needs(stage_parent):
    """Without Landlock, as root: empty file systems over the grader's folders and files,
    fresh ones where every user may write, the stage's folder and what it runs bound back."""
    if sandbox.namespaces_problem() or os.geteuid() != 0:
        pytest.skip(f"no mount namespace here: {sandbox.namespaces_problem() or 'not root'}")
    owner = sandbox.stage_owner()
    secrets_folder = tempfile.mkdtemp(prefix="nnlab-secrets-")
    os.chmod(secrets_folder, 0o755)
    try:
        for name in ("class.txt", "rubric.json"):
            with open(os.path.join(secrets_folder, name), "w") as file:
                file.write("secret of the instructor")
            os.chmod(os.path.join(secrets_folder, name), 0o644)
        folder = os.path.join(secrets_folder, "grade-x", "stage")  # the stage's, inside
        sandbox.prepare_folder(folder, b"", owner, HOMEWORK.submission_name)
        shared = tempfile.mkdtemp(prefix="nnlab-shared-")
        os.chmod(shared, 0o755)
        open(os.path.join(shared, "machine.txt"), "w").close()
        code = ("import os, sys\n"
                f"for path in ({secrets_folder!r} + '/class.txt', {secrets_folder!r} + '/rubric.json',"
                f" {shared!r} + '/machine.txt'):\n"
                "    try:\n        print(path[-12:], repr(open(path).read()))\n"
                "    except OSError as error:\n        print(path[-12:], error.strerror)\n"
                f"print(os.listdir({secrets_folder!r}))\n"
                "open('written.txt', 'w').write('back')\n"
                "open('/tmp/private.txt', 'w').write('gone with the stage')\n"
                "print('python', sys.version_info[0])\n")
        mounts = {"hide": [secrets_folder, os.path.join(secrets_folder, "rubric.json")],
                  "scratch": [os.path.realpath(tempfile.gettempdir())], "scratch_bytes": 2**20,
                  "keep": [folder, *sandbox.python_folders()]}
        run = launch_confined(code, {"namespaces": {"network": True, "mounts": mounts},
                                     "user": list(owner)}, folder)
        assert run.returncode == 0, run.stderr
        lines = run.stdout.splitlines()
        assert lines[0].endswith("No such file or directory")  # the hidden folder is empty
        assert lines[2].endswith("No such file or directory")  # /tmp is a fresh one
        assert "Permission denied" in lines[3] or lines[3] == "['grade-x']", lines
        assert lines[4] == "python 3"
        with open(os.path.join(folder, "written.txt")) as file:  # its own folder, bound back
            assert file.read() == "back"
        assert not os.path.exists("/tmp/private.txt") or os.stat("/tmp/private.txt").st_uid != \
            owner[0]
        shutil.rmtree(shared)
    finally:
        scratch.remove_folder(secrets_folder)


def test_the_files_cache_keeps_what_a_file_did_and_retries_what_a_limit_stopped(tmp_path):
    import hashlib

    from grader.checked_files import CheckedFiles
    from grader.homeworks import get
    from grader.trusted.trainings import Trainings
    settings = cache_settings(tmp_path)
    homework = get("mlp")
    trainings = Trainings(settings, str(tmp_path / "cache"))
    files = CheckedFiles(trainings, homework, settings, "bwrap", 4096, "c0de" * 16)
    for name, retry in (("raises", False), ("timed_out", True)):
        path = tmp_path / f"{name}.py"
        path.write_text(f"# {name}\n")
        result = {"student": name, "file": str(path), "settings": settings, "checks": [],
                  "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "accuracy": None,
                  "error": f"NN_model() {name}", "network": None, "seconds": 1.0,
                  "retry": retry}
        files.store(result, None)
        again = CheckedFiles(trainings, homework, settings, "bwrap", 4096, "c0de" * 16)
        known = again.cached("someone", str(path))
        if retry:
            assert known is None
        else:
            assert known[0]["error"] == "NN_model() raises" and known[0]["student"] == "someone"
            other_code = CheckedFiles(trainings, homework, settings, "bwrap", 4096, "ab" * 32)
            assert other_code.cached("someone", str(path)) is None  # the grader changed
            path.write_text("# raises, edited\n")
            assert again.cached("someone", str(path)) is None  # the file changed
    assert CheckedFiles(Trainings(settings, None), homework, settings, "bwrap", 4096,
                        "c0de" * 16).cached("raises", str(tmp_path / "raises.py")) is None
