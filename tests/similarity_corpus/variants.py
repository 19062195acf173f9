"""Other ways students write the assignment's TODO regions: for each function (file:qualified name), variants
written for this corpus, each a list of region bodies (one per TODO region of the function, in order, indented
from column 0). Together with the reference's own regions (build.py adds them) they are the structural choices
an independent solution makes; styles.py then varies how each is spelled. Never executed: only compared."""

from __future__ import annotations

from textwrap import dedent


def _v(*regions: str) -> list[str]:
    return [dedent(r).strip("\n") for r in regions]


VARIANTS: dict[str, list[list[str]]] = {
    "layers.py:affine_forward": [
        _v("""
            N = x.shape[0]
            x_flat = x.reshape(N, -1)
            out = x_flat.dot(w) + b
            """),
        _v("""
            out = np.dot(np.reshape(x, (x.shape[0], np.prod(x.shape[1:]))), w) + b
            """),
    ],
    "layers.py:affine_backward": [
        _v("""
            N = x.shape[0]
            x_rows = x.reshape(N, -1)
            dx = dout.dot(w.T).reshape(*x.shape)
            dw = x_rows.T.dot(dout)
            db = np.sum(dout, axis=0)
            """),
        _v("""
            db = dout.sum(0)
            dw = np.reshape(x, (x.shape[0], -1)).T @ dout
            dx = np.reshape(dout @ w.T, x.shape)
            """),
    ],
    "layers.py:relu_forward": [
        _v("out = x * (x > 0)"),
        _v("""
            out = x.copy()
            out[out < 0] = 0
            """),
    ],
    "layers.py:relu_backward": [
        _v("dx = dout * (x > 0)"),
        _v("""
            dx = dout.copy()
            dx[x <= 0] = 0
            """),
    ],
    "layers.py:batchnorm_forward": [
        _v("""
            mu = np.mean(x, axis=0)
            xmu = x - mu
            sq = xmu ** 2
            var = np.mean(sq, axis=0)
            sqrtvar = np.sqrt(var + eps)
            ivar = 1. / sqrtvar
            xhat = xmu * ivar
            gammax = gamma * xhat
            out = gammax + beta
            running_mean = momentum * running_mean + (1 - momentum) * mu
            running_var = momentum * running_var + (1 - momentum) * var
            cache = (xhat, gamma, xmu, ivar, sqrtvar, var, eps)
            """, """
            x_norm = (x - running_mean) / np.sqrt(running_var + eps)
            out = gamma * x_norm + beta
            """),
        _v("""
            sample_mean = x.mean(axis=0)
            sample_var = x.var(axis=0)
            x_hat = (x - sample_mean) / np.sqrt(sample_var + eps)
            out = gamma * x_hat + beta
            cache = {'x': x, 'x_hat': x_hat, 'mean': sample_mean, 'var': sample_var, 'gamma': gamma, 'eps': eps}
            running_mean = momentum * running_mean + (1 - momentum) * sample_mean
            running_var = momentum * running_var + (1 - momentum) * sample_var
            """, """
            out = (x - running_mean) / np.sqrt(running_var + eps) * gamma + beta
            """),
    ],
    "layers.py:batchnorm_backward": [
        _v("""
            xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
            N, D = dout.shape
            dbeta = np.sum(dout, axis=0)
            dgammax = dout
            dgamma = np.sum(dgammax * xhat, axis=0)
            dxhat = dgammax * gamma
            divar = np.sum(dxhat * xmu, axis=0)
            dxmu1 = dxhat * ivar
            dsqrtvar = -1. / (sqrtvar ** 2) * divar
            dvar = 0.5 * 1. / np.sqrt(var + eps) * dsqrtvar
            dsq = 1. / N * np.ones((N, D)) * dvar
            dxmu2 = 2 * xmu * dsq
            dx1 = dxmu1 + dxmu2
            dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
            dx2 = 1. / N * np.ones((N, D)) * dmu
            dx = dx1 + dx2
            """),
        _v("""
            x, x_hat, mean, var, gamma, eps = (cache[k] for k in ('x', 'x_hat', 'mean', 'var', 'gamma', 'eps'))
            m = x.shape[0]
            dbeta = dout.sum(axis=0)
            dgamma = (x_hat * dout).sum(axis=0)
            dx_hat = dout * gamma
            inv_std = 1.0 / np.sqrt(var + eps)
            dvar = np.sum(dx_hat * (x - mean), axis=0) * -0.5 * inv_std ** 3
            dmean = np.sum(-dx_hat * inv_std, axis=0) + dvar * np.mean(-2.0 * (x - mean), axis=0)
            dx = dx_hat * inv_std + dvar * 2.0 * (x - mean) / m + dmean / m
            """),
    ],
    "layers.py:batchnorm_backward_alt": [
        _v("""
            xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
            N = dout.shape[0]
            dbeta = dout.sum(axis=0)
            dgamma = np.sum(xhat * dout, axis=0)
            dx = (gamma * ivar / N) * (N * dout - dbeta - xhat * dgamma)
            """),
        _v("""
            x_hat, gamma, var, eps = cache['x_hat'], cache['gamma'], cache['var'], cache['eps']
            m = dout.shape[0]
            dbeta = np.sum(dout, axis=0)
            dgamma = np.sum(dout * x_hat, axis=0)
            dx = gamma / (m * np.sqrt(var + eps)) * (m * dout - dbeta - x_hat * dgamma)
            """),
    ],
    "layers.py:layernorm_forward": [
        _v("""
            mu = x.mean(axis=1, keepdims=True)
            var = x.var(axis=1, keepdims=True)
            std = np.sqrt(var + eps)
            x_hat = (x - mu) / std
            out = gamma * x_hat + beta
            cache = (x_hat, gamma, std)
            """),
        _v("""
            xt = x.T
            mean = np.mean(xt, axis=0)
            xc = xt - mean
            var = np.mean(xc ** 2, axis=0)
            inv = 1.0 / np.sqrt(var + eps)
            xn = (xc * inv).T
            out = xn * gamma + beta
            cache = (xn, gamma, inv)
            """),
    ],
    "layers.py:layernorm_backward": [
        _v("""
            x_hat, gamma, std = cache
            D = x_hat.shape[1]
            dbeta = dout.sum(axis=0)
            dgamma = np.sum(dout * x_hat, axis=0)
            dx_hat = dout * gamma
            dx = (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                  - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True)) / (D * std)
            """),
        _v("""
            xn, gamma, inv = cache
            dgamma = (dout * xn).sum(0)
            dbeta = dout.sum(0)
            g = (dout * gamma).T
            xt = xn.T
            n = g.shape[0]
            dx = (inv / n * (n * g - g.sum(axis=0) - xt * (g * xt).sum(axis=0))).T
            """),
    ],
    "layers.py:dropout_forward": [
        _v("""
            mask = (np.random.rand(*x.shape) < p) / p
            out = x * mask
            """, """
            out = x
            """),
        _v("""
            keep = np.random.uniform(0, 1, x.shape) < p
            mask = keep.astype(x.dtype) / p
            out = mask * x
            """, """
            out = x.copy()
            """),
    ],
    "layers.py:dropout_backward": [
        _v("dx = mask * dout"),
        _v("dx = np.multiply(dout, mask)"),
    ],
    "layers.py:conv_forward_naive": [
        _v("""
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            stride = conv_param['stride']
            pad = conv_param['pad']
            H_out = 1 + (H + 2 * pad - HH) // stride
            W_out = 1 + (W + 2 * pad - WW) // stride
            x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
            out = np.zeros((N, F, H_out, W_out))
            for n in range(N):
                for f in range(F):
                    for i in range(H_out):
                        for j in range(W_out):
                            h0 = i * stride
                            w0 = j * stride
                            out[n, f, i, j] = np.sum(x_pad[n, :, h0:h0 + HH, w0:w0 + WW] * w[f]) + b[f]
            """),
        _v("""
            stride, pad = conv_param['stride'], conv_param['pad']
            N, C, H, W = x.shape
            F, C, HH, WW = w.shape
            Ho = int(1 + (H + 2 * pad - HH) / stride)
            Wo = int(1 + (W + 2 * pad - WW) / stride)
            xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
            out = np.zeros((N, F, Ho, Wo))
            for r in range(Ho):
                for c in range(Wo):
                    patch = xp[:, :, r * stride:r * stride + HH, c * stride:c * stride + WW]
                    out[:, :, r, c] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
            """),
    ],
    "layers.py:conv_backward_naive": [
        _v("""
            x, w, b, conv_param = cache
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            stride, pad = conv_param['stride'], conv_param['pad']
            _, _, H_out, W_out = dout.shape
            x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
            dx_pad = np.zeros_like(x_pad)
            dw = np.zeros_like(w)
            db = np.zeros_like(b)
            for n in range(N):
                for f in range(F):
                    db[f] += np.sum(dout[n, f])
                    for i in range(H_out):
                        for j in range(W_out):
                            h0, w0 = i * stride, j * stride
                            dw[f] += x_pad[n, :, h0:h0 + HH, w0:w0 + WW] * dout[n, f, i, j]
                            dx_pad[n, :, h0:h0 + HH, w0:w0 + WW] += w[f] * dout[n, f, i, j]
            dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
            """),
        _v("""
            x, w, b, conv_param = cache
            stride, pad = conv_param['stride'], conv_param['pad']
            N, C, H, W = x.shape
            F, C, HH, WW = w.shape
            Ho, Wo = dout.shape[2], dout.shape[3]
            xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
            dxp = np.zeros(xp.shape)
            dw = np.zeros(w.shape)
            db = dout.sum(axis=(0, 2, 3))
            for r in range(Ho):
                for c in range(Wo):
                    patch = xp[:, :, r * stride:r * stride + HH, c * stride:c * stride + WW]
                    g = dout[:, :, r, c]
                    dw += np.tensordot(g, patch, axes=([0], [0]))
                    back = np.tensordot(g, w, axes=([1], [0]))
                    dxp[:, :, r * stride:r * stride + HH, c * stride:c * stride + WW] += back
            dx = dxp[:, :, pad:pad + H, pad:pad + W]
            """),
    ],
    "layers.py:max_pool_forward_naive": [
        _v("""
            N, C, H, W = x.shape
            pool_height = pool_param['pool_height']
            pool_width = pool_param['pool_width']
            stride = pool_param['stride']
            H_out = 1 + (H - pool_height) // stride
            W_out = 1 + (W - pool_width) // stride
            out = np.zeros((N, C, H_out, W_out))
            for n in range(N):
                for c in range(C):
                    for i in range(H_out):
                        for j in range(W_out):
                            out[n, c, i, j] = np.max(x[n, c, i * stride:i * stride + pool_height,
                                                       j * stride:j * stride + pool_width])
            """),
        _v("""
            ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
            N, C, H, W = x.shape
            Ho, Wo = (H - ph) // s + 1, (W - pw) // s + 1
            out = np.empty((N, C, Ho, Wo))
            for r in range(Ho):
                for c in range(Wo):
                    out[:, :, r, c] = np.amax(x[:, :, r * s:r * s + ph, c * s:c * s + pw], axis=(2, 3))
            """),
    ],
    "layers.py:max_pool_backward_naive": [
        _v("""
            x, pool_param = cache
            N, C, H, W = x.shape
            pool_height = pool_param['pool_height']
            pool_width = pool_param['pool_width']
            stride = pool_param['stride']
            H_out = 1 + (H - pool_height) // stride
            W_out = 1 + (W - pool_width) // stride
            dx = np.zeros_like(x)
            for n in range(N):
                for c in range(C):
                    for i in range(H_out):
                        for j in range(W_out):
                            window = x[n, c, i * stride:i * stride + pool_height, j * stride:j * stride + pool_width]
                            idx = np.unravel_index(np.argmax(window), window.shape)
                            dx[n, c, i * stride + idx[0], j * stride + idx[1]] += dout[n, c, i, j]
            """),
        _v("""
            x, pool_param = cache
            ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
            dx = np.zeros(x.shape)
            Ho, Wo = dout.shape[2:]
            for r in range(Ho):
                for c in range(Wo):
                    win = x[:, :, r * s:r * s + ph, c * s:c * s + pw]
                    is_max = win == win.max(axis=(2, 3), keepdims=True)
                    dx[:, :, r * s:r * s + ph, c * s:c * s + pw] += is_max * dout[:, :, r, c][:, :, None, None]
            """),
    ],
    "layers.py:spatial_batchnorm_forward": [
        _v("""
            N, C, H, W = x.shape
            x_flat = np.transpose(x, (0, 2, 3, 1)).reshape(N * H * W, C)
            out_flat, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)
            out = np.transpose(out_flat.reshape(N, H, W, C), (0, 3, 1, 2))
            """),
        _v("""
            N, C, H, W = x.shape
            x2 = x.swapaxes(0, 1).reshape(C, -1).T
            y2, cache = batchnorm_forward(x2, gamma, beta, bn_param)
            out = y2.T.reshape(C, N, H, W).swapaxes(0, 1)
            """),
    ],
    "layers.py:spatial_batchnorm_backward": [
        _v("""
            N, C, H, W = dout.shape
            dout_flat = np.transpose(dout, (0, 2, 3, 1)).reshape(N * H * W, C)
            dx_flat, dgamma, dbeta = batchnorm_backward(dout_flat, cache)
            dx = np.transpose(dx_flat.reshape(N, H, W, C), (0, 3, 1, 2))
            """),
        _v("""
            N, C, H, W = dout.shape
            d2 = dout.swapaxes(0, 1).reshape(C, -1).T
            dx2, dgamma, dbeta = batchnorm_backward_alt(d2, cache)
            dx = dx2.T.reshape(C, N, H, W).swapaxes(0, 1)
            """),
    ],
    "layers.py:spatial_groupnorm_forward": [
        _v("""
            N, C, H, W = x.shape
            x_group = x.reshape(N, G, C // G, H, W)
            mean = np.mean(x_group, axis=(2, 3, 4), keepdims=True)
            var = np.var(x_group, axis=(2, 3, 4), keepdims=True)
            x_hat = ((x_group - mean) / np.sqrt(var + eps)).reshape(N, C, H, W)
            out = gamma * x_hat + beta
            cache = (x_hat, gamma, var, eps, G)
            """),
        _v("""
            N, C, H, W = x.shape
            xg = x.reshape(N * G, -1)
            mu = xg.mean(axis=1)[:, None]
            sigma = np.sqrt(xg.var(axis=1)[:, None] + eps)
            xn = ((xg - mu) / sigma).reshape(x.shape)
            out = xn * gamma + beta
            cache = (xn, gamma, sigma, G)
            """),
    ],
    "layers.py:spatial_groupnorm_backward": [
        _v("""
            x_hat, gamma, var, eps, G = cache
            N, C, H, W = dout.shape
            dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)
            dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)
            dx_hat = (dout * gamma).reshape(N, G, C // G, H, W)
            xh = x_hat.reshape(N, G, C // G, H, W)
            M = C // G * H * W
            dx = (M * dx_hat - dx_hat.sum(axis=(2, 3, 4), keepdims=True)
                  - xh * np.sum(dx_hat * xh, axis=(2, 3, 4), keepdims=True)) / (M * np.sqrt(var + eps))
            dx = dx.reshape(N, C, H, W)
            """),
        _v("""
            xn, gamma, sigma, G = cache
            N = dout.shape[0]
            dgamma = (dout * xn).sum(axis=(0, 2, 3), keepdims=True)
            dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
            g = (dout * gamma).reshape(N * G, -1)
            xg = xn.reshape(N * G, -1)
            m = g.shape[1]
            dx = ((g - g.mean(axis=1, keepdims=True) - xg * (g * xg).mean(axis=1, keepdims=True)) / sigma)
            dx = dx.reshape(dout.shape)
            """),
    ],
    "optim.py:sgd_momentum": [
        _v("""
            v = config.get('velocity')
            v = config['momentum'] * v - config['learning_rate'] * dw
            next_w = w + v
            config['velocity'] = v
            """),
        _v("""
            config['velocity'] = config['momentum'] * config['velocity'] - config['learning_rate'] * dw
            next_w = w + config['velocity']
            """),
    ],
    "optim.py:rmsprop": [
        _v("""
            config['cache'] = config['decay_rate'] * config['cache'] + (1 - config['decay_rate']) * (dw * dw)
            next_w = w - config['learning_rate'] * dw / (np.sqrt(config['cache']) + config['epsilon'])
            """),
        _v("""
            lr, dr, eps = config['learning_rate'], config['decay_rate'], config['epsilon']
            cache = config['cache']
            cache = dr * cache + (1 - dr) * np.square(dw)
            next_w = w - lr * dw / (np.sqrt(cache) + eps)
            config['cache'] = cache
            """),
    ],
    "optim.py:adam": [
        _v("""
            config['t'] += 1
            config['m'] = config['beta1'] * config['m'] + (1 - config['beta1']) * dw
            mt = config['m'] / (1 - config['beta1'] ** config['t'])
            config['v'] = config['beta2'] * config['v'] + (1 - config['beta2']) * (dw ** 2)
            vt = config['v'] / (1 - config['beta2'] ** config['t'])
            next_w = w - config['learning_rate'] * mt / (np.sqrt(vt) + config['epsilon'])
            """),
        _v("""
            lr, b1, b2, eps = config['learning_rate'], config['beta1'], config['beta2'], config['epsilon']
            m, v, t = config['m'], config['v'], config['t'] + 1
            m = b1 * m + (1 - b1) * dw
            v = b2 * v + (1 - b2) * dw * dw
            m_unbiased = m / (1 - b1 ** t)
            v_unbiased = v / (1 - b2 ** t)
            next_w = w - lr * m_unbiased / (np.sqrt(v_unbiased) + eps)
            config['m'], config['v'], config['t'] = m, v, t
            """),
    ],
    "classifiers/fc_net.py:TwoLayerNet.__init__": [
        _v("""
            self.params['W1'] = np.random.normal(0, weight_scale, (input_dim, hidden_dim))
            self.params['W2'] = np.random.normal(0, weight_scale, (hidden_dim, num_classes))
            self.params['b1'] = np.zeros(hidden_dim)
            self.params['b2'] = np.zeros(num_classes)
            """),
        _v("""
            dims = [input_dim, hidden_dim, num_classes]
            for k in range(2):
                self.params['W%d' % (k + 1)] = weight_scale * np.random.randn(dims[k], dims[k + 1])
                self.params['b%d' % (k + 1)] = np.zeros(dims[k + 1])
            """),
    ],
    "classifiers/fc_net.py:TwoLayerNet.loss": [
        _v("""
            h1, cache1 = affine_forward(X, self.params['W1'], self.params['b1'])
            a1, cache_relu = relu_forward(h1)
            scores, cache2 = affine_forward(a1, self.params['W2'], self.params['b2'])
            """, """
            loss, dscores = softmax_loss(scores, y)
            loss += 0.5 * self.reg * (np.sum(self.params['W1'] ** 2) + np.sum(self.params['W2'] ** 2))
            da1, grads['W2'], grads['b2'] = affine_backward(dscores, cache2)
            dh1 = relu_backward(da1, cache_relu)
            dx, grads['W1'], grads['b1'] = affine_backward(dh1, cache1)
            grads['W2'] += self.reg * self.params['W2']
            grads['W1'] += self.reg * self.params['W1']
            """),
        _v("""
            hidden, cache_h = affine_relu_forward(X, self.params['W1'], self.params['b1'])
            scores, cache_s = affine_forward(hidden, self.params['W2'], self.params['b2'])
            """, """
            data_loss, dscores = softmax_loss(scores, y)
            reg_loss = 0.5 * self.reg * sum(np.sum(self.params[k] * self.params[k]) for k in ('W1', 'W2'))
            loss = data_loss + reg_loss
            dhidden, dW2, db2 = affine_backward(dscores, cache_s)
            _, dW1, db1 = affine_relu_backward(dhidden, cache_h)
            grads = {'W1': dW1 + self.reg * self.params['W1'], 'b1': db1,
                     'W2': dW2 + self.reg * self.params['W2'], 'b2': db2}
            """),
    ],
    "classifiers/fc_net.py:FullyConnectedNet.__init__": [
        _v("""
            layer_dims = [input_dim] + hidden_dims + [num_classes]
            for l in range(self.num_layers):
                self.params['W' + str(l + 1)] = np.random.normal(0, weight_scale, (layer_dims[l], layer_dims[l + 1]))
                self.params['b' + str(l + 1)] = np.zeros(layer_dims[l + 1])
            if self.normalization is not None:
                for l in range(self.num_layers - 1):
                    self.params['gamma' + str(l + 1)] = np.ones(layer_dims[l + 1])
                    self.params['beta' + str(l + 1)] = np.zeros(layer_dims[l + 1])
            """),
        _v("""
            in_dim = input_dim
            for i, h in enumerate(hidden_dims, start=1):
                self.params['W%d' % i] = weight_scale * np.random.randn(in_dim, h)
                self.params['b%d' % i] = np.zeros(h)
                if normalization in ('batchnorm', 'layernorm'):
                    self.params['gamma%d' % i] = np.ones(h)
                    self.params['beta%d' % i] = np.zeros(h)
                in_dim = h
            self.params['W%d' % self.num_layers] = weight_scale * np.random.randn(in_dim, num_classes)
            self.params['b%d' % self.num_layers] = np.zeros(num_classes)
            """),
    ],
    "classifiers/fc_net.py:FullyConnectedNet.loss": [
        _v("""
            caches = {}
            h = X
            for l in range(1, self.num_layers):
                h, caches['affine' + str(l)] = affine_forward(h, self.params['W' + str(l)], self.params['b' + str(l)])
                if self.normalization == 'batchnorm':
                    h, caches['norm' + str(l)] = batchnorm_forward(h, self.params['gamma' + str(l)],
                                                                   self.params['beta' + str(l)], self.bn_params[l - 1])
                elif self.normalization == 'layernorm':
                    h, caches['norm' + str(l)] = layernorm_forward(h, self.params['gamma' + str(l)],
                                                                   self.params['beta' + str(l)], self.bn_params[l - 1])
                h, caches['relu' + str(l)] = relu_forward(h)
                if self.use_dropout:
                    h, caches['drop' + str(l)] = dropout_forward(h, self.dropout_param)
            L = self.num_layers
            scores, caches['affine' + str(L)] = affine_forward(h, self.params['W' + str(L)], self.params['b' + str(L)])
            """, """
            loss, dout = softmax_loss(scores, y)
            L = self.num_layers
            for l in range(1, L + 1):
                loss += 0.5 * self.reg * np.sum(self.params['W' + str(l)] ** 2)
            dout, dw, db = affine_backward(dout, caches['affine' + str(L)])
            grads['W' + str(L)] = dw + self.reg * self.params['W' + str(L)]
            grads['b' + str(L)] = db
            for l in reversed(range(1, L)):
                if self.use_dropout:
                    dout = dropout_backward(dout, caches['drop' + str(l)])
                dout = relu_backward(dout, caches['relu' + str(l)])
                if self.normalization == 'batchnorm':
                    dout, dg, db_ = batchnorm_backward(dout, caches['norm' + str(l)])
                    grads['gamma' + str(l)], grads['beta' + str(l)] = dg, db_
                elif self.normalization == 'layernorm':
                    dout, dg, db_ = layernorm_backward(dout, caches['norm' + str(l)])
                    grads['gamma' + str(l)], grads['beta' + str(l)] = dg, db_
                dout, dw, db = affine_backward(dout, caches['affine' + str(l)])
                grads['W' + str(l)] = dw + self.reg * self.params['W' + str(l)]
                grads['b' + str(l)] = db
            """),
        _v("""
            layer_input = X
            cache_list = []
            for i in range(self.num_layers - 1):
                W, b = self.params['W%d' % (i + 1)], self.params['b%d' % (i + 1)]
                if self.normalization:
                    g, be = self.params['gamma%d' % (i + 1)], self.params['beta%d' % (i + 1)]
                    layer_input, c = affine_norm_relu_forward(layer_input, W, b, g, be, self.bn_params[i],
                                                              self.normalization)
                else:
                    layer_input, c = affine_relu_forward(layer_input, W, b)
                d = None
                if self.use_dropout:
                    layer_input, d = dropout_forward(layer_input, self.dropout_param)
                cache_list.append((c, d))
            W_last = self.params['W%d' % self.num_layers]
            scores, last_cache = affine_forward(layer_input, W_last, self.params['b%d' % self.num_layers])
            """, """
            loss, dscores = softmax_loss(scores, y)
            weights = [self.params['W%d' % (i + 1)] for i in range(self.num_layers)]
            loss += 0.5 * self.reg * sum(np.sum(W * W) for W in weights)
            dh, dW, db = affine_backward(dscores, last_cache)
            grads['W%d' % self.num_layers] = dW + self.reg * weights[-1]
            grads['b%d' % self.num_layers] = db
            for i in range(self.num_layers - 2, -1, -1):
                c, d = cache_list[i]
                if self.use_dropout:
                    dh = dropout_backward(dh, d)
                if self.normalization:
                    dh, dW, db, dg, dbe = affine_norm_relu_backward(dh, c)
                    grads['gamma%d' % (i + 1)] = dg
                    grads['beta%d' % (i + 1)] = dbe
                else:
                    dh, dW, db = affine_relu_backward(dh, c)
                grads['W%d' % (i + 1)] = dW + self.reg * weights[i]
                grads['b%d' % (i + 1)] = db
            """),
    ],
    "classifiers/cnn.py:ThreeLayerConvNet.__init__": [
        _v("""
            C, H, W = input_dim
            self.params['W1'] = np.random.normal(0, weight_scale, (num_filters, C, filter_size, filter_size))
            self.params['b1'] = np.zeros(num_filters)
            self.params['W2'] = np.random.normal(0, weight_scale, (num_filters * H * W // 4, hidden_dim))
            self.params['b2'] = np.zeros(hidden_dim)
            self.params['W3'] = np.random.normal(0, weight_scale, (hidden_dim, num_classes))
            self.params['b3'] = np.zeros(num_classes)
            """),
        _v("""
            C, H, W = input_dim
            shapes = {'W1': (num_filters, C, filter_size, filter_size),
                      'W2': (num_filters * (H // 2) * (W // 2), hidden_dim),
                      'W3': (hidden_dim, num_classes)}
            for name, shape in shapes.items():
                self.params[name] = weight_scale * np.random.randn(*shape)
            sizes = (num_filters, hidden_dim, num_classes)
            self.params['b1'], self.params['b2'], self.params['b3'] = (np.zeros(n) for n in sizes)
            """),
    ],
    "classifiers/cnn.py:ThreeLayerConvNet.loss": [
        _v("""
            out1, cache1 = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)
            out2, cache2 = affine_relu_forward(out1, W2, b2)
            scores, cache3 = affine_forward(out2, W3, b3)
            """, """
            loss, dscores = softmax_loss(scores, y)
            loss += 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2) + np.sum(W3 ** 2))
            dout2, grads['W3'], grads['b3'] = affine_backward(dscores, cache3)
            dout1, grads['W2'], grads['b2'] = affine_relu_backward(dout2, cache2)
            dx, grads['W1'], grads['b1'] = conv_relu_pool_backward(dout1, cache1)
            grads['W3'] += self.reg * W3
            grads['W2'] += self.reg * W2
            grads['W1'] += self.reg * W1
            """),
        _v("""
            c1, conv_cache = conv_forward_fast(X, W1, b1, conv_param)
            r1, relu1_cache = relu_forward(c1)
            p1, pool_cache = max_pool_forward_fast(r1, pool_param)
            a2, aff2_cache = affine_forward(p1, W2, b2)
            r2, relu2_cache = relu_forward(a2)
            scores, aff3_cache = affine_forward(r2, W3, b3)
            """, """
            loss, d = softmax_loss(scores, y)
            for k in ('W1', 'W2', 'W3'):
                loss += 0.5 * self.reg * np.sum(self.params[k] * self.params[k])
            d, grads['W3'], grads['b3'] = affine_backward(d, aff3_cache)
            d = relu_backward(d, relu2_cache)
            d, grads['W2'], grads['b2'] = affine_backward(d, aff2_cache)
            d = max_pool_backward_fast(d, pool_cache)
            d = relu_backward(d, relu1_cache)
            d, grads['W1'], grads['b1'] = conv_backward_fast(d, conv_cache)
            for k in ('W1', 'W2', 'W3'):
                grads[k] += self.reg * self.params[k]
            """),
    ],
}
