"""Train the course's MNIST network in TensorFlow 1.x style and save it to model/.

Machine Learning in Practice #3, "Neural Networks Basics", slides "TensorFlow Code":
load MNIST, build the computation graph of NN_comp_graph.py on two placeholders, feed
1000 mini-batches of 100 images to its `train` node, print the accuracy on the training
data, and save the variables with tf.train.Saver for Test_NN.py.  The progress shows the cost of
each step's batch after that step's update (the number the curves picture draws).

    python Train_NN.py                  # the course: softmax network, zero init, 1000 steps
    python Train_NN.py --hidden         # the hidden-layer experiment (accuracy drops)
    python Train_NN.py --hidden --init glorot --activation relu --optimizer adam --steps 6000
    python Train_NN.py --help           # every flag, with its default
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import lab
from nnlab.i18n import _
from nnlab.training import run_training


def get_batch(x, y, batch_size, i):
    """The course's i-th mini-batch: consecutive slices, starting again after the last full one."""
    batches_per_epoch = len(x) // batch_size
    start = (i % batches_per_epoch) * batch_size
    return x[start:start + batch_size], y[start:start + batch_size]


def main(argv=None):
    # 1. Load the data: rows of 784 pixels scaled to [0, 1], labels one-hot (and the flags).
    run = lab.TF1NNTraining(__doc__, argv, "mnist_NN_model.ckpt", steps=1000)
    from NN_comp_graph import tf  # TensorFlow, loaded once the flags are checked
    x_train, y_train = run.data.x_train, run.data.y_train

    # 2. Build the computation graph on the two placeholders.
    tf.set_random_seed(run.seed)
    x_in = tf.placeholder(tf.float32, [None, 784], name="x_in")
    y_in = tf.placeholder(tf.float32, [None, 10], name="y_in")
    NN_comp_graph = run.chosen_network()  # NN_comp_graph.py's choice, or --hidden/--no-hidden
    accuracy, train = NN_comp_graph(x_in, y_in)

    # 3. Train: run the train node on one mini-batch after another (in order, as in 2019;
    #    --shuffle takes a new order every epoch).
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        progress = run.progress(sess, x_in, y_in)
        for i in range(run.steps):
            x_train, y_train = run.shuffled(x_train, y_train, i)
            batch_x, batch_y = get_batch(x_train, y_train, run.batch_size, i)
            sess.run(train, feed_dict={x_in: batch_x, y_in: batch_y})
            progress.step(i, {x_in: batch_x, y_in: batch_y})

        train_accuracy = sess.run(accuracy, feed_dict={x_in: x_train, y_in: y_train})
        print(_("Accuracy of trained model against training data:"), f"{train_accuracy:.4f}")

        # 4. Save the variables for Test_NN.py (with notes on the training beside them).
        with run.saving({"train_accuracy": float(train_accuracy)}) as path:
            tf.train.Saver().save(sess, path)


if __name__ == "__main__":
    run_training(main)
