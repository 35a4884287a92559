"""Every picture of the suite, drawn with matplotlib in one consistent look.

``show_or_save`` opens a window where there is a display and writes a PNG (printing its
path) where there is none or when a path is asked for, so the scripts never crash on a
server or in CI.
"""

import functools
import os
import re
import sys

import numpy as np

from nnlab.i18n import N_, _, current_language
from nnlab.paths import disk_space_for, ensure_writable_folder, picture_path

STYLE = {"figure.dpi": 100, "font.size": 9, "axes.titlesize": 9, "image.cmap": "gray"}
# Fonts that draw Hangul: Debian's fonts-nanum, Noto CJK, Windows' and macOS' own
KOREAN_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR",
                "Malgun Gothic", "Apple SD Gothic Neo", "AppleGothic", "UnDotum", "Baekmuk Gulim")
# the names of the curves the scripts record, and the axes they are drawn against
CURVE_NAMES = (N_("training accuracy (batch)"), N_("test accuracy"), N_("validation cost"),
               N_("validation accuracy"), N_("accuracy on the step's batch (dropout on)"),
               N_("epoch"), N_("saturated hidden units"))
KOREAN_FONT_FILES = ("nanumgothic.ttf", "nanumbarungothic.ttf", "notosanscjk-regular.ttc",
                     "notosanskr-regular.otf", "malgun.ttf", "applesdgothicneo.ttc",
                     "applegothic.ttf", "undotum.ttf", "gulim.ttf")
HANGUL = re.compile("[\u3131-\u318e\uac00-\ud7a3]")


def has_display():
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def pyplot():
    """matplotlib.pyplot, on a file-only backend where no window can open."""
    import matplotlib
    if not has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update(STYLE)
    if korean_font():  # Latin letters from matplotlib's own font, Hangul from this one
        plt.rcParams["font.family"] = ["DejaVu Sans", korean_font()]
    return plt


@functools.lru_cache(maxsize=None)
def korean_font():
    """The name of a font here that draws Hangul, or None.  A font installed after matplotlib
    made its font list (fonts-nanum on a machine already in use) is found among the system's
    fonts and added."""
    from matplotlib import font_manager
    installed = {font.name for font in font_manager.fontManager.ttflist}
    found = next((name for name in KOREAN_FONTS if name in installed), None)
    if found:
        return found
    for path in font_manager.findSystemFonts():
        if os.path.basename(path).lower() in KOREAN_FONT_FILES:
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
    return None


@functools.lru_cache(maxsize=None)
def _say_no_korean_font():
    print(_("note: no font that draws Hangul is installed here, so the pictures use English "
            "names (install one, e.g. sudo apt install fonts-nanum)"))


def drawable(texts):
    """Whether `texts` can be drawn: no Hangul, or a font for it (else a note, said once)."""
    if not any(HANGUL.search(str(text)) for text in texts) or korean_font():
        return True
    _say_no_korean_font()
    return False


def picture_class_names(class_names):
    """The class names a picture shows: the Korean ones where the messages are Korean (or
    the names given are Korean) and a font here draws Hangul, else the English ones."""
    from nnlab.datasets import DATASETS
    names = tuple(str(name) for name in class_names)
    for info in DATASETS.values():
        if info.class_names_ko and names in (info.class_names, info.class_names_ko):
            korean = names == info.class_names_ko or current_language() == "ko"
            return list(info.class_names_ko if korean and drawable(info.class_names_ko)
                        else info.class_names)
    return list(names)


def label(message):
    """A picture's text: `message` (English, marked N_) in the chosen language, or in English
    where no font here draws Hangul."""
    translated = _(message)
    return translated if translated == message or drawable([translated]) else message


def ensure_writable(path, flag="--save"):
    """Fail before long work starts if a picture could not be written to `path`."""
    ensure_writable_folder(os.path.dirname(os.path.abspath(path)), flag)


def can_show():
    """Whether pictures can open in a window here."""
    return has_display() and pyplot().get_backend().lower() not in ("agg", "pdf", "svg", "ps")


def save(figure, path):
    """Write `figure` as PNG to `path`, print where, and free it unless it will be shown."""
    ensure_writable(path)
    with disk_space_for(path, _("the picture {name}").format(name=os.path.basename(path))):
        figure.savefig(path, bbox_inches="tight")
    print(_("Picture saved to {path}").format(path=path))
    if not can_show():
        pyplot().close(figure)
    return path


