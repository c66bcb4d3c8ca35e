# Writes small synthetic checkpoints in the audiocraft / Hugging Face key layouts, converts them, and checks the result.
"""Usage: /usr/bin/python3 tools/model/make_synthetic_audiocraft.py --out DIR

Writes DIR/{lm.bin, compression.bin, t5.bin, mert.bin, tokenizer.json} with the key names and tensor
layouts that convert_audiocraft.py documents (weight norm as g/v pairs, packed in_proj, RVQ codebooks
under vq.layers.N._codebook.embed, extra keys a real checkpoint carries), runs the converter into
DIR/package, and compares the converted modules with the originals on fixed inputs. Prints a JSON
report; exits 1 when any difference exceeds 1e-5.
"""
import argparse
import json
import os
import sys
import types

import torch
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modules import LM, FrontEnd, StyleConditioner, TextEncoder  # noqa: E402
from seanet import SeanetCodec  # noqa: E402
from tokenizer import tiny_vocab, tokenizer_json  # noqa: E402
import convert_audiocraft  # noqa: E402

K, CARD, D, L, H, F = 4, 128, 32, 2, 4, 64


def weight_norm_pair(w, dims):
    """A (g, v) pair whose folded weight is w: v = 2w (any scale), g = ||w|| over `dims`."""
    return w.pow(2).sum(dim=dims, keepdim=True).sqrt(), 2.0 * w


def build(out):
    torch.manual_seed(5)
    vocab = tiny_vocab()
    lm = LM(K, CARD, D, L, H, F).eval()
    text = TextEncoder(len(vocab), 24, 2, 4, 6, 48, D).eval()
    fe = FrontEnd(16, 48, 2, 12, 96, pos_kernel=16, pos_groups=4)
    style = StyleConditioner(fe, 48, 32, 2, 8, 64, 6, 64, 15, D).eval()
    with torch.no_grad():
        style.batch_norm.running_mean.normal_(0, 0.1)
        style.batch_norm.running_var.uniform_(0.5, 2.0)
    codec = SeanetCodec(dimension=16, n_filters=4, n_residual_layers=1, lstm=2, n_q=K, bins=CARD,
                        pad_mode='constant').eval()

    lm_state = {}
    for k, v in lm.state_dict().items():
        lm_state[('transformer.' + k) if k.startswith('layers.') else k] = v
    p = 'condition_provider.conditioners.self_wav.'
    for k, v in style.state_dict().items():
        if k.startswith('frontend.'):
            continue
        if k == 'rvq.codebooks':
            for q in range(v.shape[0]):
                lm_state[f'{p}rvq.vq.layers.{q}._codebook.embed'] = v[q].clone()
                lm_state[f'{p}rvq.vq.layers.{q}._codebook.inited'] = torch.ones(1)
                lm_state[f'{p}rvq.vq.layers.{q}._codebook.cluster_size'] = torch.ones(v.shape[1])
                lm_state[f'{p}rvq.vq.layers.{q}._codebook.embed_avg'] = v[q].clone()
        else:
            lm_state[p + k] = v
    lm_state['condition_provider.conditioners.description.output_proj.weight'] = text.output_proj.weight.detach().clone()
    lm_state['condition_provider.conditioners.description.output_proj.bias'] = text.output_proj.bias.detach().clone()
    lm_cfg = {'transformer_lm': {'dim': D, 'num_heads': H, 'num_layers': L, 'card': CARD, 'n_q': K},
              'codebooks_pattern': {'modeling': 'delay', 'delay': {'delays': list(range(K))}},
              'conditioners': {'self_wav': {'model': 'style', 'style': {'transformer_scale': 'xsmall', 'ds_factor': 15,
                                                                        'n_q_out': 6, 'eval_q': 3, 'bins': 64}},
                               'description': {'model': 't5', 't5': {'name': 't5-base'}}},
              'fuser': {'prepend': ['self_wav', 'description']}}
    torch.save({'xp.cfg': yaml.safe_dump(lm_cfg), 'best_state': lm_state, 'version': '1.3.0', 'exported': True},
               os.path.join(out, 'lm.bin'))

    c_state = {}
    for k, v in codec.state_dict().items():
        if k == 'quantizer.codebooks':
            for q in range(v.shape[0]):
                c_state[f'quantizer.vq.layers.{q}._codebook.embed'] = v[q].clone()
        elif k.endswith('.weight') and ('.conv.conv.' in k or '.convtr.convtr.' in k):
            g, vv = weight_norm_pair(v, tuple(range(1, v.dim())))
            c_state[k[:-len('weight')] + 'weight_g'], c_state[k[:-len('weight')] + 'weight_v'] = g, vv
        else:
            c_state[k] = v
    c_cfg = {'sample_rate': 32000, 'channels': 1,
             'seanet': {'dimension': 16, 'n_filters': 4, 'n_residual_layers': 1, 'ratios': [8, 5, 4, 4],
                        'kernel_size': 7, 'last_kernel_size': 7, 'residual_kernel_size': 3, 'dilation_base': 2,
                        'pad_mode': 'constant', 'compress': 2, 'lstm': 2},
             'rvq': {'n_q': K, 'bins': CARD}}
    torch.save({'xp.cfg': yaml.safe_dump(c_cfg), 'best_state': {'model': c_state}}, os.path.join(out, 'compression.bin'))

    t5 = {'shared.weight': text.shared.weight.detach().clone(),
          'encoder.embed_tokens.weight': text.shared.weight.detach().clone(),
          'decoder.final_layer_norm.weight': torch.ones(24)}
    for k, v in text.state_dict().items():
        if k.startswith(('block.', 'final_layer_norm.')):
            t5['encoder.' + k] = v
    torch.save(t5, os.path.join(out, 't5.bin'))

    mert = {}
    for k, v in fe.state_dict().items():
        if k.startswith('conv_layers.'):
            mert['feature_extractor.' + k] = v
        elif k.startswith('feature_projection.'):
            mert[k] = v
        elif k == 'pos_conv.weight':
            g, vv = weight_norm_pair(v, (0, 1))
            mert['encoder.pos_conv_embed.conv.weight_g'], mert['encoder.pos_conv_embed.conv.weight_v'] = g, vv
        elif k == 'pos_conv.bias':
            mert['encoder.pos_conv_embed.conv.bias'] = v
        else:
            mert['encoder.' + k] = v
    mert['masked_spec_embed'] = torch.zeros(48)
    torch.save(mert, os.path.join(out, 'mert.bin'))
    with open(os.path.join(out, 'tokenizer.json'), 'w') as f:
        json.dump(tokenizer_json(vocab), f, ensure_ascii=False)
    return lm, text, style, codec


