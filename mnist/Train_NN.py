"""Train the course's MNIST network in TensorFlow 1.x style and save it to model/.

Machine Learning in Practice #3, "Neural Networks Basics", slides "TensorFlow Code":
load MNIST, build the computation graph of NN_comp_graph.py on two placeholders, feed
1000 mini-batches of 100 images to its `train` node, print the accuracy on the training
data, and save the variables with tf.train.Saver for Test_NN.py.

    python Train_NN.py                  # the course: softmax network, zero init, 1000 steps
    python Train_NN.py --hidden         # the hidden-layer experiment (accuracy drops)
    python Train_NN.py --hidden --init glorot --activation relu --optimizer adam --steps 6000
    python Train_NN.py --help           # every flag, with its default
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets, plots
from nnlab.checkpoints import save_tf1_checkpoint
from nnlab.choices import BUILDER_OPTIONS
from nnlab.paths import default_model_path
from nnlab.quiet_tensorflow import import_tensorflow_v1
from nnlab.training import run_training


def parse_args(argv=None):
    return cli.parse(__doc__, argv, cli.data(), cli.training(steps=1000, shuffle=False),
                     cli.network(hidden_units=100, tf1=True,
                                 model_choice="the line `NN_comp_graph = ...` in NN_comp_graph.py"),
                     cli.model_file(default_model_path("mnist_NN_model.ckpt"),
                                    "where to save the checkpoint (Test_NN.py reads it there)",
                                    writes=True),
                     cli.training_pictures(gradients=True))


def get_batch(x, y, batch_size, i):
    """The course's i-th mini-batch: consecutive slices, starting again after the last full one."""
    batches_per_epoch = len(x) // batch_size
    start = (i % batches_per_epoch) * batch_size
    return x[start:start + batch_size], y[start:start + batch_size]


def main(argv=None):
    parser, args = parse_args(argv)
    tf = import_tensorflow_v1()  # imported after the flags are checked: --help answers at once
    import NN_comp_graph
    from nnlab.progress import StepProgress
    from nnlab.training_log import TF1TrainingLog

    # 1. Load the data: pixels scaled to [0, 1], labels one-hot.
    data = datasets.load(args.dataset, args.data, args.mirror)
    x_train, y_train = datasets.flat_images(data.x_train), datasets.one_hot(data.y_train)
    x_test, y_test = datasets.flat_images(data.x_test), datasets.one_hot(data.y_test)
    cli.check_batch_size(parser, args.batch_size, len(x_train))
    batches_per_epoch = len(x_train) // args.batch_size
    steps = args.epochs * batches_per_epoch if args.epochs else args.steps

    # 2. Build the computation graph on the two placeholders.
    tf.set_random_seed(args.seed)
    x_in, y_in = NN_comp_graph.placeholders()
    builder, options = cli.chosen_network(
        parser, args, NN_comp_graph.NN_comp_graph, NN_comp_graph.NN_comp_graph_with_hidden_layer,
        NN_comp_graph.NN_comp_graph_without_hidden_layer,
        lambda builder: BUILDER_OPTIONS[builder.__name__])
    accuracy, train = builder(x_in, y_in, **options)
    cost = NN_comp_graph.node("cost")
    sigmoid_layer = NN_comp_graph.node("h") if options.get("activation") == "sigmoid" else None

    # 3. Train: run the train node on one mini-batch after another.
    print(f"Training {builder.__name__} on {data.info.title}: {steps} steps of "
          f"{args.batch_size} images")
    shuffle_order = np.random.default_rng(args.seed)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        log = (TF1TrainingLog(tf, sess, args.logdir, cost, accuracy, inside=args.gradients,
                              sigmoid_outputs=sigmoid_layer)
               if args.pictures or args.logdir else None)
        progress = StepProgress(steps)
        for i in range(steps):
            if args.shuffle and i % batches_per_epoch == 0:
                order = shuffle_order.permutation(len(x_train))
                x_train, y_train = x_train[order], y_train[order]
            batch_x, batch_y = get_batch(x_train, y_train, args.batch_size, i)
            batch = {x_in: batch_x, y_in: batch_y}
            _, batch_cost = sess.run([train, cost], feed_dict=batch)
            if not np.isfinite(batch_cost):
                progress.interrupt()
                raise SystemExit(f"error: the cost became {batch_cost} at step {i + 1}: "
                                 "lower --learning-rate; no model was saved")
            progress.update(i + 1, batch_cost)
            if log:
                log.step(i + 1, batch, {x_in: x_test, y_in: y_test}, last=i + 1 == steps)

        train_accuracy = sess.run(accuracy, feed_dict={x_in: x_train, y_in: y_train})
        print(f"Accuracy of trained model against training data: {train_accuracy:.4f}")

        # 4. Save the variables, and how to rebuild the graph they belong to.
        notes = {"builder": builder.__name__, "options": options, "dataset": args.dataset,
                 "data": datasets.local_source(args.dataset, args.data), "steps": steps,
                 "batch_size": args.batch_size, "shuffle": args.shuffle, "seed": args.seed,
                 "train_accuracy": float(train_accuracy)}
        save_tf1_checkpoint(sess, tf.train.Saver(), args.model, notes)
    print(f"Model saved to {args.model}")

    # 5. Pictures: how cost and accuracy changed, and what happened inside the network.
    if args.logdir:
        log.close()
        print(f"TensorBoard logs in {args.logdir}: view them with tensorboard --logdir {args.logdir}")
    if args.pictures:
        plots.save_training_curves(log.learning_curves(), "step", args.model)
        if args.gradients:
            plots.save_gradients(log.inside_curves(), args.model)


if __name__ == "__main__":
    run_training(main)
