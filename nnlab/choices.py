"""The names every script and the graph module agree on, kept once and free of TensorFlow.

The command line reads them for ``--help`` (which must answer without loading TensorFlow);
NN_comp_graph.py, the Keras scripts and the data loader use the same lists.
"""

MNIST_DATASETS = ("mnist", "fashion_mnist")  # 28 x 28 grey images of 10 classes
DATASETS = MNIST_DATASETS + ("cifar10",)
ACTIVATIONS = ("sigmoid", "relu", "tanh")  # tf.nn and keras.activations both know these names
INITIALIZATIONS = ("zeros", "glorot")  # the course's zeros, or Glorot-uniform random weights
COSTS = ("sum", "mean")  # cross entropy summed over the batch (the course) or averaged
OPTIMIZERS = ("sgd", "momentum", "adam", "adagrad")

# NN_comp_graph.py's two network builders and the keyword options each takes: the only
# functions Test_NN.py will ever call by the name recorded beside a checkpoint.
BUILDER_OPTIONS = {
    "NN_comp_graph_without_hidden_layer": ("init", "optimizer", "learning_rate", "cost"),
    "NN_comp_graph_with_hidden_layer": ("hidden_units", "activation", "init", "optimizer",
                                        "learning_rate", "cost"),
}

# CNN_comp_graph.py's network, as named in the notes beside Train_CNN.py's checkpoints.
CNN_NETWORK = "CNN_comp_graph"
