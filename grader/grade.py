"""Grade a whole class's CIFAR-10 homework: every student's NN_model(), trained the same way.

For each submitted Train_NN_cifar.py (files, or folders of .py files) the grader copies the
file alone into a folder of its own and runs the student stage on it, inside bubblewrap
where it exists: the submission's definitions and NN_model(), whose model is saved as
.keras (architecture and compile settings) and nothing else comes back.  Beside it, a
trusted stage that never imports the submission loads TensorFlow and the data, rebuilds
the saved model from its checked config, checks it (compiled, 3072 inputs, only Dense
layers of 3000/2000/10 units, sigmoid/sigmoid/softmax, 15,241,010 parameters, categorical
cross entropy), trains it the same way for everyone (the homework's SGD and categorical
cross entropy, the grader's epochs, seed and threads) and measures its accuracy on the
CIFAR-10 test images.  Results are scored with a rubric and written as each submission
finishes, so an interrupted run resumes where it stopped.

    python cifar/grade_homework.py submissions/                      # the homework's 15 epochs
    python cifar/grade_homework.py submissions/ --train-size 5000 --epochs 1   # a quick look
    python cifar/grade_homework.py submissions/ --out grades-week3 --rubric my_rubric.json

Give the folder, not `*.py`: a file named like a flag (`--rubric=r.py`) is never read as one,
but the folder form is the one that cannot surprise.
"""

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import json
import os
import queue
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

import numpy

from grader import report, sandbox, similarity, trainings
from grader.model_config import NoModel, NotGradable, open_written_file, read_saved_config
from grader.notebooks import NotANotebook, notebook_code
from grader.sandbox import MODEL_FILE, STATUS_FILE, SUBMISSION_NAME
from grader.source_flags import flags_in
from grader.trusted_stage import RESULT_FD_ENV_VAR
from nnlab import cli, datasets
from nnlab.paths import REPO_ROOT

GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RUBRIC = os.path.join(GRADER_DIR, "rubric.json")
HANDOUT = os.path.join(REPO_ROOT, "cifar", "Train_NN_cifar.py")
BUILD_TIMEOUT = 300  # seconds NN_model() may take at most: building a model takes seconds
MAX_SUBMISSION_BYTES = similarity.MAX_FILE_BYTES  # the homework is a page of Python


def gpu_count():
    """NVIDIA GPUs the driver lists, found without starting TensorFlow."""
    try:
        return len(os.listdir("/proc/driver/nvidia/gpus"))
    except OSError:
        return 0


