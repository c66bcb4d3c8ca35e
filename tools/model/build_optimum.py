# Builds a tiny text-only MusicGen in the Optimum / Transformers.js layout (random weights).
"""Usage: /usr/bin/python3 tools/model/build_optimum.py [--size tiny|small] --out DIR

--size tiny (default): the committed test fixture (test/fixtures/models/optimum-tiny).
--size small: the MusicGen-small decoder shape (24 layers, d 1024, 16 heads, ffn 4096, 4 x 2048 codes)
with a smaller text encoder (T5-like d 768, 2 layers, 12 heads; the tiny vocabulary) and the codec of
build_package.py's small size; random weights, about 1.7 GB, for benchmarks.

Writes DIR/config.json, generation_config.json, tokenizer.json, tokenizer_config.json and
DIR/onnx/{text_encoder,decoder_model_merged,encodec_decode}.onnx:

- text_encoder: input_ids, attention_mask [B, L] -> last_hidden_state [B, L, d_text] (raw T5 output)
- decoder_model_merged: input_ids [B*K, S], encoder_hidden_states [B, L, d_text],
  encoder_attention_mask [B, L], use_cache_branch bool [1], past_key_values.{i}.{decoder|encoder}.{key|value}
  -> logits [B*K, S, card], present.{i}.{decoder|encoder}.{key|value}. A real If(use_cache_branch)
  over a no-past and a with-past graph that share their weights (outer-scope initializers).
  The projection of the text states to the decoder width and the mask live inside it.
- encodec_decode: audio_codes [1, B, K, T] -> audio_values [B, 1, T * hop]
"""
import argparse
import hashlib
import json
import math
import os
import sys

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modules import Codec, TextEncoder, sin_embedding  # noqa: E402
from tokenizer import tiny_vocab, tokenizer_json  # noqa: E402

SIZES = {
    'tiny': dict(seed=99, K=4, card=2048, dim=32, layers=2, heads=4, ffn=64, text=dict(d_model=32, layers=1, heads=2, d_kv=16, d_ff=32),
                 codec=dict(channels=4, dim=8, ratios=(8, 5, 4, 4))),
    'small': dict(seed=98, K=4, card=2048, dim=1024, layers=24, heads=16, ffn=4096,
                  text=dict(d_model=768, layers=2, heads=12, d_kv=64, d_ff=2048),
                  codec=dict(channels=32, dim=128, ratios=(8, 5, 4, 4))),
}


