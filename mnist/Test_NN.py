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

from nnlab import cli, datasets, plots, report
from nnlab.checkpoints import read_tf1_notes, recorded_data, restore_tf1_checkpoint
from nnlab.choices import MNIST_DATASETS
from nnlab.paths import default_model_path
from nnlab.quiet_tensorflow import import_tensorflow_v1


def parse_args(argv=None):
    return cli.parse(__doc__, argv,
                     cli.model_file(default_model_path("mnist_NN_model.ckpt"),
                                    "the checkpoint written by Train_NN.py"),
                     cli.data(MNIST_DATASETS, dataset_default=None),
                     cli.test_pictures(("confusion", "mistakes", "weights", "hidden_units")))[1]


def main(argv=None):
    args = parse_args(argv)
    notes = read_tf1_notes(args.model, "Train_NN.py")
    tf = import_tensorflow_v1()  # imported after the flags are checked: --help answers at once
    import NN_comp_graph

    # 1. Load the data the network was trained on (unless --dataset or --data say otherwise).
    dataset = args.dataset or notes["dataset"]
    data = datasets.load(dataset, recorded_data(args, notes, dataset), args.mirror)
    x_train, y_train = datasets.flat_images(data.x_train), datasets.one_hot(data.y_train)
    x_test, y_test = datasets.flat_images(data.x_test), datasets.one_hot(data.y_test)

    # 2. Rebuild the computation graph that Train_NN.py trained.
    x_in, y_in = NN_comp_graph.placeholders()
    builder = getattr(NN_comp_graph, notes["builder"])  # one of the two, checked by read_tf1_notes
    accuracy, _ = builder(x_in, y_in, **notes["options"])
    prediction = NN_comp_graph.node("prediction")

    # 3. Restore the trained variables and measure.
    with tf.Session() as sess:
        restore_tf1_checkpoint(sess, tf.train.Saver(), args.model, "Train_NN.py")
        report.say(f"Measuring accuracy on {len(x_test):,} test and {len(x_train):,} training images")
        test_accuracy, predicted = sess.run([accuracy, prediction],
                                            feed_dict={x_in: x_test, y_in: y_test})
        train_accuracy = sess.run(accuracy, feed_dict={x_in: x_train, y_in: y_train})
        report.print_accuracies(test_accuracy, train_accuracy)

        chosen = report.sample_indices(args.samples, len(x_test), args.seed)
        names = None if data.info.name == "mnist" else data.info.class_names
        report.print_predictions(data.y_test[chosen], predicted[chosen], names)

        # 4. Inside the network: the softmax network's weights map pixels straight to classes;
        #    a hidden layer's units each look for their own pattern - or all for the same one.
        weights = hidden = None
        if notes["builder"] == "NN_comp_graph_without_hidden_layer":
            weights = sess.run(NN_comp_graph.variable("w"))
        else:
            hidden, biases = sess.run([NN_comp_graph.variable("w_hidden"),
                                       NN_comp_graph.variable("b_hidden")])
            report.print_hidden_units(hidden, biases, notes["options"].get("init") == "zeros")

        # 5. Pictures: which classes get confused, the mistakes, and what the weights learned.
        if args.pictures:
            plots.draw_test_pictures(data.x_test, data.y_test, predicted, data.info.class_names,
                                     args.pictures, args.model, args.picture_dir, weights, hidden)
            plots.show_saved()


if __name__ == "__main__":
    main()
