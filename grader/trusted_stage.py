"""Check, train and measure one submission's model, without ever running its code.

    python -m grader.trusted_stage SETTINGS_JSON       (then, on standard input: CONFIG_PATH...)

Started by each grading worker beside its first student stage, so that TensorFlow and the
data load while the student's NN_model() is being built; it says first on which device it
trains ({"device": "GPU" or "CPU"}).  Then, for every line it reads — the path of a model
config that the grader took out of a student stage's ``model.keras`` and checked against
the allowlist — it rebuilds the model in Keras' safe mode, makes the homework's checks, and
reports the canonical network: the layers in data-flow order with everything that changes
training and nothing else, named by the SHA-256 of that whole description
({"network": {"sha256", "description"}}).  It then reads one more
line: "skip" when the grader already has this network's accuracy (from another submission
or its cache), "train" otherwise.  Training rebuilds the canonical network with fresh
weights from the grader's seed, in data-flow order, and trains it the same way for
everyone: the homework's optimizer and loss (SGD, categorical cross entropy; what the
student's compile() says is checked, not used), the grader's epochs, batch size and
threads; then it measures the accuracy on the test images.  So every submission of the
same network gets the same accuracy, however it was written.  Results go, one JSON object
a line, to the pipe whose descriptor is $GRADER_RESULT_FD, each model's ending with
{"done": true}.
"""

import json
import os
import sys
import time

import numpy as np

from grader import spec
from grader.checks import (canonical_network, compiled_parts, describe_network, model_checks,
                           network_key, rebuild, rebuild_canonical, trainable)

RESULT_FD_ENV_VAR = "GRADER_RESULT_FD"
MAX_TRAINED_PARAMETERS = 4 * spec.PARAMETERS  # bigger models would hold the class up


def report(**fields):
    os.write(int(os.environ[RESULT_FD_ENV_VAR]), (json.dumps(fields) + "\n").encode())


def prepare(settings):
    """TensorFlow and the data, loaded before the model arrives."""
    from nnlab import datasets
    from nnlab.quiet_tensorflow import import_tensorflow

    tensorflow = import_tensorflow()
    threads = settings.get("threads")
    if threads:
        tensorflow.config.threading.set_intra_op_parallelism_threads(threads)
        tensorflow.config.threading.set_inter_op_parallelism_threads(1)
    gpus = tensorflow.config.list_physical_devices("GPU")
    for gpu in gpus:
        tensorflow.config.experimental.set_memory_growth(gpu, True)  # workers share the card
    report(device="GPU" if gpus else "CPU")
    data = datasets.load("cifar10", settings["data"])
    train_size = settings.get("train_size") or len(data.x_train)
    inputs = {"x_train": datasets.flat_images(data.x_train[:train_size], settings["scale"]),
              "y_train": datasets.one_hot(data.y_train[:train_size]),
              "x_test": datasets.flat_images(data.x_test, settings["scale"]),
              "y_test": data.y_test}
    import keras
    return keras, inputs


def grade(config, settings, keras, inputs):
    keras.utils.set_random_seed(settings["seed"])
    try:
        model, compile_config = rebuild(config, keras)
        parts = compiled_parts(compile_config, keras)
    except Exception as error:
        report(not_gradable=f"Keras cannot rebuild the saved model ({type(error).__name__}: "
                            f"{str(error)[:200]})")
        return
    checks = model_checks(model, parts, keras)
    report(checks=checks)
    if not trainable(model):
        return
    if model.count_params() > MAX_TRAINED_PARAMETERS:
        report(error=f"not trained: {model.count_params():,} parameters, more than "
                     f"{MAX_TRAINED_PARAMETERS:,} (the homework's network has {spec.PARAMETERS:,})")
        return
    canonical = canonical_network(model, keras)
    if canonical is not None:
        report(network={"sha256": network_key(canonical),
                        "description": describe_network(canonical)})
        if sys.stdin.readline().strip() != "train":
            return
        keras.backend.clear_session()
        keras.utils.set_random_seed(settings["seed"])
        model = rebuild_canonical(canonical, keras)
    start = time.perf_counter()
    try:
        probabilities = train_and_predict(model, settings, inputs)
    except Exception as error:
        report(error=f"training failed: {type(error).__name__}: {error}"[:500])
        return
    predicted = np.argmax(probabilities, axis=1)
    report(accuracy=float(np.mean(predicted == inputs["y_test"])),
           train_seconds=time.perf_counter() - start)


def train_and_predict(model, settings, inputs):
    """The same training for every model (the homework's SGD and loss, the grader's epochs and
    batch size; the model's own compile() is not used), then its test images' class scores."""
    model.compile(optimizer=settings["optimizer"], loss=spec.LOSS, metrics=["accuracy"])
    model.fit(inputs["x_train"], inputs["y_train"], batch_size=settings["batch_size"],
              epochs=settings["epochs"], verbose=2)
    return model.predict(inputs["x_test"], batch_size=settings["batch_size"], verbose=0)


def main():
    settings = json.loads(sys.argv[1])
    keras, inputs = prepare(settings)
    for line in iter(sys.stdin.readline, ""):  # line by line: grade() reads its answer too
        with open(line.strip()) as file:
            config = json.load(file)
        try:
            grade(config, settings, keras, inputs)
        except Exception as error:  # a config Keras chokes on is that submission's error
            report(error=f"the grader could not check or train this model "
                         f"({type(error).__name__}: {str(error)[:200]})")
        report(done=True)
        keras.backend.clear_session()  # the next model starts from a clean slate


if __name__ == "__main__":
    main()