def show_saved():
    """Open the windows of the pictures saved so far, where there is a display."""
    if can_show():
        pyplot().show()


def show_or_save(figure, path=None, default_path=None):
    """Show `figure` in a window, or save it as PNG to `path` (or `default_path` without a display)."""
    if path is None and can_show():
        pyplot().show()
        return None
    return save(figure, path or default_path)


def image_grid(images, titles, title=None, columns=None):
    """A grid of images (grey or RGB) with a short caption above each."""
    plt = pyplot()
    count = len(images)
    columns = columns or min(count, 8)
    rows = max(1, -(-count // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(1.4 * columns, 1.6 * rows + 0.4),
                                squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, image, caption in zip(axes.flat, images, titles):
        axis.imshow(image, vmin=0, vmax=255)
        axis.set_title(caption)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def predictions(images, actual, predicted, class_names,
                title=N_("Test images: actual / predicted")):
    """Images captioned "actual / predicted" by class name; wrong predictions in red."""
    class_names = picture_class_names(class_names)
    captions = [f"{class_names[a]} / {class_names[p]}" for a, p in zip(actual, predicted)]
    figure = image_grid(images, captions, title=label(title))
    for axis, a, p in zip(figure.axes, actual, predicted):
        axis.title.set_color("black" if a == p else "red")
    return figure


def training_curves(history, x_label):
    """Cost and accuracy against steps or epochs. `history` maps a curve's name to (xs, ys).

    Curves of few points are drawn with markers (a 1-epoch run shows its one point); epochs
    are whole numbers on the axis.  Without a cost curve (the CNN lab records accuracies
    only), the accuracy panel is drawn alone.
    """
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()
    has_cost = any("cost" in name or "loss" in name for name in history)
    figure, axes = plt.subplots(1, 2 if has_cost else 1, figsize=(10 if has_cost else 6, 4),
                                squeeze=False)
    cost_axis, accuracy_axis = (axes[0][0], axes[0][1]) if has_cost else (None, axes[0][0])
    for name, (xs, ys) in history.items():
        axis = cost_axis if "cost" in name or "loss" in name else accuracy_axis
        axis.plot(xs, ys, label=label(curve_label(name)), marker="o" if len(xs) <= 30 else None,
                  linewidth=0.8 if len(xs) > 300 else 1.5)
    last = max((max(xs) for xs, _ in history.values() if xs), default=1)
    for axis, y_label in ((cost_axis, N_("cost")), (accuracy_axis, N_("accuracy"))):
        if axis is None:
            continue
        axis.set_xlabel(label(x_label))
        if x_label == "epoch":
            axis.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
            axis.set_xlim(0.5, last + 0.5)
        axis.set_ylabel(label(y_label))
        axis.grid(alpha=0.3)
        if axis.lines:
            axis.legend()
    figure.tight_layout()
    return figure


def curve_label(name):
    """A curve's name in the course's words: Keras' "loss" is the slides' cost, "val_" the
    validation data's ("val_loss" -> "validation cost")."""
    label = name.replace("loss", "cost")
    return "validation " + label[4:] if label.startswith("val_") else label


def save_training_curves(curves, x_label, model_path):
    """The training curves as MODEL_curves.png beside the model, shown where there is a display."""
    save(training_curves(curves, x_label), picture_path(model_path, "curves"))
    show_saved()


def save_gradients(curves, model_path):
    """MODEL_gradients.png: gradient norms per weight matrix and, for sigmoid hidden units, how
    many are saturated, against the training step."""
    plt = pyplot()
    saturation = {name: curve for name, curve in curves.items() if name.startswith("saturated")}
    panels = 2 if saturation else 1
    figure, axes = plt.subplots(1, panels, figsize=(5 * panels, 4), squeeze=False)
    gradient_axis = axes[0][0]
    for name, (xs, ys) in curves.items():
        if name.startswith("gradient"):
            gradient_axis.plot(xs, ys, label=label(N_("weights {name}")).format(
                name=name[len("gradient norm "):]))
    gradient_axis.set_yscale("symlog", linthresh=1e-6)
    norms = [y for name, (_, ys) in curves.items() if name.startswith("gradient") for y in ys]
    ticks = readable_ticks(norms)
    if ticks:
        gradient_axis.set_yticks(ticks, [f"{tick:g}" for tick in ticks])
    gradient_axis.set(xlabel=label(N_("step")), ylabel=label(N_("norm of the cost's gradient")),
                      title=label(N_("How strongly each weight matrix is pushed")))
    gradient_axis.legend()
    if saturation:
        axis = axes[0][1]
        for name, (xs, ys) in saturation.items():
            axis.plot(xs, ys, color="tab:red")
        axis.set(xlabel=label(N_("step")),
                 ylabel=label(N_("fraction of hidden outputs < 0.01 or > 0.99")),
                 title=label(N_("Saturated sigmoid units")), ylim=(-0.02, 1.02))
    for axis in axes[0]:
        axis.grid(alpha=0.3)
    figure.tight_layout()
    save(figure, picture_path(model_path, "gradients"))


def readable_ticks(values):
    """1, 2 and 5 times the powers of ten that span the positive `values` (and 0 where one is
    0): several labelled ticks even where the values stay within one decade."""
    positive = [value for value in values if value > 0]
    if not positive:
        return []
    low, high = np.floor(np.log10(min(positive))), np.ceil(np.log10(max(positive)))
    ticks = [float(factor * 10.0 ** power) for power in np.arange(low, high + 1)
             for factor in (1, 2, 5) if min(positive) / 2 <= factor * 10.0 ** power <= max(positive) * 2]
    if len(ticks) > 8:  # many decades: their powers of ten are enough
        ticks = [tick for tick in ticks if f"{tick:g}".lstrip("0.").startswith("1")]
    return ([0.0] if min(values) <= 0 else []) + ticks


def hidden_units(weights, image_shape=(28, 28), limit=100):
    """Each hidden unit's input weights as an image, up to `limit` units, one shared colour scale."""
    plt = pyplot()
    count = min(weights.shape[1], limit)
    columns = min(count, 10)
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.1 * columns + 1, 1.1 * rows + 0.6),
                                squeeze=False, layout="constrained")  # no gap under the title
    scale = float(np.abs(weights[:, :count]).max()) or 1.0
    for axis in axes.flat:
        axis.axis("off")
    for unit, axis in zip(range(count), axes.flat):
        image = axis.imshow(weights[:, unit].reshape(image_shape), cmap="RdBu_r",
                            vmin=-scale, vmax=scale)
    figure.suptitle(label(N_("Input weights of {count} hidden units (red: positive, blue: "
                             "negative)")).format(count=count))
    figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6)
    return figure


