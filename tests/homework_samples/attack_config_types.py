"""Attack: a hand-written model config whose values are of the wrong kinds (a module that is a
list, a function name that is a dict), meant to make the grader fail on this file."""
import json
import os
import zipfile


def NN_model():
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": "x", "layers": [
                  {"module": ["keras.layers"], "class_name": "Dense", "registered_name": None,
                   "config": {"units": 10, "activation": {"module": "keras.activations",
                                                          "class_name": "function",
                                                          "config": {"name": "softmax"},
                                                          "registered_name": "function"}}}]}}
    with zipfile.ZipFile("model.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(config))
    os._exit(0)
