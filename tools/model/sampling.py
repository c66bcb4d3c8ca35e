# PCG32, guidance and token picking exactly as docs/model-package.md sections 4.3 and 4.5-4.7.
import numpy as np

M64 = (1 << 64) - 1
STREAM = 0x7374796c65627267  # "stylebrg"
MAX_SEED = (1 << 53) - 1


class PCG32:
    def __init__(self, initstate, initseq):
        self.state = 0
        self.inc = ((initseq << 1) | 1) & M64
        self.next_u32()
        self.state = (self.state + initstate) & M64
        self.next_u32()

    def next_u32(self):
        old = self.state
        self.state = (old * 6364136223846793005 + self.inc) & M64
        xorshifted = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & 0xFFFFFFFF

    def uniform(self):
        a = self.next_u32() >> 5
        b = self.next_u32() >> 6
        return (a * 67108864.0 + b) / 9007199254740992.0


def variation_rng(seed, variation):
    s = seed + variation
    if not (0 <= seed and s <= MAX_SEED):
        raise ValueError('seed out of range 0..2^53-1')
    return PCG32(s, STREAM)


def combine(rows, mode, a, b):
    """rows: float32 array [B, card] for one codebook -> float64 [card] (section 4.3)."""
    l = [np.asarray(r, dtype=np.float32).astype(np.float64) for r in rows]
    if mode == 'none':
        return l[0]
    if mode == 'single':
        return l[1] + np.float64(a) * (l[0] - l[1])
    if mode == 'double':
        return l[2] + np.float64(a) * ((l[1] + np.float64(b) * (l[0] - l[1])) - l[2])
    raise ValueError(mode)


def pick(l, rng, temperature, top_k, top_p, greedy, margins=None):
    """Section 4.5. l: float64 [card]. When `margins` (a dict) is given, records how close the decision came
    to flipping: the gap between the two largest logits (greedy) or the distance from the draw to the nearest
    edge of the chosen bucket, relative to the total weight (sampling)."""
    if greedy or temperature == 0:
        j = int(np.argmax(l))
        if margins is not None:
            top2 = np.sort(l)[-2:]
            margins['greedy_gap'] = min(margins.get('greedy_gap', np.inf), float(top2[1] - top2[0]))
        return j
    z = l / np.float64(temperature)
    order = np.lexsort((np.arange(z.shape[0]), -z))  # z descending, index ascending
    zs = z[order]
    w = np.exp(zs - zs[0])
    if top_p > 0:
        s_all = np.cumsum(w)[-1]
        q = w / s_all
        c = np.concatenate([[0.0], np.cumsum(q)[:-1]])
        kept = int(np.count_nonzero(c <= top_p))  # c is non-decreasing: kept ranks are a prefix
        kept = max(kept, 1)
    elif top_k > 0:
        kept = min(top_k, z.shape[0])
    else:
        kept = z.shape[0]
    acc = np.cumsum(w[:kept])
    x = rng.uniform() * acc[-1]
    i = min(int(np.searchsorted(acc, x, side='right')), kept - 1)  # first i with x < acc[i]
    if margins is not None:
        lo = acc[i - 1] if i > 0 else 0.0
        m = min(x - lo, acc[i] - x) / acc[-1]
        margins['draw_margin'] = min(margins.get('draw_margin', np.inf), float(m))
    return int(order[i])
