"""Loading CIFAR-10 (the python version: cifar-10-batches-py) for the assignment.

Where the data is: get_CIFAR10_data() reads the folder given by its cifar10_dir argument; without it,
the folder named by the environment variable CS231N_CIFAR10_DIR; without that,
cs231n/datasets/cifar-10-batches-py, where `python cs231n/datasets/get_cifar10.py` puts it. The folder
holds data_batch_1 .. data_batch_5 (the training images) and test_batch. The batches are read with an
unpickler that only builds numpy arrays, lists, strings and numbers, so a tampered file cannot run code.

Data type: the images are returned as float32 by default (the course's original loader used float64).
The pixels are integers from 0 to 255, which float32 holds exactly; the mean-subtracted training set
then takes 0.6 GB instead of 1.2 GB, and the default float32 models compute on it without converting it.
Every loader takes a dtype argument for float64.
"""

import os
import pickle
from pathlib import Path

import numpy as np

CIFAR10_ENV_VAR = "CS231N_CIFAR10_DIR"
DEFAULT_CIFAR10_DIR = Path(__file__).resolve().parent / "datasets" / "cifar-10-batches-py"
GET_CIFAR10_SCRIPT = Path(__file__).resolve().parent / "datasets" / "get_cifar10.py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
IMAGE_SHAPE = (3, 32, 32)
NUM_CLASSES = 10
# Per-channel (red, green, blue) mean and standard deviation of the pixels of the 49,000 training images of
# get_CIFAR10_data, scaled to [0, 1]: X = get_CIFAR10_data(subtract_mean=False)["X_train"] / 255, then
# X.mean(axis=(0, 2, 3)) and X.std(axis=(0, 2, 3)). The PyTorch notebook normalizes its inputs with them.
CHANNEL_MEAN = (0.4913, 0.4821, 0.4465)
CHANNEL_STD = (0.2470, 0.2435, 0.2616)


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler for the CIFAR-10 batches: the only objects it can build besides lists, dictionaries,
    strings and numbers are numpy arrays (any other global makes it fail)."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        """Returns the global module.name if it is needed to rebuild a numpy array, else raises
        pickle.UnpicklingError."""
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR-10 batch")
        return super().find_class(module, name)


def _read_batch(filename):
    """Reads one CIFAR-10 batch file and checks its content.

    Inputs:
    - filename: Path of the batch (e.g. .../data_batch_1)

    Returns a tuple of:
    - images: uint8 array of shape (N, 3, 32, 32), channels first
    - labels: int64 array of shape (N,), values in 0..9

    Raises ValueError when the file is not a CIFAR-10 batch.
    """
    with open(filename, "rb") as f:
        try:
            batch = _ArrayUnpickler(f, encoding="latin1").load()
        except Exception as e:  # garbage makes the unpickler fail in many ways, all meaning the same here
            raise ValueError(f"{filename} is not a CIFAR-10 batch: {e!r}") from e
    if not isinstance(batch, dict) or "data" not in batch or "labels" not in batch:
        raise ValueError(f"{filename} is not a CIFAR-10 batch: no 'data' and 'labels' entries")
    data, labels = np.asarray(batch["data"]), np.asarray(batch["labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != np.prod(IMAGE_SHAPE):
        raise ValueError(f"{filename}: 'data' should be uint8 of shape (N, 3072), not {data.dtype} {data.shape}")
    if labels.shape != (data.shape[0],) or labels.min(initial=0) < 0 or labels.max(initial=0) >= NUM_CLASSES:
        raise ValueError(f"{filename}: 'labels' should hold one class in 0..9 per image")
    return data.reshape(-1, *IMAGE_SHAPE), labels


def resolve_cifar10_dir(cifar10_dir=None):
    """Finds the CIFAR-10 folder.

    Inputs:
    - cifar10_dir: Folder holding the batches, or None for $CS231N_CIFAR10_DIR when it is set, else
      cs231n/datasets/cifar-10-batches-py

    Returns:
    - folder: pathlib.Path of a folder that holds data_batch_1 .. data_batch_5 and test_batch

    Raises FileNotFoundError, saying how to get the data, when a batch is missing.
    """
    if cifar10_dir is not None:
        folder, origin = Path(cifar10_dir), "the folder given"
    elif os.environ.get(CIFAR10_ENV_VAR):
        folder, origin = Path(os.environ[CIFAR10_ENV_VAR]), f"${CIFAR10_ENV_VAR}"
    else:
        folder, origin = DEFAULT_CIFAR10_DIR, "the default location"
    missing = [name for name in (*TRAIN_BATCHES, TEST_BATCH) if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 not found in {folder} ({origin}): missing {', '.join(missing)}.\n"
            f"To get it, run\n"
            f"    python {GET_CIFAR10_SCRIPT}\n"
            f"which downloads it (about 170 MB) into {DEFAULT_CIFAR10_DIR}, or, without network access,\n"
            f"    python {GET_CIFAR10_SCRIPT} --from PATH\n"
            f"where PATH is a cifar-10-batches-py folder or the cifar-10-python.tar.gz archive.\n"
            f"Alternatively, set {CIFAR10_ENV_VAR} to a folder holding data_batch_1 .. data_batch_5 and "
            f"test_batch."
        )
    return folder


def verify_cifar10(cifar10_dir):
    """Reads every batch of a CIFAR-10 folder and checks its content.

    Inputs:
    - cifar10_dir: Folder holding data_batch_1 .. data_batch_5 and test_batch

    Returns:
    - counts: Dictionary {'train': number of training images, 'test': number of test images}

    Raises FileNotFoundError when a batch is missing, ValueError when a batch is not a CIFAR-10 batch.
    """
    folder = resolve_cifar10_dir(cifar10_dir)
    num_train = sum(_read_batch(folder / name)[1].shape[0] for name in TRAIN_BATCHES)
    return {"train": num_train, "test": _read_batch(folder / TEST_BATCH)[1].shape[0]}


def _read_cifar10(cifar10_dir):
    """Reads the training and test batches of a CIFAR-10 folder.

    Inputs:
    - cifar10_dir: Folder of the batches, or None (see resolve_cifar10_dir)

    Returns a tuple of:
    - X_train: uint8 array of shape (N_train, 3, 32, 32); y_train: int64 array of shape (N_train,)
    - X_test: uint8 array of shape (N_test, 3, 32, 32); y_test: int64 array of shape (N_test,)
    """
    folder = resolve_cifar10_dir(cifar10_dir)
    train = [_read_batch(folder / name) for name in TRAIN_BATCHES]
    X_train = np.concatenate([images for images, _ in train])
    y_train = np.concatenate([labels for _, labels in train])
    X_test, y_test = _read_batch(folder / TEST_BATCH)
    return X_train, y_train, X_test, y_test


def _channels_last(images, dtype):
    """Converts images from the batch layout to the layout of load_CIFAR_batch.

    Inputs:
    - images: uint8 array of shape (N, 3, 32, 32)
    - dtype: numpy floating point type of the result

    Returns:
    - X: array of shape (N, 32, 32, 3) and type dtype, C-contiguous
    """
    return np.ascontiguousarray(images.transpose(0, 2, 3, 1), dtype=dtype)


def load_CIFAR_batch(filename, dtype=np.float32):
    """Loads a single batch of CIFAR-10.

    Inputs:
    - filename: Path of the batch file
    - dtype: numpy floating point type of the images

    Returns a tuple of:
    - X: Images, of shape (N, 32, 32, 3) (channels last), values 0..255
    - Y: Labels, int64 of shape (N,)
    """
    images, labels = _read_batch(filename)
    return _channels_last(images, dtype), labels


def load_CIFAR10(ROOT, dtype=np.float32):
    """Loads all of CIFAR-10: the five training batches and the test batch.

    Inputs:
    - ROOT: Folder holding data_batch_1 .. data_batch_5 and test_batch
    - dtype: numpy floating point type of the images

    Returns a tuple of:
    - Xtr: Training images, of shape (N_train, 32, 32, 3) (channels last), values 0..255
    - Ytr: Training labels, int64 of shape (N_train,)
    - Xte: Test images, of shape (N_test, 32, 32, 3)
    - Yte: Test labels, int64 of shape (N_test,)
    """
    X_train, y_train, X_test, y_test = _read_cifar10(ROOT)
    return _channels_last(X_train, dtype), y_train, _channels_last(X_test, dtype), y_test


def get_CIFAR10_data(
    num_training=49000,
    num_validation=1000,
    num_test=1000,
    subtract_mean=True,
    cifar10_dir=None,
    dtype=np.float32,
):
    """Loads CIFAR-10 and splits it into training, validation and test sets for the classifiers.

    The training set is the first num_training training images, the validation set the num_validation
    images that follow them (with the defaults, training images 49000 .. 49999), and the test set the
    first num_test test images.

    Inputs:
    - num_training, num_validation, num_test: Sizes of the three sets
    - subtract_mean: Whether to subtract the mean training image from all three sets
    - cifar10_dir: Folder of the batches, or None for $CS231N_CIFAR10_DIR when it is set, else
      cs231n/datasets/cifar-10-batches-py
    - dtype: numpy floating point type of the images

    Returns a dictionary with the keys:
    - 'X_train', 'X_val', 'X_test': images of shape (num_training / num_validation / num_test, 3, 32, 32)
      (channels first)
    - 'y_train', 'y_val', 'y_test': int64 labels of shape (num_training,), (num_validation,), (num_test,)

    Raises FileNotFoundError, saying how to get the data, when CIFAR-10 is not found, and ValueError when
    the folder holds fewer images than requested.
    """
    X_train, y_train, X_test, y_test = _read_cifar10(cifar10_dir)
    if num_training + num_validation > X_train.shape[0] or num_test > X_test.shape[0]:
        raise ValueError(
            f"requested {num_training} + {num_validation} training and {num_test} test images, but the "
            f"data has {X_train.shape[0]} training and {X_test.shape[0]} test images"
        )
    val = slice(num_training, num_training + num_validation)
    data = {
        "X_train": X_train[:num_training].astype(dtype),
        "y_train": y_train[:num_training],
        "X_val": X_train[val].astype(dtype),
        "y_val": y_train[val],
        "X_test": X_test[:num_test].astype(dtype),
        "y_test": y_test[:num_test],
    }
    if subtract_mean:
        mean_image = data["X_train"].mean(axis=0, dtype=np.float64).astype(dtype)
        for key in ("X_train", "X_val", "X_test"):
            data[key] -= mean_image
    return data


def normalize_channels(images, dtype=np.float32):
    """Scales images to [0, 1], then normalizes each color channel to mean 0 and standard deviation 1 with the
    statistics of the training images (CHANNEL_MEAN and CHANNEL_STD).

    Inputs:
    - images: Array of shape (N, 3, H, W) (channels first) of pixel values 0..255, of any numeric type
    - dtype: numpy floating point type of the result

    Returns:
    - X: Array of shape (N, 3, H, W) and type dtype, (images / 255 - CHANNEL_MEAN[c]) / CHANNEL_STD[c] for
      channel c
    """
    mean = np.asarray(CHANNEL_MEAN, dtype=dtype).reshape(1, 3, 1, 1)
    std = np.asarray(CHANNEL_STD, dtype=dtype).reshape(1, 3, 1, 1)
    X = np.asarray(images, dtype=dtype) / dtype(255)
    X -= mean
    X /= std
    return X
