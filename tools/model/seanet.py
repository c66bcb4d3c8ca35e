# SEANet codec with the audiocraft EnCodec state-dict layout (weight norm folded), for converted packages.
"""Module nesting mirrors audiocraft's so that `encoder.model.N.conv.conv.weight` and friends line up
after `fold_weight_norm`. Non-causal padding as in audiocraft's streamable convolutions, for inputs whose
length is a multiple of the hop (the package contract requires that), where no extra padding is needed.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from modules import RVQ


class _Inner(nn.Module):
    def __init__(self, conv):
        super().__init__()
        self.conv = conv


class SConv(nn.Module):
    """Conv1d with 'same'-style non-causal padding: total kernel_eff - stride, right half floor."""

    def __init__(self, cin, cout, k, stride=1, dilation=1, pad_mode='reflect'):
        super().__init__()
        self.conv = _Inner(nn.Conv1d(cin, cout, k, stride=stride, dilation=dilation))
        total = (k - 1) * dilation + 1 - stride
        self.pad = (total - total // 2, total // 2)
        self.pad_mode = pad_mode

    def forward(self, x):
        return self.conv.conv(F.pad(x, self.pad, mode=self.pad_mode))


class _InnerT(nn.Module):
    def __init__(self, convtr):
        super().__init__()
        self.convtr = convtr


class SConvT(nn.Module):
    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.convtr = _InnerT(nn.ConvTranspose1d(cin, cout, k, stride=stride))
        total = k - stride
        self.trim = (total - total // 2, total // 2)

    def forward(self, x):
        y = self.convtr.convtr(x)
        return y[:, :, self.trim[0]:y.shape[2] - self.trim[1]]


class ResBlock(nn.Module):
    def __init__(self, dim, kernel, dilation, compress, pad_mode):
        super().__init__()
        hidden = dim // compress
        self.block = nn.Sequential(nn.ELU(), SConv(dim, hidden, kernel, dilation=dilation, pad_mode=pad_mode),
                                   nn.ELU(), SConv(hidden, dim, 1, pad_mode=pad_mode))

    def forward(self, x):
        return x + self.block(x)


class SLSTM(nn.Module):
    def __init__(self, dim, layers):
        super().__init__()
        self.lstm = nn.LSTM(dim, dim, layers)

    def forward(self, x):
        t = x.permute(2, 0, 1)
        y, _ = self.lstm(t)
        return (y + t).permute(1, 2, 0)


def _encoder(channels, dimension, n_filters, n_res, ratios, kernel, last_kernel, res_kernel, dil_base, pad_mode,
             compress, lstm):
    m = [SConv(channels, n_filters, kernel, pad_mode=pad_mode)]
    mult = 1
    for ratio in reversed(ratios):
        for j in range(n_res):
            m.append(ResBlock(mult * n_filters, res_kernel, dil_base ** j, compress, pad_mode))
        m += [nn.ELU(), SConv(mult * n_filters, mult * n_filters * 2, ratio * 2, stride=ratio, pad_mode=pad_mode)]
        mult *= 2
    if lstm:
        m.append(SLSTM(mult * n_filters, lstm))
    m += [nn.ELU(), SConv(mult * n_filters, dimension, last_kernel, pad_mode=pad_mode)]
    enc = nn.Module()
    enc.model = nn.Sequential(*m)
    return enc


def _decoder(channels, dimension, n_filters, n_res, ratios, kernel, last_kernel, res_kernel, dil_base, pad_mode,
             compress, lstm):
    mult = 2 ** len(ratios)
    m = [SConv(dimension, mult * n_filters, kernel, pad_mode=pad_mode)]
    if lstm:
        m.append(SLSTM(mult * n_filters, lstm))
    for ratio in ratios:
        m += [nn.ELU(), SConvT(mult * n_filters, mult * n_filters // 2, ratio * 2, ratio)]
        for j in range(n_res):
            m.append(ResBlock(mult * n_filters // 2, res_kernel, dil_base ** j, compress, pad_mode))
        mult //= 2
    m += [nn.ELU(), SConv(n_filters, channels, last_kernel, pad_mode=pad_mode)]
    dec = nn.Module()
    dec.model = nn.Sequential(*m)
    return dec


class SeanetCodec(nn.Module):
    """EnCodec (audiocraft layout): encoder.model, decoder.model, RVQ with n_q codebooks of `bins`."""

    def __init__(self, channels=1, dimension=128, n_filters=64, n_residual_layers=1, ratios=(8, 5, 4, 4),
                 kernel_size=7, last_kernel_size=7, residual_kernel_size=3, dilation_base=2, pad_mode='constant',
                 compress=2, lstm=2, n_q=4, bins=2048):
        super().__init__()
        args = (channels, dimension, n_filters, n_residual_layers, list(ratios), kernel_size, last_kernel_size,
                residual_kernel_size, dilation_base, pad_mode, compress, lstm)
        self.encoder = _encoder(*args)
        self.decoder = _decoder(*args)
        self.quantizer = RVQ(n_q, bins, dimension)
        self.n_q = n_q
        self.hop = math.prod(ratios)

    def encode(self, audio):
        return self.quantizer.encode(self.encoder.model(audio).transpose(1, 2), self.n_q)

    def decode(self, codes):
        return self.decoder.model(self.quantizer.decode(codes).transpose(1, 2))


def fold_weight_norm(state):
    """Replaces every `X.weight_g` / `X.weight_v` pair by `X.weight = g * v / ||v||`, the norm taken over the
    dimensions where g has size 1 (dim 0 for audiocraft's convolutions, dim 2 for HuBERT's positional conv)."""
    state = {k.replace('.parametrizations.weight.original0', '.weight_g')
             .replace('.parametrizations.weight.original1', '.weight_v'): v for k, v in state.items()}
    out = {}
    for k, v in state.items():
        if k.endswith('.weight_g'):
            base = k[:-len('.weight_g')]
            vv = state[base + '.weight_v']
            dims = tuple(d for d in range(vv.dim()) if v.shape[d] == 1)
            norm = vv.pow(2).sum(dim=dims, keepdim=True).sqrt()
            out[base + '.weight'] = v * vv / norm
        elif k.endswith('.weight_v'):
            continue
        else:
            out[k] = v
    return out
