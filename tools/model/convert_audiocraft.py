# Converts an audiocraft MusicGen-Style checkpoint (+ T5 and MERT weights) into a Stylebridge model package.
"""Usage:
  /usr/bin/python3 tools/model/convert_audiocraft.py --lm state_dict.bin --compression compression_state_dict.bin \
      --t5 t5-base/pytorch_model.bin --t5-tokenizer t5-base/tokenizer.json --mert MERT-v1-95M/pytorch_model.bin \
      --out DIR [--no-check]

UNTESTED ON REAL WEIGHTS: the real checkpoints cannot be downloaded where this was written. The converter
is tested on synthetic checkpoints with the key layout below (make_synthetic_audiocraft.py). Expect to fix
details (a config key, a padding mode) the first time real files go through it.

Inputs (torch.load; audiocraft files are dicts with 'xp.cfg' (YAML text) and 'best_state'):

LM (`--lm`, best_state), K codebooks, D width, L layers:
  emb.{k}.weight                                   [card+1, D]
  transformer.layers.{i}.self_attn.in_proj_weight  [3D, D]   (q, k, v stacked)
  transformer.layers.{i}.self_attn.out_proj.weight [D, D]
  transformer.layers.{i}.linear1.weight            [F, D];   linear2.weight [D, F]
  transformer.layers.{i}.norm1.{weight,bias}, norm2.{weight,bias}, out_norm.{weight,bias}  [D]
  linears.{k}.weight                               [card, D]
  condition_provider.conditioners.description.output_proj.{weight,bias}   [D, 768], [D]
  condition_provider.conditioners.self_wav.embed.{weight,bias}            [S, 768], [S]  (MERT -> style width S)
  condition_provider.conditioners.self_wav.transformer.layers.{j}.*       as the LM layers, width S, no biases
  condition_provider.conditioners.self_wav.batch_norm.{running_mean,running_var}  [S]
  condition_provider.conditioners.self_wav.rvq.vq.layers.{q}._codebook.embed      [bins, S]
  condition_provider.conditioners.self_wav.output_proj.{weight,bias}      [D, S], [D]
  Keys with cross_attention / norm_cross mean a cross-attention (text-only MusicGen) model: refused.
  xp.cfg: transformer_lm.num_heads, codebooks_pattern.delay.delays, conditioners.self_wav.style.ds_factor,
  transformer_scale (heads of the style transformer: xsmall 8, default 8, large 16).

Codec (`--compression`, best_state): audiocraft EnCodec, SEANet layout
  encoder.model.{n}.conv.conv.{weight_g,weight_v,bias}, encoder.model.{n}.block.{1,3}.conv.conv.*,
  encoder.model.{n}.lstm.{weight_ih_l0,...}, decoder.model.{n}.convtr.convtr.*, decoder.model.{n}.conv.conv.*,
  quantizer.vq.layers.{q}._codebook.embed [bins, dim]; xp.cfg: seanet.*, rvq.n_q, rvq.bins, sample_rate.

T5 (`--t5`, Hugging Face t5-base): shared.weight [V, 768], encoder.block.{i}.layer.0.SelfAttention.{q,k,v,o}.weight,
  encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight [32, H], encoder.block.{i}.layer.{0,1}.layer_norm.weight,
  encoder.block.{i}.layer.1.DenseReluDense.{wi,wo}.weight, encoder.final_layer_norm.weight.
  `--t5-tokenizer`: its tokenizer.json (Unigram). The contract's normaliser is NFKC; T5's SentencePiece uses
  nmt_nfkc, which differs for a few control and rare characters.

MERT (`--mert`, Hugging Face m-a-p/MERT-v1-95M, HuBERT structure, 24 kHz, 75 Hz, 768-d):
  feature_extractor.conv_layers.{0..6}.conv.weight, feature_extractor.conv_layers.0.layer_norm.{weight,bias},
  feature_projection.layer_norm.*, feature_projection.projection.*, encoder.pos_conv_embed.conv.{weight_g,weight_v,bias}
  (weight norm over dim 2), encoder.layer_norm.*, encoder.layers.{i}.attention.{q,k,v,out}_proj.*,
  encoder.layers.{i}.layer_norm.*, encoder.layers.{i}.feed_forward.{intermediate_dense,output_dense}.*,
  encoder.layers.{i}.final_layer_norm.*. A `model.` or `mert.` prefix is stripped. The last hidden state is used.
"""
import argparse
import json
import os
import re
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modules import LM, FrontEnd, StyleConditioner, TextEncoder  # noqa: E402
from seanet import SeanetCodec, fold_weight_norm  # noqa: E402
from tokenizer import Unigram  # noqa: E402
import export_check  # noqa: E402
import quantize  # noqa: E402
from build_package import sha256  # noqa: E402

