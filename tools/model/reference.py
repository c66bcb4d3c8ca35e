# Reference generation loop: docs/model-package.md section 4, to the letter, over the torch modules.
import numpy as np
import torch

from sampling import combine, pick, variation_rng


def guidance_mode(has_style, has_text, cfg_beta, requested=None):
    """Section 4.3: `none` only on request; `double` needs style, text and a beta; else `single`."""
    if requested is not None:
        if requested == 'double' and not (has_style and has_text and cfg_beta is not None):
            raise ValueError('double guidance needs style, text and cfg_beta')
        return requested
    return 'double' if (has_style and has_text and cfg_beta is not None) else 'single'


def build_prefix(style, text, mode, dim):
    """style/text: float32 tensors [1, n, D] or None -> rows' prefixes [B, P_total, D] (section 4.2)."""
    blocks = [b for b in (style, text) if b is not None]
    z = lambda b: torch.zeros_like(b)
    full = torch.cat(blocks, 1) if blocks else torch.zeros(1, 0, dim)
    if mode == 'none':
        return full
    if mode == 'single':
        return torch.cat([full, z(full)], 0)
    row1 = torch.cat([style, z(text)], 1)
    return torch.cat([full, row1, z(full)], 0)


@torch.no_grad()
def generate(pkg, frames, style_audio=None, prompt=None, streams=None, cfg=None, cfg_beta='default',
             temperature=None, top_k=None, top_p=None, greedy=False, seed=0, variation=0, mode=None, margins=None):
    """pkg: loaded torch package (build_package.TorchPackage). Returns dict with codes [K][T] etc."""
    m = pkg.manifest
    d = m['defaults']
    streams = d['streams'] if streams is None else streams
    cfg = d['cfg'] if cfg is None else cfg
    cfg_beta = d['cfg_beta'] if cfg_beta == 'default' else cfg_beta
    temperature = d['temperature'] if temperature is None else temperature
    top_k = d['top_k'] if top_k is None else top_k
    top_p = d['top_p'] if top_p is None else top_p
    lm = pkg.lm
    K, card = m['codec']['codebooks'], m['codec']['card']
    special = m['lm']['special_token']
    delays = m['lm']['delay_pattern']

    style = None
    if style_audio is not None:
        a = torch.from_numpy(np.asarray(style_audio, dtype=np.float32))[None]
        style = pkg.style(a, torch.tensor([streams], dtype=torch.int64))
    ids = pkg.tokenizer.encode(prompt, m['conditioning']['text']['max_tokens']) if prompt else []
    text = None
    if ids:
        t = torch.tensor([ids], dtype=torch.int64)
        text = pkg.text(t, torch.ones_like(t))
    mode = guidance_mode(style is not None, text is not None, cfg_beta, mode)
    prefix = build_prefix(style, text, mode, m['lm']['dim'])
    B = prefix.shape[0]

    dmax = max(delays)
    s_total = frames + dmax + 1
    seq = np.full((K, s_total), special, dtype=np.int64)
    rng = variation_rng(seed, variation)
    H, dh = m['lm']['heads'], m['lm']['dim'] // m['lm']['heads']
    past = [(torch.zeros(B, H, 0, dh), torch.zeros(B, H, 0, dh)) for _ in range(m['lm']['layers'])]
    step_codes = lambda s: torch.from_numpy(np.repeat(seq[None, :, s:s + 1], B, 0))
    logits, past = lm.forward_cache(prefix, step_codes(0), past)
    calls = 1
    for s in range(1, s_total):
        lg = logits.numpy()
        for k in range(K):
            t = s - 1 - delays[k]
            if 0 <= t < frames:
                l = combine(lg[:, k, :], mode, cfg, cfg_beta)
                seq[k, s] = pick(l, rng, temperature, top_k, top_p, greedy, margins)
        if s < s_total - 1:
            logits, past = lm.forward_cache(torch.zeros(B, 0, prefix.shape[2]), step_codes(s), past)
            calls += 1
    codes = np.stack([seq[k, 1 + delays[k]:1 + delays[k] + frames] for k in range(K)])
    audio = pkg.codec.decode(torch.from_numpy(codes)[None])[0, 0].numpy()
    return {'codes': codes, 'audio': audio, 'mode': mode, 'token_ids': ids, 'prefix_len': prefix.shape[1],
            'lm_calls': calls, 'rows': B}
