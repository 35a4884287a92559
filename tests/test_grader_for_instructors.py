"""The grader where instructors work: shards and --report-only, the similarity report,
Gradescope's autograder, and a Slurm job array on a real single-node Slurm."""

import hashlib
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile

import pytest

from conftest import REPO_ROOT, generated_arrays, write_npz

SAMPLES = os.path.join(REPO_ROOT, "tests", "homework_samples")
GRADER = "cifar/grade_homework.py"
CLASS = ("correct", "wrong_sizes", "not_compiled", "raises")

# Two answers that differ only in names and comments, and one written another way.
ORIGINAL = '''"""My CIFAR-10 homework."""
import keras
from keras.layers import Dense


def build_layers(model, first, second, activation):
    model.add(keras.Input(shape=(3072,)))
    model.add(Dense(first, activation=activation))
    model.add(Dense(second, activation=activation))
    model.add(Dense(10, activation="softmax"))
    return model


def NN_model(activation="sigmoid", optimizer="sgd"):
    model = build_layers(keras.Sequential(), 3000, 2000, activation)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def plot_history(history):
    losses = history.history["loss"]
    for epoch, loss in enumerate(losses):
        print("epoch", epoch + 1, "loss", round(loss, 3))
    best = min(range(len(losses)), key=lambda index: losses[index])
    print("best epoch", best + 1)
'''
RENAMED = (ORIGINAL.replace("build_layers", "make_stack").replace("first", "n1")
           .replace("second", "n2").replace("losses", "values").replace("best", "lowest")
           .replace('"""My CIFAR-10 homework."""', "# homework 3 - done by myself!"))
UNRELATED = '''import tensorflow as tf


class Settings:
    widths = (3000, 2000)


def NN_model():
    inputs = tf.keras.Input((3072,))
    x = inputs
    for width in Settings.widths:
        x = tf.keras.layers.Dense(width)(x)
        x = tf.keras.layers.Activation("sigmoid")(x)
    outputs = tf.keras.layers.Dense(10, activation="softmax")(x)
    network = tf.keras.Model(inputs=inputs, outputs=outputs)
    network.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.01),
                    loss=tf.keras.losses.CategoricalCrossentropy())
    return network
'''


def class_of(tmp_path_factory, name, samples):
    """(folder, submissions of `samples`, small generated CIFAR-10) for one test module."""
    folder = tmp_path_factory.mktemp(name)
    submissions = folder / "submissions"
    submissions.mkdir()
    for sample in samples:
        shutil.copy(os.path.join(SAMPLES, sample + ".py"), submissions / f"{sample}.py")
    data = write_npz(folder / "cifar10.npz",
                     generated_arrays((32, 32, 3), train_size=200, test_size=100))
    return folder, submissions, data


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    return class_of(tmp_path_factory, "class", CLASS)


