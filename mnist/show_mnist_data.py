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
    add_viewer_arguments(parser)
    return parser, parser.parse_args(argv)


def add_viewer_arguments(parser):
    parser.add_argument("--split", choices=("train", "test"), default="train",
                        help="which part of the data to show")
    parser.add_argument("--count", type=cli.positive_int, default=16,
                        help="how many images, from the first (ignored with --indices)")
    parser.add_argument("--indices", type=cli.int_value, nargs="+", metavar="I",
                        help="show exactly these images")
    parser.add_argument("--save", metavar="PNG",
                        help="write the picture to this file instead of opening a window")


def choose_images(parser, args, images):
    """The indices asked for, checked against the number of images."""
    indices = args.indices if args.indices else list(range(min(args.count, len(images))))
    wrong = [index for index in indices if not 0 <= index < len(images)]
    if wrong:
        parser.error(f"--indices {wrong[0]} is outside 0..{len(images) - 1}")
    return indices


def main(argv=None):
    parser, args = parse_args(argv)
    if args.save:
        plots.ensure_writable(args.save)
    data = datasets.load(args.dataset, args.data, args.mirror)
    images, labels = ((data.x_train, data.y_train) if args.split == "train"
                      else (data.x_test, data.y_test))
    indices = choose_images(parser, args, images)
    captions = [f"#{index}: {data.info.class_names[labels[index]]}" for index in indices]
    figure = plots.image_grid(images[indices], captions,
                              title=f"{data.info.title} {args.split} images with their labels")
    plots.show_or_save(figure, args.save, f"{args.dataset}_{args.split}_samples.png")


if __name__ == "__main__":
    main()