# The LM graphs written with quantized variants, and their kinds (q8 runs only in the native addon).
QUANTIZED = {'lm_kv': ('int8', 'int4', 'q8'), 'lm_fused': ('int8', 'int4', 'q8')}

STYLE_HEADS = {'xsmall': 8, 'default': 8, 'large': 16}


class ConversionError(Exception):
    pass


def load_audiocraft(path):
    pkg = torch.load(path, map_location='cpu')
    if not isinstance(pkg, dict) or 'best_state' not in pkg:
        raise ConversionError(f'{path}: not an audiocraft checkpoint (no best_state)')
    state = pkg['best_state']
    if isinstance(state, dict) and isinstance(state.get('model'), dict):
        state = state['model']
    cfg = {}
    if 'xp.cfg' in pkg:
        import yaml
        raw = pkg['xp.cfg']
        cfg = yaml.safe_load(raw) if isinstance(raw, str) else dict(raw)
    return state, cfg or {}


def get(cfg, dotted, default=None):
    cur = cfg
    for part in dotted.split('.'):
        if not isinstance(cur, dict) or part not in cur:
            return default
        cur = cur[part]
    return cur


def count(state, pattern):
    rx = re.compile(pattern)
    return len({m.group(1) for k in state for m in [rx.match(k)] if m})


def take(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def load_strict(module, state, what):
    missing, unexpected = module.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.startswith('frontend.')]
    if missing or unexpected:
        raise ConversionError(f'{what}: missing {missing[:8]} unexpected {unexpected[:8]}')


def build_lm(state, cfg):
    if any('cross_attention' in k for k in state):
        raise ConversionError('this LM uses cross-attention (text-only MusicGen): use the Optimum layout instead')
    K = count(state, r'^emb\.(\d+)\.weight$')
    card = state['emb.0.weight'].shape[0] - 1
    D = state['emb.0.weight'].shape[1]
    L = count(state, r'^transformer\.layers\.(\d+)\.')
    F = state['transformer.layers.0.linear1.weight'].shape[0]
    H = int(get(cfg, 'transformer_lm.num_heads', 0)) or None
    if not H:
        raise ConversionError('xp.cfg lacks transformer_lm.num_heads')
    lm = LM(K, card, D, L, H, F)
    mine = {}
    for k, v in state.items():
        if k.startswith('transformer.layers.'):
            mine[k[len('transformer.'):]] = v
        elif k.startswith(('emb.', 'linears.', 'out_norm.')):
            mine[k] = v
    load_strict(lm, mine, 'LM')
    return lm.eval()


def build_style(state, cfg, mert_state, out_dim, mert_heads):
    p = 'condition_provider.conditioners.self_wav.'
    st = take(state, p)
    S = st['embed.weight'].shape[0]
    layers = count(st, r'^transformer\.layers\.(\d+)\.')
    ffn = st['transformer.layers.0.linear1.weight'].shape[0]
    scale = get(cfg, 'conditioners.self_wav.style.transformer_scale', 'default')
    heads = STYLE_HEADS.get(scale, 8)
    n_q = count(st, r'^rvq\.vq\.layers\.(\d+)\._codebook\.embed$')
    bins = st['rvq.vq.layers.0._codebook.embed'].shape[0]
    ds = int(get(cfg, 'conditioners.self_wav.style.ds_factor', 15))
    fe = build_mert(mert_state, mert_heads)
    sc = StyleConditioner(fe, fe.feature_projection.projection.out_features, S, layers, heads, ffn, n_q, bins, ds,
                          out_dim)
    mine = {k: v for k, v in st.items() if not k.startswith('rvq.') and k != 'batch_norm.num_batches_tracked'}
    mine['rvq.codebooks'] = torch.stack([st[f'rvq.vq.layers.{q}._codebook.embed'] for q in range(n_q)])
    mine['batch_norm.num_batches_tracked'] = torch.tensor(0)
    load_strict(sc, mine, 'style conditioner')
    return sc.eval(), dict(ds=ds, n_q=n_q)


