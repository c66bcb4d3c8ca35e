# Builds a model package (random weights) of a given size: torch modules -> ONNX opset 17 + manifest.json.
"""Usage: /usr/bin/python3 tools/model/build_package.py --size tiny|small --out DIR [--no-check] [--parity]

Every exported graph is run in onnxruntime-node (tools/model/ort_check.mjs) and compared with torch;
the build fails when a graph is outside the tolerances in TOLERANCES. --parity also writes the
parity vectors (parity.json, style-excerpt.f32) of docs/model-package.md section 6.
"""
import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modules import LM, Codec, FrontEnd, StyleConditioner, TextEncoder  # noqa: E402
from tokenizer import Unigram, tiny_vocab, tokenizer_json  # noqa: E402
import export_check  # noqa: E402
import quantize  # noqa: E402

SIZES = {
    'tiny': dict(
        seed=1234,
        codec=dict(channels=8, dim=16, ratios=(8, 5, 4, 4), n_q=4, bins=512),
        lm=dict(dim=64, layers=2, heads=4, ffn=256, max_positions=1024, head_gain=4.0),
        text=dict(d_model=32, layers=2, heads=4, d_kv=8, d_ff=64, max_tokens=32),
        frontend=dict(conv_dim=16, hidden=32, layers=1, heads=4, ffn=64, pos_kernel=16, pos_groups=4),
        style=dict(dim=32, layers=1, heads=4, ffn=64, n_q=6, bins=64, ds=15),
        # graph -> quantized kinds written beside it (quantize.KINDS); q8 runs only in the native addon.
        variants={'lm_kv': ('int8', 'int4'), 'lm_fused': ('q8',)},
    ),
    # MusicGen-small-shaped LM (24 layers, d 1024, 16 heads); smaller front end and text encoder.
    'small': dict(
        seed=4321,
        codec=dict(channels=32, dim=128, ratios=(8, 5, 4, 4), n_q=4, bins=2048),
        lm=dict(dim=1024, layers=24, heads=16, ffn=4096, max_positions=1536, head_gain=1.0),
        text=dict(d_model=768, layers=2, heads=12, d_kv=64, d_ff=3072, max_tokens=64),
        frontend=dict(conv_dim=128, hidden=768, layers=2, heads=12, ffn=3072, pos_kernel=128, pos_groups=16),
        style=dict(dim=512, layers=8, heads=8, ffn=2048, n_q=6, bins=1024, ds=15),
        variants={'lm': ('int8', 'int4'), 'lm_kv': ('int8', 'int4', 'q8'), 'lm_fused': ('int8', 'int4', 'q8')},
    ),
}

CODEC_RATE, STYLE_RATE = 32000, 24000


class TorchPackage:
    """The torch side of a package: modules, manifest and tokenizer (used by reference.py)."""

    def __init__(self, cfg, name):
        torch.manual_seed(cfg['seed'])
        vocab = tiny_vocab()
        c, l, t, fe, st = cfg['codec'], cfg['lm'], cfg['text'], cfg['frontend'], cfg['style']
        self.codec = Codec(c['channels'], c['dim'], c['ratios'], c['n_q'], c['bins']).eval()
        self.lm = LM(c['n_q'], c['bins'], l['dim'], l['layers'], l['heads'], l['ffn']).eval()
        with torch.no_grad():
            for lin in self.lm.linears:
                lin.weight.mul_(l['head_gain'])
        self.text_encoder = TextEncoder(len(vocab), t['d_model'], t['layers'], t['heads'], t['d_kv'], t['d_ff'],
                                        l['dim']).eval()
        frontend = FrontEnd(fe['conv_dim'], fe['hidden'], fe['layers'], fe['heads'], fe['ffn'], fe['pos_kernel'],
                            fe['pos_groups'])
        self.style_cond = StyleConditioner(frontend, fe['hidden'], st['dim'], st['layers'], st['heads'], st['ffn'],
                                           st['n_q'], st['bins'], st['ds'], l['dim']).eval()
        with torch.no_grad():  # inference statistics that are not the identity
            self.style_cond.batch_norm.running_mean.normal_(0, 0.1)
            self.style_cond.batch_norm.running_var.uniform_(0.5, 2.0)
        self.vocab = vocab
        self.tokenizer = Unigram(vocab, 2, 1, 0)
        self.manifest = make_manifest(cfg, name)

    def style(self, audio, num_streams):
        return self.style_cond(audio, num_streams)

    def text(self, ids, mask):
        return self.text_encoder(ids, mask)


