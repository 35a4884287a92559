"""nnlab.datasets: every source of MNIST, Fashion-MNIST and CIFAR-10, and every way a file can be bad."""

import dataclasses
import gzip
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from conftest import (REAL_FASHION_MNIST, generated_arrays, needs_real_fashion_mnist,
                      write_npz)
from nnlab import datasets

IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def idx_bytes(array):
    magic = bytes([0, 0, 0x08, array.ndim])
    header = b"".join(size.to_bytes(4, "big") for size in array.shape)
    return magic + header + array.astype(np.uint8).tobytes()


def write_idx_folder(folder, arrays, compress=True):
    folder.mkdir(exist_ok=True)
    x_train, y_train, x_test, y_test = arrays
    for name, array in zip(IDX_NAMES, (x_train, y_train, x_test, y_test)):
        content = idx_bytes(array)
        if compress:
            (folder / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)
    return str(folder)


def cifar_batch(images, labels):
    data = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    return pickle.dumps({b"data": data, b"labels": [int(label) for label in labels]})


def write_cifar_tar(path, arrays):
    """The official cifar-10-python.tar.gz layout, from generated arrays."""
    x_train, y_train, x_test, y_test = arrays
    chunks = np.array_split(np.arange(len(x_train)), 5)
    members = {f"data_batch_{i + 1}": cifar_batch(x_train[chunk], y_train[chunk])
               for i, chunk in enumerate(chunks)}
    members["test_batch"] = cifar_batch(x_test, y_test)
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return str(path)


def assert_same(dataset, arrays):
    for loaded, expected in zip((dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test),
                                arrays):
        np.testing.assert_array_equal(loaded, expected.reshape(loaded.shape))


@pytest.fixture
def mnist_arrays():
    return generated_arrays((28, 28), train_size=50, test_size=20)


@pytest.fixture
def cifar_arrays():
    return generated_arrays((32, 32, 3), train_size=50, test_size=20)


def test_npz_from_flag(tmp_path, mnist_arrays):
    dataset = datasets.load("mnist", write_npz(tmp_path / "m.npz", mnist_arrays))
    assert_same(dataset, mnist_arrays)
    assert dataset.y_train.dtype == np.int64 and dataset.info.title == "MNIST"


def test_environment_variable_is_used_when_no_flag(tmp_path, mnist_arrays, monkeypatch):
    monkeypatch.setenv("MNIST_DATA", write_npz(tmp_path / "m.npz", mnist_arrays))
    assert_same(datasets.load("mnist"), mnist_arrays)


def test_flag_wins_over_environment_variable(tmp_path, mnist_arrays, monkeypatch):
    monkeypatch.setenv("MNIST_DATA", str(tmp_path / "missing.npz"))
    assert_same(datasets.load("mnist", write_npz(tmp_path / "m.npz", mnist_arrays)), mnist_arrays)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_folder(tmp_path, mnist_arrays, compress):
    folder = write_idx_folder(tmp_path / "idx", mnist_arrays, compress)
    assert_same(datasets.load("fashion_mnist", folder), mnist_arrays)


def test_idx_folder_with_lecun_dotted_names(tmp_path, mnist_arrays):
    folder = tmp_path / "lecun"
    write_idx_folder(folder, mnist_arrays, compress=False)
    for name in IDX_NAMES:
        os.rename(folder / name, folder / name.replace("-idx", ".idx"))
    assert_same(datasets.load("mnist", str(folder)), mnist_arrays)


@needs_real_fashion_mnist
def test_real_fashion_mnist_folder():
    dataset = datasets.load("fashion_mnist", REAL_FASHION_MNIST)
    assert dataset.x_train.shape == (60000, 28, 28) and dataset.x_test.shape == (10000, 28, 28)
    assert np.bincount(dataset.y_test).tolist() == [1000] * 10


def test_missing_path_says_what_to_do(tmp_path):
    with pytest.raises(SystemExit, match=r"does not exist: give --data \(or \$MNIST_DATA\)"):
        datasets.load("mnist", str(tmp_path / "nothing.npz"))


def test_truncated_npz_is_named(tmp_path, mnist_arrays):
    path = tmp_path / "m.npz"
    write_npz(path, mnist_arrays)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(SystemExit, match=r"m\.npz is corrupt or truncated"):
        datasets.load("mnist", str(path))