def build_mert(state, heads):
    state = {re.sub(r'^(model|mert)\.', '', k): v for k, v in state.items()}
    state = fold_weight_norm(state)
    conv_dim = state['feature_extractor.conv_layers.0.conv.weight'].shape[0]
    hidden = state['feature_projection.projection.weight'].shape[0]
    layers = count(state, r'^encoder\.layers\.(\d+)\.')
    ffn = state['encoder.layers.0.feed_forward.intermediate_dense.weight'].shape[0]
    pos = state['encoder.pos_conv_embed.conv.weight']
    groups = hidden // pos.shape[1]
    fe = FrontEnd(conv_dim, hidden, layers, heads, ffn, pos.shape[2], groups)
    mine = {}
    for k, v in state.items():
        k2 = None
        if k.startswith('feature_extractor.conv_layers.'):
            k2 = k[len('feature_extractor.'):]
        elif k.startswith('feature_projection.'):
            k2 = k
        elif k.startswith('encoder.pos_conv_embed.conv.'):
            k2 = 'pos_conv.' + k.split('.')[-1]
        elif k.startswith('encoder.layer_norm.'):
            k2 = k[len('encoder.'):]
        elif k.startswith('encoder.layers.'):
            k2 = k[len('encoder.'):]
        if k2 is not None:
            mine[k2] = v
    load_strict(fe, mine, 'MERT front end')
    return fe