def experiments(rows, curves, quick=False):
    """run_experiments.py's picture: test accuracies side by side, and TF1 test-accuracy curves.

    `rows`: (name, command, train accuracy, test accuracy, seconds); `curves`: name -> (steps,
    test accuracies); `quick`: the runs were shortened (--quick), which the titles say."""
    plt = pyplot()
    figure, (bars, lines) = plt.subplots(1, 2, figsize=(13, 0.45 * len(rows) + 2),
                                         gridspec_kw={"width_ratios": [3, 2]})
    names = [row[0] for row in rows][::-1]
    tests = [row[3] for row in rows][::-1]
    bars.barh(names, tests, color="tab:blue")
    for position, value in enumerate(tests):
        bars.text(value + 0.01, position, f"{value:.1%}", va="center", fontsize=8)
    bars.set(xlim=(0, 1.1), xlabel=label(N_("test accuracy")),
             title=label(N_("The lectures' experiments (--quick: shortened runs)") if quick else
                         N_("The lectures' experiments")))
    for name, (steps, values) in curves.items():
        lines.plot(steps, values, marker="o" if len(steps) <= 30 else None, markersize=3,
                   label=name)
    lines.set(xlabel=label(N_("step")), ylabel=label(N_("test accuracy")), ylim=(0, 1),
              title=label(N_("During training (TensorFlow 1.x runs)")))
    longest = max((max(steps) for steps, _ in curves.values() if steps), default=0)
    if longest > 3000:  # 10,000 CNN steps beside 1,000 MLP steps: each run gets its room
        lines.set_xscale("symlog", linthresh=100)
        lines.set_xlim(0, longest * 1.2)
        lines.set_xlabel(label(N_("step (linear to 100, then logarithmic)")))
    lines.grid(alpha=0.3)
    if curves:
        lines.legend(fontsize=7)
    figure.tight_layout()
    return figure