def make_manifest(cfg, name):
    c, l, t, st = cfg['codec'], cfg['lm'], cfg['text'], cfg['style']
    hop = math.prod(c['ratios'])
    graphs = {g: {'file': f'{g}.onnx'} for g in
              ('text_encoder', 'style_encoder', 'lm', 'lm_kv', 'lm_fused', 'codec_encode', 'codec_decode')}
    for g, kinds in cfg['variants'].items():
        graphs[g]['variants'] = {k: f'{g}.{k}.onnx' for k in kinds}
    return {
        'format': 'stylebridge-model-package',
        'format_version': 1,
        'family': 'musicgen-style',
        'name': name,
        'description': 'Random weights built by tools/model/build_package.py; for tests and benchmarks only.',
        'codec': {'sample_rate': CODEC_RATE, 'channels': 1, 'hop_length': hop, 'frame_rate': CODEC_RATE / hop,
                  'codebooks': c['n_q'], 'card': c['bins']},
        'lm': {'dim': l['dim'], 'layers': l['layers'], 'heads': l['heads'], 'special_token': c['bins'],
               'delay_pattern': list(range(c['n_q'])), 'max_positions': l['max_positions']},
        'conditioning': {
            'text': {'max_tokens': t['max_tokens']},
            'style': {'sample_rate': STYLE_RATE, 'excerpt_seconds': {'min': 1.5, 'max': 4.5, 'default': 3.0},
                      'max_streams': st['n_q'], 'frontend': {'kernel': 400, 'hop': 320}, 'downsample': st['ds']},
        },
        'tokenizer': {'file': 'tokenizer.json', 'type': 'unigram', 'pad_id': 0, 'eos_id': 1, 'unk_id': 2},
        'defaults': {'top_k': 250, 'top_p': 0.0, 'temperature': 1.0, 'cfg': 3.0, 'cfg_beta': 5.0, 'streams': 3},
        'graphs': graphs,
    }


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def build(size, out, check=True, parity=False, name=None):
    cfg = SIZES[size]
    os.makedirs(out, exist_ok=True)
    pkg = TorchPackage(cfg, name or f'{size}-random')
    with open(os.path.join(out, 'tokenizer.json'), 'w') as f:
        json.dump(tokenizer_json(pkg.vocab), f, ensure_ascii=False)
    export_check.export_all(pkg, out)
    for g, kinds in cfg['variants'].items():
        for kind in kinds:
            quantize.quantize_file(os.path.join(out, f'{g}.onnx'), os.path.join(out, f'{g}.{kind}.onnx'), kind)
    report = export_check.check_all(pkg, out, variants=cfg['variants']) if check else None
    for g in pkg.manifest['graphs'].values():
        g['sha256'] = sha256(os.path.join(out, g['file']))
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump(pkg.manifest, f, indent=2)
        f.write('\n')
    if parity:
        import parity as parity_mod
        parity_mod.write(pkg, out)
    return pkg, report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--size', choices=sorted(SIZES), required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--name')
    ap.add_argument('--no-check', action='store_true', help='skip the onnxruntime-node comparison')
    ap.add_argument('--parity', action='store_true', help='also write parity.json and style-excerpt.f32')
    a = ap.parse_args()
    _, report = build(a.size, a.out, check=not a.no_check, parity=a.parity, name=a.name)
    total = sum(os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out))
    print(json.dumps({'out': a.out, 'bytes': total, 'check': report}, indent=1))


if __name__ == '__main__':
    main()
