"""The student's side on the machines, settings and habits students have: macOS and Windows
(simulated: POSIX-only modules made unimportable, sys.platform set), consoles that cannot show
"✓", Keras 3 set to another backend, a Python without TensorFlow, the handout away from the
suite, a notebook given to the self-check."""

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import REPO_ROOT, assert_clean_failure

SAMPLES = os.path.join(REPO_ROOT, "tests", "homework_samples")
CHECK = os.path.join(REPO_ROOT, "cifar", "check_homework.py")

# Loaded by the checking process alone (the stage it starts runs with -I): a machine whose
# Python has no resource or fcntl, no /proc for the launcher, and (Windows) no process groups.
# TensorFlow is loaded first, as on the real system; then the platform changes.
SIMULATION = '''
import os, subprocess, sys
sys.path.insert(0, os.environ["SUITE"])
from nnlab.quiet_tensorflow import import_tensorflow
import_tensorflow()  # loaded as on the real system: what is simulated is the suite's own code
BLOCKED = ("resource", "fcntl")
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED:
            raise ModuleNotFoundError(f"import of {name} halted", name=name)
sys.meta_path.insert(0, Blocked())
sys.platform = os.environ["SIMULATED_PLATFORM"]
if sys.platform == "win32":
    del os.killpg, os.setsid
'''


