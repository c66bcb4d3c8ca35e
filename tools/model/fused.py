# Writes the graph `lm_fused` of a package: the LM with ONNX Runtime's fused attention and an in-place cache.
"""The graph is built node by node from the torch LM's weights (no tracing), so it has about 12 nodes a
layer instead of the ~50 that the traced `lm_kv` carries (shape arithmetic, transposes, masks).

Per layer: LayerNormalization -> MatMul (packed q|k|v) -> com.microsoft.GroupQueryAttention (past and
present are the layer's cache buffers; a runtime binds `present_*` to the same memory as `cache_*`, so
the new keys/values are written in place and attention reads only the valid positions) -> MatMul ->
Add -> LayerNormalization -> MatMul -> com.microsoft.Gelu (erf form, as torch's F.gelu) -> MatMul -> Add.
The contract is docs/model-package.md section 3.5.
"""
import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
MS_OPSET = 1


def _np(t):
    return t.detach().to(torch.float32).contiguous().numpy()


class _Builder:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.array(array, copy=True, order="C"), name))
        return name

    def op(self, op_type, inputs, n_out=1, domain='', name=None, **attrs):
        self.n += 1
        base = name or f'{op_type.lower()}_{self.n}'
        outs = [f'{base}_out{i}' if n_out > 1 else f'{base}_out' for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=base, domain=domain, **attrs))
        return outs if n_out > 1 else outs[0]


def kv_names(layers, key, value):
    return [n for i in range(layers) for n in (f'{key}.{i}', f'{value}.{i}')]


def build_fused(lm, max_period=10000.0):
    """Returns the onnx.ModelProto of `lm_fused` for a modules.LM."""
    D, H, K, card = lm.dim, lm.heads, lm.n_q, lm.card
    Dh, L = D // H, len(lm.layers)
    half = D // 2
    b = _Builder()
    # Code embeddings, summed in codebook order (as LM._input).
    x_codes = None
    for k in range(K):
        ids = b.op('Gather', ['codes', b.init(f'codebook_index.{k}', np.array(k, np.int64))], axis=1)
        e = b.op('Gather', [b.init(f'emb.{k}.weight', _np(lm.emb[k].weight)), ids])
        x_codes = e if x_codes is None else b.op('Add', [x_codes, e])
    x = b.op('Concat', ['prefix', x_codes], axis=1, name='inputs')
    # Sinusoidal positions position .. position + n - 1 ([cos | sin], as modules.sin_embedding).
    n = b.op('Shape', [x], start=1, end=2, name='new_len')
    pos0 = b.op('Squeeze', ['position', b.init('axis0', np.array([0], np.int64))], name='pos0')
    n0 = b.op('Squeeze', [n, 'axis0'], name='n0')
    end = b.op('Add', [pos0, n0], name='end')
    positions = b.op('Range', [pos0, end, b.init('one', np.array(1, np.int64))], name='positions')
    posf = b.op('Unsqueeze', [b.op('Cast', [positions], to=TensorProto.FLOAT), b.init('axis1', np.array([1], np.int64))])
    adim = torch.arange(half, dtype=torch.float32)
    denom = (max_period ** (adim / (half - 1))).numpy().astype(np.float32)[None, :]
    phase = b.op('Div', [posf, b.init('phase_denominator', denom)], name='phase')
    pe = b.op('Concat', [b.op('Cos', [phase]), b.op('Sin', [phase])], axis=1, name='pos_embedding')
    x = b.op('Add', [x, pe])
    # GroupQueryAttention's lengths: total = position + n (scalar), seqlens_k[b] = total - 1 for every row.
    total64 = b.op('Add', ['position', n], name='total64')
    total = b.op('Cast', [total64], to=TensorProto.INT32, name='total_sequence_length')
    batch = b.op('Shape', [x], start=0, end=1, name='batch')
    seqlens = b.op('Expand', [b.op('Sub', [total, b.init('one32', np.array([1], np.int32))]), batch], name='seqlens_k')
    for i, layer in enumerate(lm.layers):
        p = f'layers.{i}'
        h = b.op('LayerNormalization', [x, b.init(f'{p}.norm1.weight', _np(layer.norm1.weight)),
                                        b.init(f'{p}.norm1.bias', _np(layer.norm1.bias))], axis=-1,
                 epsilon=float(layer.norm1.eps))
        qkv = b.op('MatMul', [h, b.init(f'{p}.qkv.weight', _np(layer.self_attn.in_proj_weight).T)], name=f'{p}.qkv')
        att, _, _ = b.op('GroupQueryAttention', [qkv, '', '', f'cache_key.{i}', f'cache_value.{i}', seqlens, total],
                         n_out=3, domain='com.microsoft', name=f'{p}.attention', num_heads=H, kv_num_heads=H)
        b.nodes[-1].output[1:] = [f'present_key.{i}', f'present_value.{i}']
        o = b.op('MatMul', [att, b.init(f'{p}.out.weight', _np(layer.self_attn.out_proj.weight).T)], name=f'{p}.out')
        x = b.op('Add', [x, o])
        h = b.op('LayerNormalization', [x, b.init(f'{p}.norm2.weight', _np(layer.norm2.weight)),
                                        b.init(f'{p}.norm2.bias', _np(layer.norm2.bias))], axis=-1,
                 epsilon=float(layer.norm2.eps))
        f = b.op('MatMul', [h, b.init(f'{p}.linear1.weight', _np(layer.linear1.weight).T)], name=f'{p}.linear1')
        f = b.op('Gelu', [f], domain='com.microsoft')
        f = b.op('MatMul', [f, b.init(f'{p}.linear2.weight', _np(layer.linear2.weight).T)], name=f'{p}.linear2')
        x = b.op('Add', [x, f])
    last = b.op('Slice', [x, b.init('last_start', np.array([-1], np.int64)),
                          b.init('last_end', np.array([np.iinfo(np.int64).max], np.int64)), 'axis1'], name='last')
    h = b.op('LayerNormalization', [last, b.init('out_norm.weight', _np(lm.out_norm.weight)),
                                    b.init('out_norm.bias', _np(lm.out_norm.bias))], axis=-1,
             epsilon=float(lm.out_norm.eps))
    heads = [b.op('MatMul', [h, b.init(f'linears.{k}.weight', _np(lin.weight).T)], name=f'linears.{k}')
             for k, lin in enumerate(lm.linears)]
    b.op('Concat', heads, axis=1, name='logits_concat')
    b.nodes[-1].output[0] = 'logits'
    fl = TensorProto.FLOAT
    inputs = [helper.make_tensor_value_info('prefix', fl, ['batch', 'prefix_len', D]),
              helper.make_tensor_value_info('codes', TensorProto.INT64, ['batch', K, 'steps']),
              helper.make_tensor_value_info('position', TensorProto.INT64, [1])]
    inputs += [helper.make_tensor_value_info(nm, fl, ['batch', H, 'capacity', Dh])
               for nm in kv_names(L, 'cache_key', 'cache_value')]
    outputs = [helper.make_tensor_value_info('logits', fl, ['batch', K, card])]
    outputs += [helper.make_tensor_value_info(nm, fl, ['batch', H, 'capacity', Dh])
                for nm in kv_names(L, 'present_key', 'present_value')]
    graph = helper.make_graph(b.nodes, 'lm_fused', inputs, outputs, b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET),
                                                    helper.make_opsetid('com.microsoft', MS_OPSET)],
                              producer_name='stylebridge-tools-model')
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def save_fused(lm, path):
    model = build_fused(lm)
    onnx.save(model, path)
    return path
