"""A small convolutional network for images, trained with a softmax loss."""

import numpy as np

from ..layer_utils import (
    affine_relu_backward,
    affine_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from ..layers import affine_backward, affine_forward, softmax_loss


class ThreeLayerConvNet:
    """Three-layer convolutional network: conv - relu - 2x2 max pool - affine - relu - affine - softmax.

    The network works on minibatches of N images of shape (C, H, W). The convolution has F filters of
    size filter_size x filter_size, stride 1 and the zero padding that preserves the spatial size; the
    pooling halves the height and the width. As for the fully connected nets, a Solver trains the
    parameters stored in self.params.
    """

    def __init__(
        self,
        input_dim=(3, 32, 32),
        num_filters=32,
        filter_size=7,
        hidden_dim=100,
        num_classes=10,
        weight_scale=1e-3,
        reg=0.0,
        dtype=np.float32,
    ):
        """Creates the network with random weights and zero biases.

        Inputs:
        - input_dim: Tuple (C, H, W) giving the shape of one image
        - num_filters: Number of filters F of the convolutional layer
        - filter_size: Width and height of the (square) filters; odd, so that the padding
          (filter_size - 1) // 2 preserves the spatial size
        - hidden_dim: Number of units of the hidden affine layer
        - num_classes: Number of classes
        - weight_scale: Standard deviation of the Gaussian the weights are drawn from
        - reg: Strength of the L2 regularization of the weights
        - dtype: numpy floating point type of the parameters and computations
        """
        self.params = {}
        self.reg = reg
        self.dtype = dtype

        #######################################################################
        # TODO: Fill self.params with the weights and biases of the network:  #
        # - 'W1' (F, C, filter_size, filter_size) and 'b1' (F,) for the       #
        #   convolutional layer;                                              #
        # - 'W2' and 'b2' for the hidden affine layer, whose input is the     #
        #   flattened output of the pooling layer;                            #
        # - 'W3' and 'b3' for the output affine layer.                        #
        # Weights come from np.random.randn times weight_scale, biases are    #
        # zeros.                                                              #
        #######################################################################
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        raise NotImplementedError("ThreeLayerConvNet.__init__: not implemented yet; write your code between the START/END OF YOUR CODE lines in cs231n/classifiers/cnn.py")
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Scores a minibatch or, given labels, computes the loss and its gradients.

        Inputs:
        - X: Minibatch of images, of shape (N, C, H, W)
        - y: Labels, of shape (N,), with 0 <= y[i] < num_classes; None to only compute scores

        Returns:
        - scores, of shape (N, num_classes), when y is None
        - otherwise a tuple (loss, grads): the scalar loss (softmax loss plus L2 regularization) and a
          dictionary with the keys of self.params, grads[k] being the gradient of the loss with respect
          to self.params[k] (of the same shape)
        """
        X = X.astype(self.dtype, copy=False)
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]

        # The convolution preserves the spatial size of the input.
        filter_size = W1.shape[2]
        conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}

        # The pooling layer halves the height and the width.
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        scores = None
        #######################################################################
        # TODO: Forward pass: compute the class scores of X into scores. The  #
        # sandwich layers of cs231n/layer_utils.py, which use the fast layers #
        # of cs231n/fast_layers.py, do most of the work.                      #
        #######################################################################
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        raise NotImplementedError("ThreeLayerConvNet.loss: not implemented yet; write your code between the START/END OF YOUR CODE lines in cs231n/classifiers/cnn.py")
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        if y is None:
            return scores

        loss, grads = 0, {}
        #######################################################################
        # TODO: Backward pass: compute the softmax loss of the scores and the #
        # gradients of every parameter into grads (same keys as self.params). #
        # Add the L2 regularization of the weights with the factor one half,  #
        # 0.5 * self.reg * sum(W * W) for each weight array W.                #
        #######################################################################
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        raise NotImplementedError("ThreeLayerConvNet.loss: not implemented yet; write your code between the START/END OF YOUR CODE lines in cs231n/classifiers/cnn.py")
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

        return loss, grads
