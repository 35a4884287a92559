"""Test the homework's CIFAR-10 model saved by Train_NN_cifar.py.

Machine Learning in Practice #3, homework: load_model restores the trained network, evaluate
measures the accuracy on the 10,000 test images (about 30%, the notes say) and on the
training images (for the overfitting verdict); then 5 random test images are shown as
"actual: 3(cat), predicted: 5(dog)", and drawn with both names.

    python Train_NN_cifar.py && python Test_NN_cifar.py
    python Test_NN_cifar.py --korean                  # 고양이, 개, ... instead of cat, dog, ...
    python Test_NN_cifar.py --pictures samples --picture-dir pictures/
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets, plots, report
from nnlab.checkpoints import load_keras_model, read_training_notes
from nnlab.paths import default_model_path, picture_path
from nnlab.quiet_tensorflow import import_tensorflow


def parse_args(argv=None):
    parser = cli.parser(__doc__.splitlines()[0])
    cli.add_model_argument(parser, default_model_path("cifar_NN_model.h5"),
                           "the model written by Train_NN_cifar.py")
    cli.add_data_arguments(parser, datasets=("cifar10",), env_var="CIFAR10_DATA")
    parser.add_argument("--scale", action=cli.argparse.BooleanOptionalAction,
                        help="divide pixels by 255 (default: as the model was trained, "
                             "recorded beside it)")
    cli.add_sample_arguments(parser)
    parser.add_argument("--korean", action="store_true",
                        help="print the course's Korean class names (비행기, 자동차, ...); "
                             "pictures keep the English ones")
    cli.add_test_picture_arguments(parser, available=("samples", "confusion", "mistakes"))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.pictures:
        plots.ensure_writable(picture_path(args.model, "samples", args.picture_dir),
                              "--picture-dir")
    import_tensorflow()  # after parsing, so that --help answers at once

    # 1. Restore the trained model.
    model = load_keras_model(args.model, "Train_NN_cifar.py", input_size=3072)
    scale = args.scale if args.scale is not None else read_training_notes(args.model).get("scale", False)

    # 2. Load the data as it was fed in training.
    data = datasets.load("cifar10", args.data, args.mirror)
    x_train, y_train = datasets.flat_images(data.x_train, scale), datasets.one_hot(data.y_train)
    x_test, y_test = datasets.flat_images(data.x_test, scale), datasets.one_hot(data.y_test)

    # 3. Measure on the test data, and on the training data to spot overfitting.
    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=100, verbose=0)
    _, train_accuracy = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    report.print_accuracies(test_accuracy, train_accuracy)

    # 4. A few random test images. Keras 3 removed predict_classes: take the argmax of predict.
    predicted = np.argmax(model.predict(x_test, batch_size=100, verbose=0), axis=1)
    chosen = report.sample_indices(args.samples, len(x_test), args.seed)
    names = data.info.class_names_ko if args.korean else data.info.class_names
    report.print_predictions(data.y_test[chosen], predicted[chosen], names)

    # 5. Pictures: the samples with both names, the confusion matrix and the mistakes.
    if "samples" in args.pictures and len(chosen):
        plots.save(plots.predictions(data.x_test[chosen], data.y_test[chosen], predicted[chosen],
                                     data.info.class_names),
                   picture_path(args.model, "samples", args.picture_dir))
    plots.draw_test_pictures(data.x_test, data.y_test, predicted, data.info.class_names,
                             args.pictures, args.model, args.picture_dir)
    plots.show_saved()


if __name__ == "__main__":
    main()