def usable_cores():
    """The cores this process may run on (a Slurm task's or a container's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def default_workers(memory_mb, threads):
    """One worker per GPU; without one, one per `threads` cores, as far as memory allows."""
    if gpu_count():
        return gpu_count()
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return max(1, min(usable_cores() // threads, total_mb // memory_mb))


def files_not_flags(argv):
    """`argv` with every word that starts with "-" but names an existing file written as
    "./word": a shell's `*.py` hands over a student's file named `--rubric=r.py` as a word."""
    if "--" in argv:
        index = argv.index("--")
        return files_not_flags(argv[:index]) + argv[index:]
    return [os.path.join(".", word) if word.startswith("-") and os.path.lexists(word) else word
            for word in argv]


def inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_not_in_submissions(parser, args):
    """The rubric, the data and --out must not be among what students handed in."""
    for flag, path in (("--rubric", args.rubric), ("--data", args.data), ("--out", args.out)):
        for submission in args.submissions:
            if path and (inside(path, submission) if os.path.isdir(submission)
                         else os.path.realpath(path) == os.path.realpath(submission)):
                parser.error(f"argument {flag}: {path} lies inside the submissions "
                             f"({submission}): keep it outside the students' files")


def parse_args(argv=None):
    argv = files_not_flags(sys.argv[1:] if argv is None else list(argv))
    parser, args = cli.parse(__doc__, argv, class_flags, cli.data(("cifar10",)),
                             cli.cifar_inputs(), cli.training(epochs=15), limit_flags)
    if not args.submissions and not args.report_only and not args.gradescope_package:
        parser.error("give the submissions to grade (a folder of files, one per student), or "
                     "--report-only")
    check_not_in_submissions(parser, args)
    args.workers = args.workers or default_workers(args.memory, args.threads)
    return parser, args


def shard_value(text):
    """"K/N" -> (K, N) with 1 <= K <= N."""
    try:
        part, parts = (int(number) for number in text.split("/"))
    except ValueError:
        raise cli.argparse.ArgumentTypeError(f"must be K/N, like 1/4, not {text!r}") from None
    if not 1 <= part <= parts:
        raise cli.argparse.ArgumentTypeError(f"must be K/N with 1 <= K <= N, not {text}")
    return part, parts


def class_flags(parser):
    parser.add_argument("submissions", nargs="*", metavar="SUBMISSIONS",
                        help="the folder of the students' files, as in `grade_homework.py "
                             "submissions/` (one .py or .ipynb per student, or one folder per "
                             "student); give the folder rather than the shell's *.py")
    parser.add_argument("--shard", type=shard_value, metavar="K/N",
                        help="grade only the K-th of N equal parts of the class (for several "
                             "machines or a Slurm job array sharing one --out folder)")
    parser.add_argument("--report-only", action="store_true",
                        help="grade nothing: write the class's reports from every result in --out")
    parser.add_argument("--gradescope-package", metavar="ZIP",
                        help="grade nothing: write a Gradescope autograder that grades with "
                             "these flags (--data puts the data in it)")
    parser.add_argument("--out", metavar="DIR", default="grades",
                        help="folder for grades.csv, grades.json, summary.md and results/")
    parser.add_argument("--rubric", metavar="JSON", default=DEFAULT_RUBRIC,
                        help="points per check and the accuracy rule")
    parser.add_argument("--regrade", action="store_true",
                        help="grade again submissions already graded with the same settings")
    parser.add_argument("--no-feedback", action="store_true",
                        help="write no feedback/ page for each student")
    parser.add_argument("--cache", metavar="DIR", default=trainings.default_cache_folder(),
                        help="where the accuracy of every network trained is kept, so that "
                             "the same network with the same settings is trained only once "
                             "(shared by shards and later runs)")
    parser.add_argument("--no-cache", action="store_true",
                        help="keep no trainings across runs (within a run, each distinct "
                             "network is still trained once)")


def limit_flags(parser):
    limits = parser.add_argument_group("sandbox and limits per submission")
    limits.add_argument("--sandbox", choices=("auto",) + sandbox.MODES, default="auto",
                        help="bwrap: confine each submission with bubblewrap (Linux); user: run "
                             "it as an unprivileged user of its own (the grader as root); "
                             "landlock: confine it with Linux's Landlock; process: a separate "
                             "process with limits only, NOT confined (needs --unconfined); "
                             "auto: the first of bwrap, user, landlock that works here")
    limits.add_argument("--unconfined", action="store_true",
                        help="where nothing can confine submissions (macOS, say), run them "
                             "anyway in a separate process as you: only for files you trust")
    limits.add_argument("--workers", type=cli.positive_int,
                        help="submissions graded at once (default: one per GPU, else one per "
                             "--threads cores as memory allows)")
    limits.add_argument("--threads", type=cli.positive_int, default=1,
                        help="CPU threads that train each submission; the same for every "
                             "submission and recorded with the grades, since TensorFlow's sums "
                             "(and so the last digits of an accuracy) depend on it; a class "
                             "grades fastest on 1 thread a worker, one submission alone on "
                             "as many threads as cores")
    limits.add_argument("--timeout", type=cli.positive_float, default=3600,
                        help="seconds training a submission may take (building its model: "
                             f"at most {BUILD_TIMEOUT} s)")
    limits.add_argument("--memory", type=cli.positive_int, default=8192, metavar="MB",
                        help="memory a submission's stages may use, in MiB")


def choose_sandbox(parser, choice, unconfined=False, for_students=False):
    """("bwrap", "user", "landlock" or "process", a warning for the report or None).

    `auto` takes the first that works: bubblewrap, an unprivileged user (as root), Landlock.
    Where none does, submissions run unconfined only with `unconfined` (the instructor's
    --unconfined; a student checking their own file on their own machine needs no sandbox)."""
    problems = {"bwrap": sandbox.bubblewrap_problem, "user": sandbox.user_problem,
                "landlock": sandbox.landlock_problem}
    if choice in problems:
        problem = problems[choice]()
        if problem:
            parser.error(f"--sandbox {choice}: {problem}; " + (
                f"{sandbox.INSTALL_BUBBLEWRAP}, " if choice == "bwrap" else "") +
                "or leave --sandbox at auto")
        return choice, seccomp_note()
    if choice == "auto":
        found = {}
        for mode, problem in problems.items():
            found[mode] = problem()
            if found[mode] is None:
                return mode, seccomp_note()
        why = "; ".join(f"{mode}: {problem}" for mode, problem in found.items())
    else:
        why = "--sandbox process"
    if not for_students and not unconfined:
        parser.error(f"no way to confine submissions here ({why}): "
                     f"{sandbox.INSTALL_BUBBLEWRAP}, or run the grader as root, or grade "
                     "with --unconfined to run them as you, unconfined")
    if sandbox.process_problem():  # as root: even unconfined, never as root
        if for_students:
            parser.error(f"run as root, the check runs your file as an unprivileged user of "
                         f"its own, and {sandbox.process_problem()[0].lower()}"
                         f"{sandbox.process_problem()[1:]}: run it as yourself, not as root")
        parser.error(f"--sandbox process: {sandbox.process_problem()}: as root, even an "
                     "unconfined submission runs as an unprivileged user of its own, never "
                     "as root")
    return "process", None if for_students else unconfined_note(why)


def unconfined_note(why):
    return (f"submissions were not confined by the operating system ({why}): each ran in "
            f"{sandbox.describe('process')}, with --unconfined, and trainings were shared "
            "within this run only, with no cache a submission could have written. To confine "
            f"them, {sandbox.INSTALL_BUBBLEWRAP} (or grade as root) and grade again with --regrade.")


def cache_folder(args, mode):
    """Where trained networks' accuracies are kept across runs (None: not kept)."""
    if args.no_cache or mode == "process":
        return None
    return args.cache


