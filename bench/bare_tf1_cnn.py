"""The baseline for bench_train_cnn.py: the 2019 Train_CNN.py in its barest TF1 form.

Loads mnist.npz, builds the course's convolutional network (two 5 x 5 convolutions with max
pooling, 1024 fully connected units with dropout, softmax; Adam 1e-4), runs STEPS in-order
mini-batches of 100 with keep_prob 0.5, printing the accuracy on the batch every 10 steps as
the 2019 script did, and saves a checkpoint: the same work as `python mnist/Train_CNN.py
--steps STEPS`, with no checks, progress, notes or pictures.

    python bench/bare_tf1_cnn.py MNIST_NPZ CHECKPOINT STEPS
"""

import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
data_path, checkpoint, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
with np.load(data_path) as archive:
    x_train = archive["x_train"].reshape(-1, 784).astype(np.float32) / 255
    y_train = np.eye(10, dtype=np.float32)[archive["y_train"]]


def weight_variable(shape):
    return tf.Variable(tf.truncated_normal(shape, stddev=0.1))


def bias_variable(shape):
    return tf.Variable(tf.constant(0.1, shape=shape))


x_in = tf.placeholder(tf.float32, [None, 784])
y_in = tf.placeholder(tf.float32, [None, 10])
keep_prob = tf.placeholder(tf.float32)
x_image = tf.reshape(x_in, [-1, 28, 28, 1])
conv1 = tf.nn.relu(tf.nn.conv2d(x_image, weight_variable([5, 5, 1, 32]), [1, 1, 1, 1], "SAME")
                   + bias_variable([32]))
pool1 = tf.nn.max_pool(conv1, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
conv2 = tf.nn.relu(tf.nn.conv2d(pool1, weight_variable([5, 5, 32, 64]), [1, 1, 1, 1], "SAME")
                   + bias_variable([64]))
pool2 = tf.nn.max_pool(conv2, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
fc1 = tf.nn.relu(tf.matmul(tf.reshape(pool2, [-1, 7 * 7 * 64]), weight_variable([3136, 1024]))
                 + bias_variable([1024]))
logits = tf.matmul(tf.nn.dropout(fc1, rate=1 - keep_prob), weight_variable([1024, 10])) + \
    bias_variable([10])
cost = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_in, logits=logits))
train = tf.train.AdamOptimizer(1e-4).minimize(cost)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y_in, 1)), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(steps):
        start = (i % (len(x_train) // 100)) * 100
        batch = {x_in: x_train[start:start + 100], y_in: y_train[start:start + 100],
                 keep_prob: 0.5}
        if i % 10 == 0:
            print("Accuracy at step %d: %g" % (i, sess.run(accuracy, batch)))
        sess.run(train, batch)
    tf.train.Saver().save(sess, checkpoint)