def grade(*args, timeout=900):
    return subprocess.run([sys.executable, GRADER, *map(str, args)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def rows(out):
    """What a grade is made of, per student (not the seconds a run took)."""
    grades = json.load(open(os.path.join(out, "grades.json")))
    return {row["student"]: (row["score"], row["accuracy"], row["checks"], row["error"])
            for row in grades["submissions"]}


THREE_NETWORKS = ("correct", "correct_functional", "correct_activation_layers", "not_compiled",
                  "wrong_sizes", "wrong_activations")


@pytest.fixture(scope="module")
def three_networks(tmp_path_factory):
    """A class of six files that build three distinct networks (four the homework's)."""
    return class_of(tmp_path_factory, "networks", THREE_NETWORKS)


def trainings_line(run):
    """The count of trainings the run said ("3 trainings done, 1 from the cache")."""
    line = next(line for line in run.stdout.splitlines() if line.startswith("Trainings: "))
    return line[len("Trainings: "):]


def test_each_distinct_network_is_trained_once_and_kept_for_later_runs(three_networks):
    folder, submissions, data = three_networks
    cache = folder / "cache"

    def run(out, *extra):
        graded = grade(submissions, "--data", data, "--epochs", 1, "--out", folder / out,
                       "--cache", cache, *extra)
        assert graded.returncode == 0, graded.stderr
        return graded

    first = run("first")
    assert trainings_line(first) == "3 trainings done"
    grades = json.load(open(folder / "first" / "grades.json"))["submissions"]
    assert sum(row["network"]["trained"] == "here" for row in grades) == 3
    homework = [row for row in grades if row["student"] != "wrong_sizes"
                and row["student"] != "wrong_activations"]
    assert len({row["network"]["hash"] for row in homework}) == 1
    assert len({row["accuracy"] for row in homework}) == 1
    assert {row["same_network_as"] for row in homework} == {3}
    summary = (folder / "first" / "summary.md").read_text()
    assert "3 distinct networks, each trained once" in summary
    assert "Dense 3000 sigmoid > Dense 2000 sigmoid > Dense 10 softmax | 4 |" in summary

    again = run("again")  # next week, into a new folder: nothing to train, nothing to build
    assert trainings_line(again) == "0 trainings done, 3 from the cache"
    assert rows(folder / "again") == rows(folder / "first")
    files = len(grades)
    assert f"{files} files checked before with these settings" in again.stdout
    assert "Training on the" not in again.stdout  # no trusted stage started at all
    checked = sorted(cache.glob("*.checked"))
    assert len(checked) == files
    edited = submissions / "wrong_sizes.py"
    edited_sha256 = hashlib.sha256(edited.read_bytes()).hexdigest()
    damaged = next(entry for entry in checked
                   if json.loads(entry.read_text())["key"]["file_sha256"] != edited_sha256)
    damaged.write_text('{"key": "damaged')  # a damaged entry: that file is built again
    edited.write_text(edited.read_text() + "\n# edited after the first run\n")
    rebuilt = run("rebuilt")
    assert f"{files - 2} files checked before with these settings" in rebuilt.stdout
    assert rows(folder / "rebuilt") == rows(folder / "first")
    # another recipe is another training (every setting of the key: test_grader_parts)
    assert trainings_line(run("seeded", "--seed", 7)) == "3 trainings done"

    entries = sorted(cache.glob("*.json"))
    assert len(entries) == 6
    first_settings = [entry for entry in entries if json.loads(entry.read_text())["key"]["recipe"]
                      == {**json.loads(entry.read_text())["key"]["recipe"], "epochs": 1, "seed": 1}]
    first_settings[0].write_text('{"key": "damaged')
    assert trainings_line(run("repaired", "--regrade")).startswith("1 training done")
    assert trainings_line(run("none", "--no-cache")) == "3 trainings done"


def test_shards_share_the_cache_and_unconfined_grading_keeps_none(three_networks):
    folder, submissions, data = three_networks
    cache = folder / "shard-cache"
    shards = [grade(submissions, "--data", data, "--epochs", 1, "--out", folder / "shards",
                    "--cache", cache, "--shard", f"{part}/2") for part in (1, 2)]
    assert [run.returncode for run in shards] == [0, 0], shards[-1].stderr
    assert trainings_line(shards[0]) == "2 trainings done"  # correct, wrong_activations, ...
    assert trainings_line(shards[1]) == "1 training done, 1 from the cache"  # ... reused here
    unconfined_cache = folder / "unconfined-cache"
    run = grade(submissions, "--data", data, "--epochs", 1, "--out", folder / "unconfined",
                "--cache", unconfined_cache, "--sandbox", "process", "--unconfined")
    assert run.returncode == 0, run.stderr
    assert trainings_line(run) == "3 trainings done"
    assert not unconfined_cache.exists()  # a submission could have written it
    graded = json.load(open(folder / "unconfined" / "grades.json"))["submissions"]
    assert all(row["accuracy"] is not None and row["error"] is None for row in graded), graded
    assert "trainings were shared within this run only" in run.stdout


COLLIDING = ("correct", "correct_functional", "wrong_activations")
SAME_LABEL = "c0111de0c0de"
# The grader with its short network label forced to one value: as if two networks' short
# hashes collided (a birthday search over network variants finds such pairs in minutes).
WITH_ONE_LABEL = (f"import sys; from grader import results; results.network_label = lambda key: "
                  f"{SAME_LABEL!r}; from grader import grade; grade.main(sys.argv[1:])")


def test_networks_whose_short_labels_collide_still_train_apart(tmp_path_factory):
    folder, submissions, data = class_of(tmp_path_factory, "colliding", COLLIDING)

    def run(out):
        graded = subprocess.run([sys.executable, "-c", WITH_ONE_LABEL, str(submissions),
                                 "--data", data, "--epochs", "1", "--out", str(folder / out),
                                 "--cache", str(folder / "cache")], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=900)
        assert graded.returncode == 0, graded.stderr
        return graded, {row["student"]: row for row in
                        json.load(open(folder / out / "grades.json"))["submissions"]}

    first, rows = run("first")
    assert trainings_line(first) == "2 trainings done"
    assert {row["network"]["hash"] for row in rows.values()} == {SAME_LABEL}
    homework, relu = rows["correct"], rows["wrong_activations"]
    assert homework["network"]["sha256"] != relu["network"]["sha256"]
    assert relu["network"]["trained"] == "here" and homework["accuracy"] != relu["accuracy"]
    assert rows["correct_functional"]["accuracy"] == homework["accuracy"]
    assert (homework["same_network_as"], relu["same_network_as"]) == (1, 0)
    assert "2 distinct networks" in (folder / "first" / "summary.md").read_text()
    again, cached = run("again")  # the cache is keyed by the whole description too
    assert trainings_line(again) == "0 trainings done, 2 from the cache"
    assert {name: row["accuracy"] for name, row in cached.items()} == \
        {name: row["accuracy"] for name, row in rows.items()}


def test_shards_workers_and_report_only_give_the_rows_of_one_run(small_class):
    folder, submissions, data = small_class
    settings = ["--data", data, "--epochs", 1, "--timeout", 120]
    whole = grade(submissions, "--out", folder / "whole", "--workers", 2, *settings)
    assert whole.returncode == 0, whole.stderr
    assert "4 submissions (0 already graded) with 2 workers, 1 thread each" in whole.stdout
    for part in ("1/2", "2/2"):  # one worker each: the grades do not depend on the workers
        sharded = grade(submissions, "--out", folder / "shards", "--shard", part,
                        "--workers", 1, *settings)
        assert sharded.returncode == 0, sharded.stderr
        assert ": 2 submissions" in sharded.stdout
    reported = grade("--report-only", "--out", folder / "shards")
    assert reported.returncode == 0, reported.stderr
    assert "Report on 4 submissions" in reported.stdout
    assert rows(folder / "shards") == rows(folder / "whole")


def test_progress_says_how_far_and_how_long(small_class):
    folder, submissions, data = small_class
    result = grade(submissions / "correct.py", "--out", folder / "one", "--data", data,
                   "--epochs", 1)
    assert "1 submission (0 already graded) with 1 worker, 1 thread each" in result.stdout
    assert ": 1 epoch," in result.stdout
    assert "[1/1] correct: " in result.stdout and "left" not in result.stdout.splitlines()[-2]


def test_bad_shard_and_nothing_to_grade(small_class):
    folder, submissions, _ = small_class
    for shard in ("3/2", "0/2", "a/b"):
        result = grade(submissions, "--shard", shard)
        assert result.returncode == 2 and "--shard: must be K/N" in result.stderr
    result = grade()
    assert result.returncode == 2 and "give the submissions to grade" in result.stderr


def test_similar_pairs_are_listed_and_unrelated_files_are_not(tmp_path):
    from grader.reports import similarity
    files = {}
    for name, text in (("kim", ORIGINAL), ("lee", RENAMED), ("park", UNRELATED)):
        (tmp_path / f"{name}.py").write_text(text)
        files[name] = str(tmp_path / f"{name}.py")
    handout = os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py")
    pairs = similarity.similar_pairs(files, handout)
    assert [(a, b) for a, b, *_ in pairs] == [("kim", "lee")]
    _, _, score, lines_a, lines_b = pairs[0]
    assert score > 0.9 and lines_a and lines_b
    csv_text = similarity.similarity_csv(pairs)
    assert csv_text.splitlines()[1].startswith("kim,lee,")


def test_the_handout_itself_is_not_what_makes_files_similar(tmp_path):
    from grader.reports import similarity
    handout = os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py")
    text = open(handout).read()
    files = {}
    for name, body in (("a", ORIGINAL), ("b", UNRELATED)):
        (tmp_path / f"{name}.py").write_text(text + "\n" + body.split('"""', 2)[-1])
        files[name] = str(tmp_path / f"{name}.py")
    assert similarity.similar_pairs(files, handout) == []


def test_only_graded_files_reach_the_similarity_report_and_never_through_a_link(
        tmp_path, monkeypatch):
    import copydetect
    from grader.boundary.submissions import code_files_for_similarity
    from grader.reports import similarity
    fingerprinted = []
    original = copydetect.CodeFingerprint

    def recording(path, *args, **options):
        fingerprinted.append((path, os.lstat(path).st_size, os.path.islink(path)))
        return original(path, *args, **options)

    monkeypatch.setattr(copydetect, "CodeFingerprint", recording)
    files = tmp_path / "class"
    files.mkdir()
    (files / "kim.py").write_text(ORIGINAL)
    (files / "lee.py").write_text(RENAMED)
    (files / "big.py").write_text(ORIGINAL * (3 * 2**20 // len(ORIGINAL) + 1))  # over 3 MiB
    (files / "link_to_big.py").symlink_to(files / "big.py")
    (files / "link_to_kim.py").symlink_to(files / "kim.py")
    os.mkfifo(files / "pipe.py")
    (files / "notes.txt").write_text(ORIGINAL)
    paths = {path.stem: str(path) for path in files.iterdir()}
    with tempfile.TemporaryDirectory() as folder:
        compared = code_files_for_similarity(paths, folder)
        pairs = similarity.similar_pairs(compared, os.path.join(REPO_ROOT, "cifar",
                                                                "Train_NN_cifar.py"))
    assert sorted(compared) == ["kim", "lee"]
    assert [(a, b) for a, b, *_ in pairs] == [("kim", "lee")]
    assert fingerprinted and all(size <= 1_000_000 and not link
                                 for _, size, link in fingerprinted), fingerprinted
    assert not any(str(files) in path for path, _, _ in fingerprinted)  # copies, never the files


@pytest.fixture
def autograder_root():
    """A folder laid out as Gradescope's /autograder: root's, and open to other users to read
    (where pytest's own folders are not), as the stage's unprivileged user needs."""
    from grader.boundary import sandbox
    if sandbox.user_problem():
        pytest.skip(f"no unprivileged stage user here: {sandbox.user_problem()}")
    root = tempfile.mkdtemp(prefix="autograder-")
    os.chmod(root, 0o755)
    yield pathlib.Path(root)
    shutil.rmtree(root, ignore_errors=True)


def test_gradescope_autograder_in_a_simulated_autograder_folder(small_class, tmp_path,
                                                                 autograder_root):
    folder, submissions, data = small_class
    package = tmp_path / "ag.zip"
    made = grade("--gradescope-package", package, "--data", data, "--epochs", 1,
                 "--timeout", 120)
    assert made.returncode == 0, made.stderr
    root = autograder_root
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(package) as archive:
        archive.extractall(root / "source")
        names = set(archive.namelist())
    assert {"setup.sh", "run_autograder", "grader/rubric.json", "grader/grade.py",
            "requirements.txt", "data/cifar10.npz"} <= names
    shutil.copy(os.path.join(SAMPLES, "wrong_sizes.py"), root / "submission" / "Train_NN_cifar.py")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    results = json.load(open(root / "results" / "results.json"))
    assert {"score", "execution_time", "output", "output_format", "tests", "leaderboard"} <= \
        set(results)
    assert results["output_format"] == "md" and len(results["tests"]) == 7
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
    graded = grade(root / "submission" / "Train_NN_cifar.py", "--out", tmp_path / "direct",
                   "--data", data, "--epochs", 1)
    assert graded.returncode == 0, graded.stderr
    direct = json.load(open(tmp_path / "direct" / "grades.json"))["submissions"][0]
    assert results["score"] == direct["score"]
    page = (tmp_path / "direct" / "feedback" / "Train_NN_cifar.md")
    page = page if page.exists() else next((tmp_path / "direct" / "feedback").glob("*.md"))
    assert results["output"] == page.read_text()  # the student sees their page
    assert not (tmp_path / "direct" / "class.png").exists()  # no picture of a class of one
    assert "class.png" not in (tmp_path / "direct" / "summary.md").read_text()
    assert results["leaderboard"][0]["value"] == round(direct["accuracy"], 4)


FORGER = """Forges Gradescope's results.json natively, then kills the grader so that it stays.
import gc, json, os, signal
import tensorflow as tf
from tensorflow import keras


def NN_model():
    for thing in gc.get_objects():
        if type(thing).__name__ == "Tripwire":
            thing.work, thing.readable = "/", ["/"]
    forged = {"score": 100, "output": "forged", "tests": []}
    for path in ("@ROOT@/results/results.json", "@ROOT@/source/grader/rubric.json"):
        try:
            tf.io.write_file(path, json.dumps(forged))
        except Exception:
            pass
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"grader" in open(f"/proc/{pid}/cmdline", "rb").read():
                os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
"""


def test_gradescope_as_root_without_bubblewrap_keeps_its_own_results(small_class, tmp_path,
                                                                     autograder_root):
    folder, submissions, data = small_class
    package = tmp_path / "ag.zip"
    assert grade("--gradescope-package", package, "--data", data, "--epochs", 1).returncode == 0
    root = str(autograder_root)
    os.makedirs(os.path.join(root, "submission"))
    with zipfile.ZipFile(package) as archive:
        archive.extractall(os.path.join(root, "source"))
    with open(os.path.join(root, "submission", "Train_NN_cifar.py"), "w") as file:
        file.write(FORGER.replace("@ROOT@", root))
    env = {"PATH": "/nonexistent", "AUTOGRADER_ROOT": root,  # no bubblewrap to be found
           "AUTOGRADER_PYTHON": sys.executable, "HOME": root, "LANG": "C.UTF-8"}
    run = subprocess.run(["/bin/bash", os.path.join(root, "source", "run_autograder")],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "unprivileged user" in run.stdout
    results = json.load(open(os.path.join(root, "results", "results.json")))
    assert results["output"] != "forged" and results["score"] < 50, results
    assert json.load(open(os.path.join(root, "source", "grader", "rubric.json")))["checks"]


# A real single-node Slurm: munged and slurmctld/slurmd with their own configuration,
# sockets and ports in a temporary folder, started here and stopped after the test.

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def slurm(tmp_path):
    missing = [tool for tool in ("munged", "mungekey", "slurmctld", "slurmd", "sbatch")
               if not shutil.which(tool)]
    if missing:
        pytest.skip(f"Slurm is not installed here (no {', '.join(missing)}; Debian: slurm-wlm, "
                    "munge)")
    base = tmp_path / "slurm"
    for name in ("munge", "state", "spool", "log"):
        (base / name).mkdir(parents=True)
    key, sock = base / "munge" / "munge.key", base / "munge" / "sock"
    subprocess.run(["mungekey", "--create", "--keyfile", str(key), "--force"], check=True,
                   capture_output=True)
    key.chmod(0o600)
    started = subprocess.run(["munged", "--force", f"--socket={sock}", f"--key-file={key}",
                              f"--log-file={base / 'log' / 'munged.log'}",
                              f"--pid-file={base / 'munge' / 'pid'}",
                              f"--seed-file={base / 'munge' / 'seed'}"], capture_output=True,
                             text=True)
    if started.returncode != 0:
        pytest.skip(f"munged cannot start here: {started.stderr.strip()[-200:]}")
    host = socket.gethostname().split(".")[0]
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "root")
    (base / "slurm.conf").write_text(f"""ClusterName=grading
SlurmctldHost={host}
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser={user}
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
StateSaveLocation={base / 'state'}
SlurmdSpoolDir={base / 'spool'}
SlurmctldPidFile={base / 'slurmctld.pid'}
SlurmdPidFile={base / 'slurmd.pid'}
SlurmctldLogFile={base / 'log' / 'slurmctld.log'}
SlurmdLogFile={base / 'log' / 'slurmd.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
NodeName={host} CPUs={os.cpu_count()} State=UNKNOWN
PartitionName=grading Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
""")
    env = dict(os.environ, SLURM_CONF=str(base / "slurm.conf"))
    try:
        for daemon in (["slurmctld", "-c"], ["slurmd"]):
            result = subprocess.run(daemon, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                pytest.skip(f"{daemon[0]} cannot start here: {result.stderr.strip()[-200:]}")
        # sinfo answers once slurmctld listens; `srun` blocks until the node takes jobs
        ready = subprocess.run(["srun", "--immediate=120", "true"], env=env, capture_output=True,
                               text=True, timeout=180)
        if ready.returncode != 0:
            pytest.skip(f"the Slurm node does not take jobs here: {ready.stderr.strip()[-200:]}")
        yield env
    finally:
        subprocess.run(["scontrol", "shutdown"], env=env, capture_output=True)
        subprocess.run(["munged", "--stop", f"--socket={sock}"], capture_output=True)


def test_grade_on_slurm_job_array(slurm, small_class, tmp_path):
    folder, submissions, data = small_class
    out = tmp_path / "grades"
    submitted = subprocess.run(["bash", "cifar/grade_on_slurm.sh", "2", str(submissions), str(out),
                                "--data", data, "--epochs", "1", "--timeout", "120"],
                               cwd=REPO_ROOT, env=slurm, capture_output=True, text=True,
                               timeout=120)
    assert submitted.returncode == 0, submitted.stderr
    report_job = submitted.stdout.split("the report as job ")[1].split(".")[0]
    # blocks until the report job has ended, without polling
    subprocess.run(["srun", f"--dependency=afterany:{report_job}", "true"], env=slurm,
                   check=True, capture_output=True, timeout=1200)
    logs = "".join(path.read_text() for path in (out / "slurm-logs").iterdir())
    assert "Report on 4 submissions" in (out / "slurm-logs" / "report.log").read_text(), logs
    graded = json.load(open(out / "grades.json"))["submissions"]
    assert {row["student"] for row in graded} == set(CLASS)
    assert next(row for row in graded if row["student"] == "correct")["score"] >= 70
