# PyTorch modules of the musicgen-style family: codec, T5-like text encoder, style conditioner, LM.
"""Compact, readable modules matching docs/model-package.md.

Weight names follow the upstream layouts where a converter needs them (audiocraft LM, HF T5,
HF HuBERT/MERT front end), so convert_audiocraft.py can load real state dicts into these modules.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------------
# Residual vector quantizer (shared by the codec and the style bottleneck)

class RVQ(nn.Module):
    """`n_q` codebooks of `bins` vectors of width `dim`; nearest-neighbour by squared distance."""

    def __init__(self, n_q, bins, dim):
        super().__init__()
        self.codebooks = nn.Parameter(torch.randn(n_q, bins, dim))

    def _nearest(self, r, cb):
        # r [B, T, dim], cb [bins, dim] -> [B, T] (argmin picks the smallest index on ties)
        d = (r * r).sum(-1, keepdim=True) - 2.0 * (r @ cb.t()) + (cb * cb).sum(-1)[None, None, :]
        return d.argmin(-1)

    def encode(self, x, n_q):
        """x [B, T, dim] -> codes [B, n_q, T]."""
        codes, r = [], x
        for q in range(n_q):
            idx = self._nearest(r, self.codebooks[q])
            r = r - F.embedding(idx, self.codebooks[q])
            codes.append(idx)
        return torch.stack(codes, 1)

    def decode(self, codes):
        """codes [B, n_q, T] -> [B, T, dim] (sum of the looked-up vectors)."""
        out = 0
        for q in range(codes.shape[1]):
            out = out + F.embedding(codes[:, q], self.codebooks[q])
        return out

    def quantize_streams(self, x, num_streams):
        """Quantize with all codebooks but keep the sum of the first `num_streams` (a tensor [1])."""
        r, out = x, torch.zeros_like(x)
        for q in range(self.codebooks.shape[0]):
            v = F.embedding(self._nearest(r, self.codebooks[q]), self.codebooks[q])
            r = r - v
            out = out + v * (num_streams > q).to(x.dtype).reshape(1, 1, 1)
        return out


# ----------------------------------------------------------------------------------------------
# Codec: EnCodec-like convolutional autoencoder with RVQ (no LSTM), hop = prod(ratios)

class Codec(nn.Module):
    def __init__(self, channels=16, dim=32, ratios=(8, 5, 4, 4), n_q=4, bins=2048):
        super().__init__()
        self.ratios = list(ratios)
        self.hop = math.prod(ratios)
        enc = [nn.Conv1d(1, channels, 7, padding=3)]
        c = channels
        for s in self.ratios:
            enc += [nn.ELU(), _StridedConv(c, 2 * c, s)]
            c *= 2
        enc += [nn.ELU(), nn.Conv1d(c, dim, 3, padding=1)]
        self.encoder = nn.Sequential(*enc)
        dec = [nn.Conv1d(dim, c, 7, padding=3)]
        for s in reversed(self.ratios):
            dec += [nn.ELU(), _StridedConvT(c, c // 2, s)]
            c //= 2
        dec += [nn.ELU(), nn.Conv1d(c, 1, 7, padding=3)]
        self.decoder = nn.Sequential(*dec)
        self.quantizer = RVQ(n_q, bins, dim)
        self.n_q = n_q

    def encode(self, audio):
        """audio [B, 1, N] (N multiple of hop) -> codes [B, K, N / hop]."""
        z = self.encoder(audio).transpose(1, 2)
        return self.quantizer.encode(z, self.n_q)

    def decode(self, codes):
        """codes [B, K, T] -> audio [B, 1, T * hop]."""
        return self.decoder(self.quantizer.decode(codes).transpose(1, 2))


class _StridedConv(nn.Module):
    """Downsample by exactly `s` (input length a multiple of s): pad s, kernel 2s, stride s."""

    def __init__(self, cin, cout, s):
        super().__init__()
        self.s = s
        self.conv = nn.Conv1d(cin, cout, 2 * s, stride=s)

    def forward(self, x):
        return self.conv(F.pad(x, (self.s - self.s // 2, self.s // 2)))


class _StridedConvT(nn.Module):
    """Upsample by exactly `s`: transposed conv kernel 2s, stride s, trimmed to T * s."""

    def __init__(self, cin, cout, s):
        super().__init__()
        self.s = s
        self.conv = nn.ConvTranspose1d(cin, cout, 2 * s, stride=s)

    def forward(self, x):
        y = self.conv(x)  # length (T + 1) * s
        left = self.s - self.s // 2
        return y[:, :, left:left + x.shape[2] * self.s]


# ----------------------------------------------------------------------------------------------
# Text encoder: T5 encoder structure (HF key layout) plus a projection to the LM width

class T5LayerNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class T5Attention(nn.Module):
    def __init__(self, d_model, heads, d_kv, has_bias, buckets=32, max_distance=128):
        super().__init__()
        self.heads, self.d_kv, self.buckets, self.max_distance = heads, d_kv, buckets, max_distance
        inner = heads * d_kv
        self.q = nn.Linear(d_model, inner, bias=False)
        self.k = nn.Linear(d_model, inner, bias=False)
        self.v = nn.Linear(d_model, inner, bias=False)
        self.o = nn.Linear(inner, d_model, bias=False)
        if has_bias:
            self.relative_attention_bias = nn.Embedding(buckets, heads)

    def position_bias(self, n):
        pos = torch.arange(n)
        rel = pos[None, :] - pos[:, None]  # memory - query
        nb = self.buckets // 2
        bucket = (rel > 0).long() * nb
        a = rel.abs()
        max_exact = nb // 2
        large = max_exact + (torch.log(a.clamp(min=1).float() / max_exact)
                             / math.log(self.max_distance / max_exact) * (nb - max_exact)).long()
        large = torch.minimum(large, torch.full_like(large, nb - 1))
        bucket = bucket + torch.where(a < max_exact, a, large)
        return self.relative_attention_bias(bucket).permute(2, 0, 1)[None]  # [1, H, n, n]

    def forward(self, x, bias):
        b, n, _ = x.shape
        sh = lambda t: t.view(b, n, self.heads, self.d_kv).transpose(1, 2)
        q, k, v = sh(self.q(x)), sh(self.k(x)), sh(self.v(x))
        w = torch.softmax(q @ k.transpose(2, 3) + bias, dim=-1)  # T5 does not scale
        return self.o((w @ v).transpose(1, 2).reshape(b, n, -1))


class T5Block(nn.Module):
    def __init__(self, d_model, heads, d_kv, d_ff, has_bias):
        super().__init__()
        self.layer = nn.ModuleList([_T5SelfAttn(d_model, heads, d_kv, has_bias), _T5FF(d_model, d_ff)])


class _T5SelfAttn(nn.Module):
    def __init__(self, d_model, heads, d_kv, has_bias):
        super().__init__()
        self.SelfAttention = T5Attention(d_model, heads, d_kv, has_bias)
        self.layer_norm = T5LayerNorm(d_model)


class _T5FF(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.DenseReluDense = nn.Module()
        self.DenseReluDense.wi = nn.Linear(d_model, d_ff, bias=False)
        self.DenseReluDense.wo = nn.Linear(d_ff, d_model, bias=False)
        self.layer_norm = T5LayerNorm(d_model)


class TextEncoder(nn.Module):
    """T5 encoder (ReLU feed-forward, relative position bias in block 0) + output_proj to `out_dim`."""

    def __init__(self, vocab, d_model, layers, heads, d_kv, d_ff, out_dim):
        super().__init__()
        self.shared = nn.Embedding(vocab, d_model)
        self.block = nn.ModuleList([T5Block(d_model, heads, d_kv, d_ff, i == 0) for i in range(layers)])
        self.final_layer_norm = T5LayerNorm(d_model)
        self.output_proj = nn.Linear(d_model, out_dim)

    def hidden(self, input_ids, attention_mask):
        """The T5 encoder's last hidden state (before output_proj)."""
        x = self.shared(input_ids)
        n = input_ids.shape[1]
        m = attention_mask.to(x.dtype)
        bias = self.block[0].layer[0].SelfAttention.position_bias(n) + (1.0 - m)[:, None, None, :] * -1e9
        for blk in self.block:
            sa, ff = blk.layer
            x = x + sa.SelfAttention(sa.layer_norm(x), bias)
            h = ff.layer_norm(x)
            x = x + ff.DenseReluDense.wo(torch.relu(ff.DenseReluDense.wi(h)))
        return self.final_layer_norm(x)

    def forward(self, input_ids, attention_mask):
        m = attention_mask.to(torch.float32)
        return self.output_proj(self.hidden(input_ids, attention_mask)) * m[:, :, None]


