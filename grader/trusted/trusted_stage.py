"""Check, train and measure the models of a homework, without ever running a submission's code.

    python -m grader.trusted.trusted_stage SETTINGS_JSON     (then, on standard input, commands)

One worker's trusted stage: a process that loads TensorFlow once, says on which device it
trains ({"device": "GPU" or "CPU"}), then follows the commands it reads, one JSON object a
line, each answered by records (grader.results.RECORD_KINDS) on the pipe whose descriptor is
$GRADER_RESULT_FD, and {"done": true}:

- {"check": PATH}: the model config at PATH, which the grader took out of a student stage's
  model.keras and checked against its allowlist, is measured (grader.costs), rebuilt in
  Keras' safe mode, checked against the homework's checks ({"checks": ...}), and, where the
  grader can train it within the homework's budget, named by its canonical network
  ({"network": {"sha256", "description", "parameters", "flops"}}).
- {"train": PATH, "network": KEY}: the canonical network of the model config at PATH (one
  of the files whose network is KEY: checked again to be that one) is built with fresh
  weights from the grader's seed, in data-flow order, trained by the homework's recipe for
  everyone (the MLP homework with the grader's own SGD, the CNN homework with the optimizer
  its author compiled, read from the config) and measured on the test images ({"accuracy",
  "train_seconds"}).  The data is loaded on the first training: a class whose networks are
  all known already never loads it.
- {"calibrate": PATH, "network": KEY, "flops": N}: a few batches of that network on random
  images, timed: the FLOP/s of training here ({"throughput"}), from which the grader
  estimates the time the class's trainings will take.

Every submission of the same network gets the same accuracy, however it was written.
"""

import json
import os
import sys
import time

import numpy as np

from grader import homeworks
from grader.trusted.canonical import (canonical_network, describe_network, network_key,
                                      rebuild_canonical)
from grader.trusted.checks import (Inspected, can_train, loss_of, measured, model_checks,
                                   within_budget)
from grader.trusted.models import compiled_parts, rebuild
from grader.trusted.trainings import DIVERGED

RESULT_FD_ENV_VAR = "GRADER_RESULT_FD"
BUILD_FACTOR = 4  # a network of more than this times the budget's parameters is never built
CALIBRATION_BATCHES = 12  # timed, after 3 that warm up


def report(**fields):
    os.write(int(os.environ[RESULT_FD_ENV_VAR]), (json.dumps(fields) + "\n").encode())


def start(settings):
    """TensorFlow, set up for the grader's threads and device; the homework as graded."""
    from nnlab.quiet_tensorflow import import_tensorflow

    tensorflow = import_tensorflow()
    threads = settings.get("threads")
    if threads:
        tensorflow.config.threading.set_intra_op_parallelism_threads(threads)
        tensorflow.config.threading.set_inter_op_parallelism_threads(1)
    gpus = tensorflow.config.list_physical_devices("GPU")
    for gpu in gpus:
        tensorflow.config.experimental.set_memory_growth(gpu, True)
    report(device="GPU" if gpus else "CPU")
    homework = homeworks.get(settings["homework"]).with_rubric(
        {"budget": settings["budget"], "training": settings["recipe"]})
    import keras
    return keras, homework


def training_of(compile_config, homework, keras):
    """How the grader trains a model: the homework's own optimizer where it has one (the MLP's
    SGD), else the one the student compiled, rebuilt from the config and serialized again
    without its name (so "adam" and Adam() are one optimizer); and whether the loss takes
    logits."""
    optimizer = homework.recipe.optimizer
    if optimizer is not None:
        return {"optimizer": optimizer, "from_logits": False}
    parts = compiled_parts(compile_config, keras)
    if parts is None:  # not compiled: nothing to train with (the compiled check fails)
        return {"optimizer": "rmsprop", "from_logits": False}
    optimizer = keras.optimizers.serialize(parts[0])
    optimizer.get("config", {}).pop("name", None)
    optimizer.pop("registered_name", None)
    return {"optimizer": optimizer, "from_logits": loss_of(parts[1], keras)[1]}


def check(config, keras, homework):
    """The checks of one model config, and its network where it can be trained."""
    keras.utils.set_random_seed(homework.recipe.seed)
    cost, cost_problem = measured(config)
    budget = homework.budget
    if cost is not None and cost["parameters"] > BUILD_FACTOR * budget.parameters:
        passed, reason, advice = within_budget(cost, budget)
        checks = [[item.name, passed, reason, advice] if item.kind == "budget" else
                  [item.name, False, "not checked: the network is too big to build "
                                     f"({cost['parameters']:,} parameters)", []]
                  for item in homework.checks]
        report(checks=checks)
        report(error=f"not trained: {reason}")
        return
    try:
        model, compile_config = rebuild(config, keras)
        parts = compiled_parts(compile_config, keras)
    except Exception as error:
        report(not_gradable=f"Keras cannot rebuild the saved model ({type(error).__name__}: "
                            f"{str(error)[:200]})")
        return
    inspected = Inspected(model, parts, keras, homework, cost, cost_problem)
    checks = model_checks(inspected)
    report(checks=checks)
    if not can_train(model, homework):
        return
    failed = [name for name, passed, _, _ in checks if not passed]
    if failed and not homework.trains_failing:
        report(error=f"not trained: it fails {len(failed)} of the checks ({', '.join(failed)}); "
                     "a network is trained once it passes them all")
        return
    size = cost or {"parameters": model.count_params(), "flops": 2 * model.count_params()}
    if not within_budget(size, budget)[0]:
        report(error="not trained: " + within_budget(size, budget)[1])
        return
    canonical = canonical_of(model, compile_config, keras, homework)
    if canonical is None:
        report(error="not trained: the network is not one chain of layers from its input to "
                     "its output")
        return
    report(network={"sha256": network_key(canonical), "description": describe_network(canonical),
                    "parameters": size["parameters"], "flops": size["flops"]})


