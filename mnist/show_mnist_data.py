"""Show the first 600 MNIST training digits in one picture, with their labels.

Machine Learning in Practice #3, slide "MNIST Dataset": 28x28 grey images of handwritten
digits, 60,000 for training and 10,000 for testing.  As the 2019 script: one mosaic of
30 x 20 digits, then the shapes, the first ten labels, and the 600 labels as 20 rows of
30, laid out like the picture, so that each digit can be matched to its label.  The
picture opens in a window where there is a display and is saved to model/mnist_data.png.

    python show_mnist_data.py                         # the first 600 training digits
    python show_mnist_data.py --split test --offset 600
    python show_mnist_data.py --indices 0 7 42 --dataset fashion_mnist --names
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, viewer

COLUMNS, ROWS = 30, 20


def main(argv=None):
    parser, args = cli.parse(__doc__, argv, cli.data(), cli.viewer(COLUMNS, ROWS))
    viewer.show(parser, args, COLUMNS, ROWS)


if __name__ == "__main__":
    main()
