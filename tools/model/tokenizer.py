# Unigram tokenizer of docs/model-package.md section 5, and the builder of the tiny vocabulary.
import json
import math
import unicodedata

META = '\u2581'


class Unigram:
    def __init__(self, vocab, unk_id, eos_id, pad_id):
        self.pieces = {}
        for i, (p, s) in enumerate(vocab):
            self.pieces.setdefault(p, (i, s))  # the first occurrence of a piece wins
        self.unk_id, self.eos_id, self.pad_id = unk_id, eos_id, pad_id
        self.unk_score = min(s for _, s in vocab) - 10.0
        self.max_len = max(len(p) for p, _ in vocab)

    @classmethod
    def load(cls, path):
        with open(path) as f:
            j = json.load(f)
        m = j['model']
        ids = {t['content']: t['id'] for t in j.get('added_tokens', [])}
        return cls([tuple(v) for v in m['vocab']], m['unk_id'], ids.get('</s>', 1), ids.get('<pad>', 0))

    @staticmethod
    def normalize(text):
        return ' '.join(unicodedata.normalize('NFKC', text).split())

    def _word(self, w):
        n = len(w)
        best = [-math.inf] * (n + 1)
        back = [None] * (n + 1)  # (start, id)
        best[0] = 0.0
        for e in range(1, n + 1):
            for s in range(max(0, e - self.max_len), e):  # s ascending: longer piece first on ties
                if best[s] == -math.inf:
                    continue
                hit = self.pieces.get(w[s:e])
                if hit is not None:
                    cand, pid = best[s] + hit[1], hit[0]
                elif e - s == 1:
                    cand, pid = best[s] + self.unk_score, self.unk_id
                else:
                    continue
                if cand > best[e]:
                    best[e], back[e] = cand, (s, pid)
        ids, e = [], n
        while e > 0:
            s, pid = back[e]
            ids.append(pid)
            e = s
        return ids[::-1]

    def encode(self, text, max_tokens):
        """Token ids with end-of-sequence; [] when the normalised text is empty."""
        norm = self.normalize(text)
        if not norm:
            return []
        ids = []
        for word in norm.split(' '):
            ids += self._word(META + word)
        return ids[:max_tokens - 1] + [self.eos_id]


TINY_WORDS = ['drum', 'drums', 'bass', 'guitar', 'piano', 'synth', 'jazz', 'rock', 'funk', 'house',
              'techno', 'ambient', 'lofi', 'hip', 'hop', 'beat', 'groove', 'slow', 'fast', 'warm',
              'dark', 'bright', 'chill', 'loud', 'soft', 'with', 'and', 'the', 'a', 'of', 'in',
              'string', 'strings', 'vocal', 'organ', 'brass', 'pad', 'lead', 'kick', 'snare', 'hat']


def tiny_vocab():
    """A small T5-style vocabulary: specials, whole words, '▁', and every printable ASCII char."""
    vocab = [('<pad>', 0.0), ('</s>', 0.0), ('<unk>', 0.0)]
    for w in TINY_WORDS:
        vocab.append((META + w, -2.0 - 0.1 * len(w)))
    vocab.append((META, -3.0))
    for c in range(33, 127):
        ch = chr(c)
        vocab.append((ch, -6.0 - 0.01 * (c % 7)))
        if ch.isalnum():
            vocab.append((META + ch, -7.0))
    return vocab


def tokenizer_json(vocab, unk_id=2):
    """Hugging Face tokenizers layout (also read by Transformers.js)."""
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [
            {'id': i, 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False,
             'normalized': False, 'special': True}
            for i, t in enumerate(['<pad>', '</s>', '<unk>'])],
        'normalizer': {'type': 'Sequence', 'normalizers': [
            {'type': 'NFKC'}, {'type': 'Replace', 'pattern': {'Regex': ' {2,}'}, 'content': ' '}]},
        'pre_tokenizer': {'type': 'Metaspace', 'replacement': META, 'add_prefix_space': True,
                          'prepend_scheme': 'always', 'split': True},
        'post_processor': {'type': 'TemplateProcessing',
                           'single': [{'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
                           'pair': [{'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}},
                                    {'Sequence': {'id': 'B', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
                           'special_tokens': {'</s>': {'id': '</s>', 'ids': [1], 'tokens': ['</s>']}}},
        'decoder': {'type': 'Metaspace', 'replacement': META, 'add_prefix_space': True,
                    'prepend_scheme': 'always', 'split': True},
        'model': {'type': 'Unigram', 'unk_id': unk_id, 'vocab': [[p, s] for p, s in vocab],
                  'byte_fallback': False},
    }
