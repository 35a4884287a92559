"""One loader for MNIST, Fashion-MNIST and CIFAR-10, online or offline.

Sources, in this order:

1. an explicit local copy: ``--data PATH``, else the data set's environment variable
   ($MNIST_DATA, $FASHION_MNIST_DATA, $CIFAR10_DATA).  It may be
   - an ``.npz`` in the layout of ``keras.datasets`` (x_train, y_train, x_test, y_test);
   - for MNIST and Fashion-MNIST, a folder with the four IDX files (``.gz`` or raw);
   - for CIFAR-10, the official ``cifar-10-python.tar.gz`` or its ``cifar-10-batches-py/`` folder;
2. Keras' cache (~/.keras/datasets, or $KERAS_HOME/datasets), or else a download through
   ``keras.utils.get_file`` from the official origin or from a mirror (``--mirror URL``,
   $NNLAB_MIRROR), checked against the published checksum.

A local copy, once read and checked, is kept in Keras' cache as ``<name>.npz`` (mnist.npz,
fashion_mnist.npz, cifar10.npz: the layout of ``keras.datasets``), and a download lands there
too: the next command without --data finds it there, offline.

Every array is checked (shapes, dtypes, label range).  A bad file or a failed download ends
the program with a one-line message that names the file and says what to do.
"""

import filecmp
import gzip
import io
import os
import pickle
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

from nnlab.i18n import N_, _, current_language
from nnlab.quiet_tensorflow import import_tensorflow

MIRROR_ENV_VAR = "NNLAB_MIRROR"
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
CORRUPT = N_("{path} is corrupt or truncated ({problem}): download it again")


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    env_var: str
    image_shape: tuple
    class_names: tuple
    origin: str
    files: tuple  # (file name, published checksum) pairs, as downloaded
    cache_subdir: str = "datasets"
    class_names_ko: tuple = ()


