"""Test the Keras model saved by Train_NN_keras.py on the 10,000 MNIST test images.

Machine Learning in Practice #3, "Keras Library": load_model restores the computation
graph and the weights; evaluate measures the accuracy on the test data (and on the
training data, for the overfitting verdict); then 5 random test images are shown as
"actual: 7, predicted: 7".

    python Train_NN_keras.py && python Test_NN_keras.py
    python Test_NN_keras.py --model model/other.keras --seed 3
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets, plots, report
from nnlab.checkpoints import load_keras_model
from nnlab.paths import default_model_path, picture_path
from nnlab.quiet_tensorflow import import_tensorflow


def parse_args(argv=None):
    parser = cli.parser(__doc__.splitlines()[0])
    cli.add_model_argument(parser, default_model_path("mnist_model.h5"),
                           "the model written by Train_NN_keras.py (.h5 or .keras)")
    cli.add_data_arguments(parser)
    cli.add_sample_arguments(parser)
    cli.add_test_picture_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.pictures:
        plots.ensure_writable(picture_path(args.model, "confusion", args.picture_dir),
                              "--picture-dir")
    import_tensorflow()  # after parsing, so that --help answers at once

    # 1. Restore the model: graph and weights.
    model = load_keras_model(args.model, "Train_NN_keras.py", input_size=784)

    # 2. Load the data as Train_NN_keras.py fed it.
    data = datasets.load(args.dataset, args.data, args.mirror)
    x_train, y_train = datasets.flat_images(data.x_train), datasets.one_hot(data.y_train)
    x_test, y_test = datasets.flat_images(data.x_test), datasets.one_hot(data.y_test)

    # 3. Measure on the test data, and on the training data to spot overfitting.
    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=100, verbose=0)
    _, train_accuracy = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    report.print_accuracies(test_accuracy, train_accuracy)

    # 4. A few random test images. Keras 3 removed predict_classes: take the argmax of predict.
    predicted = np.argmax(model.predict(x_test, batch_size=100, verbose=0), axis=1)
    chosen = report.sample_indices(args.samples, len(x_test), args.seed)
    names = None if data.info.name == "mnist" else data.info.class_names
    report.print_predictions(data.y_test[chosen], predicted[chosen], names)

    # 5. Pictures: which classes get confused, the mistakes, and what the weights learned.
    if args.pictures:
        # Only a network without hidden layer maps pixels straight to classes.
        weights = model.layers[0].get_weights()[0] if len(model.layers) == 1 else None
        plots.draw_test_pictures(data.x_test, data.y_test, predicted, data.info.class_names,
                                 args.pictures, args.model, args.picture_dir, weights)
        plots.show_saved()


if __name__ == "__main__":
    main()
