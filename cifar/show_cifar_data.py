"""Show the first 150 CIFAR-10 training images in one picture, with their labels.

Machine Learning in Practice #3, homework: 32x32 colour images of ten kinds of object
(0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
9 truck), 50,000 for training and 10,000 for testing.  As the 2019 script: one mosaic of
15 x 10 images, then the shapes, the first ten labels, and the 150 labels as 10 rows of
15, laid out like the picture.  The picture opens in a window where there is a display and
is saved to model/cifar10_data.png.

    python show_cifar_data.py                        # the first 150 training images
    python show_cifar_data.py --names                # class names instead of numbers
    python show_cifar_data.py --split test --indices 3 10 42 --save cifar.png
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, viewer

COLUMNS, ROWS = 15, 10


def main(argv=None):
    parser, args = cli.parse(__doc__, argv, cli.data(("cifar10",)), cli.viewer(COLUMNS, ROWS))
    args.dataset = "cifar10"
    viewer.show(parser, args, COLUMNS, ROWS)


if __name__ == "__main__":
    main()