MNIST = DatasetInfo(
    "mnist", "MNIST", "MNIST_DATA", (28, 28), tuple("0123456789"), KERAS_ORIGIN,
    (("mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),))

# Zalando publishes MD5 sums for these files (keras.utils.get_file checks either kind).
FASHION_MNIST = DatasetInfo(
    "fashion_mnist", "Fashion-MNIST", "FASHION_MNIST_DATA", (28, 28),
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    KERAS_ORIGIN,
    (("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
     ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
     ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
     ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")),
    cache_subdir=os.path.join("datasets", "fashion-mnist"),
    class_names_ko=("티셔츠/탑", "바지", "풀오버", "드레스", "코트",
                    "샌들", "셔츠", "운동화", "가방", "앵클부츠"))

CIFAR10 = DatasetInfo(
    "cifar10", "CIFAR-10", "CIFAR10_DATA", (32, 32, 3),
    ("airplane", "automobile", "bird", "cat", "deer",
     "dog", "frog", "horse", "ship", "truck"),
    "https://www.cs.toronto.edu/~kriz/",
    (("cifar-10-python.tar.gz", "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),),
    class_names_ko=("비행기", "자동차", "새", "고양이", "사슴", "개", "개구리", "말", "배", "트럭"))

DATASETS = {info.name: info for info in (MNIST, FASHION_MNIST, CIFAR10)}


def class_names(info, korean=None):
    """The class names of a data set: the Korean ones with `korean` (None: when the messages
    are Korean), where it has them."""
    if korean is None:
        korean = current_language() == "ko"
    return info.class_names_ko if korean and info.class_names_ko else info.class_names


@dataclass
class Dataset:
    """Images as uint8 arrays of shape (N, *image_shape), labels as integer class ids (N,)."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    info: DatasetInfo
    source: str


class DataError(Exception):
    """A data file that cannot be read; the message says why."""


def load(name, data=None, mirror=None, cache_dir=None):
    """Load the data set `name` ("mnist", "fashion_mnist" or "cifar10") from the first source that applies."""
    info = DATASETS[name]
    path = data or os.environ.get(info.env_var)
    if path:
        source = os.path.abspath(os.path.expanduser(path))
        arrays = _read_local(info, source)
        try:
            checked = _validated(info, arrays)
        except DataError as error:
            raise SystemExit(_("error: {path} does not hold {title} as expected ({problem}): "
                               "point --data at a good copy").format(
                                   path=source, title=info.title, problem=error)) from None
        keep_in_cache(info, source, checked, cache_dir)
        return Dataset(*checked, info=info, source=source)
    mirror = mirror or os.environ.get(MIRROR_ENV_VAR)
    source, arrays = _read_cached_or_download(info, mirror, cache_dir)
    return Dataset(*arrays, info=info, source=source)


def local_source(name, data=None):
    """The local copy recorded beside a model: --data, else the data set's environment
    variable (None: Keras' cache or a download, found again the same way)."""
    path = data or os.environ.get(DATASETS[name].env_var)
    return os.path.abspath(os.path.expanduser(path)) if path else None


def flat_images(images, scale=True):
    """(N, ...) uint8 images as float32 rows of pixels, in [0, 1] when `scale`, as the course feeds them."""
    rows = images.reshape(len(images), -1).astype(np.float32)
    if scale:
        rows /= 255.0
    return rows


def shaped_images(images, scale=True):
    """(N, ...) uint8 images as float32 arrays of shape (N, height, width, channels), as a
    convolutional network takes them: grey images get a channel axis of 1."""
    images = images.astype(np.float32)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if scale:
        images /= 255.0
    return images


def one_hot(labels, num_classes=10):
    """Class ids as one-hot rows, with Keras' own to_categorical."""
    to_categorical = import_tensorflow().keras.utils.to_categorical
    return to_categorical(labels, num_classes).astype(np.float32)


def _read_local(info, path):
    if not os.path.exists(path):
        raise SystemExit(_("error: {path} does not exist: give --data (or ${variable}) the path "
                           "of a local copy of {title}").format(path=path, variable=info.env_var,
                                                               title=info.title))
    try:
        return _read_path(info, path)
    except DataError as error:
        raise SystemExit(_("error: {problem}").format(problem=error)) from None


def _read_path(info, path):
    if path.endswith(".npz"):
        return _read_npz(path)
    if os.path.isdir(path):
        if info.name == "cifar10":
            return _read_cifar_folder(path)
        return _read_idx_folder(path)
    if info.name == "cifar10" and path.endswith((".tar.gz", ".tgz")):
        return _read_cifar_tar(path)
    if info.name == "cifar10":
        raise DataError(_("{path}: not a format the loader knows; give an .npz, "
                          "cifar-10-python.tar.gz or the cifar-10-batches-py folder").format(
                              path=path))
    raise DataError(_("{path}: not a format the loader knows; give an .npz or a folder with the "
                      "four IDX files").format(path=path))


def keras_home(cache_dir=None):
    """Keras' own folder: $KERAS_HOME, else ~/.keras (its datasets/ is where keras.datasets looks)."""
    return cache_dir or os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras")


def kept_copy_path(info, cache_dir=None):
    """Where a local copy of the data set is kept for later commands: <Keras' cache>/<name>.npz
    (for MNIST the very file name keras.datasets.mnist uses)."""
    return os.path.join(keras_home(cache_dir), "datasets", f"{info.name}.npz")


def keep_in_cache(info, source, arrays, cache_dir=None):
    """Keep the checked `arrays`, read from the local copy `source`, in Keras' cache, so that
    the next command finds them without --data (offline).  An .npz is copied as it is; other
    formats are written as an .npz.  Nothing is written when the kept copy already holds the
    same; a cache that cannot be written is left alone (the next command needs --data again)."""
    kept = kept_copy_path(info, cache_dir)
    if os.path.abspath(kept) == os.path.abspath(source):
        return
    try:
        if source.endswith(".npz"):
            if _same_file(source, kept):
                return
        elif os.path.isfile(kept) and _holds(kept, arrays):
            return
        os.makedirs(os.path.dirname(kept), exist_ok=True)
        handle, scratch = tempfile.mkstemp(prefix=f".{info.name}.", suffix=".npz",
                                           dir=os.path.dirname(kept))
        try:
            with os.fdopen(handle, "wb") as file:
                if source.endswith(".npz"):
                    with open(source, "rb") as original:
                        shutil.copyfileobj(original, file)
                else:
                    x_train, y_train, x_test, y_test = arrays
                    np.savez(file, x_train=x_train, y_train=y_train.astype(np.uint8),
                             x_test=x_test, y_test=y_test.astype(np.uint8))
            os.replace(scratch, kept)  # all or nothing: a cut-off copy never replaces a good one
        finally:
            if os.path.exists(scratch):
                os.remove(scratch)
    except OSError:
        pass  # a read-only or full home: the data is read from --data again next time


def _same_file(path, other):
    if not os.path.isfile(other) or os.path.getsize(path) != os.path.getsize(other):
        return False
    return filecmp.cmp(path, other, shallow=False)


def _holds(path, arrays):
    try:
        return all(np.array_equal(kept, expected)
                   for kept, expected in zip(_read_npz(path), arrays))
    except DataError:
        return False


def _read_cached_or_download(info, mirror, cache_dir):
    """From Keras' cache when it holds good arrays (whatever their checksum): the copy kept of
    a local file, else the files Keras downloads; else downloaded."""
    cache_dir = keras_home(cache_dir)
    kept = kept_copy_path(info, cache_dir)
    if os.path.isfile(kept) and info.name != "mnist":  # MNIST's kept copy is Keras' mnist.npz
        try:
            return kept, _validated(info, _read_npz(kept))
        except DataError:
            pass  # damaged: Keras' own files, or a download, replace it
    # get_file quietly switches to /tmp/.keras when the cache folder does not exist yet.
    cache_folder = os.path.join(cache_dir, info.cache_subdir)
    cached = [os.path.join(cache_folder, file_name) for file_name, _ in info.files]
    damaged = None
    if all(os.path.isfile(path) for path in cached):
        try:
            source, arrays = _read_downloaded(info, cached)
            return source, _validated(info, arrays)
        except DataError as error:
            damaged = str(error)
    os.makedirs(cache_dir, exist_ok=True)
    paths = _download(info, mirror, cache_dir, cache_folder, damaged)
    try:
        source, arrays = _read_downloaded(info, paths)
        return source, _validated(info, arrays)
    except DataError as error:
        raise SystemExit(_("error: {problem}").format(problem=error)) from None


def _read_downloaded(info, paths):
    if info.name == "cifar10":
        return paths[0], _read_cifar_tar(paths[0])
    if info.name == "mnist":
        return paths[0], _read_npz(paths[0])
    return os.path.dirname(paths[0]), _read_idx_files(paths)


def _download(info, mirror, cache_dir, cache_folder, damaged):
    get_file = import_tensorflow().keras.utils.get_file
    base = mirror.rstrip("/") + "/" if mirror else info.origin
    names = ", ".join(file_name for file_name, _ in info.files)
    cache_advice = _("or put a good copy of {names} in {folder}").format(
        names=names, folder=cache_folder) if not damaged else \
        _("or replace the damaged copy in {folder} ({problem})").format(folder=cache_folder,
                                                                        problem=damaged)
    paths = []
    for file_name, file_hash in info.files:
        url = base + file_name
        try:
            paths.append(get_file(file_name, origin=url, file_hash=file_hash,
                                  cache_subdir=info.cache_subdir, cache_dir=cache_dir))
        except ValueError:
            raise SystemExit(_("error: the download of {url} does not match its published "
                               "checksum (a broken download or a wrong mirror): try again, use "
                               "another --mirror, or give a local copy with --data").format(
                                   url=url)) from None
        except Exception as error:
            reason = " ".join(str(error).split())[:200]
            raise SystemExit(_(
                "error: cannot download {title} from {url} ({reason}). Options: --data PATH (or "
                "${variable}) to a local copy; --mirror URL (or ${mirror_variable}) to a "
                "reachable copy; {cache_advice}").format(
                    title=info.title, url=url, reason=reason, variable=info.env_var,
                    mirror_variable=MIRROR_ENV_VAR, cache_advice=cache_advice)) from None
    return paths


def _read_npz(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            return tuple(archive[key] for key in ("x_train", "y_train", "x_test", "y_test"))
    except KeyError as error:
        raise DataError(_("{path} lacks an array ({name}); an .npz needs x_train, y_train, "
                          "x_test and y_test").format(path=path, name=error.args[0])) from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(_(CORRUPT).format(path=path, problem=error)) from None


def _read_idx_folder(folder):
    paths = []
    for stem in IDX_FILES:
        dotted = stem.replace("-idx", ".idx")  # LeCun's site names them train-images.idx3-ubyte
        candidates = [os.path.join(folder, name + suffix)
                      for name in (stem, dotted) for suffix in (".gz", "")]
        found = [path for path in candidates if os.path.isfile(path)]
        if not found:
            raise DataError(_("{folder} has no {name}[.gz]; a data folder needs the four IDX "
                              "files {names} (or give the .npz)").format(
                                  folder=folder, name=stem, names=", ".join(IDX_FILES)))
        paths.append(found[0])
    return _read_idx_files(paths)


def _read_idx_files(paths):
    """train images, train labels, test images, test labels -> (x_train, y_train, x_test, y_test)."""
    return tuple(_read_idx(path) for path in paths)


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as file:
            content = file.read()
    except (OSError, EOFError) as error:
        raise DataError(_(CORRUPT).format(path=path, problem=error)) from None
    if len(content) < 8 or content[:2] != b"\0\0" or content[2] != 0x08:
        raise DataError(_("{path} is not an IDX file of unsigned bytes: download it "
                          "again").format(path=path))
    dimensions = content[3]
    header = 4 + 4 * dimensions
    shape = tuple(int.from_bytes(content[4 + 4 * i: 8 + 4 * i], "big") for i in range(dimensions))
    if len(content) != header + int(np.prod(shape)):
        raise DataError(_("{path} is truncated: its header promises {shape} values: download "
                          "it again").format(path=path, shape=shape))
    return np.frombuffer(content, np.uint8, offset=header).reshape(shape)


def _read_cifar_folder(path):
    if os.path.isdir(os.path.join(path, CIFAR_FOLDER)):
        path = os.path.join(path, CIFAR_FOLDER)
    batches = []
    for name in CIFAR_BATCHES:
        batch_path = os.path.join(path, name)
        if not os.path.isfile(batch_path):
            raise DataError(_("{path} has no {name}; give the cifar-10-batches-py folder, "
                              "cifar-10-python.tar.gz or an .npz").format(path=path, name=name))
        with open(batch_path, "rb") as file:
            batches.append(_read_cifar_batch(file, batch_path))
    return _join_cifar_batches(batches)


def _read_cifar_tar(path):
    try:
        # Read to the end: only then does gzip check its CRC and notice damaged bytes inside.
        with gzip.open(path, "rb") as file:
            content = file.read()
        with tarfile.open(fileobj=io.BytesIO(content), mode="r:") as archive:
            batches = []
            for name in CIFAR_BATCHES:
                member = archive.extractfile(f"{CIFAR_FOLDER}/{name}")
                batches.append(_read_cifar_batch(member, f"{path}:{name}"))
    except KeyError as error:
        raise DataError(_("{path} lacks {name}: it is not the official "
                          "cifar-10-python.tar.gz").format(path=path, name=error)) from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise DataError(_(CORRUPT).format(path=path, problem=error)) from None
    return _join_cifar_batches(batches)


class _ArraysOnly(pickle.Unpickler):
    """An unpickler that builds numpy arrays, lists, dicts, numbers and strings, and nothing
    else: a CIFAR-10 batch is a pickle, and a pickle from elsewhere could run any code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(_("it asks for {name}, which a data file never needs (only "
                                       "arrays are loaded)").format(name=f"{module}.{name}"))


def _read_cifar_batch(file, name):
    try:
        batch = _ArraysOnly(file, encoding="bytes").load()
        images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(batch[b"labels"], dtype=np.uint8)
    except Exception as error:
        raise DataError(_(CORRUPT).format(path=name, problem=f"{type(error).__name__}: "
                                                             f"{error}")) from None
    return images.transpose(0, 2, 3, 1), labels  # to Keras' channels-last layout


def _join_cifar_batches(batches):
    train, test = batches[:-1], batches[-1]
    x_train = np.concatenate([images for images, _ in train])
    y_train = np.concatenate([labels for _, labels in train])
    return x_train, y_train, test[0], test[1]


def _validated(info, arrays):
    x_train, y_train, x_test, y_test = arrays
    checked = []
    for split, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        if not len(images):
            raise DataError(_("{array} holds no image").format(array=f"x_{split}"))
        if images.ndim != 1 + len(info.image_shape) or images.shape[1:] != info.image_shape:
            raise DataError(_("{array} has shape {shape}, expected {expected}").format(
                array=f"x_{split}", shape=images.shape,
                expected=f"(N, {', '.join(map(str, info.image_shape))})"))
        if images.dtype != np.uint8:
            raise DataError(_("{array} has dtype {dtype}, expected uint8 pixels").format(
                array=f"x_{split}", dtype=images.dtype))
        labels = labels.reshape(-1) if labels.ndim == 2 and labels.shape[1] == 1 else labels
        if labels.shape != (len(images),):
            raise DataError(_("{array} has shape {shape}, expected {expected}").format(
                array=f"y_{split}", shape=labels.shape, expected=f"({len(images)},)"))
        if not np.issubdtype(labels.dtype, np.integer):
            raise DataError(_("{array} has dtype {dtype}, expected integer class ids").format(
                array=f"y_{split}", dtype=labels.dtype))
        if len(labels) and (labels.min() < 0 or labels.max() >= len(info.class_names)):
            raise DataError(_("{array} holds labels outside 0..{last}").format(
                array=f"y_{split}", last=len(info.class_names) - 1))
        checked += [images, labels.astype(np.int64)]
    return checked
