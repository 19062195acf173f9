"""The reference of the PyTorch part (cs231n/pytorch_models.py, pytorch_training.py, data_utils.normalize_channels),
on which the hidden tests rely, against independent computations: numpy's convolution and matrix products, the
three ways of writing the same network agreeing with one another, and the normalization constants against the data.
Also the judge's check of saved state_dict files (autograder/state_dict_file.py) and the PyTorch grading data."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

from autograder import state_dict_file
from cs231n import data_utils
from cs231n.fast_layers import conv_forward_fast
from cs231n.pytorch_models import (
    ThreeLayerConvNet,
    TwoLayerFC,
    best_model,
    flatten,
    random_weight,
    sequential_three_layer_convnet,
    three_layer_convnet,
    two_layer_fc,
)
from cs231n.pytorch_training import History, check_accuracy, minibatches, train_barebones, train_module

RNG = np.random.default_rng(13)


def tensor(*shape: int, scale: float = 1.0) -> torch.Tensor:
    return torch.from_numpy(scale * RNG.standard_normal(shape))


def numpy_convnet(x: np.ndarray, params: list[np.ndarray]) -> np.ndarray:
    conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
    hidden, _ = conv_forward_fast(x, conv_w1, conv_b1, {"stride": 1, "pad": (conv_w1.shape[2] - 1) // 2})
    pad2 = (conv_w2.shape[2] - 1) // 2
    hidden, _ = conv_forward_fast(np.maximum(hidden, 0), conv_w2, conv_b2, {"stride": 1, "pad": pad2})
    return np.maximum(hidden, 0).reshape(len(x), -1) @ fc_w + fc_b


@pytest.mark.parametrize(("x_shape", "filters"), [((2, 3, 8, 8), ((5, 5), (4, 3))), ((1, 2, 7, 5), ((3, 3), (6, 1)))])
def test_three_layer_convnet_matches_numpy(x_shape: tuple[int, ...], filters: tuple) -> None:
    (F1, K1), (F2, K2) = filters
    N, C, H, W = x_shape
    params = [tensor(F1, C, K1, K1, scale=0.3), tensor(F1), tensor(F2, F1, K2, K2, scale=0.3), tensor(F2),
              tensor(F2 * H * W, 4, scale=0.1), tensor(4)]
    x = tensor(*x_shape)
    expected = numpy_convnet(x.numpy(), [p.numpy() for p in params])
    np.testing.assert_allclose(three_layer_convnet(x, params).numpy(), expected, rtol=1e-10, atol=1e-10)


def test_two_layer_fc_matches_numpy_and_flatten_keeps_the_order() -> None:
    x, params = tensor(3, 2, 4, 5), [tensor(40, 7), tensor(7), tensor(7, 3), tensor(3)]
    w1, b1, w2, b2 = (p.numpy() for p in params)
    expected = np.maximum(x.numpy().reshape(3, -1) @ w1 + b1, 0) @ w2 + b2
    np.testing.assert_allclose(two_layer_fc(x, params).numpy(), expected, rtol=1e-12)
    assert torch.equal(flatten(x), torch.from_numpy(x.numpy().reshape(3, 40)))


def test_modules_compute_the_barebones_networks() -> None:
    torch.manual_seed(0)
    fc = TwoLayerFC(40, 7, 3).double()
    x = tensor(3, 2, 4, 5)
    params = [fc.fc1.weight.T, fc.fc1.bias, fc.fc2.weight.T, fc.fc2.bias]
    torch.testing.assert_close(fc(x), two_layer_fc(x, params))

    conv = ThreeLayerConvNet(2, 5, 4, 3, image_size=(7, 6)).double()
    sequential = sequential_three_layer_convnet(2, 5, 4, 3, image_size=(7, 6)).double()
    sequential.load_state_dict(dict(zip(sequential.state_dict(), conv.state_dict().values(), strict=True)))
    x = tensor(2, 2, 7, 6)
    params = [conv.conv1.weight, conv.conv1.bias, conv.conv2.weight, conv.conv2.bias, conv.fc.weight.T, conv.fc.bias]
    torch.testing.assert_close(conv(x), three_layer_convnet(x, params))
    torch.testing.assert_close(sequential(x), conv(x))


def test_random_weight_is_a_kaiming_leaf() -> None:
    torch.manual_seed(0)
    for shape, fan_in in [((2000, 100), 2000), ((64, 3, 5, 5), 75)]:
        w = random_weight(shape)
        assert w.shape == shape and w.dtype == torch.float32 and w.requires_grad and w.is_leaf
        assert w.std().item() == pytest.approx(np.sqrt(2 / fan_in), rel=0.03)


def test_best_model_scores_cifar10_images() -> None:
    model = best_model().eval()
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_minibatches_visit_every_example_once() -> None:
    X, y = torch.arange(10).reshape(10, 1), torch.arange(10)
    batches = list(minibatches(X, y, 4, shuffle=True, generator=torch.Generator().manual_seed(0)))
    assert [len(b) for b, _ in batches] == [4, 4, 2]
    assert sorted(torch.cat([b for _, b in batches]).tolist()) == list(range(10))


def _separable_data(n: int = 400) -> dict[str, torch.Tensor]:
    """Two classes of 2-D points on either side of a line, as a tiny data set."""
    X = torch.from_numpy(RNG.standard_normal((n, 2)).astype(np.float32))
    y = (X[:, 0] + X[:, 1] > 0).long()
    return {"X_train": X, "y_train": y, "X_val": X[:100], "y_val": y[:100]}


def test_training_loops_learn_and_record_their_history() -> None:
    data = _separable_data()
    torch.manual_seed(0)
    params = [random_weight((2, 16)), torch.zeros(16, requires_grad=True), random_weight((16, 2)),
              torch.zeros(2, requires_grad=True)]
    history = train_barebones(two_layer_fc, params, data, 0.1, epochs=3, batch_size=20, print_every=0, seed=0)
    assert isinstance(history, History) and len(history.loss) == 3 * 20 and len(history.val_acc) == 3
    assert history.val_acc[-1] > 0.9 and np.mean(history.loss[-10:]) < np.mean(history.loss[:10])

    model = TwoLayerFC(2, 16, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = train_module(model, optimizer, data, epochs=5, batch_size=20, print_every=0, max_iterations=30, seed=0)
    assert len(history.loss) == 30 and len(history.val_acc) == 2  # stopped in the second epoch
    assert check_accuracy(model, data["X_val"], data["y_val"]) == history.val_acc[-1] > 0.9
    assert model.training  # check_accuracy puts a module back in the mode it was in


def test_torch_imports_in_the_sandboxed_runner_with_one_thread() -> None:
    """The runner's limits (address space, one BLAS/OpenMP thread) let torch import, and torch uses one thread."""
    from autograder.session import RunnerSession

    root = Path(__file__).resolve().parents[1]
    with RunnerSession(root) as session:
        source = "import torch\nthreads = torch.get_num_threads()\nversion = torch.__version__\n"
        session.request({"op": "load_source", "name": "threads_probe", "source": source}, timeout=120)
        assert session.get("threads_probe.threads") == 1
        assert session.get("threads_probe.version") == torch.__version__


