"""Attack: writes model.keras and status.json itself, with lone surrogates, NULs and escape
sequences in the loss's name and the stage's notes (legal as JSON escapes, not UTF-8), then
leaves before the stage can write its own status: meant to stop the class's report."""
import json
import os
import zipfile

import keras

BAD = "\udcff\ud800 \x00\x1b[2J\x1b]0;owned\x07"


def NN_model():
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(3000, activation="sigmoid"),
                              keras.layers.Dense(2000, activation="sigmoid"),
                              keras.layers.Dense(10, activation="softmax")])
    config = keras.saving.serialize_keras_object(model)
    config["compile_config"] = {
        "optimizer": "sgd", "metrics": ["accuracy"],
        "loss": {"module": "keras.losses", "class_name": "CategoricalCrossentropy",
                 "config": {"name": BAD, "reduction": "sum_over_batch_size", "from_logits": False,
                            "label_smoothing": 0.0, "axis": -1},
                 "registered_name": None}}
    with zipfile.ZipFile("model.keras", "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": keras.__version__}))
        archive.writestr("config.json", json.dumps(config))
    with open("status.json", "w") as file:
        json.dump({"error": None, "problems": [BAD], "flags": [BAD]}, file)
    os._exit(0)