def build_text(t5_state, lm_state, out_dim):
    t5 = {k: v for k, v in t5_state.items() if k.startswith(('shared.', 'encoder.'))}
    V, d = t5['shared.weight'].shape
    layers = count(t5, r'^encoder\.block\.(\d+)\.')
    buckets, heads = t5['encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'].shape
    inner = t5['encoder.block.0.layer.0.SelfAttention.q.weight'].shape[0]
    d_ff = t5['encoder.block.0.layer.1.DenseReluDense.wi.weight'].shape[0]
    te = TextEncoder(V, d, layers, heads, inner // heads, d_ff, out_dim)
    mine = {'shared.weight': t5['shared.weight']}
    for k, v in t5.items():
        if k.startswith('encoder.block.') or k.startswith('encoder.final_layer_norm.'):
            mine[k[len('encoder.'):]] = v
    p = 'condition_provider.conditioners.description.output_proj.'
    mine['output_proj.weight'], mine['output_proj.bias'] = lm_state[p + 'weight'], lm_state[p + 'bias']
    load_strict(te, mine, 'T5 encoder')
    return te.eval()


def build_codec(state, cfg):
    state = fold_weight_norm(state)
    s = get(cfg, 'seanet', {}) or {}
    n_q = count(state, r'^quantizer\.vq\.layers\.(\d+)\._codebook\.embed$')
    bins, dim = state['quantizer.vq.layers.0._codebook.embed'].shape
    n_filters = state['encoder.model.0.conv.conv.weight'].shape[0]
    lstm = count(state, r'^encoder\.model\.\d+\.lstm\.weight_ih_l(\d+)$')
    codec = SeanetCodec(channels=int(get(cfg, 'channels', 1)), dimension=dim, n_filters=n_filters,
                        n_residual_layers=int(s.get('n_residual_layers', 1)), ratios=tuple(s.get('ratios', [8, 5, 4, 4])),
                        kernel_size=int(s.get('kernel_size', 7)), last_kernel_size=int(s.get('last_kernel_size', 7)),
                        residual_kernel_size=int(s.get('residual_kernel_size', 3)),
                        dilation_base=int(s.get('dilation_base', 2)), pad_mode=s.get('pad_mode', 'constant'),
                        compress=int(s.get('compress', 2)), lstm=lstm, n_q=n_q, bins=bins)
    mine = {k: v for k, v in state.items() if k.startswith(('encoder.', 'decoder.'))}
    mine['quantizer.codebooks'] = torch.stack([state[f'quantizer.vq.layers.{q}._codebook.embed'] for q in range(n_q)])
    load_strict(codec, mine, 'codec')
    return codec.eval(), int(get(cfg, 'sample_rate', 32000))


class ConvertedPackage:
    """Quacks like build_package.TorchPackage for export_check and reference.py."""

    def __init__(self, a):
        lm_state, lm_cfg = load_audiocraft(a.lm)
        codec_state, codec_cfg = load_audiocraft(a.compression)
        self.lm = build_lm(lm_state, lm_cfg)
        D, K, card = self.lm.dim, self.lm.n_q, self.lm.card
        self.text_encoder = build_text(torch.load(a.t5, map_location='cpu'), lm_state, D)
        self.style_cond, st = build_style(lm_state, lm_cfg, torch.load(a.mert, map_location='cpu'), D, a.mert_heads)
        self.codec, rate = build_codec(codec_state, codec_cfg)
        if self.codec.n_q < K:
            raise ConversionError(f'codec has {self.codec.n_q} codebooks, the LM needs {K}')
        self.codec.n_q = K
        self.tokenizer = Unigram.load(a.t5_tokenizer)
        delays = get(lm_cfg, 'codebooks_pattern.delay.delays', list(range(K)))
        graphs = {g: {'file': f'{g}.onnx'} for g in
                  ('text_encoder', 'style_encoder', 'lm', 'lm_kv', 'lm_fused', 'codec_encode', 'codec_decode')}
        for g, kinds in QUANTIZED.items():
            graphs[g]['variants'] = {k: f'{g}.{k}.onnx' for k in kinds}
        self.manifest = {
            'format': 'stylebridge-model-package', 'format_version': 1, 'family': 'musicgen-style',
            'name': a.name, 'description': 'Converted from an audiocraft MusicGen-Style checkpoint by tools/model/convert_audiocraft.py.',
            'codec': {'sample_rate': rate, 'channels': 1, 'hop_length': self.codec.hop, 'frame_rate': rate / self.codec.hop,
                      'codebooks': K, 'card': card},
            'lm': {'dim': D, 'layers': len(self.lm.layers), 'heads': self.lm.heads, 'special_token': card,
                   'delay_pattern': list(delays), 'max_positions': int(a.max_positions)},
            'conditioning': {
                'text': {'max_tokens': 256},
                'style': {'sample_rate': 24000, 'excerpt_seconds': {'min': 1.5, 'max': 4.5, 'default': 3.0},
                          'max_streams': st['n_q'], 'frontend': {'kernel': 400, 'hop': 320}, 'downsample': st['ds']},
            },
            'tokenizer': {'file': 'tokenizer.json', 'type': 'unigram', 'pad_id': 0, 'eos_id': 1, 'unk_id': 2},
            'defaults': {'top_k': 250, 'top_p': 0.0, 'temperature': 1.0, 'cfg': 3.0, 'cfg_beta': 5.0,
                         'streams': min(3, st['n_q'])},
            'graphs': graphs,
        }

    def style(self, audio, num_streams):
        return self.style_cond(audio, num_streams)

    def text(self, ids, mask):
        return self.text_encoder(ids, mask)


def convert(a):
    pkg = ConvertedPackage(a)
    os.makedirs(a.out, exist_ok=True)
    shutil.copyfile(a.t5_tokenizer, os.path.join(a.out, 'tokenizer.json'))
    export_check.export_all(pkg, a.out)
    for g, kinds in QUANTIZED.items():
        for kind in kinds:
            quantize.quantize_file(os.path.join(a.out, f'{g}.onnx'), os.path.join(a.out, f'{g}.{kind}.onnx'), kind)
    report = None if a.no_check else export_check.check_all(pkg, a.out, variants=QUANTIZED)
    for g in pkg.manifest['graphs'].values():
        g['sha256'] = sha256(os.path.join(a.out, g['file']))
    with open(os.path.join(a.out, 'manifest.json'), 'w') as f:
        json.dump(pkg.manifest, f, indent=2)
        f.write('\n')
    return pkg, report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for k in ('lm', 'compression', 't5', 't5-tokenizer', 'mert', 'out'):
        ap.add_argument(f'--{k}', required=True)
    ap.add_argument('--name', default='musicgen-style-converted')
    ap.add_argument('--max-positions', default=1536, type=int, help='longest prefix + steps (30 s at 50 Hz plus prefix)')
    ap.add_argument('--mert-heads', default=12, type=int, help='attention heads of the MERT encoder (12 for MERT-v1-95M)')
    ap.add_argument('--no-check', action='store_true')
    a = ap.parse_args()
    try:
        _, report = convert(a)
    except ConversionError as e:
        print(f'convert_audiocraft: {e}', file=sys.stderr)
        sys.exit(2)
    print(json.dumps({'out': a.out, 'check': report}))


if __name__ == '__main__':
    main()