def seccomp_note():
    """A warning where the one-process filter is missing (the sandbox confines the rest)."""
    if sandbox.seccomp_problem() is None:
        return None
    return (f"submissions could start processes ({sandbox.seccomp_problem()}), limited in "
            f"number only, which does not bind root. To forbid them, "
            f"{sandbox.INSTALL_LIBSECCOMP} and grade again with --regrade.")


MAX_NAME = 80  # characters of a student id: results/<id>.json must be a legal file name


def student_name(path):
    """The file name's stem, or its folder's name for a file named like the handout: letters,
    digits and "._-" only, at most MAX_NAME characters (a long name keeps a hash of the rest)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem == os.path.splitext(SUBMISSION_NAME)[0]:
        stem = os.path.basename(os.path.dirname(os.path.abspath(path)))
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "._-") or
                      c.isalnum() and c.isprintable() else "_" for c in stem).lstrip(".-")
    if len(cleaned) > MAX_NAME:
        digest = hashlib.sha256(stem.encode(errors="surrogateescape")).hexdigest()[:8]
        cleaned = cleaned[:MAX_NAME - 9] + "-" + digest
    return cleaned or "student"


NOT_HANDED_IN = {".DS_Store", "Thumbs.db", "desktop.ini"}  # what file managers leave behind


def handed_in(folder):
    """Every file under `folder` that a student could have handed in: each gets a row."""
    found = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        found += [os.path.join(root, name) for name in sorted(names)
                  if name not in NOT_HANDED_IN and not name.endswith(".pyc")]
    return found


def collect_submissions(parser, paths):
    """(student id, file) pairs, each id unique and safe as a file name."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            found = handed_in(path)
            if not found:
                parser.error(f"{path} holds no file to grade")
            files += found
        elif os.path.isfile(path):
            files.append(path)
        else:
            parser.error(f"{path} does not exist")
    submissions, taken = [], set()
    for path in files:
        student = unique = student_name(path)
        number = 2
        while unique in taken:
            unique, number = f"{student}-{number}", number + 1
        taken.add(unique)
        submissions.append((unique, os.path.abspath(path)))
    return submissions


def submission_problem(path):
    """Why a submitted path cannot be graded (None when it is a plain .py file of a sensible
    size): a student's archive can hold links to other files, or pipes that never end."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".py", ".ipynb"):
        return (f"not a Python file ({report.text(extension or 'no extension', 20)}): not "
                "graded; hand in Train_NN_cifar.py (or its notebook, .ipynb)")
    try:
        info = os.lstat(path)
    except OSError as error:
        return f"cannot read the file ({error.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link, not a file: not graded (hand in the file itself)"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file: not graded"
    if info.st_size > MAX_SUBMISSION_BYTES:
        return (f"a file of {info.st_size:,} bytes, more than a homework needs: not graded "
                "automatically")
    return None


def submitted_code(path, raw):
    """(the Python source the stages grade, [IPython-only lines left out]) of a file handed
    in: a .py as it is, a notebook's code cells joined (NotANotebook where it is none)."""
    if path.lower().endswith(".ipynb"):
        return notebook_code(raw)
    return raw, []