class _Attn(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj = nn.Linear(dim, dim, bias=False), nn.Linear(dim, dim, bias=False)
        self.v_proj, self.out_proj = nn.Linear(dim, dim, bias=False), nn.Linear(dim, dim, bias=False)

    def split(self, x):
        b, n, d = x.shape
        return x.view(b, n, self.heads, d // self.heads).transpose(1, 2)

    def attend(self, q, k, v, bias):
        s = q @ k.transpose(2, 3) / math.sqrt(q.shape[3]) + bias
        o = torch.softmax(s, -1) @ v
        b, h, n, dh = o.shape
        return self.out_proj(o.transpose(1, 2).reshape(b, n, h * dh))


class _Layer(nn.Module):
    def __init__(self, dim, heads, ffn):
        super().__init__()
        self.self_attn, self.encoder_attn = _Attn(dim, heads), _Attn(dim, heads)
        self.self_attn_layer_norm, self.encoder_attn_layer_norm = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.final_layer_norm = nn.LayerNorm(dim)
        self.fc1, self.fc2 = nn.Linear(dim, ffn, bias=False), nn.Linear(ffn, dim, bias=False)


class MusicgenDecoder(nn.Module):
    """Cross-attention MusicGen decoder (pre-norm), K embeddings and K heads, for the Optimum layout."""

    def __init__(self, K, card, dim, layers, heads, ffn, d_text):
        super().__init__()
        self.K, self.dim = K, dim
        self.embed_tokens = nn.ModuleList([nn.Embedding(card + 1, dim) for _ in range(K)])
        self.layers = nn.ModuleList([_Layer(dim, heads, ffn) for _ in range(layers)])
        self.layer_norm = nn.LayerNorm(dim)
        self.lm_heads = nn.ModuleList([nn.Linear(dim, card, bias=False) for _ in range(K)])
        self.enc_to_dec_proj = nn.Linear(d_text, dim)

    def _run(self, input_ids, enc_mask, past_len, self_kv, cross_kv):
        r, s = input_ids.shape
        ids = input_ids.reshape(-1, self.K, s)
        x = 0
        for k in range(self.K):
            x = x + self.embed_tokens[k](ids[:, k])
        x = x + sin_embedding(past_len + torch.arange(s), self.dim)[None]
        qpos = past_len + torch.arange(s)
        causal = (torch.arange(past_len + s)[None, :] > qpos[:, None]).to(torch.float32) * -1e9
        cross_bias = ((1.0 - enc_mask.to(torch.float32)) * -1e9)[:, None, None, :]
        present_self = []
        for i, layer in enumerate(self.layers):
            h = layer.self_attn_layer_norm(x)
            a = layer.self_attn
            k, v = a.split(a.k_proj(h)), a.split(a.v_proj(h))
            if self_kv is not None:
                k, v = torch.cat([self_kv[i][0], k], 2), torch.cat([self_kv[i][1], v], 2)
            present_self.append((k, v))
            x = x + a.attend(a.split(a.q_proj(h)), k, v, causal)
            h = layer.encoder_attn_layer_norm(x)
            c = layer.encoder_attn
            x = x + c.attend(c.split(c.q_proj(h)), cross_kv[i][0], cross_kv[i][1], cross_bias)
            x = x + layer.fc2(F.gelu(layer.fc1(layer.final_layer_norm(x))))
        h = self.layer_norm(x)
        logits = torch.stack([head(h) for head in self.lm_heads], 1)  # [B, K, S, card]
        return logits.reshape(r, s, -1), present_self

    def cross(self, enc, enc_mask):
        e = self.enc_to_dec_proj(enc) * enc_mask.to(torch.float32)[:, :, None]
        return [(l.encoder_attn.split(l.encoder_attn.k_proj(e)), l.encoder_attn.split(l.encoder_attn.v_proj(e)))
                for l in self.layers]


class _NoPast(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.d = d

    def forward(self, input_ids, encoder_hidden_states, encoder_attention_mask):
        cross = self.d.cross(encoder_hidden_states, encoder_attention_mask)
        logits, pres = self.d._run(input_ids, encoder_attention_mask, 0, None, cross)
        out = [logits]
        for (k, v), (ck, cv) in zip(pres, cross):
            out += [k, v, ck, cv]
        return tuple(out)


class _WithPast(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.d = d

    def forward(self, input_ids, encoder_attention_mask, *past):
        n = len(self.d.layers)
        self_kv = [(past[4 * i], past[4 * i + 1]) for i in range(n)]
        cross = [(past[4 * i + 2], past[4 * i + 3]) for i in range(n)]
        logits, pres = self.d._run(input_ids, encoder_attention_mask, past[0].shape[2], self_kv, cross)
        out = [logits]
        for (k, v), (ck, cv) in zip(pres, cross):
            out += [k, v, ck + 0.0, cv + 0.0]
        return tuple(out)


def kv_names(prefix, layers):
    return [f'{prefix}.{i}.{part}.{kv}' for i in range(layers) for part in ('decoder', 'encoder') for kv in ('key', 'value')]


def _branch(model, tag, outer_inputs, shared):
    """Turns an exported graph into an If branch: inputs become outer-scope references, initializers
    move to `shared` (deduplicated by content), internal names get a prefix."""
    g = model.graph
    rename = {}
    for init in g.initializer:
        a = numpy_helper.to_array(init)
        h = hashlib.sha256(f'{a.dtype}{a.shape}'.encode() + a.tobytes()).hexdigest()[:16]
        new = f'w_{h}'
        rename[init.name] = new
        if new not in shared:
            init.name = new
            shared[new] = init
    inputs = {i.name for i in g.input}
    assert inputs <= set(outer_inputs), inputs - set(outer_inputs)

    def nm(x):
        if x == '' or x in inputs:
            return x
        return rename.get(x, f'{tag}/{x}')
    for node in g.node:
        node.input[:] = [nm(x) for x in node.input]
        node.output[:] = [nm(x) for x in node.output]
        node.name = f'{tag}/{node.name}'
    outs = []
    for o in g.output:
        vi = onnx.ValueInfoProto()
        vi.CopyFrom(o)
        vi.name = nm(o.name)
        outs.append(vi)
    return helper.make_graph(list(g.node), f'{tag}_branch', [], outs)


def build_merged(dec, out_path, tmp, d_text, heads):
    L = len(dec.layers)
    H, dh = heads, dec.dim // heads
    ids = torch.full((8, 1), 2048, dtype=torch.int64)
    enc = torch.randn(2, 5, d_text)
    mask = torch.ones(2, 5, dtype=torch.int64)
    past_out = kv_names('present', L)
    axes = {'input_ids': {0: 'batch_size', 1: 'decoder_sequence_length'},
            'encoder_hidden_states': {0: 'batch_size', 1: 'encoder_sequence_length'},
            'encoder_attention_mask': {0: 'batch_size', 1: 'encoder_sequence_length'},
            'logits': {0: 'batch_size', 1: 'decoder_sequence_length'}}
    for n in past_out:
        axes[n] = {0: 'batch_size', 2: 'past_decoder_sequence_length + 1' if '.decoder.' in n else 'encoder_sequence_length_out'}
    p0 = os.path.join(tmp, 'nopast.onnx')
    with torch.no_grad():
        torch.onnx.export(_NoPast(dec), (ids, enc, mask), p0, opset_version=17, do_constant_folding=True,
                          input_names=['input_ids', 'encoder_hidden_states', 'encoder_attention_mask'],
                          output_names=['logits', *past_out], dynamic_axes=axes)
    past_in = kv_names('past_key_values', L)
    past = [torch.randn(2, H, 3 if '.decoder.' in n else 5, dh) for n in past_in]
    axes2 = {k: v for k, v in axes.items() if k != 'encoder_hidden_states'}
    for n in past_in:
        axes2[n] = {0: 'batch_size', 2: 'past_decoder_sequence_length' if '.decoder.' in n else 'encoder_sequence_length_out'}
    p1 = os.path.join(tmp, 'past.onnx')
    with torch.no_grad():
        torch.onnx.export(_WithPast(dec), (ids, mask, *past), p1, opset_version=17, do_constant_folding=True,
                          input_names=['input_ids', 'encoder_attention_mask', *past_in],
                          output_names=['logits', *past_out], dynamic_axes=axes2)
    m0, m1 = onnx.load(p0), onnx.load(p1)
    outer = ['input_ids', 'encoder_hidden_states', 'encoder_attention_mask', 'use_cache_branch', *past_in]
    shared = {}
    else_g = _branch(m0, 'no_past', outer, shared)
    then_g = _branch(m1, 'with_past', outer, shared)
    inputs = [helper.make_tensor_value_info('input_ids', onnx.TensorProto.INT64, ['batch_size', 'decoder_sequence_length']),
              helper.make_tensor_value_info('encoder_hidden_states', onnx.TensorProto.FLOAT, ['batch_size', 'encoder_sequence_length', d_text]),
              helper.make_tensor_value_info('encoder_attention_mask', onnx.TensorProto.INT64, ['batch_size', 'encoder_sequence_length']),
              helper.make_tensor_value_info('use_cache_branch', onnx.TensorProto.BOOL, [1])]
    for n in past_in:
        inputs.append(helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [
            'batch_size', H, 'past_decoder_sequence_length' if '.decoder.' in n else 'encoder_sequence_length_out', dh]))
    outputs = [helper.make_tensor_value_info('logits', onnx.TensorProto.FLOAT, ['batch_size', 'decoder_sequence_length', 2048])]
    for n in past_out:
        outputs.append(helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [
            'batch_size', H, 'present_decoder_sequence_length' if '.decoder.' in n else 'encoder_sequence_length_out', dh]))
    node = helper.make_node('If', ['use_cache_branch'], ['logits', *past_out], name='optimum::if',
                            then_branch=then_g, else_branch=else_g)
    graph = helper.make_graph([node], 'decoder_model_merged', inputs, outputs, initializer=list(shared.values()))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='stylebridge')
    model.ir_version = m0.ir_version
    onnx.checker.check_model(model)
    onnx.save(model, out_path)


class _Enc(nn.Module):
    def __init__(self, t):
        super().__init__()
        self.t = t

    def forward(self, input_ids, attention_mask):
        return self.t.hidden(input_ids, attention_mask)


class _Decode(nn.Module):
    def __init__(self, codec):
        super().__init__()
        self.codec = codec

    def forward(self, audio_codes):
        return self.codec.decode(audio_codes[0])


def build(out, size='tiny'):
    c = SIZES[size]
    torch.manual_seed(c['seed'])
    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
    vocab = tiny_vocab()
    t = c['text']
    text = TextEncoder(len(vocab), t['d_model'], t['layers'], t['heads'], t['d_kv'], t['d_ff'], c['dim']).eval()
    dec = MusicgenDecoder(c['K'], c['card'], c['dim'], c['layers'], c['heads'], c['ffn'], t['d_model']).eval()
    with torch.no_grad():
        for h in dec.lm_heads:
            h.weight.mul_(4.0)
    cc = c['codec']
    codec = Codec(cc['channels'], cc['dim'], cc['ratios'], c['K'], c['card']).eval()
    ids = torch.tensor([[5, 6, 7, 1]])
    with torch.no_grad():
        torch.onnx.export(_Enc(text), (ids, torch.ones_like(ids)), os.path.join(out, 'onnx', 'text_encoder.onnx'),
                          opset_version=17, input_names=['input_ids', 'attention_mask'], output_names=['last_hidden_state'],
                          dynamic_axes={'input_ids': {0: 'batch_size', 1: 'encoder_sequence_length'},
                                        'attention_mask': {0: 'batch_size', 1: 'encoder_sequence_length'},
                                        'last_hidden_state': {0: 'batch_size', 1: 'encoder_sequence_length'}})
        codes = torch.randint(0, c['card'], (1, 1, c['K'], 6))
        torch.onnx.export(_Decode(codec), (codes,), os.path.join(out, 'onnx', 'encodec_decode.onnx'), opset_version=17,
                          input_names=['audio_codes'], output_names=['audio_values'],
                          dynamic_axes={'audio_codes': {1: 'batch_size', 3: 'chunk_length'},
                                        'audio_values': {0: 'batch_size', 2: 'audio_length'}})
    build_merged(dec, os.path.join(out, 'onnx', 'decoder_model_merged.onnx'), os.path.join(out, 'onnx'), t['d_model'], c['heads'])
    for f in ('nopast.onnx', 'past.onnx'):
        os.remove(os.path.join(out, 'onnx', f))
    hop = math.prod(cc['ratios'])
    config = {
        'architectures': ['MusicgenForConditionalGeneration'], 'model_type': 'musicgen', 'is_encoder_decoder': True,
        'decoder': {'model_type': 'musicgen_decoder', 'num_hidden_layers': c['layers'], 'num_attention_heads': c['heads'],
                    'hidden_size': c['dim'], 'ffn_dim': c['ffn'], 'num_codebooks': c['K'], 'vocab_size': c['card'],
                    'pad_token_id': c['card'], 'bos_token_id': c['card'], 'max_position_embeddings': 2048,
                    'audio_channels': 1},
        'text_encoder': {'model_type': 't5', 'd_model': t['d_model'], 'num_layers': t['layers'], 'num_heads': t['heads'],
                         'd_kv': t['d_kv'], 'd_ff': t['d_ff'], 'vocab_size': len(vocab)},
        'audio_encoder': {'model_type': 'encodec', 'sampling_rate': 32000, 'audio_channels': 1, 'codebook_size': c['card'],
                          'frame_rate': 32000 // hop},
        'decoder_start_token_id': c['card'], 'pad_token_id': c['card'],
    }
    gen = {'decoder_start_token_id': c['card'], 'pad_token_id': c['card'], 'bos_token_id': c['card'],
           'do_sample': True, 'guidance_scale': 3.0, 'max_length': 1500, 'top_k': 250}
    tok_cfg = {'tokenizer_class': 'T5Tokenizer', 'model_max_length': 512, 'pad_token': '<pad>', 'eos_token': '</s>',
               'unk_token': '<unk>', 'extra_ids': 0, 'additional_special_tokens': []}
    for name, obj in (('config.json', config), ('generation_config.json', gen), ('tokenizer_config.json', tok_cfg),
                      ('tokenizer.json', tokenizer_json(vocab))):
        with open(os.path.join(out, name), 'w') as f:
            json.dump(obj, f, indent=1, ensure_ascii=False)
            f.write('\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True)
    ap.add_argument('--size', choices=sorted(SIZES), default='tiny')
    a = ap.parse_args()
    build(a.out, a.size)
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(a.out) for f in fs)
    print(json.dumps({'out': a.out, 'bytes': total}))


if __name__ == '__main__':
    main()
