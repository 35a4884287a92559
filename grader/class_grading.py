"""Grade a class in two phases: every file built and checked, then each distinct network trained once.

Phase one runs each file's student stage in the sandbox and has a trusted stage check the
model it built; files that cannot be trained are done then.  Between the phases the console
says how many distinct networks the class built, how many the cache already knows, and how
long training the others should take here (from each network's operations and a throughput
measured on this machine).  Phase two trains each remaining network once, biggest first, one
worker per GPU (or per --threads cores), and every file of a network gets its accuracy.
Results are written as they are known, so an interrupted run resumes where it stopped.
"""

import collections
import concurrent.futures
import hashlib
import os
import queue
import time

from grader import results, scoring
from grader.boundary import submissions
from grader.checked_files import CheckedFiles
from grader.costs import format_duration, format_rate
from grader.reports import class_report
from grader.safe_text import one_line, text
from grader.submission_results import check_file, stage_error, ungraded_result, with_accuracy
from grader.trusted.client import (GraderChanged, TrustedStage, code_files, code_fingerprint,
                                   gpu_count)

TRAINING_FLOPS = 3  # a training step: the forward pass and about twice that backwards
TEST_IMAGES = 10_000  # CIFAR-10's, each network's accuracy measured on them
MIN_TIMEOUT = 3600  # seconds a network may train at least, when --timeout is not given


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


def plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def progress_line(done, total, result, scores, started):
    """"[3/6] kim: 73.7/100, accuracy 0.1224, 12 s; about 2 minutes left": one line, whatever
    the submission's texts hold."""
    accuracy = "" if result.get("accuracy") is None else f", accuracy {result['accuracy']:.4f}"
    problem = result.get("not_gradable") or result.get("error")
    problem = f" ({one_line(problem, 120)})" if problem else ""
    left = total - done
    elapsed = time.perf_counter() - started
    estimate = f"; about {format_duration(elapsed / done * left)} left" if left else ""
    return one_line(f"[{done}/{total}] {result['student']}: {scores['score']:g}/"
                    f"{scores['max_score']:g}{accuracy}, {result.get('seconds', 0):.0f} s"
                    f"{problem}{estimate}", limit=None)


def all_results(results_folder, homework):
    """Every valid result in results/, by student (what other shards wrote included)."""
    found = {}
    for name in sorted(os.listdir(results_folder)):
        if name.endswith(".json"):
            result = results.read_result(os.path.join(results_folder, name), homework.check_names)
            if result:
                found[result["student"]] = result
    return found


