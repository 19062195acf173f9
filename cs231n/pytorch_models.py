"""The networks of the PyTorch notebook, written three ways, and your best model.

- Barebones PyTorch: networks as functions of explicit weight tensors (flatten, two_layer_fc,
  three_layer_convnet) with Kaiming initialization (random_weight); autograd computes the gradients.
- The nn.Module API: the same two networks as modules (TwoLayerFC, ThreeLayerConvNet).
- The nn.Sequential API: the three-layer convolutional network as a stack of layers
  (sequential_three_layer_convnet).
- The open-ended part: best_model() builds the network you design and train in the notebook; the notebook
  saves its trained weights (its state_dict) to best_model.pt.

Conventions: minibatches of images are float tensors of shape (N, C, H, W); a network returns class scores of
shape (N, num_classes). Unlike nn.Linear, the barebones fully-connected weights have shape (D, M) and are applied
as x @ w, as in the numpy part of the assignment. The convolutions use stride 1 and square filters of odd size
K with zero padding (K - 1) // 2 on each side, so that they keep the height and width of their input.

Only torch is needed; the notebook's data, accuracy checks and training loops are in cs231n/pytorch_training.py.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def flatten(x):
    """Flattens every example of a minibatch into a vector.

    Inputs:
    - x: Tensor of shape (N, d_1, ..., d_k)

    Returns:
    - A tensor of shape (N, d_1 * ... * d_k) holding the values of x, each example's in the same order as in x
      (row-major, like numpy's reshape)
    """
    ###########################################################################
    # TODO: Flatten x, keeping the first (batch) dimension.                   #
    ###########################################################################
    ### BEGIN SOLUTION
    return x.reshape(x.shape[0], -1)
    ### END SOLUTION


def random_weight(shape, dtype=torch.float32):
    """Draws a weight tensor with Kaiming (He) normal initialization, for a layer followed by a ReLU.

    The values are drawn from a Gaussian of mean 0 and standard deviation sqrt(2 / fan_in), fan_in being the
    number of inputs that one output of the layer depends on: D for a fully-connected weight of shape (D, M)
    (applied as x @ w), C * HH * WW for a convolutional weight of shape (F, C, HH, WW).

    Inputs:
    - shape: Tuple (D, M) or (F, C, HH, WW)
    - dtype: torch floating point type of the result

    Returns:
    - w: Tensor of the given shape and dtype that requires gradients and is a leaf of the autograd graph (so
      that w.grad is filled by backward() and w can be updated in place)
    """
    w = None
    ###########################################################################
    # TODO: Draw w with torch.randn, scale it, then make it require gradients #
    # (scale first: a tensor computed from one that requires gradients is not #
    # a leaf).                                                                #
    ###########################################################################
    ### BEGIN SOLUTION
    fan_in = shape[0] if len(shape) == 2 else math.prod(shape[1:])
    w = torch.randn(shape, dtype=dtype) * math.sqrt(2.0 / fan_in)
    w.requires_grad_()
    ### END SOLUTION
    return w


def zero_weight(shape, dtype=torch.float32):
    """A tensor of zeros (a bias) that requires gradients.

    Inputs:
    - shape: Tuple of the tensor's shape, e.g. (M,)
    - dtype: torch floating point type of the result

    Returns:
    - A leaf tensor of zeros of the given shape and dtype with requires_grad=True
    """
    return torch.zeros(shape, dtype=dtype, requires_grad=True)


def two_layer_fc(x, params):
    """A two-layer fully-connected network: affine - ReLU - affine.

    Inputs:
    - x: Minibatch of shape (N, d_1, ..., d_k), with D = d_1 * ... * d_k
    - params: List [w1, b1, w2, b2] of tensors: w1 of shape (D, H), b1 of shape (H,), w2 of shape (H, C),
      b2 of shape (C,), H being the number of hidden units and C the number of classes

    Returns:
    - scores: Tensor of shape (N, C), computed from x and params with differentiable torch operations (so that
      backward() reaches every tensor of params)
    """
    w1, b1, w2, b2 = params
    scores = None
    ###########################################################################
    # TODO: Flatten x, then compute the hidden layer (with a ReLU) and the    #
    # scores. The weights are applied as x @ w.                               #
    ###########################################################################
    ### BEGIN SOLUTION
    hidden = F.relu(flatten(x) @ w1 + b1)
    scores = hidden @ w2 + b2
    ### END SOLUTION
    return scores


def three_layer_convnet(x, params):
    """A three-layer convolutional network: conv - ReLU - conv - ReLU - affine.

    Both convolutions have stride 1 and keep the spatial size: a filter of size K x K (K odd) gets a zero
    padding of (K - 1) // 2 on each side (2 for 5 x 5 filters, 1 for 3 x 3 filters).

    Inputs:
    - x: Minibatch of images of shape (N, C, H, W)
    - params: List [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b] of tensors:
      - conv_w1 of shape (F1, C, K1, K1) and conv_b1 of shape (F1,): the first convolution's filters and biases
      - conv_w2 of shape (F2, F1, K2, K2) and conv_b2 of shape (F2,): the second convolution's
      - fc_w of shape (F2 * H * W, num_classes) and fc_b of shape (num_classes,): the affine layer, applied as
        flatten(x) @ fc_w + fc_b to the flattened output of the second ReLU

    Returns:
    - scores: Tensor of shape (N, num_classes)
    """
    conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
    scores = None
    ###########################################################################
    # TODO: Implement the forward pass with torch.nn.functional (F.conv2d,    #
    # F.relu) and your flatten.                                               #
    ###########################################################################
    ### BEGIN SOLUTION
    hidden = F.relu(F.conv2d(x, conv_w1, conv_b1, padding=(conv_w1.shape[2] - 1) // 2))
    hidden = F.relu(F.conv2d(hidden, conv_w2, conv_b2, padding=(conv_w2.shape[2] - 1) // 2))
    scores = flatten(hidden) @ fc_w + fc_b
    ### END SOLUTION
    return scores


class TwoLayerFC(nn.Module):
    """A two-layer fully-connected network as a module: linear - ReLU - linear.

    Its layers are nn.Linear modules (weights of shape (out_features, in_features), applied as x @ w.T + b)
    whose weights get Kaiming normal initialization (nn.init.kaiming_normal_: mean 0, standard deviation
    sqrt(2 / in_features)); the biases may keep PyTorch's default initialization.
    """

    def __init__(self, input_size, hidden_size, num_classes):
        """Creates the layers.

        Inputs:
        - input_size: Number of input features D (an input of shape (N, d_1, ..., d_k) is flattened first)
        - hidden_size: Number of hidden units H
        - num_classes: Number of classes C
        """
        super().__init__()
        #######################################################################
        # TODO: Create the two nn.Linear layers as attributes of self (so     #
        # that the module registers their parameters) and initialize their    #
        # weights with nn.init.kaiming_normal_.                               #
        #######################################################################
        ### BEGIN SOLUTION
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, num_classes)
        nn.init.kaiming_normal_(self.fc1.weight)
        nn.init.kaiming_normal_(self.fc2.weight)
        ### END SOLUTION

    def forward(self, x):
        """Computes the class scores.

        Inputs:
        - x: Minibatch of shape (N, d_1, ..., d_k) with d_1 * ... * d_k = input_size

        Returns:
        - scores: Tensor of shape (N, num_classes)
        """
        scores = None
        #######################################################################
        # TODO: Flatten x and apply the layers, with a ReLU between them.     #
        #######################################################################
        ### BEGIN SOLUTION
        scores = self.fc2(F.relu(self.fc1(flatten(x))))
        ### END SOLUTION
        return scores


class ThreeLayerConvNet(nn.Module):
    """The three-layer convolutional network as a module: conv - ReLU - conv - ReLU - linear.

    - conv1: channel_1 filters of size 5 x 5, zero padding 2;
    - conv2: channel_2 filters of size 3 x 3, zero padding 1;
    - fc: a linear layer from the flattened output of the second ReLU (channel_2 * H * W values) to the scores.
    The weights of the three layers get Kaiming normal initialization (nn.init.kaiming_normal_); the biases are
    zeros.
    """

    def __init__(self, in_channel, channel_1, channel_2, num_classes, image_size=(32, 32)):
        """Creates the layers.

        Inputs:
        - in_channel: Number of channels C of the input images
        - channel_1: Number of filters of the first convolution
        - channel_2: Number of filters of the second convolution
        - num_classes: Number of classes
        - image_size: Tuple (H, W), the height and width of the input images
        """
        super().__init__()
        #######################################################################
        # TODO: Create the layers (nn.Conv2d, nn.Linear) as attributes of     #
        # self and initialize them: nn.init.kaiming_normal_ for the weights,  #
        # nn.init.zeros_ for the biases.                                      #
        #######################################################################
        ### BEGIN SOLUTION
        height, width = image_size
        self.conv1 = nn.Conv2d(in_channel, channel_1, 5, padding=2)
        self.conv2 = nn.Conv2d(channel_1, channel_2, 3, padding=1)
        self.fc = nn.Linear(channel_2 * height * width, num_classes)
        for layer in (self.conv1, self.conv2, self.fc):
            nn.init.kaiming_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
        ### END SOLUTION

    def forward(self, x):
        """Computes the class scores.

        Inputs:
        - x: Minibatch of images of shape (N, in_channel, H, W), (H, W) being image_size

        Returns:
        - scores: Tensor of shape (N, num_classes)
        """
        scores = None
        #######################################################################
        # TODO: Apply the layers, with ReLUs after both convolutions.         #
        #######################################################################
        ### BEGIN SOLUTION
        hidden = F.relu(self.conv2(F.relu(self.conv1(x))))
        scores = self.fc(flatten(hidden))
        ### END SOLUTION
        return scores


def sequential_three_layer_convnet(in_channel, channel_1, channel_2, num_classes, image_size=(32, 32)):
    """The three-layer convolutional network of ThreeLayerConvNet as an nn.Sequential.

    Its six layers, in this order: nn.Conv2d (channel_1 filters of size 5 x 5, padding 2), nn.ReLU, nn.Conv2d
    (channel_2 filters of size 3 x 3, padding 1), nn.ReLU, nn.Flatten, nn.Linear (channel_2 * H * W inputs,
    num_classes outputs). The layers keep PyTorch's default initialization.

    Inputs:
    - in_channel, channel_1, channel_2, num_classes, image_size: as for ThreeLayerConvNet

    Returns:
    - model: An nn.Sequential mapping images of shape (N, in_channel, H, W) to scores of shape (N, num_classes)
    """
    model = None
    ###########################################################################
    # TODO: Build the network with nn.Sequential.                             #
    ###########################################################################
    ### BEGIN SOLUTION
    height, width = image_size
    model = nn.Sequential(
        nn.Conv2d(in_channel, channel_1, 5, padding=2),
        nn.ReLU(),
        nn.Conv2d(channel_1, channel_2, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(channel_2 * height * width, num_classes),
    )
    ### END SOLUTION
    return model


def best_model():
    """Builds your network for the open-ended part of the notebook, untrained.

    The grader calls best_model() with no arguments, loads the weights the notebook saved in best_model.pt
    into it with model.load_state_dict, switches it to evaluation mode (model.eval()) and scores the
    validation images, normalized as load_cifar10_tensors (cs231n/pytorch_training.py) returns them. The
    network must take images of shape (N, 3, 32, 32) and return scores of shape (N, 10). Any architecture
    built from torch.nn's layers works; its state_dict must hold tensors only (as every torch.nn layer's does).
    Build it on the CPU (the grader has no GPU): to train on a GPU, move it there in the notebook.

    Returns:
    - model: An nn.Module
    """
    model = None
    ###########################################################################
    # TODO: Build the network you designed. Everything it needs to compute    #
    # its scores must be in this file (or in torch).                          #
    ###########################################################################
    ### BEGIN SOLUTION
    def block(in_channels, out_channels):
        return [nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels),
                nn.ReLU(), nn.MaxPool2d(2)]

    model = nn.Sequential(*block(3, 32), *block(32, 64), *block(64, 128), nn.Flatten(), nn.Linear(128 * 4 * 4, 10))
    for layer in model:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(layer.weight)
    ### END SOLUTION
    return model
