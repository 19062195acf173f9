"""Saving and loading trained fully connected models without pickle.

save_model(model, path) writes a TwoLayerNet or FullyConnectedNet to one .npz file (numpy's zip of .npy
arrays, written with np.savez) and load_model(path) rebuilds it with cs231n.classifiers.fc_net. Loading
uses np.load(path, allow_pickle=False): a model file can hold numbers and text only, never code.

File format (version 1). The archive holds these arrays:

- "config": 0-d unicode string, a JSON object describing the network:
    {"format": "cs231n-model", "version": 1,
     "class": "FullyConnectedNet" or "TwoLayerNet",
     "input_dim": D, "num_classes": C,
     "dtype": numpy dtype name of the model's dtype attribute ("float32", ...), else of W1,
     "reg": L2 regularization strength used in training (informative only),
     FullyConnectedNet only:
     "hidden_dims": [H1, H2, ...], "normalization": null, "batchnorm" or "layernorm",
     "dropout_keep_ratio": keep probability of the dropout layers (1 without dropout),
     TwoLayerNet only:
     "hidden_dim": H}
- "param.<name>" for every entry of model.params ("param.W1", "param.b1", "param.gamma1", ...), with the
  array's shape and dtype.
- "bn_param.<i>.running_mean" and "bn_param.<i>.running_var": the batch normalization running averages
  of hidden layer i + 1 (i = 0 for the first hidden layer), present only for the layers that have them
  (batchnorm models that went through at least one training pass).

The configuration is read from the model's parameters (shapes) and from its normalization, use_dropout
and dropout_param attributes, so any model written against the assignment's interface can be saved.
"""

import json

import numpy as np

FORMAT = "cs231n-model"
VERSION = 1
_RUNNING_STATS = ("running_mean", "running_var")


def _config(model):
    """Describes a model for the "config" entry of the file.

    Inputs:
    - model: A TwoLayerNet or FullyConnectedNet (or an object with the same parameters and attributes)

    Returns:
    - config: Dictionary of the JSON object documented in the module docstring
    """
    name = type(model).__name__
    if name not in ("TwoLayerNet", "FullyConnectedNet"):
        raise TypeError(f"save_model: cannot save a {name}, only a TwoLayerNet or a FullyConnectedNet")
    params = model.params
    num_layers = sum(1 for name in params if name.startswith("W"))
    config = {
        "format": FORMAT,
        "version": VERSION,
        "class": name,
        "input_dim": int(params["W1"].shape[0]),
        "num_classes": int(params[f"W{num_layers}"].shape[1]),
        "dtype": np.dtype(getattr(model, "dtype", params["W1"].dtype)).name,
        "reg": float(getattr(model, "reg", 0.0)),
    }
    hidden_dims = [int(params[f"W{i}"].shape[1]) for i in range(1, num_layers)]
    if name == "TwoLayerNet":
        config["hidden_dim"] = hidden_dims[0]
    else:
        use_dropout = getattr(model, "use_dropout", False)
        config["hidden_dims"] = hidden_dims
        config["normalization"] = getattr(model, "normalization", None)
        config["dropout_keep_ratio"] = float(model.dropout_param["p"]) if use_dropout else 1
    return config


def save_model(model, path):
    """Saves a fully connected model to an .npz file in the format of the module docstring.

    Inputs:
    - model: A TwoLayerNet or FullyConnectedNet
    - path: File to write (written as given: no extension is added)

    Returns: None
    """
    arrays = {"config": np.array(json.dumps(_config(model)))}
    arrays.update({f"param.{name}": np.asarray(value) for name, value in model.params.items()})
    for i, bn_param in enumerate(getattr(model, "bn_params", [])):
        for stat in _RUNNING_STATS:
            if stat in bn_param:
                arrays[f"bn_param.{i}.{stat}"] = np.asarray(bn_param[stat])
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _build(config):
    """Creates a model of the class and architecture given by config, leaving numpy's global random
    generator as it was (the constructors draw random weights, which load_model then replaces).

    Inputs:
    - config: Dictionary read from the "config" entry of a model file

    Returns:
    - model: A new TwoLayerNet or FullyConnectedNet
    """
    from .classifiers import fc_net

    common = {"input_dim": config["input_dim"], "num_classes": config["num_classes"], "reg": config["reg"]}
    state = np.random.get_state()
    try:
        if config["class"] == "TwoLayerNet":
            return fc_net.TwoLayerNet(hidden_dim=config["hidden_dim"], **common)
        if config["class"] == "FullyConnectedNet":
            return fc_net.FullyConnectedNet(
                config["hidden_dims"],
                dropout_keep_ratio=config["dropout_keep_ratio"],
                normalization=config["normalization"],
                dtype=np.dtype(config["dtype"]).type,
                **common,
            )
    finally:
        np.random.set_state(state)
    raise ValueError(f"load_model: unknown model class {config['class']!r}")


def load_model(path):
    """Loads a model saved by save_model.

    Inputs:
    - path: File written by save_model

    Returns:
    - model: The TwoLayerNet or FullyConnectedNet, with the saved parameters and batch normalization
      running averages

    Raises ValueError when the file is not a model file of this format or does not match the
    architecture it describes.
    """
    with np.load(path, allow_pickle=False) as archive:
        if "config" not in archive.files:
            raise ValueError(f"{path} is not a cs231n model file: no 'config' entry")
        config = json.loads(str(archive["config"]))
        if config.get("format") != FORMAT or config.get("version") != VERSION:
            raise ValueError(f"{path}: unsupported format {config.get('format')!r} {config.get('version')!r}")
        params = {k.removeprefix("param."): archive[k] for k in archive.files if k.startswith("param.")}
        stats = {k.removeprefix("bn_param."): archive[k] for k in archive.files if k.startswith("bn_param.")}

    model = _build(config)
    expected = {name: value.shape for name, value in model.params.items()}
    if {name: value.shape for name, value in params.items()} != expected:
        raise ValueError(f"{path}: the parameters do not match the architecture {config}")
    model.params = params
    for key, value in stats.items():
        layer, _, stat = key.partition(".")
        if stat not in _RUNNING_STATS or not layer.isdigit() or int(layer) >= len(model.bn_params):
            raise ValueError(f"{path}: unexpected entry bn_param.{key}")
        model.bn_params[int(layer)][stat] = value
    return model