def code_files_for_similarity(paths, folder):
    """The code of each file in `paths` (student -> file handed in) that the grader grades,
    copied into `folder` (a notebook's code cells as Python): only plain files of at most
    MAX_SUBMISSION_BYTES, read without following a link or blocking, reach the comparison."""
    compared = {}
    for student, path in paths.items():
        if submission_problem(path):
            continue  # a link, a pipe, a huge file, no Python: not graded, not compared
        code = read_submission(path)
        if path.lower().endswith(".ipynb"):
            try:
                code, _ = notebook_code(code)
            except NotANotebook:
                continue
        compared[student] = os.path.join(folder, student + ".py")
        with open(compared[student], "wb") as file:
            file.write(code)
    return compared


def read_submission(path):
    """The submitted file's bytes, read without following links or blocking (b"" if none)."""
    file = open_written_file(path, MAX_SUBMISSION_BYTES)
    if file is None:
        return b""
    with file:
        return file.read()


def read_status(scratch):
    """What the student stage says went wrong: untrusted, used only as text for the report."""
    file = open_written_file(os.path.join(scratch, STATUS_FILE), 100_000)
    if file is None:
        return {}
    try:
        with file:
            status = json.loads(file.read())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(status, dict):
        return {}

    def texts(value):
        return [report.text(item, 300) for item in value[:20]] if isinstance(value, list) else []
    return {"error": report.text(status["error"]) if isinstance(status.get("error"), str) else None,
            "problems": texts(status.get("problems")), "flags": texts(status.get("flags"))}


TRUSTED_CODE = (GRADER_DIR, os.path.join(REPO_ROOT, "nnlab"))


class GraderChanged(RuntimeError):
    """The grader's own code changed on disk while it was grading."""


def code_files():
    """The files of the code a trusted stage runs: the sources, and the bytecode caches there
    are of them now (one written later by another grader run is not a change)."""
    files = []
    for folder in TRUSTED_CODE:
        for root, folders, names in os.walk(folder):
            folders.sort()
            files += [os.path.join(root, name) for name in sorted(names)
                      if name.endswith((".py", ".pyc"))]
    return files


