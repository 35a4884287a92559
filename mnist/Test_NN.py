"""Test the network saved by Train_NN.py on the 10,000 MNIST test images.

Machine Learning in Practice #3, "Neural Networks Basics", slide "Saving/Restoring
Variables": rebuild the same computation graph, restore the trained variables with
tf.train.Saver, and measure the accuracy on the test data.  A test accuracy far below
the training accuracy means overfitting.  Then a few random test images are shown as
"actual: 7, predicted: 7".  The data and the network are those recorded beside the
checkpoint by Train_NN.py.

    python Train_NN.py && python Test_NN.py
    python Test_NN.py --model model/other.ckpt --samples 10
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import lab
from nnlab.i18n import _


def main(argv=None):
    # 1. Load the data the network was trained on (unless --dataset or --data say otherwise).
    run = lab.TF1NNTesting(__doc__, argv, "mnist_NN_model.ckpt", "Train_NN.py")
    from NN_comp_graph import tf  # TensorFlow, loaded once the flags are checked
    x_train, y_train = run.data.x_train, run.data.y_train
    x_test, y_test = run.data.x_test, run.data.y_test

    # 2. Rebuild the computation graph that Train_NN.py trained (its notes say which).
    x_in = tf.placeholder(tf.float32, [None, 784], name="x_in")
    y_in = tf.placeholder(tf.float32, [None, 10], name="y_in")
    NN_comp_graph = run.trained_network()
    accuracy, train = NN_comp_graph(x_in, y_in)  # train: unused when testing

    # 3. Restore the trained variables and measure.
    with tf.Session() as sess:
        with run.restoring() as path:
            tf.train.Saver().restore(sess, path)
        test_accuracy = sess.run(accuracy, feed_dict={x_in: x_test, y_in: y_test})
        train_accuracy = sess.run(accuracy, feed_dict={x_in: x_train, y_in: y_train})
        print(_("Accuracy of trained model against test data:"), f"{test_accuracy:.4f}")
        print(_("Accuracy of trained model against training data:"), f"{train_accuracy:.4f}")

        # 4. The overfitting verdict, random test images, and what the weights learned.
        run.report(sess, x_in, test_accuracy, train_accuracy)


if __name__ == "__main__":
    main()
