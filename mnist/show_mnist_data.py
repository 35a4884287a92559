"""Show MNIST images with their labels.

Machine Learning in Practice #3, slide "MNIST Dataset": 28x28 grey images of handwritten
digits, 60,000 for training and 10,000 for testing.  Opens a window where there is a
display; writes a PNG (and prints its path) where there is none or with --save.

    python show_mnist_data.py                         # the first 16 training images
    python show_mnist_data.py --split test --count 32
    python show_mnist_data.py --indices 0 7 42 --save digits.png
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, datasets, plots


def parse_args(argv=None):
    parser = cli.parser(__doc__.splitlines()[0])
    cli.add_data_arguments(parser)
    cli.add_viewer_arguments(parser)
    return parser, parser.parse_args(argv)


def main(argv=None):
    parser, args = parse_args(argv)
    if args.save:
        plots.ensure_writable(args.save)
    data = datasets.load(args.dataset, args.data, args.mirror)
    indices = cli.chosen_indices(parser, args, len(data.y_train if args.split == "train"
                                                   else data.y_test))
    figure = plots.data_samples(data, args.split, indices)
    plots.show_or_save(figure, args.save, f"{args.dataset}_{args.split}_samples.png")


if __name__ == "__main__":
    main()