@pytest.fixture
def simulated(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(SIMULATION)

    def env(platform, **extra):
        return dict(os.environ, PYTHONPATH=str(folder), SIMULATED_PLATFORM=platform,
                    PYTHONUNBUFFERED="1", SUITE=REPO_ROOT, **extra)
    return env


def check(path, env, *flags):
    return subprocess.run([sys.executable, CHECK, str(path), *flags], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_the_self_check_works_on_macos_and_windows_unconfined(simulated, platform):
    result = check(os.path.join(SAMPLES, "correct.py"), simulated(platform))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "in a separate process, not confined: fine for your own file" in result.stdout
    assert "Checks: 70/70 points" in result.stdout
    assert "--regrade" not in result.stdout and "bubblewrap" not in result.stdout


@pytest.mark.parametrize("encoding", ["cp949", "cp1252"])
def test_the_self_check_survives_consoles_that_cannot_show_its_marks(encoding):
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    result = subprocess.run([sys.executable, CHECK, os.path.join(SAMPLES, "wrong_sizes.py")],
                            cwd=REPO_ROOT, env=env, capture_output=True, timeout=300)
    output = result.stdout.decode(encoding)
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    assert "OK input of 3072 values" in output and "X only Dense layers" in output


def test_the_untouched_handout_and_a_notebook_get_one_clear_line(tmp_path):
    result = check(os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py"), dict(os.environ))
    assert result.returncode == 1
    assert "NN_model() is not written yet" in result.stdout
    assert "note:" not in result.stdout  # not the handout's own import lines
    notebook = tmp_path / "homework.ipynb"
    notebook.write_text('{"cells": [{"cell_type": "code", "source": "x = ')  # cut short
    assert_clean_failure(check(notebook, dict(os.environ)), "not valid JSON")


def test_the_handout_alone_on_a_desktop_says_where_to_run_it(tmp_path):
    desktop = tmp_path / "바탕 화면"  # a Korean folder name with a space
    desktop.mkdir()
    shutil.copy(os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py"), desktop)
    result = subprocess.run([sys.executable, "Train_NN_cifar.py"], cwd=desktop,
                            capture_output=True, text=True, timeout=120)
    assert_clean_failure(result, "run this file from the suite's cifar/ folder")


@pytest.mark.parametrize("settings", [{"KERAS_BACKEND": "jax"}, {"KERAS_BACKEND": "torch"},
                                      {"TF_USE_LEGACY_KERAS": "1"}])
def test_keras_runs_on_tensorflow_whatever_the_machine_says(run_script, script_env, settings,
                                                           mnist_npz, tmp_path):
    result = run_script("mnist_keras/Train_NN_keras.py", "--data", mnist_npz, "--epochs", 1,
                        "--model", tmp_path / "m.keras", env=dict(script_env, **settings))
    assert result.returncode == 0, result.stderr
    assert f"note: {next(iter(settings))}" in result.stderr and "ignored" in result.stderr


def test_a_python_without_tensorflow_says_what_to_do(run_script, script_env, mnist_npz,
                                                     tmp_path):
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'tensorflow'\", name='tensorflow')\n")
    env = dict(script_env, PYTHONPATH=str(tmp_path / "fake"))
    result = run_script("mnist/Train_NN.py", "--data", mnist_npz, env=env)
    message = assert_clean_failure(result, "tensorflow is not installed for", "pip install")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message.startswith("error:")


def mounted_tmpfs(folder, options):
    """`folder` made a tmpfs of 1 MiB with `options` (root only; the test skips elsewhere)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"{options}size=1m", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    return folder


@pytest.fixture
def tiny_disk(tmp_path):
    """A model folder on a file system of 1 MiB, soon almost full."""
    yield mounted_tmpfs(tmp_path / "tiny disk", "")
    subprocess.run(["umount", "-l", str(tmp_path / "tiny disk")], capture_output=True)


def fill(folder, leave=60_000):
    info = os.statvfs(folder)
    (folder / "filler").write_bytes(b"\0" * max(0, info.f_bavail * info.f_frsize - leave))


def test_a_full_disk_is_one_line_and_the_old_model_stays(run_script, mnist_npz, tiny_disk):
    model = tiny_disk / "m.ckpt"
    trained = run_script("mnist/Train_NN.py", "--data", mnist_npz, "--steps", 5, "--model", model,
                         "--no-pictures")
    assert trained.returncode == 0, trained.stderr
    keras_model = tiny_disk / "k.h5"
    first = run_script("mnist_keras/Train_NN_keras.py", "--data", mnist_npz, "--epochs", 1,
                       "--model", keras_model, "--no-pictures")
    assert first.returncode == 0, first.stderr
    before = {path.name: path.read_bytes() for path in tiny_disk.iterdir()}
    fill(tiny_disk)
    for result in (
            run_script("mnist/Train_NN.py", "--hidden", "--data", mnist_npz, "--steps", 5,
                       "--model", model, "--no-pictures"),
            run_script("mnist/Test_NN.py", "--model", model, "--pictures", "confusion",
                       "mistakes"),
            run_script("mnist_keras/Train_NN_keras.py", "--hidden", "--data", mnist_npz,
                       "--epochs", 1, "--model", keras_model, "--no-pictures"),
            run_script("mnist_keras/Train_NN_keras.py", "--hidden", "--data", mnist_npz,
                       "--epochs", 1, "--model", tiny_disk / "k.keras", "--no-pictures")):
        assert_clean_failure(result, "the disk is full")
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for name, content in before.items():  # what was saved before is intact
        assert (tiny_disk / name).read_bytes() == content, name


def test_experiments_into_a_read_only_folder_say_where_instead(run_script, mnist_npz, tmp_path):
    folder = mounted_tmpfs(tmp_path / "read-only checkout", "ro,")
    try:
        result = run_script("mnist/run_experiments.py", "--quick", "--mnist", mnist_npz,
                            "--out", folder)
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
    assert_clean_failure(result, "cannot write to", "--out DIR")


def test_korean_folders_with_spaces_and_two_trainings_at_once(script_env, mnist_npz, tmp_path):
    folder = tmp_path / "내 모델 폴더"
    commands = [[sys.executable, "mnist/Train_NN.py", "--data", mnist_npz, "--steps", "30",
                 "--model", str(folder / f"실험 {number}.ckpt")] for number in (1, 2)]
    running = [subprocess.Popen(command, cwd=REPO_ROOT, env=script_env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for command in commands]
    for process in running:
        _, error = process.communicate(timeout=300)
        assert process.returncode == 0, error
    for number in (1, 2):
        tested = subprocess.run([sys.executable, "mnist/Test_NN.py", "--model",
                                 str(folder / f"실험 {number}.ckpt"), "--no-pictures"],
                                cwd=REPO_ROOT, env=script_env, capture_output=True, text=True)
        assert tested.returncode == 0 and "against test data" in tested.stdout, tested.stderr
        assert (folder / f"실험 {number}_ckpt_curves.png").exists()


def test_quiet_wrong_answers_are_said(run_script, mnist_npz, tmp_path):
    import json
    model = tmp_path / "h.ckpt"
    assert run_script("mnist/Train_NN.py", "--hidden", "--data", mnist_npz, "--steps", 5,
                      "--model", model, "--no-pictures").returncode == 0
    notes = json.loads((tmp_path / "h.ckpt.json").read_text())
    notes["builder"] = "NN_comp_graph_without_hidden_layer"  # notes that lie about the network
    notes["options"] = {key: notes["options"][key] for key in ("init", "optimizer",
                                                               "learning_rate", "cost")}
    (tmp_path / "h.ckpt.json").write_text(json.dumps(notes))
    tested = run_script("mnist/Test_NN.py", "--model", model, "--no-pictures")
    assert_clean_failure(tested, "does not match the network", "holds w of shape [100, 10]",
                         "run Train_NN.py again")
    # a flag given with its default value is still a flag the network cannot use
    ignored = run_script("mnist/Train_NN.py", "--data", mnist_npz, "--hidden-units", 100,
                         "--model", tmp_path / "x.ckpt")
    assert_clean_failure(ignored, "--hidden-units: needs the hidden-layer network")


def test_a_keras_2_model_file_says_it_must_be_trained_again(run_script, tmp_path):
    import h5py
    path = tmp_path / "mnist_NN_model.h5"
    with h5py.File(path, "w") as file:  # as Keras 2.2.4 wrote them in 2019
        file.attrs["keras_version"] = b"2.2.4"
        file.attrs["backend"] = b"tensorflow"
        file.attrs["model_config"] = b'{"class_name": "Sequential", "config": []}'
        file.create_group("model_weights")
    (tmp_path / "mnist_NN_model.h5.json").write_text('{"dataset": "mnist"}')
    result = run_script("mnist_keras/Test_NN_keras.py", "--model", path)
    assert_clean_failure(result, "saved by Keras 2.2.4", "run Train_NN_keras.py again")


def test_testing_with_other_inputs_than_training_warns(run_script, tmp_path):
    from conftest import generated_arrays, write_npz
    data = write_npz(tmp_path / "cifar10.npz", generated_arrays((32, 32, 3), 200, 100))
    model = tmp_path / "raw.h5"
    trained = run_script("cifar/Train_NN_cifar.py", "--solution",
                         os.path.join(REPO_ROOT, "grader", "reference_solution.py"), "--data", data,
                         "--epochs", 1, "--model", model, "--no-pictures")
    assert trained.returncode == 0, trained.stderr
    tested = run_script("cifar/Test_NN_cifar.py", "--model", model, "--scale", "--no-pictures")
    assert tested.returncode == 0, tested.stderr
    assert "warning: --scale feeds this model pixels divided by 255, but it was trained on raw " \
           "pixels" in tested.stdout


def test_the_progress_bar_leaves_no_stray_characters():
    import io
    from nnlab.progress import StepProgress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    progress = StepProgress(3, stream=screen)
    progress.update(1, 39.6809)
    progress.last_draw = 0  # draw every step
    progress.update(2, 9.1)
    shown = screen.getvalue().split("\r")[-1]  # what the terminal shows after the last return
    longest = max(len(part) for part in screen.getvalue().split("\r"))
    assert shown.rstrip().endswith("cost: 9.1000") and len(shown) >= longest - 1


def test_small_things_students_see():
    from nnlab.plots import curve_label, readable_ticks
    assert len(readable_ticks([5.3, 8.0, 19.5])) >= 3  # a gradient norm within one decade
    assert readable_ticks([0.0, 0.5, 2.0])[0] == 0.0
    assert [curve_label(name) for name in ("loss", "val_loss", "accuracy", "val_accuracy")] == \
        ["cost", "validation cost", "accuracy", "validation accuracy"]


def test_the_viewer_titles_what_it_shows(monkeypatch, tmp_path):
    import argparse
    from conftest import generated_arrays, write_npz
    from nnlab import plots, viewer
    data = write_npz(tmp_path / "cifar10.npz", generated_arrays((32, 32, 3), 30, 100))
    titles = []
    monkeypatch.setattr(plots, "data_mosaic", lambda images, columns, rows, title:
                        titles.append((len(images), title)))
    monkeypatch.setattr(plots, "save", lambda figure, path: path)
    monkeypatch.setattr(plots, "show_saved", lambda: None)
    args = argparse.Namespace(dataset="cifar10", data=data, mirror=None, split="test",
                              offset=90, indices=None, names=False,
                              save=str(tmp_path / "x.png"))
    viewer.show(None, args, 15, 10)
    assert titles[0][0] == 10 and ", 10 x 1," in titles[0][1]  # the last 10 images, not 15 x 1


@pytest.fixture
def shared_folder():
    """A folder other users may reach, as a class's shared copy of the suite is (pytest's own
    are closed): run as root, the check runs a file as an unprivileged user of its own."""
    folder = tempfile.mkdtemp(prefix="nnlab-shared-")
    os.chmod(folder, 0o755)
    yield pathlib.Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_the_handout_command_builds_a_folder_without_the_answer(shared_folder, tmp_path):
    handout = shared_folder / "handout"
    made = subprocess.run([sys.executable, "cifar/make_handout.py", str(handout)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert "none of them builds the homework's network" in made.stdout
    assert (handout / "cifar" / "Train_NN_cifar.py").exists()
    assert (handout / "cifar" / "check_homework.py").exists()
    assert not (handout / "grader" / "reference_solution.py").exists()
    assert not (handout / "tests").exists() and not (handout / "bench").exists()
    checked = subprocess.run([sys.executable, "cifar/check_homework.py"], cwd=handout,
                             capture_output=True, text=True, timeout=300)
    assert "NN_model() is not written yet" in checked.stdout, checked.stderr  # it runs there
    shutil.copy(os.path.join(SAMPLES, "correct_activation_layers.py"), handout / "answer.py")
    again = subprocess.run([sys.executable, "cifar/make_handout.py", "--check", str(handout)],
                           cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert_clean_failure(again, "gives the homework's answer away", "answer.py")
    if os.geteuid() == 0:  # root, where no other user can reach the suite: one line, never root
        closed = tmp_path / "closed"
        shutil.copytree(handout, closed)
        os.chmod(tmp_path, 0o700)
        refused = subprocess.run([sys.executable, "cifar/check_homework.py"], cwd=closed,
                                 capture_output=True, text=True, timeout=300)
        assert_clean_failure(refused, "as an unprivileged user of its own",
                             "run it as yourself, not as root")


@pytest.mark.parametrize("encoding", ["cp949", "cp1252"])
def test_korean_class_names_survive_any_console(run_script, script_env, tmp_path, encoding):
    from conftest import generated_arrays, write_npz
    data = write_npz(tmp_path / "cifar10.npz", generated_arrays((32, 32, 3), 200, 100))
    model = tmp_path / "m.h5"
    assert run_script("cifar/Train_NN_cifar.py", "--solution",
                      os.path.join(REPO_ROOT, "grader", "reference_solution.py"), "--data", data,
                      "--epochs", 1, "--model", model, "--no-pictures").returncode == 0
    result = subprocess.run([sys.executable, "cifar/Test_NN_cifar.py", "--model", str(model),
                             "--korean", "--no-pictures"], cwd=REPO_ROOT, capture_output=True,
                            env=dict(script_env, PYTHONIOENCODING=encoding), timeout=300)
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    assert "actual: " in result.stdout.decode(encoding)


def test_grading_on_macos_needs_the_instructors_word_and_then_works(simulated, tmp_path):
    from conftest import generated_arrays, write_npz
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(os.path.join(SAMPLES, "correct.py"), folder / "kim.py")
    data = write_npz(tmp_path / "cifar10.npz", generated_arrays((32, 32, 3), 200, 100))
    command = [sys.executable, "cifar/grade_homework.py", str(folder), "--data", data,
               "--epochs", "1", "--out", str(tmp_path / "grades")]
    refused = subprocess.run(command, cwd=REPO_ROOT, env=simulated("darwin"),
                             capture_output=True, text=True, timeout=300)
    assert_clean_failure(refused, "no way to confine submissions here", "--unconfined")
    graded = subprocess.run(command + ["--unconfined"], cwd=REPO_ROOT, env=simulated("darwin"),
                            capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "NOT confined" in graded.stdout and "[1/1] kim: " in graded.stdout
    assert "accuracy" in graded.stdout.split("[1/1] kim: ")[1].splitlines()[0]
