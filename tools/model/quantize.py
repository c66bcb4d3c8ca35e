# Weight-only int8 (DynamicQuantizeMatMul), int4 (MatMulNBits) and native int8 (com.stylebridge.Q8MatMul) rewrites, plain onnx + numpy.
import numpy as np
import onnx
from onnx import helper, numpy_helper


def _weights(model):
    return {i.name: i for i in model.graph.initializer}


def _matmuls(model):
    """MatMul nodes whose second input is a 2-D float initializer used only by that node."""
    inits = _weights(model)
    uses = {}
    for n in model.graph.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1
    for n in model.graph.node:
        if n.op_type == 'MatMul' and n.input[1] in inits and uses[n.input[1]] == 1:
            w = numpy_helper.to_array(inits[n.input[1]])
            if w.ndim == 2 and w.dtype == np.float32:
                yield n, w


def _replace(model, rewrites, domain='com.microsoft'):
    """rewrites: {node name: (new nodes, new initializers, dropped initializer)}."""
    g = model.graph
    nodes = []
    drop = set()
    for n in g.node:
        if n.name in rewrites:
            new_nodes, new_inits, dropped = rewrites[n.name]
            nodes += new_nodes
            g.initializer.extend(new_inits)
            drop.add(dropped)
        else:
            nodes.append(n)
    del g.node[:]
    g.node.extend(nodes)
    keep = [i for i in g.initializer if i.name not in drop]
    del g.initializer[:]
    g.initializer.extend(keep)
    if not any(o.domain == domain for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(domain, 1))
    return model


def _int8_per_column(w):
    """W [K, N] -> (int8 W, float scale [N]), symmetric per output column: W ~ scale * q."""
    scale = np.maximum(np.abs(w).max(0), 1e-12) / 127.0
    return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale


def quantize_int8(model):
    """W [K, N] -> int8 per output column, symmetric; Y = DynamicQuantizeMatMul(A, Wq, scale, zp)."""
    rewrites = {}
    for i, (n, w) in enumerate(_matmuls(model)):
        n.name = n.name or f'mm{i}'
        q, scale = _int8_per_column(w)
        base = n.input[1]
        inits = [numpy_helper.from_array(q, base + '_q8'),
                 numpy_helper.from_array(scale.astype(np.float32), base + '_s8'),
                 numpy_helper.from_array(np.zeros(w.shape[1], np.int8), base + '_z8')]
        node = helper.make_node('DynamicQuantizeMatMul', [n.input[0], base + '_q8', base + '_s8', base + '_z8'],
                                list(n.output), name=n.name + '_q8', domain='com.microsoft')
        rewrites[n.name] = ([node], inits, base)
    return _replace(model, rewrites)


def quantize_int4(model, block=32):
    """W [K, N] -> 4-bit blocks of `block` along K per column, symmetric around zero point 8."""
    rewrites = {}
    for i, (n, w) in enumerate(_matmuls(model)):
        k, ncols = w.shape
        if k % block:
            continue
        n.name = n.name or f'mm{i}'
        nb = k // block
        wt = w.T.reshape(ncols, nb, block)
        amax = np.abs(wt).max(-1)
        scale = np.where(amax > 0, amax / 7.0, 1.0).astype(np.float32)
        q = np.clip(np.round(wt / scale[:, :, None]) + 8, 0, 15).astype(np.uint8)
        packed = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)  # low nibble first
        base = n.input[1]
        inits = [numpy_helper.from_array(packed, base + '_q4'),
                 numpy_helper.from_array(scale.reshape(-1), base + '_s4')]
        # accuracy_level 4: activations are quantized to int8 per block and the product runs on integer
        # dot-product instructions; ONNX Runtime's float path for 4-bit weights was ~3.5x slower here.
        node = helper.make_node('MatMulNBits', [n.input[0], base + '_q4', base + '_s4'], list(n.output),
                                name=n.name + '_q4', domain='com.microsoft', K=k, N=ncols, bits=4,
                                block_size=block, accuracy_level=4)
        rewrites[n.name] = ([node], inits, base)
    return _replace(model, rewrites)


def pack_q8(q):
    """int8 W [K, N] -> [N/16, K/4, 64]: panel p holds columns 16p..16p+15; byte 4c + j of group g is W[4g + j, 16p + c]."""
    k, n = q.shape
    return np.ascontiguousarray(q.reshape(k // 4, 4, n // 16, 16).transpose(2, 0, 3, 1).reshape(n // 16, k // 4, 64))


def quantize_q8(model):
    """W [K, N] -> int8 per output column, symmetric, packed for the Stylebridge addon's kernel:
    Y = com.stylebridge.Q8MatMul(A, packed, scale, colsum). Only ONNX Runtime with the addon's operators runs it."""
    rewrites = {}
    for i, (n, w) in enumerate(_matmuls(model)):
        k, ncols = w.shape
        if k % 4 or ncols % 16 or k > 32768:
            continue
        n.name = n.name or f'mm{i}'
        q, scale = _int8_per_column(w)
        base = n.input[1]
        inits = [numpy_helper.from_array(pack_q8(q), base + '_p8'),
                 numpy_helper.from_array(scale.astype(np.float32), base + '_s8'),
                 numpy_helper.from_array(q.astype(np.int32).sum(0).astype(np.int32), base + '_c8')]
        node = helper.make_node('Q8MatMul', [n.input[0], base + '_p8', base + '_s8', base + '_c8'], list(n.output),
                                name=n.name + '_p8', domain='com.stylebridge')
        rewrites[n.name] = ([node], inits, base)
    return _replace(model, rewrites, 'com.stylebridge')


QUANTIZERS = {'int8': quantize_int8, 'int4': quantize_int4, 'q8': quantize_q8}


def quantize_file(src, dst, kind):
    model = onnx.load(src)
    model = QUANTIZERS[kind](model)
    onnx.save(model, dst)