# ----------------------------------------------------------------------------------------------
# Style conditioner: HuBERT/MERT-structured front end -> transformer -> BatchNorm -> RVQ -> keep 1/ds -> proj

FRONTEND_CONVS = [(10, 5), (3, 2), (3, 2), (3, 2), (3, 2), (2, 2), (2, 2)]  # total kernel 400, hop 320


class FrontEnd(nn.Module):
    """MERT/HuBERT structure: conv feature extractor (group norm on the first conv), feature projection,
    convolutional positional embedding, post-norm transformer layers. Returns the last hidden state."""

    def __init__(self, conv_dim, hidden, layers, heads, ffn, pos_kernel=16, pos_groups=4):
        super().__init__()
        convs = []
        cin = 1
        for i, (k, s) in enumerate(FRONTEND_CONVS):
            convs.append(_FeConv(cin, conv_dim, k, s, group_norm=(i == 0)))
            cin = conv_dim
        self.conv_layers = nn.ModuleList(convs)
        self.feature_projection = nn.Module()
        self.feature_projection.layer_norm = nn.LayerNorm(conv_dim)
        self.feature_projection.projection = nn.Linear(conv_dim, hidden)
        self.pos_conv = nn.Conv1d(hidden, hidden, pos_kernel, padding=pos_kernel // 2, groups=pos_groups)
        self.pos_kernel = pos_kernel
        self.layer_norm = nn.LayerNorm(hidden)
        self.layers = nn.ModuleList([_PostNormLayer(hidden, heads, ffn) for _ in range(layers)])

    def forward(self, audio):
        x = audio[:, None, :]
        for c in self.conv_layers:
            x = c(x)
        x = self.feature_projection.projection(self.feature_projection.layer_norm(x.transpose(1, 2)))
        p = self.pos_conv(x.transpose(1, 2))
        if self.pos_kernel % 2 == 0:
            p = p[:, :, :-1]
        x = self.layer_norm(x + F.gelu(p).transpose(1, 2))
        for layer in self.layers:
            x = layer(x)
        return x


class _FeConv(nn.Module):
    def __init__(self, cin, cout, k, s, group_norm):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, k, stride=s, bias=False)
        self.layer_norm = nn.GroupNorm(cout, cout) if group_norm else None

    def forward(self, x):
        x = self.conv(x)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        return F.gelu(x)