# -- saved state_dict files ------------------------------------------------------------------------------------------
class _RunsCode:
    def __reduce__(self) -> tuple:
        return print, ("unpickled",)


def _saved(tmp_path: Path, value: object, **kwargs: object) -> Path:
    path = tmp_path / "best_model.pt"
    torch.save(value, path, **kwargs)
    return path


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_state_dicts_saved_by_torch_are_accepted(tmp_path: Path, protocol: int) -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(2, 2)).half()
    assert state_dict_file.problem(_saved(tmp_path, model.state_dict(), pickle_protocol=protocol)) is None
    assert state_dict_file.problem(_saved(tmp_path, dict(model.named_parameters()))) is None  # nn.Parameter values


@pytest.mark.parametrize(("value", "message"), [
    (nn.Linear(2, 2), "torch.nn.modules.linear.Linear"),
    ({"weight": torch.zeros(2), "x": _RunsCode()}, ".print"),  # builtins.print, or __builtin__.print in protocol 2
    ({"weight": np.zeros(2)}, "numpy"),
])
def test_files_that_need_more_than_tensors_are_refused(tmp_path: Path, value: object, message: str) -> None:
    for protocol in (2, 4):
        problem = state_dict_file.problem(_saved(tmp_path, value, pickle_protocol=protocol))
        assert problem and message in problem and "torch.save(model.state_dict(), 'best_model.pt')" in problem


def test_files_not_laid_out_by_torch_save_are_refused(tmp_path: Path) -> None:
    legacy = _saved(tmp_path, {"w": torch.zeros(2)}, _use_new_zipfile_serialization=False)
    assert "is not the zip archive that torch.save writes" in state_dict_file.problem(legacy)
    other = tmp_path / "other.pt"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("a/data.pkl", b"\x80\x02}q\x00.")
        zf.writestr("b/data.pkl", b"\x80\x02}q\x00.")
    assert "one <name>/data.pkl" in state_dict_file.problem(other)
    broken = tmp_path / "broken.pt"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("a/data.pkl", b"\x80\x02\xff")
    assert "is not a valid pickle" in state_dict_file.problem(broken)


# -- data --------------------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_channel_statistics_are_those_of_the_training_images(cifar10_dir: Path) -> None:
    X = data_utils.get_CIFAR10_data(subtract_mean=False, cifar10_dir=cifar10_dir)["X_train"] / 255
    np.testing.assert_allclose(X.mean(axis=(0, 2, 3)), data_utils.CHANNEL_MEAN, atol=1e-4)
    np.testing.assert_allclose(X.std(axis=(0, 2, 3)), data_utils.CHANNEL_STD, atol=1e-4)
    normalized = data_utils.normalize_channels(X[:5000] * 255)
    assert normalized.dtype == np.float32 and normalized.shape == (5000, 3, 32, 32)
    np.testing.assert_allclose(normalized.mean(axis=(0, 2, 3)), 0, atol=0.02)


@pytest.mark.slow
def test_pytorch_grading_data_is_the_notebooks_preprocessing(cifar10_dir: Path, tmp_path: Path) -> None:
    from autograder import data, torch_data
    from cs231n.pytorch_training import load_cifar10_tensors

    folder = torch_data.prepare(cifar10_dir, tmp_path)
    assert folder == torch_data.folder_beside(tmp_path / data.FOLDER)
    notebook = load_cifar10_tensors(num_training=49000, cifar10_dir=cifar10_dir)
    arrays = dict(zip(torch_data.NAMES, torch_data.load(folder, *torch_data.NAMES), strict=True))
    for name in ("X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(arrays[name], notebook[name].numpy())
    np.testing.assert_array_equal(arrays["X_train"], notebook["X_train"][: torch_data.NUM_TRAIN].numpy())
    before = (folder / "X_val.npy").stat().st_mtime_ns
    assert torch_data.prepare(cifar10_dir, tmp_path) == folder and (folder / "X_val.npy").stat().st_mtime_ns == before
