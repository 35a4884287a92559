"""Test the Keras model saved by Train_NN_keras.py on the 10,000 MNIST test images.

Machine Learning in Practice #3, "Keras Library": load_model restores the computation
graph and the weights; the accuracy is measured on the test data (and on the training
data, for the overfitting verdict); then 5 random test images are shown as
"actual: 7, predicted: 7".  The data is the one recorded beside the model.

    python Train_NN_keras.py && python Test_NN_keras.py
    python Test_NN_keras.py --model model/other.keras --seed 3
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets, plots, report
from nnlab.checkpoints import load_keras_model, read_notes, recorded_data
from nnlab.choices import MNIST_DATASETS
from nnlab.paths import default_model_path
from nnlab.quiet_tensorflow import import_tensorflow


def parse_args(argv=None):
    return cli.parse(__doc__, argv,
                     cli.model_file(default_model_path("mnist_NN_model.h5"),
                                    "the model written by Train_NN_keras.py (.h5 or .keras)",
                                    keras=True),
                     cli.data(MNIST_DATASETS, dataset_default=None),
                     cli.test_pictures(("confusion", "mistakes", "weights", "hidden_units")))[1]


def main(argv=None):
    args = parse_args(argv)
    notes = read_notes(args.model, "Train_NN_keras.py")
    import_tensorflow()  # after the flags are checked: --help answers at once

    # 1. Restore the model: graph and weights.
    model = load_keras_model(args.model, "Train_NN_keras.py", input_size=784)

    # 2. Load the data as Train_NN_keras.py fed it.
    dataset = args.dataset or notes.get("dataset", "mnist")
    data = datasets.load(dataset, recorded_data(args, notes, dataset), args.mirror)
    x_train, x_test = datasets.flat_images(data.x_train), datasets.flat_images(data.x_test)

    # 3. Measure on the test data, and on the training data to spot overfitting.
    #    Keras 3 removed predict_classes: the class is the argmax of predict.
    report.say(f"Measuring accuracy on {len(x_test):,} test and {len(x_train):,} training images")
    predicted = report.predicted_classes(model, x_test)
    report.print_accuracies(report.accuracy(predicted, data.y_test),
                            report.accuracy(report.predicted_classes(model, x_train), data.y_train))

    # 4. A few random test images.
    chosen = report.sample_indices(args.samples, len(x_test), args.seed)
    names = None if data.info.name == "mnist" else data.info.class_names
    report.print_predictions(data.y_test[chosen], predicted[chosen], names)

    # 5. Inside the network: a softmax network's weights map pixels straight to classes;
    #    a hidden layer's units each look for their own pattern.
    weights = hidden = None
    if len(model.layers) == 1:
        weights = model.layers[0].get_weights()[0]
    else:
        hidden, biases = model.layers[0].get_weights()
        report.print_hidden_units(hidden, biases)

    # 6. Pictures: which classes get confused, the mistakes, and what the weights learned.
    if args.pictures:
        plots.draw_test_pictures(data.x_test, data.y_test, predicted, data.info.class_names,
                                 args.pictures, args.model, args.picture_dir, weights, hidden)
        plots.show_saved()


if __name__ == "__main__":
    main()
