"""Train the course's convolutional network on MNIST in TensorFlow 1.x style and save it to model/.

Machine Learning in Practice #4, the CNN lab: load MNIST, build the computation graph of
CNN_comp_graph.py on three placeholders (images, labels and keep_prob, the fraction of the
fully connected units that dropout keeps), feed 10,000 mini-batches of 100 images in order to
its `train` node with keep_prob 0.5, and save the variables with tf.train.Saver for
Test_CNN.py.  As in 2019, every 10 steps the accuracy on that step's batch is measured with
dropout still on ("Accuracy at step N"): the progress bar shows the latest, and a line is
printed every tenth of the run.

    python Train_CNN.py                  # the course: 10,000 steps (minutes on a laptop)
    python Train_CNN.py --steps 1000     # a shorter try: about 97% test accuracy
    python Train_CNN.py --dataset fashion_mnist --keep-prob 1.0
    python Train_CNN.py --help           # every flag, with its default
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import lab
from nnlab.training import run_training


def get_batch(x, y, batch_size, i):
    """The course's i-th mini-batch: consecutive slices, starting again after the last full one."""
    batches_per_epoch = len(x) // batch_size
    start = (i % batches_per_epoch) * batch_size
    return x[start:start + batch_size], y[start:start + batch_size]


def main(argv=None):
    # 1. Load the data: rows of 784 pixels scaled to [0, 1], labels one-hot (and the flags).
    run = lab.TF1Training(__doc__, argv, "mnist_CNN_model.ckpt", steps=10000, keep_prob=0.5)
    from CNN_comp_graph import CNN_comp_graph, tf  # TensorFlow, loaded once the flags are checked
    x_train, y_train = run.data.x_train, run.data.y_train
    x_test, y_test = run.data.x_test[:1000], run.data.y_test[:1000]  # for the curves picture
    steps, batch_size, training_keep_prob = run.steps, run.batch_size, run.keep_prob

    # 2. Build the computation graph on three placeholders.
    tf.set_random_seed(run.seed)
    x_in = tf.placeholder(tf.float32, [None, 784])
    y_in = tf.placeholder(tf.float32, [None, 10])
    keep_prob = tf.placeholder(tf.float32)
    accuracy, train = CNN_comp_graph(x_in, y_in, keep_prob)

    # 3. Train: run the train node on one mini-batch after another, with dropout.  Every 10
    #    steps, the 2019 "Accuracy at step N" on that batch: in the bar, a line every tenth.
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        progress = run.progress(sess, accuracy, {x_in: x_test, y_in: y_test, keep_prob: 1.0})
        for i in range(steps):
            batch_x, batch_y = get_batch(x_train, y_train, batch_size, i)
            if i % 10 == 0:
                train_accuracy = sess.run(accuracy, feed_dict={x_in: batch_x, y_in: batch_y,
                                                               keep_prob: training_keep_prob})
                progress.accuracy_at_step(i, train_accuracy)
            sess.run(train, feed_dict={x_in: batch_x, y_in: batch_y, keep_prob: training_keep_prob})

        # 4. Save the variables for Test_CNN.py (with notes on the training beside them).
        with run.saving() as path:
            tf.train.Saver().save(sess, path)


if __name__ == "__main__":
    run_training(main)