def code_fingerprint(files):
    """A SHA-256 of `files` and of the list of sources there are now."""
    digest = hashlib.sha256()
    sources = [path for path in code_files() if path.endswith(".py")]
    for path in sorted(set(files) | set(sources)):
        digest.update(path.encode(errors="surrogateescape") + b"\0")
        try:
            with open(path, "rb") as file:
                digest.update(hashlib.sha256(file.read()).digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()


class TrustedStage:
    """One worker's trusted stage: a process that loads TensorFlow and the data once, then
    grades the checked configs it is handed one by one (it never runs a submission's code, so
    it can serve many).  Started before the first student stage, so that the loading overlaps
    it; started again after a submission that made it fail or run out of time, and each time
    only from the code that was on disk when the grader started (`fingerprint`: its files and
    their code_fingerprint)."""

    def __init__(self, settings, args, fingerprint, on_device=None):
        self.settings, self.args, self.fingerprint = settings, args, fingerprint
        self.device, self.on_device = "CPU", on_device
        self.memory_watch = args.memory if gpu_count() else 0
        self.process = None

    def start(self):
        if self.process is not None and self.process.poll() is None:
            return
        if code_fingerprint(self.fingerprint[0]) != self.fingerprint[1]:
            raise GraderChanged("the grader's own code changed on disk while it was grading: "
                                "nothing more is graded; reinstall the suite and grade again")
        self.folder = tempfile.mkdtemp(prefix="grade-trusted-")
        read_end, write_end = os.pipe()
        memory = 0 if gpu_count() else self.args.memory  # CUDA reserves more address space
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.folder,
               "LANG": "C.UTF-8", "PYTHONPATH": REPO_ROOT, "PYTHONDONTWRITEBYTECODE": "1",
               "MPLBACKEND": "Agg", "KERAS_HOME": self.folder, RESULT_FD_ENV_VAR: str(write_end),
               "TF_NUM_INTRAOP_THREADS": str(self.settings["threads"]),
               "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": str(self.settings["threads"]),
               # a few malloc arenas: each thread's own would reserve address space that the
               # --memory limit counts, until a long-lived stage cannot start a thread
               "MALLOC_ARENA_MAX": "2",
               **{name: os.environ[name] for name in ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")
                  if name in os.environ}}
        settings = dict(self.settings, data=self.args.data_copy)
        command = [sys.executable, "-m", "grader.trusted_stage", json.dumps(settings)]
        if not sandbox.launcher_problem():  # Linux: its limits, and nothing of it left behind
            command = [sys.executable, os.path.join(GRADER_DIR, "launcher.py"), str(memory),
                       str(10 * 365 * 86400), str(sandbox.MAX_PROCESSES), "0", "{}", *command]
        self.process = subprocess.Popen(command, cwd=self.folder, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True, pass_fds=(write_end,))
        os.close(write_end)
        self.output = sandbox.CappedReader(self.process.stdout, head=0)
        self.records = queue.Queue()
        threading.Thread(target=self._read_records, args=(os.fdopen(read_end, "rb"),),
                         daemon=True).start()

    def _read_records(self, stream):
        with stream:
            for line in iter(lambda: stream.readline(1_000_000), b""):
                try:
                    self.records.put(json.loads(line))
                except ValueError:
                    self.records.put(None)
        self.records.put(EOFError)

    def grade(self, config_path, decide=None):
        """Grade one checked config (None: nothing to grade); its records and run.

        `decide(network)` answers "train" or "skip" once the stage has named the model's
        network; the time it takes (waiting for another worker's training of it) is not
        counted against --timeout."""
        if config_path is None:
            return [], sandbox.StageRun(0, False, False, 0.0, "", 0)
        self.start()
        start, output_start = time.perf_counter(), self.output.total
        records, done, memory_exceeded, timed_out = [], False, False, False
        try:
            self.process.stdin.write((config_path + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            pass
        while not done:
            remaining = self.args.timeout - (time.perf_counter() - start)
            if remaining <= 0:
                timed_out = True
                break
            if self.memory_watch and sandbox.resident_mb(self.process.pid) > self.memory_watch:
                memory_exceeded = True
                break
            try:
                record = self.records.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if record is EOFError:
                break
            if isinstance(record, dict) and record.get("done") is True and len(record) == 1:
                done = True
            elif isinstance(record, dict) and set(record) == {"device"}:
                self.device = report.one_line(record["device"], 20)
                if self.on_device:
                    self.on_device(self.device)
            elif isinstance(record, dict) and set(record) == {"network"}:
                network = report.valid_network(record["network"])
                waited = time.perf_counter()
                answer = decide(network["sha256"]) if network and decide else "train"
                start += time.perf_counter() - waited
                try:
                    self.process.stdin.write((answer + "\n").encode())
                    self.process.stdin.flush()
                except BrokenPipeError:
                    pass
                records.append(record)
            else:
                records.append(record)
        returncode = 0
        if not done:
            returncode = self.close()
        output = self.output.text_since(output_start)
        return records, sandbox.StageRun(returncode, timed_out, memory_exceeded,
                                         time.perf_counter() - start, output,
                                         self.output.total - output_start)

    def close(self):
        """Stop the process and all it started; its exit code."""
        if self.process is None:
            return 0
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, AttributeError):  # no killpg: Windows
            self.process.kill()
        returncode = self.process.wait()
        self.output.join()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.process = None
        return returncode


@dataclasses.dataclass
class Built:
    """What the student stage left: its run, its (untrusted) status, and the checked config."""
    run: sandbox.StageRun
    status: dict
    config: dict = None
    not_gradable: str = None
    no_model: str = None

    def error(self, timeout, memory_mb):
        """Why there is no model to check (None when there is one, or one not gradable)."""
        if self.config is not None or self.not_gradable:
            return None
        if self.run.timed_out:
            return f"timed out after {timeout:g} s while building the model"
        if self.run.memory_exceeded or "MemoryError" in (self.status.get("error") or ""):
            return f"ran out of memory (limit {memory_mb} MiB)"
        if self.run.folder_exceeded:
            return (f"wrote more than {sandbox.PROCESS_FOLDER_BYTES // 2**20} MiB into its "
                    "folder: stopped")
        if self.run.output_exceeded:
            return (f"printed more than {sandbox.MAX_OUTPUT_BYTES // 2**20} MiB while building "
                    "the model: stopped")
        if self.run.returncode == sandbox.NO_FILTER:
            return "the sandbox could not start: " + report.text(self.run.output.strip(), 200)
        if self.status.get("error"):
            return self.status["error"]
        if self.run.signal_name:
            return f"the model builder was stopped by {self.run.signal_name} before it saved a model"
        if self.run.returncode > 0:
            return f"the model builder ended (exit code {self.run.returncode}) before it saved a model"
        return self.no_model or "NN_model() saved no model"


def build_in_sandbox(source, private, mode, timeout, memory_mb, hidden=()):
    """Run the student stage on `source` (a file's bytes), in a folder of its own under
    `private`, as a user of its own where the grader is root; `hidden`: the grader's own files
    and folders (see sandbox.confinement)."""
    folder = os.path.join(private, "stage")
    owner = sandbox.new_stage_owner()
    sandbox.prepare_folder(folder, source, owner)
    try:
        run = sandbox.run_student_stage(mode, folder, timeout, memory_mb, owner, hidden)
        built = Built(run, read_status(folder))
        try:
            built.config = read_saved_config(os.path.join(folder, MODEL_FILE))
        except NotGradable as problem:  # its words may quote the config: made safe here
            built.not_gradable = report.text(str(problem))
        except NoModel as problem:
            built.no_model = report.text(str(problem))
    finally:
        sandbox.remove_folder(folder)  # however deep the stage made it
    return built


def ungraded_result(student, path, settings, problem):
    """The result of a submission that could not be graded at all: a link, a pipe, a huge
    file, or a failure of the grader's own."""
    return {"student": student, "file": report.printable(path), "sha256": "",
            "settings": settings, "seconds": 0.0, "checks": [], "accuracy": None,
            "error": report.text(problem)}


def grade_one(student, path, settings, args, mode, trusted, trainings):
    """Grade one submission: student stage in the sandbox, then the worker's trusted stage,
    which trains the submission's network unless `trainings` already has its accuracy."""
    problem = submission_problem(path)
    if problem:
        return ungraded_result(student, path, settings, problem)
    raw = read_submission(path)
    try:
        source, left_out = submitted_code(path, raw)
    except NotANotebook as problem:
        return ungraded_result(student, path, settings, str(problem))
    trusted.start()  # loads TensorFlow and the data while the student stage runs
    claimed, shared = [], {}

    def decide(network):
        outcome = trainings.claim(network, trusted.device)
        if outcome is None:
            claimed.append(network)
            return "train"
        shared.update(outcome)
        return "skip"

    try:
        with tempfile.TemporaryDirectory(prefix="grade-") as private:
            build_timeout = min(args.timeout, BUILD_TIMEOUT)
            built = build_in_sandbox(source, private, mode, build_timeout, args.memory,
                                     args.private_paths)
            config_path = None
            if built.config is not None:
                config_path = os.path.join(private, "config.json")
                with open(config_path, "w") as file:
                    json.dump(built.config, file)
            records, trained = trusted.grade(config_path, decide)
        result = graded_result(student, path, source, settings, args, mode, built, records,
                               trained)
        result["sha256"] = hashlib.sha256(raw).hexdigest()  # of the file handed in
        if left_out:
            result["problems"] = [report.text("notebook: IPython-only lines left out: " +
                                              "; ".join(left_out[:10]), 300)] + result["problems"]
    except BaseException:
        for network in claimed:  # the workers waiting for this network must not wait forever
            trainings.publish(network, trusted.device, {"error": "the grader failed while "
                                                                 "training this network"})
        raise
    if result["network"]:
        if claimed:
            trainings.publish(claimed[0], trusted.device, result)
            result["network"]["trained"] = "here"
        elif shared:
            result.update(accuracy=shared["accuracy"], train_seconds=shared["train_seconds"],
                          error=result["error"] or shared["error"])
            result["network"]["trained"] = "by " + shared["source"]
    return result


def graded_result(student, path, source, settings, args, mode, built, records, trained):
    """One submission's result from what its two stages left: every field validated."""
    build_timeout = min(args.timeout, BUILD_TIMEOUT)
    fields, malformed = report.validated_records(records)
    result = {"student": student, "file": report.printable(path),
              "sha256": hashlib.sha256(source).hexdigest(), "settings": settings,
              "review": [report.text(flag) for flag in flags_in(source)], "sandbox": mode,
              "seconds": round(built.run.seconds + trained.seconds, 1),
              "output_tail": report.printable(built.run.output[-1000:]
                                              + trained.output)[-report.MAX_TEXT:],
              "output_bytes": built.run.output_bytes + trained.output_bytes,
              "problems": built.status.get("problems", []),
              "tripwire": built.status.get("flags", []), **fields}
    result["not_gradable"] = built.not_gradable or fields["not_gradable"]
    if malformed:
        result.update(checks=[], accuracy=None, error=malformed, network=None)
    elif built.error(build_timeout, args.memory):
        result["error"] = built.error(build_timeout, args.memory)
    elif result["accuracy"] is None and result["error"] is None and result["checks"] and \
            trained.returncode != 0:
        if trained.timed_out:
            result["error"] = f"timed out after {args.timeout:g} s while training"
        elif trained.memory_exceeded or "MemoryError" in trained.output:
            result["error"] = f"ran out of memory while training (limit {args.memory} MiB)"
        else:
            result["error"] = f"training ended without a result (exit code {trained.returncode})"
    return result


def plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def all_results(results_folder):
    """Every valid result in results/, by student (what other shards wrote included)."""
    found = {}
    for name in sorted(os.listdir(results_folder)):
        if name.endswith(".json"):
            result = report.read_result(os.path.join(results_folder, name))
            if result:
                found[result["student"]] = result
    return found


def write_class_report(args, rubric, settings, sandbox_note, final=False, paths=None):
    """The reports from every result in --out; when `final`, with the similarity report
    (`paths`: student -> the file itself, where a result's name for it was made printable)."""
    results = all_results(os.path.join(args.out, "results"))
    similar = None
    if final:
        with tempfile.TemporaryDirectory(prefix="grade-similar-") as code_folder:
            files = code_files_for_similarity({student: (paths or {}).get(student, result["file"])
                                               for student, result in results.items()},
                                              code_folder)
            similar = similarity.similar_pairs(files, HANDOUT)
    report.write_report(args.out, list(results.values()), rubric, settings, sandbox_note, similar,
                        feedback=final and not args.no_feedback)
    return results


def grade_all(args, submissions, rubric, settings, mode, sandbox_note, trainings):
    """Grade what is not graded yet, several at once, writing each result as it comes."""
    results_folder = os.path.join(args.out, "results")
    results, pending = {}, []
    for student, path in submissions:
        previous = report.read_result(os.path.join(results_folder, student + ".json"))
        problem = submission_problem(path)
        digest = "" if problem else hashlib.sha256(read_submission(path)).hexdigest()
        if previous and not args.regrade and previous.get("sha256") == digest and \
                previous.get("settings") == settings and \
                (problem is None or previous.get("error") == problem):
            results[student] = previous
        else:
            pending.append((student, path))
    workers = max(1, min(args.workers, len(pending)))  # no more than there is work for
    print(f"Grading {plural(len(pending), 'submission')} ({len(results)} already graded) with "
          f"{plural(workers, 'worker')}, {plural(args.threads, 'thread')} each: "
          f"{plural(args.epochs, 'epoch')}, batch "
          f"{args.batch_size}, train size {args.train_size or 'all'}, "
          f"{'scaled' if args.scale else 'raw'} pixels", flush=True)
    print(f"Sandbox: {sandbox.describe(mode)}", flush=True)
    if sandbox_note:
        print(f"WARNING: {sandbox_note}", flush=True)
    write_class_report(args, rubric, settings, sandbox_note)
    import copydetect  # noqa: F401  (the similarity report's library, loaded before any stage runs)
    started = time.perf_counter()
    stages, local, files = [], threading.local(), code_files()
    fingerprint = files, code_fingerprint(files)

    def grade_in_worker(student, path):
        if not hasattr(local, "trusted"):
            local.trusted = TrustedStage(settings, args, fingerprint, trainings.say_device)
            stages.append(local.trusted)
        return grade_one(student, path, settings, args, mode, local.trusted, trainings)

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = {}
        for student, path in pending:
            futures[pool.submit(grade_in_worker, student, path)] = student
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            try:
                result = future.result()
            except GraderChanged as error:
                student = futures[future]
                result = ungraded_result(student, dict(pending)[student], settings, str(error))
            except Exception as error:  # a bug of ours must not stop the class's grading
                student = futures[future]
                result = ungraded_result(
                    student, dict(pending)[student], settings,
                    f"the grader failed on this file ({type(error).__name__}: "
                    f"{report.text(str(error), 200)})")
            results[result["student"]] = result
            report.write_result(results_folder, result, rubric)
            write_class_report(args, rubric, settings, sandbox_note)
            print(progress_line(done, len(pending), result, rubric, started) +
                  f"; {trainings.progress()}", flush=True)
    for stage in stages:
        stage.close()
    if args.shard:  # the class's similarity report waits for every shard: --report-only
        print(f"Shard {args.shard[0]}/{args.shard[1]} done; when all are, write the class's "
              f"report with --report-only --out {args.out}")
        return
    write_class_report(args, rubric, settings, sandbox_note, final=True, paths=dict(submissions))
    print(f"Report written to {os.path.join(args.out, 'summary.md')}, grades.csv, grades.json, "
          "similarity.csv" + ("" if args.no_feedback else " and a page for each student in "
                              f"{os.path.join(args.out, 'feedback')}"))


def progress_line(done, total, result, rubric, started):
    score = report.scored(result, rubric)
    accuracy = "" if result.get("accuracy") is None else f", accuracy {result['accuracy']:.4f}"
    problem = result.get("not_gradable") or result.get("error")
    problem = f" ({report.one_line(problem, 120)})" if problem else ""
    left = total - done
    elapsed = time.perf_counter() - started
    estimate = f"; about {format_duration(elapsed / done * left)} left" if left else ""
    return report.one_line(
        f"[{done}/{total}] {result['student']}: {score['score']:g}/{score['max_score']:g}"
        f"{accuracy}, {result.get('seconds', 0):.0f} s{problem}{estimate}", limit=None)


def format_duration(seconds):
    if seconds < 90:
        return plural(round(seconds), "second")
    if seconds < 5400:
        return plural(round(seconds / 60), "minute")
    return f"{seconds / 3600:.1f} hours"


def report_only(parser, args, rubric):
    """The class's reports from the results that shards (or earlier runs) left in --out."""
    folder = os.path.join(args.out, "results")
    if not os.path.isdir(folder):
        parser.error(f"argument --out: {args.out} holds no results/ to report on")
    results = all_results(folder)
    settings = next(iter(results.values()))["settings"] if results else {}
    unconfined = [student for student, result in results.items()
                  if result.get("sandbox") == "process"]
    note = unconfined_note(f"{plural(len(unconfined), 'submission')} of {len(results)} "
                           "graded with --unconfined") if unconfined else None
    with tempfile.TemporaryDirectory(prefix="grade-similar-") as code_folder:
        similar = similarity.similar_pairs(code_files_for_similarity(
            {student: result["file"] for student, result in results.items()}, code_folder),
            HANDOUT)
    report.write_report(args.out, list(results.values()), rubric, settings, note, similar,
                        feedback=not args.no_feedback)
    print(f"Report on {plural(len(results), 'submission')} written to "
          f"{os.path.join(args.out, 'summary.md')}, grades.csv and grades.json")


def main(argv=None):
    parser, args = parse_args(argv)
    rubric = report.load_rubric(args.rubric)
    if args.report_only:
        return report_only(parser, args, rubric)
    if args.gradescope_package:
        from grader.gradescope import write_package
        if args.data and not os.path.isfile(args.data):
            parser.error(f"argument --data: {args.data} must be one file to put in the package")
        return write_package(args.gradescope_package, args)
    submissions = collect_submissions(parser, args.submissions)
    if args.shard:
        part, parts = args.shard
        submissions = submissions[part - 1::parts]
    mode, sandbox_note = choose_sandbox(parser, args.sandbox, args.unconfined)
    try:
        os.makedirs(os.path.join(args.out, "results"), exist_ok=True)
    except OSError as error:
        parser.error(f"cannot write to {args.out} ({error.strerror})")

    # Load the data once here: it is checked, and downloaded once if needed, before any worker.
    data = datasets.load("cifar10", args.data, args.mirror)
    cli.check_train_size(parser, args.train_size, len(data.x_train))
    settings = {"seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size,
                "train_size": args.train_size, "scale": args.scale, "threads": args.threads,
                "optimizer": "sgd", "data": os.path.abspath(data.source)}
    kept = trainings.Trainings(settings, cache_folder(args, mode))
    with tempfile.TemporaryDirectory(prefix="grade-data-") as data_folder:
        # An uncompressed copy: each trusted stage reads it in a fraction of the time.
        data_copy = os.path.join(data_folder, "cifar10.npz")
        numpy.savez(data_copy, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                    y_test=data.y_test)
        args.private_paths = [*args.submissions, args.out, args.rubric, data.source, data_folder,
                              kept.folder]
        del data
        args.data_copy = data_copy
        with kept_from_stages(args.private_paths, mode):
            grade_all(args, submissions, rubric, settings, mode, sandbox_note, kept)


@contextlib.contextmanager
def kept_from_stages(paths, mode):
    """Where neither bubblewrap, Landlock nor a mount namespace keeps the grader's own files and
    folders (`paths`) from the stage users, they are closed to other users while the class is
    graded, except those holding what a stage runs (Python, the grader), and opened again."""
    if sandbox.hiding(mode) != "permissions":
        yield
        return
    needed = [*sandbox.python_folders(), GRADER_DIR]
    closable = [path for path in paths if path and not any(
        inside(folder, path) for folder in needed)]
    with sandbox.closed_to_others(closable) as closed:
        if closed:
            print(report.one_line("Without Landlock or a mount namespace here, closed to other "
                                  "users while grading (opened again at the end): " +
                                  ", ".join(closed)), flush=True)
        left_open = sorted(set(filter(None, paths)) - set(closable))
        if left_open:
            print(report.one_line("WARNING: left open to other users, as they hold what each "
                                  "submission runs: " + ", ".join(left_open)), flush=True)
        yield


if __name__ == "__main__":
    main()