@torch.no_grad()
def compare(orig, conv):
    lm, text, style, codec = orig
    g = torch.Generator().manual_seed(3)
    rep = {}
    prefix = torch.randn(2, 6, D, generator=g)
    codes = torch.randint(0, CARD + 1, (2, K, 1), generator=g)
    past = [(torch.zeros(2, H, 0, D // H), torch.zeros(2, H, 0, D // H)) for _ in range(L)]
    rep['lm logits'] = float((lm.forward_cache(prefix, codes, past)[0] - conv.lm.forward_cache(prefix, codes, past)[0]).abs().max())
    ids = torch.tensor([[5, 9, 40, 1]])
    rep['text embeds'] = float((text(ids, torch.ones_like(ids)) - conv.text(ids, torch.ones_like(ids))).abs().max())
    audio = (torch.rand(1, 36000, generator=g) - 0.5) * 0.5
    ns = torch.tensor([2])
    rep['style embeds'] = float((style(audio, ns) - conv.style(audio, ns)).abs().max())
    wav = torch.sin(torch.arange(640 * 8, dtype=torch.float32) * 0.05)[None, None] * 0.3
    rep['codec codes equal'] = bool(torch.equal(codec.encode(wav), conv.codec.encode(wav)))
    dc = torch.randint(0, CARD, (1, K, 8), generator=g)
    rep['codec audio'] = float((codec.decode(dc) - conv.codec.decode(dc)).abs().max())
    return rep


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    orig = build(a.out)
    args = types.SimpleNamespace(lm=os.path.join(a.out, 'lm.bin'), compression=os.path.join(a.out, 'compression.bin'),
                                 t5=os.path.join(a.out, 't5.bin'), t5_tokenizer=os.path.join(a.out, 'tokenizer.json'),
                                 mert=os.path.join(a.out, 'mert.bin'), out=os.path.join(a.out, 'package'),
                                 name='synthetic-audiocraft', max_positions=512, mert_heads=12, no_check=False)
    pkg, check = convert_audiocraft.convert(args)
    rep = compare(orig, pkg)
    ok = rep['codec codes equal'] and all(v < 1e-5 for k, v in rep.items() if isinstance(v, float))
    print(json.dumps({'ok': ok, 'mapping': rep, 'export_check': check}))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
