"""The baseline for bench_train_nn.py: the course's TF1 lab in its barest form.

Loads mnist.npz, builds the softmax graph, runs 1000 in-order mini-batches of 100 and saves
a checkpoint: the same work as `python mnist/Train_NN.py`, with no checks, progress or flags.

    python bench/bare_tf1_mnist.py MNIST_NPZ CHECKPOINT
"""

import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
data_path, checkpoint = sys.argv[1], sys.argv[2]
with np.load(data_path) as archive:
    x_train = archive["x_train"].reshape(-1, 784).astype(np.float32) / 255
    y_train = np.eye(10, dtype=np.float32)[archive["y_train"]]

x_in = tf.placeholder(tf.float32, [None, 784])
y_in = tf.placeholder(tf.float32, [None, 10])
w = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
z = tf.matmul(x_in, w) + b
cost = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_in, logits=z))
train = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(z, 1), tf.argmax(y_in, 1)), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(1000):
        start = (i % 600) * 100
        sess.run(train, {x_in: x_train[start:start + 100], y_in: y_train[start:start + 100]})
    print("Accuracy:", sess.run(accuracy, {x_in: x_train, y_in: y_train}))
    tf.train.Saver().save(sess, checkpoint)
