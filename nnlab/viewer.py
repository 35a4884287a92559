"""The data viewers' work: the 2019 mosaic of images, and their labels printed in its layout."""

import os

import numpy as np

from nnlab import datasets, plots
from nnlab.i18n import N_, _
from nnlab.paths import MODEL_DIR


def show(parser, args, columns, rows):
    """Load the data set, draw the mosaic, print shapes, first labels and the label grid."""
    save_path = args.save or str(MODEL_DIR / f"{args.dataset}_data.png")
    if os.path.isdir(save_path):
        parser.error(_("argument --save: {path} is a folder; give a file name like "
                       "{example}").format(path=save_path, example=os.path.join(
                           save_path, args.dataset + "_data.png")))
    plots.ensure_writable(save_path)
    data = datasets.load(args.dataset, args.data, args.mirror)
    images, labels = (data.x_train, data.y_train) if args.split == "train" else \
        (data.x_test, data.y_test)
    if args.indices:
        wrong = [index for index in args.indices if index >= len(labels)]
        if wrong:
            parser.error(_("argument --indices: {index} is outside 0..{last}").format(
                index=wrong[0], last=len(labels) - 1))
        chosen = np.array(args.indices)
        rows = -(-len(chosen) // columns)
        columns = min(columns, len(chosen))
    else:
        if args.offset >= len(labels):
            parser.error(_("argument --offset: {index} is outside 0..{last}").format(
                index=args.offset, last=len(labels) - 1))
        chosen = np.arange(args.offset, min(args.offset + columns * rows, len(labels)))
        rows = -(-len(chosen) // columns)
        columns = min(columns, len(chosen))  # the last 10 images: "10 x 1", not "15 x 1"

    print(f"x_{args.split}.shape: {images.shape}, y_{args.split}.shape: {labels.shape}")
    print(f"y_{args.split}[:10]: {labels[:10].tolist()}")
    split = plots.label(N_("training") if args.split == "train" else N_("test"))
    title = plots.label(N_("{data} {split} images {first}..{last}, {columns} x {rows}, labels "
                           "printed in the same layout") if not args.indices else
                        N_("{data} {split} images chosen, {columns} x {rows}, labels printed "
                           "in the same layout")).format(data=data.info.title, split=split,
                                                         first=chosen[0], last=chosen[-1],
                                                         columns=columns, rows=rows)
    pictures = images[chosen]
    if images.ndim == 4:
        pictures = pictures / 255.0  # colour images as in 2019's show_cifar_data.py
    figure = plots.data_mosaic(pictures, columns, rows, title)
    print(_("Labels of the {count} images, row by row as in the picture:").format(
        count=len(chosen)))
    names = datasets.class_names(data.info)
    width = max(len(name) for name in names) if args.names else 1
    for row in range(rows):
        row_labels = labels[chosen[row * columns:(row + 1) * columns]]
        print(" ".join(f"{names[label] if args.names else label:>{width}}"
                       for label in row_labels))
    plots.save(figure, os.path.abspath(save_path))
    plots.show_saved()
