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

from nnlab import lab
from nnlab.i18n import _


def main(argv=None):
    # 1. Load the data as Train_NN_keras.py fed it: rows of 784 pixels in [0, 1], one-hot labels.
    run = lab.KerasTesting(__doc__, argv, "mnist_NN_model.h5", "Train_NN_keras.py", 784,
                           pictures=lab.NN_PICTURES, images=False)
    x_train, y_train = run.data.x_train, run.data.y_train
    x_test, y_test = run.data.x_test, run.data.y_test

    # 2. Restore the model: graph and weights (keras.models.load_model, with its checks).
    model = run.load_model()

    # 3. Measure on the test data, and on the training data to spot overfitting.
    test_accuracy = model.evaluate(x_test, y_test, batch_size=100, verbose=0)[1]
    train_accuracy = model.evaluate(x_train, y_train, batch_size=100, verbose=0)[1]
    print(_("Accuracy of trained model against test data:"), f"{test_accuracy:.4f}")
    print(_("Accuracy of trained model against training data:"), f"{train_accuracy:.4f}")

    # 4. The overfitting verdict, random test images as "actual: 7, predicted: 7" (Keras 3
    #    removed predict_classes: the class is the argmax of predict), and the weights.
    run.report_mlp_model(model, test_accuracy, train_accuracy)


if __name__ == "__main__":
    main()