def confusion_matrix(actual, predicted, class_names, title=N_("Confusion matrix (test data)")):
    """Counts of (actual, predicted) pairs as a heat map, with the counts written in."""
    plt = pyplot()
    class_names = picture_class_names(class_names)
    size = len(class_names)
    counts = np.zeros((size, size), dtype=np.int64)
    np.add.at(counts, (np.asarray(actual), np.asarray(predicted)), 1)
    figure, axis = plt.subplots(figsize=(7, 6))
    image = axis.imshow(counts, cmap="Blues")
    figure.colorbar(image, ax=axis)
    axis.set_xticks(range(size), class_names, rotation=45, ha="right")
    axis.set_yticks(range(size), class_names)
    axis.set_xlabel(label(N_("predicted")))
    axis.set_ylabel(label(N_("actual")))
    axis.set_title(label(title))
    threshold = counts.max() / 2
    for row in range(size):
        for column in range(size):
            axis.text(column, row, counts[row, column], ha="center", va="center", fontsize=7,
                      color="white" if counts[row, column] > threshold else "black")
    figure.tight_layout()
    return figure


def weight_templates(weights, class_names, image_shape=(28, 28)):
    """Each output unit's weights drawn as an image: what the linear classifier looks for."""
    plt = pyplot()
    count = weights.shape[1]
    columns = min(count, 5)
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(2 * columns, 2.2 * rows), squeeze=False)
    names = picture_class_names(class_names)
    limit = np.abs(weights).max() or 1.0
    for axis in axes.flat:
        axis.axis("off")
    for unit, axis in zip(range(count), axes.flat):
        image = axis.imshow(weights[:, unit].reshape(image_shape), cmap="RdBu_r",
                            vmin=-limit, vmax=limit)
        axis.set_title(str(names[unit]))
    figure.suptitle(label(N_("Learned weights per class (red: evidence for, blue: against)")))
    figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6)
    return figure


def conv_filters(kernel, title, limit=64):
    """A convolution's filters, `kernel` of shape (height, width, input channels, filters), one
    small image each: red and blue for filters on one grey channel (one colour scale for all,
    as the hidden units), in colour for filters on RGB images (each stretched to full range).
    Up to `limit` filters."""
    plt = pyplot()
    count = min(kernel.shape[3], limit)
    columns = min(count, 8)
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.0 * columns + 1.2, 1.0 * rows + 0.7),
                                squeeze=False, layout="constrained")
    scale = float(np.abs(kernel[..., :count]).max()) or 1.0
    for axis in axes.flat:
        axis.axis("off")
    image = None
    for index, axis in zip(range(count), axes.flat):
        weights = kernel[:, :, :, index]
        if weights.shape[2] == 3:
            low, high = weights.min(), weights.max()
            axis.imshow((weights - low) / ((high - low) or 1.0))
        else:
            image = axis.imshow(weights[:, :, 0], cmap="RdBu_r", vmin=-scale, vmax=scale)
        axis.set_title(str(index + 1), fontsize=7, pad=2)
    figure.suptitle(title)
    if image is not None:
        figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6)
    return figure


def feature_maps(image, rows, title):
    """What a convolutional network computes from one image: the image, then the maps of each
    stage, one row of stages for each convolution (`rows`: lists of (title, array of shape
    (height, width, channels))).  A stage's channels are small squares of one mosaic, all on
    that stage's colour scale (dark: low, bright: high)."""
    plt = pyplot()
    colours = plt.get_cmap("viridis").copy()
    colours.set_bad("white")
    mosaics = [[stage_mosaic(maps) for _, maps in row] for row in rows]
    columns = max(len(row) for row in rows)
    heights = [max(0.5, max(tiles.shape[0] / tiles.shape[1] for tiles in row))
               for row in mosaics]
    figure = plt.figure(figsize=(3.0 * (columns + 1), 3.0 * sum(heights) + 0.55 * len(rows) + 0.6),
                        layout="constrained")
    grid = figure.add_gridspec(len(rows), columns + 1, height_ratios=heights)
    axis = figure.add_subplot(grid[0, 0])
    grey = image.ndim == 2 or image.shape[-1] == 1
    axis.imshow(image.squeeze() if grey else image, cmap="gray" if grey else None,
                vmin=0, vmax=255 if image.dtype == np.uint8 else None)
    axis.set_title(label(N_("the input image\n{shape}")).format(
        shape=" x ".join(map(str, image.shape))))
    axis.axis("off")
    note = figure.add_subplot(grid[1:, 0] if len(rows) > 1 else grid[0, 0].subgridspec(2, 1)[1])
    note.axis("off")
    note.text(0, 1, label(N_("Each small square is one\nchannel's map: dark low,\nbright high "
                             "(each panel\non its own scale).")), va="top", fontsize=9)
    for row_number, (row, row_mosaics) in enumerate(zip(rows, mosaics)):
        for column, ((name, _maps), tiles) in enumerate(zip(row, row_mosaics)):
            axis = figure.add_subplot(grid[row_number, 1 + column])
            axis.imshow(tiles, cmap=colours, vmin=0, vmax=1)
            axis.set_title(label(name))
            axis.axis("off")
    figure.suptitle(label(title))
    return figure