def canonical_of(model, compile_config, keras, homework):
    """The canonical network of a rebuilt model, with how the grader trains it."""
    return canonical_network(model, keras, training_of(compile_config, homework, keras))


def network_to_train(config, key, keras, homework):
    """The canonical network of a config that phase one named `key` (ValueError otherwise)."""
    model, compile_config = rebuild(config, keras)
    canonical = canonical_of(model, compile_config, keras, homework)
    if canonical is None or network_key(canonical) != key:
        raise ValueError("the model is not the network it was checked as")
    return canonical


def images(x, homework, scale):
    """Pixels as the homework's networks take them: float32, (N, 3072) or (N, 32, 32, 3)."""
    x = x.reshape((len(x),) + tuple(homework.input_shape)).astype(np.float32)
    return x / 255.0 if scale else x


def load_inputs(settings, homework):
    from nnlab import datasets
    data = datasets.load("cifar10", settings["data"])
    recipe = homework.recipe
    size = recipe.train_size or len(data.x_train)
    return {"x_train": images(data.x_train[:size], homework, recipe.scale),
            "y_train": datasets.one_hot(data.y_train[:size]),
            "x_test": images(data.x_test, homework, recipe.scale), "y_test": data.y_test}


def compiled_network(canonical, keras, homework):
    """The canonical network built afresh from the grader's seed and compiled for training."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(homework.recipe.seed)
    model = rebuild_canonical(canonical, keras)
    training = canonical["training"]
    optimizer = training["optimizer"]
    if isinstance(optimizer, dict):
        optimizer = keras.optimizers.deserialize(optimizer)
    loss = keras.losses.CategoricalCrossentropy(from_logits=training["from_logits"])
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def train_and_predict(canonical, keras, homework, inputs):
    """Train the canonical network by the homework's recipe: its test images' class scores."""
    model = compiled_network(canonical, keras, homework)
    recipe = homework.recipe
    model.fit(inputs["x_train"], inputs["y_train"], batch_size=recipe.batch_size,
              epochs=recipe.epochs, verbose=2)
    return model.predict(inputs["x_test"], batch_size=recipe.batch_size, verbose=0)


def train(canonical, keras, homework, inputs):
    """Train the canonical network by the homework's recipe; its accuracy on the test images."""
    start_time = time.perf_counter()
    probabilities = train_and_predict(canonical, keras, homework, inputs)
    if not np.all(np.isfinite(probabilities)):
        report(error=DIVERGED)
        return
    predicted = np.argmax(probabilities, axis=1)
    report(accuracy=float(np.mean(predicted == inputs["y_test"])),
           train_seconds=time.perf_counter() - start_time)


def calibrate(canonical, keras, homework, flops):
    """FLOP/s of training here: CALIBRATION_BATCHES batches of random images, timed; and the
    seconds it takes to build a network and start training it."""
    started = time.perf_counter()
    model = compiled_network(canonical, keras, homework)
    batch = homework.recipe.batch_size
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (batch,) + tuple(homework.input_shape)).astype(np.float32)
    y = np.eye(homework.classes, dtype=np.float32)[rng.integers(0, homework.classes, batch)]
    model.train_on_batch(x, y)
    overhead = time.perf_counter() - started
    for _ in range(2):
        model.train_on_batch(x, y)
    start_time = time.perf_counter()
    for _ in range(CALIBRATION_BATCHES):
        model.train_on_batch(x, y)
    seconds = time.perf_counter() - start_time
    report(throughput=3 * flops * batch * CALIBRATION_BATCHES / max(seconds, 1e-9),
           overhead=overhead)


def main():
    settings = json.loads(sys.argv[1])
    keras, homework = start(settings)
    inputs = None
    for line in iter(sys.stdin.readline, ""):
        command = json.loads(line)
        try:
            path = command.get("check") or command.get("train") or command["calibrate"]
            with open(path) as file:
                config = json.load(file)
            if "check" in command:
                check(config, keras, homework)
            else:
                canonical = network_to_train(config, command["network"], keras, homework)
                if "train" in command:
                    inputs = inputs or load_inputs(settings, homework)
                    train(canonical, keras, homework, inputs)
                else:
                    calibrate(canonical, keras, homework, command["flops"])
        except Exception as error:  # a model Keras chokes on is that submission's error
            report(error=f"the grader could not check or train this model "
                         f"({type(error).__name__}: {str(error)[:200]})")
        report(done=True)
        keras.backend.clear_session()  # the next model starts from a clean slate


if __name__ == "__main__":
    main()
