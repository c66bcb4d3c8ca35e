# ONNX export of every graph of a package, and the torch-vs-onnxruntime-node self-check with tolerances.
import json
import os
import subprocess
import tempfile

import numpy as np
import torch
import torch.nn as nn

import fused

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Largest accepted difference between torch and onnxruntime-node, per graph and output kind.
TOLERANCES = {
    'text_encoder': 1e-4,      # max abs error of text_embeds
    'style_encoder': 1e-4,     # max abs error of style_embeds
    'lm': 1e-4,                # max abs error of logits and present K/V
    'lm_kv': 1e-4,             # max abs error of logits and new K/V
    'lm_fused': 1e-4,          # max abs error of logits and the caches after the call
    'codec_encode': 1.0,       # fraction of codes that must match exactly
    'codec_decode': 1e-4,      # max abs error / peak of audio
    'int8': 0.25,              # quantized logits: max abs error / peak of float logits
    'int4': 0.5,
    'q8': 0.25,                # com.stylebridge.Q8MatMul, run by the native addon (ort_check.mjs)
}


class _Text(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids, attention_mask)


class _Style(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, audio, num_streams):
        return self.m(audio, num_streams)


class _Lm(nn.Module):
    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, prefix, codes, *past):
        past = [(past[2 * i], past[2 * i + 1]) for i in range(len(past) // 2)]
        logits, present = self.lm.forward_cache(prefix, codes, past)
        return (logits, *[t for kv in present for t in kv])


class _LmKv(nn.Module):
    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, prefix, codes, position, *cache):
        cache = [(cache[2 * i], cache[2 * i + 1]) for i in range(len(cache) // 2)]
        logits, new = self.lm.forward_kv(prefix, codes, position, cache)
        return (logits, *[t for kv in new for t in kv])


class _Enc(nn.Module):
    def __init__(self, codec):
        super().__init__()
        self.codec = codec

    def forward(self, audio):
        return self.codec.encode(audio)


class _Dec(nn.Module):
    def __init__(self, codec):
        super().__init__()
        self.codec = codec

    def forward(self, codes):
        return self.codec.decode(codes)


def kv_names(layers, a, b):
    return [n for i in range(layers) for n in (f'{a}.{i}', f'{b}.{i}')]


def _export(module, args, path, inputs, outputs, axes):
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                          opset_version=17, do_constant_folding=True)


def sample_inputs(pkg, seed=7):
    """Deterministic example inputs for export and checks."""
    g = torch.Generator().manual_seed(seed)
    m = pkg.manifest
    D, H, L = m['lm']['dim'], m['lm']['heads'], m['lm']['layers']
    K, card, hop = m['codec']['codebooks'], m['codec']['card'], m['codec']['hop_length']
    return {
        'ids': torch.tensor([pkg.tokenizer.encode('warm jazz piano with brushed drums', 32)] * 2),
        'style_audio': (torch.rand(2, 24000 * 2, generator=g) - 0.5) * 0.5,
        'prefix': torch.randn(2, 5, D, generator=g),
        'codes': torch.randint(0, card + 1, (2, K, 3), generator=g),
        'past': [(torch.randn(2, H, 4, D // H, generator=g), torch.randn(2, H, 4, D // H, generator=g))
                 for _ in range(L)],
        'audio': torch.sin(torch.arange(hop * 6, dtype=torch.float32) * 0.05)[None, None].repeat(2, 1, 1) * 0.3,
        'dec_codes': torch.randint(0, card, (2, K, 6), generator=g),
        'H': H, 'L': L, 'Dh': D // H,
    }


def export_all(pkg, out):
    m = pkg.manifest
    s = sample_inputs(pkg)
    L = s['L']
    mask = torch.ones_like(s['ids'])
    mask[1, -3:] = 0
    _export(_Text(pkg.text_encoder), (s['ids'], mask), os.path.join(out, 'text_encoder.onnx'),
            ['input_ids', 'attention_mask'], ['text_embeds'],
            {'input_ids': {0: 'batch', 1: 'tokens'}, 'attention_mask': {0: 'batch', 1: 'tokens'},
             'text_embeds': {0: 'batch', 1: 'tokens'}})
    _export(_Style(pkg.style_cond), (s['style_audio'], torch.tensor([3])), os.path.join(out, 'style_encoder.onnx'),
            ['audio', 'num_streams'], ['style_embeds'],
            {'audio': {0: 'batch', 1: 'samples'}, 'style_embeds': {0: 'batch', 1: 'style_tokens'}})
    flat_past = [t for kv in s['past'] for t in kv]
    past_in, past_out = kv_names(L, 'past_key', 'past_value'), kv_names(L, 'present_key', 'present_value')
    axes = {'prefix': {0: 'batch', 1: 'prefix_len'}, 'codes': {0: 'batch', 2: 'steps'}, 'logits': {0: 'batch'}}
    axes.update({n: {0: 'batch', 2: 'past_len'} for n in past_in})
    axes.update({n: {0: 'batch', 2: 'total_len'} for n in past_out})
    _export(_Lm(pkg.lm), (s['prefix'], s['codes'], *flat_past), os.path.join(out, 'lm.onnx'),
            ['prefix', 'codes', *past_in], ['logits', *past_out], axes)
    cache_in, new_out = kv_names(L, 'cache_key', 'cache_value'), kv_names(L, 'new_key', 'new_value')
    axes = {'prefix': {0: 'batch', 1: 'prefix_len'}, 'codes': {0: 'batch', 2: 'steps'}, 'logits': {0: 'batch'}}
    axes.update({n: {0: 'batch', 2: 'capacity'} for n in cache_in})
    axes.update({n: {0: 'batch', 2: 'new_len'} for n in new_out})
    cache = [torch.randn(2, s['H'], 16, s['Dh']) for _ in range(2 * L)]
    _export(_LmKv(pkg.lm), (s['prefix'], s['codes'], torch.tensor([4]), *cache), os.path.join(out, 'lm_kv.onnx'),
            ['prefix', 'codes', 'position', *cache_in], ['logits', *new_out], axes)
    fused.save_fused(pkg.lm, os.path.join(out, 'lm_fused.onnx'))
    _export(_Enc(pkg.codec), (s['audio'],), os.path.join(out, 'codec_encode.onnx'), ['audio'], ['codes'],
            {'audio': {0: 'batch', 2: 'samples'}, 'codes': {0: 'batch', 2: 'frames'}})
    _export(_Dec(pkg.codec), (s['dec_codes'],), os.path.join(out, 'codec_decode.onnx'), ['codes'], ['audio'],
            {'codes': {0: 'batch', 2: 'frames'}, 'audio': {0: 'batch', 2: 'samples'}})
    del m


# ----------------------------------------------------------------------------------------------

class _Cases:
    def __init__(self, tmp):
        self.tmp, self.cases, self.n = tmp, [], 0

    def _t(self, name, t):
        a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
        a = np.ascontiguousarray(a.astype(np.int64 if a.dtype.kind in 'iu' else np.float32))
        self.n += 1
        f = f't{self.n}.bin'
        a.tofile(os.path.join(self.tmp, f))
        return {'name': name, 'dtype': 'int64' if a.dtype == np.int64 else 'float32', 'dims': list(a.shape), 'file': f}

    def add(self, name, graph, model, inputs, outputs):
        self.cases.append({'name': name, 'graph': graph, 'model': model,
                           'inputs': [self._t(k, v) for k, v in inputs.items()],
                           'outputs': [self._t(k, v) for k, v in outputs.items()]})


@torch.no_grad()
def check_all(pkg, out, variants=()):
    """Runs every graph in onnxruntime-node; returns {case: {output: error}}; raises when out of tolerance."""
    s = sample_inputs(pkg, seed=11)
    L, H, Dh = s['L'], s['H'], s['Dh']
    B = 3
    D = pkg.manifest['lm']['dim']
    p = lambda f: os.path.join(os.path.abspath(out), f)
    with tempfile.TemporaryDirectory() as tmp:
        c = _Cases(tmp)
        ids = pkg.tokenizer.encode('dark techno with a loud kick', 32)
        ids_t = torch.tensor([ids])
        c.add('text_encoder', 'text_encoder', p('text_encoder.onnx'),
              {'input_ids': ids_t, 'attention_mask': torch.ones_like(ids_t)},
              {'text_embeds': pkg.text(ids_t, torch.ones_like(ids_t))})
        audio = (torch.rand(1, 72000, generator=torch.Generator().manual_seed(3)) - 0.5) * 0.6
        for n in (1, 3, 6):
            ns = torch.tensor([n])
            c.add(f'style_encoder streams={n}', 'style_encoder', p('style_encoder.onnx'),
                  {'audio': audio, 'num_streams': ns}, {'style_embeds': pkg.style(audio, ns)})
        # lm: prefill (empty past) then a single step from the prefill's cache
        prefix = torch.randn(B, 7, D, generator=torch.Generator().manual_seed(5))
        codes0 = torch.full((B, pkg.manifest['codec']['codebooks'], 1), pkg.manifest['lm']['special_token'])
        empty = [(torch.zeros(B, H, 0, Dh), torch.zeros(B, H, 0, Dh)) for _ in range(L)]
        lg0, pres = pkg.lm.forward_cache(prefix, codes0, empty)


        def named(kv, ka, va):
            d = {}
            for i, (k, v) in enumerate(kv):
                d[f'{ka}.{i}'] = k
                d[f'{va}.{i}'] = v
            return d
        c.add('lm prefill', 'lm', p('lm.onnx'),
              {'prefix': prefix, 'codes': codes0, **named(empty, 'past_key', 'past_value')},
              {'logits': lg0, **named(pres, 'present_key', 'present_value')})
        codes1 = torch.randint(0, pkg.manifest['codec']['card'], codes0.shape, generator=torch.Generator().manual_seed(9))
        zp = torch.zeros(B, 0, D)
        lg1, pres1 = pkg.lm.forward_cache(zp, codes1, pres)
        c.add('lm step', 'lm', p('lm.onnx'),
              {'prefix': zp, 'codes': codes1, **named(pres, 'past_key', 'past_value')},
              {'logits': lg1, **named(pres1, 'present_key', 'present_value')})
        # lm_kv: same two calls through fixed buffers of capacity 16; logits must equal the lm ones
        cap = 16
        bufs = [(torch.zeros(B, H, cap, Dh), torch.zeros(B, H, cap, Dh)) for _ in range(L)]
        lk0, new0 = pkg.lm.forward_kv(prefix, codes0, torch.tensor([0]), bufs)
        c.add('lm_kv prefill', 'lm_kv', p('lm_kv.onnx'),
              {'prefix': prefix, 'codes': codes0, 'position': torch.tensor([0]), **named(bufs, 'cache_key', 'cache_value')},
              {'logits': lg0, **named(new0, 'new_key', 'new_value')})
        n0 = prefix.shape[1] + 1
        for (bk, bv), (nk, nv) in zip(bufs, new0):
            bk[:, :, :n0], bv[:, :, :n0] = nk, nv
        lk1, new1 = pkg.lm.forward_kv(zp, codes1, torch.tensor([n0]), bufs)
        c.add('lm_kv step', 'lm_kv', p('lm_kv.onnx'),
              {'prefix': zp, 'codes': codes1, 'position': torch.tensor([n0]), **named(bufs, 'cache_key', 'cache_value')},
              {'logits': lg1, **named(new1, 'new_key', 'new_value')})
        # lm_fused: the same two calls; present_* is the whole buffer after the call (valid slots, then zeros
        # where nothing was ever written: ort_check does not bind them in place, so ONNX Runtime starts from zeros).
        fz = [(torch.zeros(B, H, cap, Dh), torch.zeros(B, H, cap, Dh)) for _ in range(L)]
        after0 = [(z[0].clone(), z[1].clone()) for z in fz]
        for (ak, av), (nk, nv) in zip(after0, new0):
            ak[:, :, :n0], av[:, :, :n0] = nk, nv
        c.add('lm_fused prefill', 'lm_fused', p('lm_fused.onnx'),
              {'prefix': prefix, 'codes': codes0, 'position': torch.tensor([0]), **named(fz, 'cache_key', 'cache_value')},
              {'logits': lg0, **named(after0, 'present_key', 'present_value')})
        after1 = [(k.clone(), v.clone()) for k, v in after0]
        for (ak, av), (nk, nv) in zip(after1, new1):
            ak[:, :, n0:n0 + 1], av[:, :, n0:n0 + 1] = nk, nv
        c.add('lm_fused step', 'lm_fused', p('lm_fused.onnx'),
              {'prefix': zp, 'codes': codes1, 'position': torch.tensor([n0]), **named(after0, 'cache_key', 'cache_value')},
              {'logits': lg1, **named(after1, 'present_key', 'present_value')})
        for g, kinds in dict(variants).items():
            for kind in kinds:
                if g == 'lm':
                    c.add(f'{g}.{kind} step', kind, p(f'{g}.{kind}.onnx'),
                          {'prefix': zp, 'codes': codes1, **named(pres, 'past_key', 'past_value')}, {'logits': lg1})
                else:
                    c.add(f'{g}.{kind} step', kind, p(f'{g}.{kind}.onnx'),
                          {'prefix': zp, 'codes': codes1, 'position': torch.tensor([n0]),
                           **named(bufs, 'cache_key', 'cache_value')}, {'logits': lg1})
        hop = pkg.manifest['codec']['hop_length']
        au = torch.sin(torch.arange(hop * 25, dtype=torch.float32) * 0.031)[None, None] * 0.4
        au = au + (torch.rand(au.shape, generator=torch.Generator().manual_seed(4)) - 0.5) * 0.05
        c.add('codec_encode', 'codec_encode', p('codec_encode.onnx'), {'audio': au}, {'codes': pkg.codec.encode(au)})
        dc = torch.randint(0, pkg.manifest['codec']['card'], (1, pkg.manifest['codec']['codebooks'], 25),
                           generator=torch.Generator().manual_seed(8))
        c.add('codec_decode', 'codec_decode', p('codec_decode.onnx'), {'codes': dc}, {'audio': pkg.codec.decode(dc)})
        # lm and lm_kv agree (torch side)
        kv_vs_cache = max(float((lk0 - lg0).abs().max()), float((lk1 - lg1).abs().max()))
        with open(os.path.join(tmp, 'cases.json'), 'w') as f:
            json.dump(c.cases, f)
        r = subprocess.run(['node', os.path.join(HERE, 'ort_check.mjs'), tmp], capture_output=True, text=True,
                           cwd=ROOT)
        if r.returncode != 0:
            raise RuntimeError('ort_check failed: ' + r.stderr[-2000:])
        results = json.loads(r.stdout)
    graphs = {cs['name']: cs['graph'] for cs in c.cases}
    report, failures = {'torch lm vs lm_kv logits': kv_vs_cache}, []
    for res in results:
        g = graphs[res['case']]
        if 'skipped' in res:
            report[res['case']] = {'skipped': res['skipped']}
            continue
        tol = TOLERANCES[g]
        entry = {}
        for name, o in res['outputs'].items():
            if o['dims'] != o['wantDims']:
                failures.append(f"{res['case']} {name}: dims {o['dims']} != {o['wantDims']}")
            if 'match' in o:
                entry[name] = {'match': o['match']}
                if o['match'] < tol:
                    failures.append(f"{res['case']} {name}: code match {o['match']}")
                continue
            err = o['maxAbs'] / o['peak'] if g in ('codec_decode', 'int8', 'int4', 'q8') else o['maxAbs']
            entry[name] = {'err': err, 'peak': o['peak']}
            if not o['finite'] or err > tol:
                failures.append(f"{res['case']} {name}: error {err} > {tol}")
        kv = [v['err'] for k, v in entry.items() if k.startswith(('present', 'new'))]
        report[res['case']] = {k: v for k, v in entry.items() if not k.startswith(('present', 'new'))}
        if kv:
            report[res['case']]['max_kv_err'] = max(kv)
    if kv_vs_cache > 1e-4:
        failures.append(f'torch lm vs lm_kv differ by {kv_vs_cache}')
    if failures:
        raise RuntimeError('export self-check failed:\n' + '\n'.join(failures))
    return report