def test_npz_without_the_keras_keys(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(SystemExit, match=r"lacks an array \(x_train is not a file"):
        datasets.load("mnist", str(path))


def test_truncated_gzip_idx_file(tmp_path, mnist_arrays):
    folder = tmp_path / "idx"
    write_idx_folder(folder, mnist_arrays)
    target = folder / "train-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:300])
    with pytest.raises(SystemExit, match=r"train-images-idx3-ubyte\.gz is corrupt or truncated"):
        datasets.load("mnist", str(folder))


def test_truncated_raw_idx_file(tmp_path, mnist_arrays):
    folder = tmp_path / "idx"
    write_idx_folder(folder, mnist_arrays, compress=False)
    target = folder / "t10k-images-idx3-ubyte"
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(SystemExit, match=r"t10k-images-idx3-ubyte is truncated"):
        datasets.load("mnist", str(folder))


def test_file_that_is_not_idx(tmp_path, mnist_arrays):
    folder = tmp_path / "idx"
    write_idx_folder(folder, mnist_arrays, compress=False)
    (folder / "train-labels-idx1-ubyte").write_text("<html>404 Not Found</html>")
    with pytest.raises(SystemExit, match=r"train-labels-idx1-ubyte is not an IDX file"):
        datasets.load("mnist", str(folder))


def test_folder_missing_a_file(tmp_path, mnist_arrays):
    folder = tmp_path / "idx"
    write_idx_folder(folder, mnist_arrays)
    os.remove(folder / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(SystemExit, match=r"has no t10k-labels-idx1-ubyte"):
        datasets.load("mnist", str(folder))


@pytest.mark.parametrize("change, message", [
    (lambda a: [a[0][:, :20], *a[1:]], r"x_train has shape \(50, 20, 28\)"),
    (lambda a: [a[0].astype(np.float32), *a[1:]], r"x_train has dtype float32"),
    (lambda a: [a[0], a[1][:40], *a[2:]], r"y_train has shape \(40,\)"),
    (lambda a: [*a[:3], a[3] + 10], r"y_test holds labels outside 0\.\.9"),
    (lambda a: [a[0], a[1].astype(np.float64), *a[2:]], r"y_train has dtype float64"),
])
def test_wrong_arrays_are_rejected_with_the_reason(tmp_path, mnist_arrays, change, message):
    path = write_npz(tmp_path / "bad.npz", change(mnist_arrays))
    with pytest.raises(SystemExit, match=message):
        datasets.load("mnist", path)


def test_cifar_npz_with_column_labels(tmp_path, cifar_arrays):
    x_train, y_train, x_test, y_test = cifar_arrays
    path = write_npz(tmp_path / "c.npz", [x_train, y_train[:, None], x_test, y_test[:, None]])
    dataset = datasets.load("cifar10", path)
    assert_same(dataset, cifar_arrays)
    assert dataset.y_train.shape == (50,) and dataset.info.class_names[3] == "cat"
    assert dataset.info.class_names_ko[3] == "고양이"


def test_cifar_official_tar_gz_and_its_extracted_folder(tmp_path, cifar_arrays):
    archive = write_cifar_tar(tmp_path / "cifar-10-python.tar.gz", cifar_arrays)
    assert_same(datasets.load("cifar10", archive), cifar_arrays)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "extracted", filter="data")
    assert_same(datasets.load("cifar10", str(tmp_path / "extracted")), cifar_arrays)
    assert_same(datasets.load("cifar10", str(tmp_path / "extracted" / "cifar-10-batches-py")),
                cifar_arrays)


def test_cifar_partial_archive(tmp_path, cifar_arrays):
    archive = tmp_path / "cifar-10-python.tar.gz"
    write_cifar_tar(archive, cifar_arrays)
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(SystemExit, match=r"cifar-10-python\.tar\.gz.* is corrupt or truncated"):
        datasets.load("cifar10", str(archive))


def test_cifar_archive_damaged_in_the_middle_is_refused(tmp_path, cifar_arrays):
    archive = tmp_path / "cifar-10-python.tar.gz"
    write_cifar_tar(archive, cifar_arrays)
    content = bytearray(archive.read_bytes())
    middle = len(content) // 2
    content[middle:middle + 16] = bytes(16)
    archive.write_bytes(bytes(content))
    with pytest.raises(SystemExit, match=r"is corrupt or truncated"):
        datasets.load("cifar10", str(archive))


class RunsCode:
    """What a hostile pickle carries: a call to run when it is loaded."""

    def __reduce__(self):
        return (os.system, ("touch ran_code",))


def test_cifar_batch_that_runs_code_is_refused(tmp_path, cifar_arrays, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    x_train, y_train, x_test, y_test = cifar_arrays
    for name in datasets.CIFAR_BATCHES:
        (folder / name).write_bytes(cifar_batch(x_test, y_test))
    (folder / "data_batch_3").write_bytes(pickle.dumps({b"data": RunsCode(), b"labels": [1]}))
    with pytest.raises(SystemExit, match=r"data_batch_3 is corrupt.*posix.system|system"):
        datasets.load("cifar10", str(folder))
    assert not (tmp_path / "ran_code").exists()


def test_npz_with_an_empty_split_is_refused(tmp_path, mnist_arrays):
    x_train, y_train, x_test, y_test = mnist_arrays
    path = write_npz(tmp_path / "empty.npz", [x_train, y_train, x_test[:0], y_test[:0]])
    with pytest.raises(SystemExit, match=r"x_test holds no image"):
        datasets.load("mnist", path)


def test_cifar_environment_variable(tmp_path, cifar_arrays, monkeypatch):
    monkeypatch.setenv("CIFAR10_DATA", write_npz(tmp_path / "c.npz", cifar_arrays))
    assert_same(datasets.load("cifar10"), cifar_arrays)


# Downloads: Keras' get_file against a server on 127.0.0.1, never the internet.

@pytest.fixture
def served_mnist(http_server, mnist_arrays, monkeypatch):
    """mnist.npz served locally, with the loader told its true checksum; yields (url, cache)."""
    folder, url = http_server
    write_npz(folder / "mnist.npz", mnist_arrays)
    digest = hashlib.sha256((folder / "mnist.npz").read_bytes()).hexdigest()
    monkeypatch.setitem(datasets.DATASETS, "mnist", dataclasses.replace(
        datasets.MNIST, origin=url, files=(("mnist.npz", digest),)))
    for name in ("MNIST_DATA", datasets.MIRROR_ENV_VAR):
        monkeypatch.delenv(name, raising=False)
    return url


def test_download_with_the_right_checksum_then_from_the_cache(served_mnist, mnist_arrays, tmp_path, http_server):
    cache = str(tmp_path / "cache")
    assert_same(datasets.load("mnist", cache_dir=cache), mnist_arrays)
    cached = os.path.join(cache, "datasets", "mnist.npz")
    assert os.path.isfile(cached)
    os.remove(http_server[0] / "mnist.npz")  # the server has it no more: the cache serves
    assert_same(datasets.load("mnist", cache_dir=cache), mnist_arrays)


def test_download_with_a_wrong_checksum_is_refused(served_mnist, monkeypatch, tmp_path):
    monkeypatch.setitem(datasets.DATASETS, "mnist", dataclasses.replace(
        datasets.DATASETS["mnist"], files=(("mnist.npz", "0" * 64),)))
    with pytest.raises(SystemExit, match=r"does not match its published checksum"):
        datasets.load("mnist", cache_dir=str(tmp_path / "cache"))


def test_mirror_url_from_flag_and_environment(served_mnist, mnist_arrays, monkeypatch, tmp_path):
    url = served_mnist
    monkeypatch.setitem(datasets.DATASETS, "mnist", dataclasses.replace(
        datasets.DATASETS["mnist"], origin="http://127.0.0.1:9/unreachable/"))
    assert_same(datasets.load("mnist", mirror=url, cache_dir=str(tmp_path / "a")), mnist_arrays)
    monkeypatch.setenv(datasets.MIRROR_ENV_VAR, url.rstrip("/"))
    assert_same(datasets.load("mnist", cache_dir=str(tmp_path / "b")), mnist_arrays)


def test_offline_with_nothing_cached_lists_the_options(served_mnist, monkeypatch, tmp_path):
    monkeypatch.setitem(datasets.DATASETS, "mnist", dataclasses.replace(
        datasets.DATASETS["mnist"], origin="http://127.0.0.1:9/"))
    with pytest.raises(SystemExit) as failure:
        datasets.load("mnist", cache_dir=str(tmp_path / "cache"))
    message = str(failure.value)
    assert "cannot download MNIST" in message and "\n" not in message
    for option in ("--data PATH", "$MNIST_DATA", "--mirror URL", "$NNLAB_MIRROR",
                   f"put a good copy of mnist.npz in {tmp_path / 'cache' / 'datasets'}"):
        assert option in message


def offline(monkeypatch, name):
    """The data set `name` as on a machine with no network: its origin unreachable, no mirror,
    no local copy in the environment."""
    monkeypatch.setitem(datasets.DATASETS, name, dataclasses.replace(
        datasets.DATASETS[name], origin="http://127.0.0.1:9/"))
    monkeypatch.delenv(datasets.DATASETS[name].env_var, raising=False)
    monkeypatch.delenv(datasets.MIRROR_ENV_VAR, raising=False)


def test_a_good_copy_in_the_cache_is_used_offline_whatever_its_bytes(mnist_arrays, monkeypatch,
                                                                     tmp_path):
    offline(monkeypatch, "mnist")
    cache = tmp_path / "cache"
    (cache / "datasets").mkdir(parents=True)
    write_npz(cache / "datasets" / "mnist.npz", mnist_arrays)  # not Keras' bytes, same arrays
    dataset = datasets.load("mnist", cache_dir=str(cache))
    assert_same(dataset, mnist_arrays)
    assert dataset.source == str(cache / "datasets" / "mnist.npz")


def test_a_damaged_copy_in_the_cache_is_named_when_the_download_fails(mnist_arrays, monkeypatch,
                                                                      tmp_path):
    offline(monkeypatch, "fashion_mnist")
    folder = tmp_path / "cache" / "datasets" / "fashion-mnist"
    folder.parent.mkdir(parents=True)
    write_idx_folder(folder, mnist_arrays)
    (folder / (IDX_NAMES[0] + ".gz")).write_bytes(b"\x1f\x8b broken")
    with pytest.raises(SystemExit) as failure:
        datasets.load("fashion_mnist", cache_dir=str(tmp_path / "cache"))
    message = str(failure.value)
    assert f"replace the damaged copy in {folder}" in message and "\n" not in message


def test_fashion_mnist_download_checks_each_file(http_server, mnist_arrays, monkeypatch, tmp_path):
    folder, url = http_server
    write_idx_folder(folder, mnist_arrays)
    files = tuple((name + ".gz", hashlib.md5((folder / (name + ".gz")).read_bytes()).hexdigest())
                  for name in IDX_NAMES)
    monkeypatch.setitem(datasets.DATASETS, "fashion_mnist", dataclasses.replace(
        datasets.FASHION_MNIST, origin=url, files=files))
    monkeypatch.delenv(datasets.MIRROR_ENV_VAR, raising=False)
    monkeypatch.delenv("FASHION_MNIST_DATA", raising=False)
    dataset = datasets.load("fashion_mnist", cache_dir=str(tmp_path / "cache"))
    assert_same(dataset, mnist_arrays)
    assert os.path.isfile(tmp_path / "cache" / "datasets" / "fashion-mnist" / files[0][0])


def test_cifar_download_of_the_official_archive(http_server, cifar_arrays, monkeypatch, tmp_path):
    folder, url = http_server
    write_cifar_tar(folder / "cifar-10-python.tar.gz", cifar_arrays)
    digest = hashlib.sha256((folder / "cifar-10-python.tar.gz").read_bytes()).hexdigest()
    monkeypatch.setitem(datasets.DATASETS, "cifar10", dataclasses.replace(
        datasets.CIFAR10, origin="http://127.0.0.1:9/", files=(("cifar-10-python.tar.gz", digest),)))
    monkeypatch.delenv("CIFAR10_DATA", raising=False)
    assert_same(datasets.load("cifar10", mirror=url, cache_dir=str(tmp_path / "c")), cifar_arrays)


def test_published_checksums_are_those_keras_uses():
    import keras.src.datasets.cifar10 as keras_cifar10
    import keras.src.datasets.mnist as keras_mnist
    import inspect
    assert datasets.MNIST.files[0][1] in inspect.getsource(keras_mnist)
    assert datasets.CIFAR10.files[0][1] in inspect.getsource(keras_cifar10)


def test_flat_images_and_one_hot():
    images = np.full((3, 28, 28), 255, np.uint8)
    rows = datasets.flat_images(images)
    assert rows.shape == (3, 784) and rows.dtype == np.float32 and rows.max() == 1.0
    assert datasets.flat_images(images, scale=False).max() == 255.0
    np.testing.assert_array_equal(datasets.one_hot(np.array([2, 0])),
                                  np.eye(10, dtype=np.float32)[[2, 0]])
