"""Test the convolutional network saved by Train_CNN.py on the 10,000 MNIST test images.

Machine Learning in Practice #4, the CNN lab: rebuild the computation graph of
CNN_comp_graph.py with keep_prob a plain 1.0 (no dropout when testing), restore the trained
variables with tf.train.Saver, and average the accuracy of the test images taken 100 at a
time.  The same on the training images says whether the network overfits.  Then random test
images are shown as "actual: 7, predicted: 7", and pictures show what the network learned:
its 32 first-layer filters, and the feature maps of one test image after each convolution and
pooling.  The data is the one recorded beside the checkpoint by Train_CNN.py.

    python Train_CNN.py && python Test_CNN.py
    python Test_CNN.py --model model/other.ckpt --samples 10
    python Test_CNN.py --pictures filters feature_maps
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import lab  # first: one line, not a traceback, if numpy is missing
from nnlab.i18n import _

import numpy as np  # noqa: E402


def average_accuracy(sess, accuracy, x_in, y_in, x, y, batch_size=100):
    """The course's measure: the mean of the accuracies of consecutive batches of 100 images."""
    accuracies = []
    for start in range(0, len(x), batch_size):
        batch = {x_in: x[start:start + batch_size], y_in: y[start:start + batch_size]}
        accuracies.append(sess.run(accuracy, feed_dict=batch))
    return np.mean(accuracies)


def main(argv=None):
    # 1. Load the data the network was trained on (unless --dataset or --data say otherwise).
    run = lab.TF1Testing(__doc__, argv, "mnist_CNN_model.ckpt", "Train_CNN.py")
    from CNN_comp_graph import CNN_comp_graph, tf  # TensorFlow, loaded once the flags are checked
    x_train, y_train = run.data.x_train, run.data.y_train
    x_test, y_test = run.data.x_test, run.data.y_test

    # 2. Rebuild the computation graph, with keep_prob = 1.0: no dropout when testing.
    x_in = tf.placeholder(tf.float32, [None, 784])
    y_in = tf.placeholder(tf.float32, [None, 10])
    accuracy, train = CNN_comp_graph(x_in, y_in, 1.0)  # the test runs accuracy only

    # 3. Restore the trained variables and measure, 100 images at a time.
    with tf.Session() as sess:
        with run.restoring() as path:
            tf.train.Saver().restore(sess, path)
        test_accuracy = average_accuracy(sess, accuracy, x_in, y_in, x_test, y_test)
        train_accuracy = average_accuracy(sess, accuracy, x_in, y_in, x_train, y_train)
        print(_("Accuracy of trained model against test data:"), f"{test_accuracy:.4f}")
        print(_("Accuracy of trained model against training data:"), f"{train_accuracy:.4f}")

        # 4. The overfitting verdict, random test images, and pictures of the network's inside.
        run.report(sess, x_in, test_accuracy, train_accuracy)


if __name__ == "__main__":
    main()