class _PostNormLayer(nn.Module):
    def __init__(self, dim, heads, ffn):
        super().__init__()
        self.attention = _QKVAttention(dim, heads, bias=True)
        self.layer_norm = nn.LayerNorm(dim)
        self.feed_forward = nn.Module()
        self.feed_forward.intermediate_dense = nn.Linear(dim, ffn)
        self.feed_forward.output_dense = nn.Linear(ffn, dim)
        self.final_layer_norm = nn.LayerNorm(dim)

    def forward(self, x):
        x = self.layer_norm(x + self.attention(x))
        ff = self.feed_forward.output_dense(F.gelu(self.feed_forward.intermediate_dense(x)))
        return self.final_layer_norm(x + ff)


class _QKVAttention(nn.Module):
    """Non-causal attention with separate q/k/v/out projections (HF naming)."""

    def __init__(self, dim, heads, bias):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim, bias=bias)
        self.k_proj = nn.Linear(dim, dim, bias=bias)
        self.v_proj = nn.Linear(dim, dim, bias=bias)
        self.out_proj = nn.Linear(dim, dim, bias=bias)

    def forward(self, x):
        b, n, d = x.shape
        sh = lambda t: t.view(b, n, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = sh(self.q_proj(x)), sh(self.k_proj(x)), sh(self.v_proj(x))
        w = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(d // self.heads), dim=-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(b, n, d))


class StyleConditioner(nn.Module):
    """audiocraft StyleConditioner layout: embed (front end -> dim), transformer.layers (pre-norm, no biases,
    sinusoidal positions), batch_norm (no affine), rvq, keep every ds-th frame, output_proj (-> LM width)."""

    def __init__(self, frontend: FrontEnd, fe_dim, dim, layers, heads, ffn, n_q, bins, ds, out_dim):
        super().__init__()
        self.frontend = frontend
        self.embed = nn.Linear(fe_dim, dim)
        self.transformer = nn.Module()
        self.transformer.layers = nn.ModuleList([PreNormLayer(dim, heads, ffn, bias=False) for _ in range(layers)])
        self.batch_norm = nn.BatchNorm1d(dim, affine=False)
        self.rvq = RVQ(n_q, bins, dim)
        self.ds = ds
        self.output_proj = nn.Linear(dim, out_dim)

    def forward(self, audio, num_streams):
        x = self.embed(self.frontend(audio))
        x = x + sin_embedding(torch.arange(x.shape[1]), x.shape[2])[None]
        for layer in self.transformer.layers:
            x = layer(x, None)
        bn = self.batch_norm  # inference statistics, written out (export of affine-free BatchNorm fails)
        x = (x - bn.running_mean) * torch.rsqrt(bn.running_var + bn.eps)
        x = self.rvq.quantize_streams(x, num_streams)
        return self.output_proj(x[:, ::self.ds])


# ----------------------------------------------------------------------------------------------
# LM: audiocraft-style pre-norm transformer with packed in_proj, sinusoidal positions, K heads

def sin_embedding(positions, dim, max_period=10000.0):
    """audiocraft create_sin_embedding: [cos | sin], phase = pos / max_period ** (i / (half - 1))."""
    half = dim // 2
    adim = torch.arange(half, dtype=torch.float32)
    phase = positions.to(torch.float32)[:, None] / (max_period ** (adim / (half - 1)))[None, :]
    return torch.cat([torch.cos(phase), torch.sin(phase)], dim=-1)


class PackedAttention(nn.Module):
    """Multi-head attention with a packed in_proj_weight [3D, D] and out_proj (audiocraft naming)."""

    def __init__(self, dim, heads, bias=False):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.randn(3 * dim, dim) / math.sqrt(dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim)) if bias else None
        self.out_proj = nn.Linear(dim, dim, bias=bias)

    def qkv(self, x):
        b, n, d = x.shape
        y = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        y = y.view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        return y[0], y[1], y[2]  # each [B, H, n, Dh]

    def out(self, o):
        b, h, n, dh = o.shape
        return self.out_proj(o.transpose(1, 2).reshape(b, n, h * dh))


class PreNormLayer(nn.Module):
    def __init__(self, dim, heads, ffn, bias=False):
        super().__init__()
        self.self_attn = PackedAttention(dim, heads, bias)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.linear1 = nn.Linear(dim, ffn, bias=bias)
        self.linear2 = nn.Linear(ffn, dim, bias=bias)

    def ff(self, x):
        return self.linear2(F.gelu(self.linear1(self.norm2(x))))

    def forward(self, x, causal_mask):
        q, k, v = self.self_attn.qkv(self.norm1(x))
        s = q @ k.transpose(2, 3) / math.sqrt(q.shape[3])
        if causal_mask is not None:
            s = s.masked_fill(~causal_mask, float('-inf'))
        x = x + self.self_attn.out(torch.softmax(s, -1) @ v)
        return x + self.ff(x)


class LM(nn.Module):
    def __init__(self, n_q, card, dim, layers, heads, ffn):
        super().__init__()
        self.n_q, self.card, self.dim, self.heads = n_q, card, dim, heads
        self.emb = nn.ModuleList([nn.Embedding(card + 1, dim) for _ in range(n_q)])
        self.layers = nn.ModuleList([PreNormLayer(dim, heads, ffn) for _ in range(layers)])
        self.out_norm = nn.LayerNorm(dim)
        self.linears = nn.ModuleList([nn.Linear(dim, card, bias=False) for _ in range(n_q)])

    def _input(self, prefix, codes, offset):
        x = 0
        for k in range(self.n_q):
            x = x + self.emb[k](codes[:, k])
        x = torch.cat([prefix, x], dim=1)
        return x + sin_embedding(offset + torch.arange(x.shape[1]), self.dim)[None]

    def _logits(self, x):
        h = self.out_norm(x[:, -1])
        return torch.stack([lin(h) for lin in self.linears], dim=1)  # [B, K, card]

    def forward_cache(self, prefix, codes, past):
        """Growing cache (graph `lm`). past: list of (key, value) [B, H, T, Dh]."""
        t_past = past[0][0].shape[2]
        x = self._input(prefix, codes, t_past)
        n = x.shape[1]
        allowed = torch.arange(t_past + n)[None, :] <= (t_past + torch.arange(n))[:, None]
        present = []
        for layer, (pk, pv) in zip(self.layers, past):
            q, k, v = layer.self_attn.qkv(layer.norm1(x))
            k, v = torch.cat([pk, k], 2), torch.cat([pv, v], 2)
            s = (q @ k.transpose(2, 3) / math.sqrt(q.shape[3])).masked_fill(~allowed, float('-inf'))
            x = x + layer.self_attn.out(torch.softmax(s, -1) @ v)
            x = x + layer.ff(x)
            present.append((k, v))
        return self._logits(x), present

    def forward_kv(self, prefix, codes, position, cache):
        """Fixed-capacity buffers (graph `lm_kv`). cache: list of (key, value) [B, H, C, Dh]."""
        x = self._input(prefix, codes, position[0])
        n = x.shape[1]
        cap = cache[0][0].shape[2]
        buf_ok = (torch.arange(cap) < position[0])[None, :].expand(n, cap)
        new_ok = torch.arange(n)[None, :] <= torch.arange(n)[:, None]
        allowed = torch.cat([buf_ok, new_ok], dim=1)
        new = []
        for layer, (ck, cv) in zip(self.layers, cache):
            q, k, v = layer.self_attn.qkv(layer.norm1(x))
            scale = 1.0 / math.sqrt(q.shape[3])
            s = torch.cat([q @ ck.transpose(2, 3), q @ k.transpose(2, 3)], dim=3) * scale
            p = torch.softmax(s.masked_fill(~allowed, float('-inf')), -1)
            o = p[:, :, :, :cap] @ cv + p[:, :, :, cap:] @ v
            x = x + layer.self_attn.out(o)
            x = x + layer.ff(x)
            new.append((k, v))
        return self._logits(x), new