def stage_mosaic(maps):
    """A stage's maps (height, width, channels), scaled together to [0, 1], as one mosaic of
    up to 8 columns with blank (NaN) borders."""
    low, high = float(maps.min()), float(maps.max())
    normalised = np.moveaxis((maps - low) / ((high - low) or 1.0), -1, 0).astype(np.float32)
    columns = min(len(normalised), 8)
    return mosaic(normalised, columns, -(-len(normalised) // columns), border=1, fill=np.nan)


TEST_PICTURES = ("confusion", "mistakes", "weights", "samples", "hidden_units", "gradients",
                 "filters", "feature_maps")


def remove_test_pictures(model_path):
    """Delete the test scripts' pictures of the model that was at `model_path`: a new model
    replaces it, and they no longer describe what is there."""
    for name in TEST_PICTURES:
        path = picture_path(model_path, name)
        if os.path.exists(path):
            os.remove(path)


def mosaic(images, columns, rows, border=2, fill=None):
    """The 2019 viewers' merge_figures: images pasted into one array with `border` pixels
    between them, row by row (grey images stay 2-D, colour ones keep their channels).
    The border is white (`fill`: another value, such as NaN for a colour map's blank)."""
    height, width = images.shape[1:3]
    shape = (rows * (height + border) + border, columns * (width + border) + border) + \
        images.shape[3:]
    if fill is None:
        fill = 255 if images.dtype == np.uint8 else 1
    canvas = np.full(shape, fill, dtype=images.dtype)
    for index, image in enumerate(images[:columns * rows]):
        row, column = divmod(index, columns)
        top, left = border + row * (height + border), border + column * (width + border)
        canvas[top:top + height, left:left + width] = image
    return canvas


def data_mosaic(images, columns, rows, title):
    """The viewers' picture: one mosaic, no ticks, grey digits on Greys_r as in 2019."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(columns * 0.4 + 0.5, rows * 0.4 + 0.8))
    axis.imshow(mosaic(images, columns, rows), cmap="Greys_r" if images.ndim == 3 else None)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(title)
    figure.tight_layout()
    return figure


def draw_test_pictures(images, actual, predicted, class_names, which, model_path, folder=None,
                       weights=None, hidden_weights=None):
    """The test scripts' pictures: confusion matrix, mistakes, and the softmax network's weights.

    `which` names those wanted; the weight templates need `weights` (inputs x classes).
    Each goes beside the model (or into `folder`) as MODEL_confusion.png and so on.
    Returns the paths written.
    """
    paths = []
    if "confusion" in which:
        paths.append(save(confusion_matrix(actual, predicted, class_names),
                          picture_path(model_path, "confusion", folder)))
    if "mistakes" in which and len(actual):
        wrong = np.flatnonzero(np.asarray(actual) != np.asarray(predicted))[:32]
        if not len(wrong):
            print(_("No misclassified test image: no picture of mistakes to draw"))
        else:
            figure = predictions(images[wrong], np.asarray(actual)[wrong],
                                 np.asarray(predicted)[wrong], class_names,
                                 title=label(N_("Misclassified test images (first {count}): "
                                                "actual / predicted")).format(count=len(wrong)))
            paths.append(save(figure, picture_path(model_path, "mistakes", folder)))
    if "weights" in which:
        path = picture_path(model_path, "weights", folder)
        if weights is not None:
            paths.append(save(weight_templates(weights, class_names, images.shape[1:]), path))
        elif os.path.exists(path):
            os.remove(path)  # drawn for an earlier softmax model: it no longer applies
    if "hidden_units" in which and hidden_weights is not None:
        paths.append(save(hidden_units(hidden_weights, images.shape[1:]),
                          picture_path(model_path, "hidden_units", folder)))
    return paths