class ClassRun:
    """One grading run of a class: its settings, workers, trusted stages and results so far."""

    def __init__(self, args, homework, settings, mode, sandbox_note, trainings):
        self.args, self.homework, self.settings = args, homework, settings
        self.mode, self.sandbox_note, self.trainings = mode, sandbox_note, trainings
        self.results_folder = os.path.join(args.out, "results")
        self.results, self.done, self.total = {}, 0, 0
        self.started = time.perf_counter()
        self.run_info = {"homework": homework.name}
        self.device_said = False
        self.checked_files = CheckedFiles(trainings, homework, settings, mode, args.memory,
                                          code_fingerprint(code_files()), read=not args.regrade)

    # -- what is graded already ---------------------------------------------------------------

    def pending(self, submission_list):
        """The submissions not graded yet with these settings (the others' results kept)."""
        pending = []
        for student, path in submission_list:
            previous = results.read_result(os.path.join(self.results_folder, student + ".json"),
                                           self.homework.check_names)
            problem = submissions.submission_problem(path)
            digest = "" if problem else \
                hashlib.sha256(submissions.read_submission(path)).hexdigest()
            if previous and not self.args.regrade and previous.get("sha256") == digest and \
                    previous.get("settings") == self.settings and \
                    (problem is None or previous.get("error") == problem):
                self.results[student] = previous
            else:
                pending.append((student, path))
        return pending

    # -- reports and console ------------------------------------------------------------------

    def finish(self, result):
        """A result that is final: written, in the class's report, and said."""
        self.results[result["student"]] = result
        scores = scoring.scored(result, self.homework)
        results.write_result(self.results_folder, result, scores)
        self.write_report()
        self.done += 1
        print(progress_line(self.done, self.total, result, scores, self.started), flush=True)

    def write_report(self, similar=None, feedback=False):
        class_report.write_report(self.args.out, list(self.all_results().values()),
                                  self.homework, self.settings, self.sandbox_note, similar,
                                  feedback=feedback, run_info=self.run_info,
                                  instructor=getattr(self.args, "instructor", None))

    def all_results(self):
        return all_results(self.results_folder, self.homework)

    def say_device(self, device):
        if not self.device_said:
            self.device_said = True
            print(f"Training on the {device}", flush=True)

    # -- the two phases -----------------------------------------------------------------------

    def stages(self, workers):
        """A queue of the workers' trusted stages, each taken for one job at a time."""
        files = code_files()
        fingerprint = files, code_fingerprint(files)
        trusted_settings = {"homework": self.homework.name, "threads": self.args.threads,
                            "recipe": self.settings["recipe"], "budget": self.settings["budget"],
                            "data": self.args.data_copy}
        pool = queue.Queue()
        self.all_stages = [TrustedStage(trusted_settings, fingerprint, worker, self.args.memory,
                                        self.say_device) for worker in range(workers)]
        for stage in self.all_stages:
            pool.put(stage)
        return pool

    def in_workers(self, workers, jobs, job, on_done):
        """Run job(stage, *arguments) for each of `jobs` on the workers, on_done(arguments,
        outcome or the exception it raised) as each ends."""
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            def with_stage(*arguments):
                stage = self.stage_pool.get()
                try:
                    return job(stage, *arguments)
                finally:
                    self.stage_pool.put(stage)
            futures = {pool.submit(with_stage, *arguments): arguments for arguments in jobs}
            for future in concurrent.futures.as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as error:  # a bug of ours must not stop the class's grading
                    outcome = error
                on_done(futures[future], outcome)

    def check_all(self, pending, workers):
        """Phase one: {network key: [results waiting for it]} and {key: a config of it}."""
        waiting, configs = collections.defaultdict(list), {}

        def job(stage, student, path):
            known = self.checked_files.cached(student, path)
            if known is not None:
                return known
            result, config = check_file(student, path, self.homework, self.settings, self.args,
                                        self.mode, stage)
            self.checked_files.store(result, config)
            return result, config

        def done(arguments, outcome):
            student, path = arguments
            if isinstance(outcome, Exception):
                self.finish(failed_result(student, path, self.settings, outcome))
                return
            result, config = outcome
            network = result.get("network")
            if network and result.get("accuracy") is None and not result.get("error"):
                waiting[network["sha256"]].append(result)
                configs.setdefault(network["sha256"], config)
            else:
                self.finish(result)

        self.in_workers(workers, pending, job, done)
        return waiting, configs

    def known_already(self, waiting):
        """Networks the cache knows: their files finished; the keys left to train."""
        if not waiting:
            return []
        stage = self.all_stages[0]
        # without a GPU the driver lists, the CPU trains: no TensorFlow started to ask
        device = stage.device if stage.device_known or not gpu_count() else stage.known_device()
        to_train = []
        for key, members in waiting.items():
            outcome = self.trainings.cached(key, device)
            if outcome is None:
                to_train.append(key)
                continue
            for result in members:
                self.finish(with_accuracy(result, outcome, "from the cache"))
        return to_train

    def estimate(self, to_train, waiting, configs, workers):
        """Seconds training `to_train` should take here with `workers`, from a throughput
        measured on the network of median operations (None where it cannot be measured)."""
        if not to_train:
            return None
        flops = {key: waiting[key][0]["network"]["flops"] for key in to_train}
        middle = sorted(to_train, key=flops.get)[len(to_train) // 2]
        stage = self.all_stages[0]
        records, run = stage.run("calibrate", configs[middle], 600, network=middle,
                                 flops=flops[middle])
        found = next((record for record in records
                      if results.record_kind(record) == "throughput"), {})
        throughput, overhead = (results.number(found.get(name)) for name in ("throughput",
                                                                              "overhead"))
        if not throughput or overhead is None:
            return None
        recipe = self.settings["recipe"]
        images = (recipe["train_size"] or self.args.train_images) * recipe["epochs"]
        seconds = {key: overhead + (TRAINING_FLOPS * images + TEST_IMAGES) * flops[key] /
                   throughput for key in to_train}
        # the workers take the biggest networks first: the run ends with the last of them
        finish = [0.0] * workers
        for key in sorted(to_train, key=seconds.get, reverse=True):
            finish[finish.index(min(finish))] += seconds[key]
        self.seconds_per_network = seconds
        self.run_info.update(throughput=throughput, overhead=round(overhead, 2),
                             device=stage.device)
        return max(finish)

    def trainings_line(self):
        """"Trainings: 3 trainings done, 1 from the cache", once the class is trained."""
        done, cached = self.trainings.trained, self.trainings.from_cache
        return (f"Trainings: {plural(done, 'training')} done" +
                (f", {cached} from the cache" if cached else ""))

    def cost_line(self, waiting, to_train, seconds, workers):
        """What phase two will cost, for the console: "6 files make 2 distinct networks, 1
        known from the cache; training the other 1: about 3 minutes on the CPU..."."""
        files = sum(map(len, waiting.values()))
        known = len(waiting) - len(to_train)
        line = f"{plural(files, 'file')} to train make {plural(len(waiting), 'distinct network')}"
        line += f", {known} known from the cache" if known else ""
        if not to_train:
            return line + ": nothing to train"
        line += f"; training {'the other ' if known else ''}{len(to_train)}"
        if seconds is None:
            return line
        return (line + f": about {format_duration(seconds)} on the {self.run_info['device']} "
                f"with {plural(workers, 'worker')} (measured: "
                f"{format_rate(self.run_info['throughput'])} of training a worker)")

    def train_all(self, to_train, waiting, configs, workers):
        """Phase two: each network in `to_train` trained once; its files finished."""
        def job(stage, key):
            timeout = self.args.timeout or max(MIN_TIMEOUT, 4 * getattr(
                self, "seconds_per_network", {}).get(key, 0))
            records, run = stage.run("train", configs[key], timeout, network=key)
            fields, malformed = results.validated_records(records, self.homework.check_names)
            outcome = {"accuracy": fields["accuracy"], "train_seconds": fields["train_seconds"],
                       "error": malformed or fields["error"]}
            if outcome["accuracy"] is None and not outcome["error"]:
                outcome["error"] = stage_error(run, timeout, self.args.memory, "training")
            return self.trainings.store(key, stage.device, outcome)

        def done(arguments, outcome):
            key, = arguments
            if isinstance(outcome, Exception):
                outcome = {"accuracy": None, "train_seconds": None,
                           "error": failure_text(outcome)}
            for number, result in enumerate(waiting[key]):
                self.finish(with_accuracy(result, outcome,
                                          "here" if number == 0 else "by another submission"))

        order = sorted(to_train, key=lambda key: -waiting[key][0]["network"]["flops"])
        self.in_workers(workers, [(key,) for key in order], job, done)

    def grade(self, pending):
        """Both phases for `pending` [(student, path)]; the trusted stages closed at the end."""
        self.total = len(pending)
        workers = max(1, min(self.args.workers, len(pending)))
        self.stage_pool = self.stages(workers)
        try:
            waiting, configs = self.check_all(pending, workers)
            if self.checked_files.from_cache:
                print(f"{plural(self.checked_files.from_cache, 'file')} checked before with "
                      "these settings: taken from the cache, not built again", flush=True)
            to_train = self.known_already(waiting)
            seconds = self.estimate(to_train, waiting, configs, workers)
            self.run_info.update(distinct_networks=len(waiting), to_train=len(to_train),
                                 from_cache=len(waiting) - len(to_train),
                                 estimated_seconds=seconds)
            if waiting:
                print(one_line(self.cost_line(waiting, to_train, seconds, workers), limit=None),
                      flush=True)
            started = time.perf_counter()
            self.train_all(to_train, waiting, configs, workers)
            if to_train:
                self.run_info["training_seconds"] = round(time.perf_counter() - started, 1)
            if waiting:
                print(self.trainings_line(), flush=True)
        finally:
            for stage in self.all_stages:
                stage.close()
        self.run_info["seconds"] = round(time.perf_counter() - self.started, 1)


def failure_text(error):
    if isinstance(error, GraderChanged):
        return str(error)
    return f"the grader failed on this file ({type(error).__name__}: {text(str(error), 200)})"


def failed_result(student, path, settings, error):
    return ungraded_result(student, path, settings, failure_text(error))
