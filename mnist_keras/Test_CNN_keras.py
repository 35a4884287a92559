"""Test the Keras convolutional network saved by Train_CNN_keras.py on the MNIST test images.

Machine Learning in Practice #4, the CNN lab in Keras: load_model restores the network and
its weights; evaluate measures the accuracy on the 10,000 test images (and on the training
images, for the overfitting verdict); then 5 random test images are shown as
"actual: 7, predicted: 7", and pictures show the 32 filters of the first convolution and the
feature maps of one test image after each layer.  The data is the one recorded beside the
model.

    python Train_CNN_keras.py && python Test_CNN_keras.py
    python Test_CNN_keras.py --model model/other.keras --seed 3
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import lab
from nnlab.i18n import _


def main(argv=None):
    # 1. Load the data the model was trained on, and the model: graph and weights.
    run = lab.KerasTesting(__doc__, argv, "mnist_CNN_model.h5", "Train_CNN_keras.py",
                           input_shape=(28, 28, 1))
    x_train, y_train = run.data.x_train, run.data.y_train
    x_test, y_test = run.data.x_test, run.data.y_test
    model = run.load_model()

    # 2. Measure on the test data, and on the training data to spot overfitting.
    score = model.evaluate(x_test, y_test, batch_size=100, verbose=0)
    train_score = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(_("Accuracy of trained model against test data:"), f"{score[1]:.4f}")
    print(_("Accuracy of trained model against training data:"), f"{train_score[1]:.4f}")

    # 3. The verdict, random test images (Keras 3 has no predict_classes: the argmax of
    #    predict), and pictures of what the convolutions learned.
    run.report(model, score[1], train_score[1])


if __name__ == "__main__":
    main()
