"""Test the homework's CIFAR-10 convolutional network saved by Train_CNN_cifar.py.

Machine Learning in Practice #4, homework: load_model restores the trained network; evaluate
measures the accuracy on the 10,000 test images (the MLP homework reached about 30%) and on
the training images it was trained on (for the overfitting verdict); then 5 random test
images are shown as "actual: 3(cat), predicted: 5(dog)" and drawn with both names, with the
first convolution's filters, the feature maps of one test image, the confusion matrix and the
mistakes.  Scaling, training size and data follow what Train_CNN_cifar.py recorded.

    python Train_CNN_cifar.py && python Test_CNN_cifar.py
    python Test_CNN_cifar.py --korean                 # 고양이, 개, ... instead of cat, dog, ...
    python Test_CNN_cifar.py --pictures samples --picture-dir pictures/
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import lab
from nnlab.i18n import _


def main(argv=None):
    # 1. Load the data as it was fed in training, and the trained model.
    run = lab.KerasTesting(__doc__, argv, "cifar_CNN_model.h5", "Train_CNN_cifar.py",
                           input_shape=(32, 32, 3), data_sets=("cifar10",), cifar=True,
                           pictures=("samples",) + lab.CNN_PICTURES)
    x_train, y_train = run.data.x_train, run.data.y_train
    x_test, y_test = run.data.x_test, run.data.y_test
    model = run.load_model()

    # 2. Measure on the test data, and on the training images it learned from.
    score = model.evaluate(x_test, y_test, batch_size=100, verbose=0)
    train_score = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(_("Accuracy of trained model against test data:"), f"{score[1]:.4f}")
    print(_("Accuracy of trained model against training data:"), f"{train_score[1]:.4f}")

    # 3. The verdict, random test images with their class names, and the pictures.
    run.report(model, score[1], train_score[1])


if __name__ == "__main__":
    main()
