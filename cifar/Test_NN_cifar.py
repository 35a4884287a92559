"""Test the homework's CIFAR-10 model saved by Train_NN_cifar.py.

Machine Learning in Practice #3, homework: load_model restores the trained network; the
accuracy is measured on the 10,000 test images (about 30%, the notes say) and on the
training images it was trained on (for the overfitting verdict); then 5 random test images
are shown as "actual: 3(cat), predicted: 5(dog)", and drawn with both names.  Scaling,
training size and data follow what Train_NN_cifar.py recorded beside the model.

    python Train_NN_cifar.py && python Test_NN_cifar.py
    python Test_NN_cifar.py --korean                  # 고양이, 개, ... instead of cat, dog, ...
    python Test_NN_cifar.py --pictures samples --picture-dir pictures/
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets, plots, report
from nnlab.checkpoints import load_keras_model, read_notes, recorded_data
from nnlab.i18n import N_, _
from nnlab.paths import default_model_path, picture_path
from nnlab.quiet_tensorflow import import_tensorflow


def parse_args(argv=None):
    return cli.parse(__doc__, argv,
                     cli.model_file(default_model_path("cifar_NN_model.h5"),
                                    "the model written by Train_NN_cifar.py", keras=True),
                     cli.data(("cifar10",)), cli.cifar_inputs(scale_default=None),
                     cli.korean(), cli.test_pictures(("samples", "confusion", "mistakes")))[1]


def main(argv=None):
    args = parse_args(argv)
    notes = read_notes(args.model, "Train_NN_cifar.py")
    import_tensorflow()  # after the flags are checked: --help answers at once

    # 1. Restore the trained model.
    model = load_keras_model(args.model, "Train_NN_cifar.py", input_size=3072)
    scale = notes.get("scale", False) if args.scale is None else args.scale
    report.warn_if_unlike_training("--scale" if scale else "--no-scale", scale,
                                   notes.get("scale", False), N_("pixels divided by 255"),
                                   N_("raw pixels"))
    train_size = args.train_size or notes.get("train_size")

    # 2. Load the data as it was fed in training.
    data = datasets.load("cifar10", recorded_data(args, notes, "cifar10"), args.mirror)
    x_train = datasets.flat_images(data.x_train[:train_size], scale)
    x_test = datasets.flat_images(data.x_test, scale)

    # 3. Measure on the test data, and on the training images it learned from.
    #    Keras 3 removed predict_classes: the class is the argmax of predict.
    report.say(_("Measuring accuracy on {test} test and {train} training images").format(
        test=f"{len(x_test):,}", train=f"{len(x_train):,}"))
    predicted = report.predicted_classes(model, x_test)
    report.print_accuracies(report.accuracy(predicted, data.y_test),
                            report.accuracy(report.predicted_classes(model, x_train),
                                            data.y_train[:len(x_train)]))

    # 4. A few random test images.
    chosen = report.sample_indices(args.samples, len(x_test), args.seed)
    names = datasets.class_names(data.info, True if args.korean else None)
    report.print_predictions(data.y_test[chosen], predicted[chosen], names)
    names = plots.picture_class_names(data.info.class_names_ko if args.korean else
                                      data.info.class_names)

    # 5. Pictures: the samples with both names, the confusion matrix and the mistakes.
    if "samples" in args.pictures and len(chosen):
        plots.save(plots.predictions(data.x_test[chosen], data.y_test[chosen], predicted[chosen],
                                     names),
                   picture_path(args.model, "samples", args.picture_dir))
    plots.draw_test_pictures(data.x_test, data.y_test, predicted, names,
                             args.pictures, args.model, args.picture_dir)
    plots.show_saved()


if __name__ == "__main__":
    main()
