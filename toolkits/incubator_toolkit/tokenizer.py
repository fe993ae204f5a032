"""Byte-level BPE as GPT-2 and Hugging Face's tokenizers define it, trained here and saved as tokenizer.json.

Ids 0-255 are the 256 bytes (so any text encodes, Chinese included), 256 is <|endoftext|>, merges follow. With no
merges this is a plain byte tokenizer."""
import collections
import json
import re

END_OF_TEXT = "<|endoftext|>"
# GPT-2's pre-tokenizer, with Python's classes for \p{L} (letters, CJK included) and \p{N} (digits).
_SPLIT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def _bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable characters (what tokenizer.json's vocabulary is written in)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    characters, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            characters[byte] = chr(byte)
        else:
            characters[byte] = chr(256 + extra)
            extra += 1
    return characters


BYTE_CHAR = _bytes_to_unicode()
CHAR_BYTE = {char: byte for byte, char in BYTE_CHAR.items()}


class Tokenizer:
    def __init__(self, merges=()):
        self.merges = [tuple(pair) for pair in merges]  # each pair of token ids, in the order learnt
        self.pieces = {byte: bytes([byte]) for byte in range(256)}
        self.end_of_text = 256
        self.ranks = {}
        for rank, (left, right) in enumerate(self.merges):
            new_id = 257 + rank
            self.pieces[new_id] = self.pieces[left] + self.pieces[right]
            self.ranks[(left, right)] = rank
        self._cache = {}

    @property
    def vocab_size(self):
        return 257 + len(self.merges)

    def _encode_chunk(self, chunk):
        cached = self._cache.get(chunk)
        if cached is not None:
            return cached
        ids = list(chunk.encode("utf-8"))
        while len(ids) > 1 and self.ranks:
            best = min(((self.ranks.get(pair, 1 << 30), i) for i, pair in enumerate(zip(ids, ids[1:]))))
            if best[0] == 1 << 30:
                break
            rank, i = best
            ids[i:i + 2] = [257 + rank]
        if len(self._cache) < 200_000:
            self._cache[chunk] = ids
        return ids

    def encode(self, text):
        ids = []
        for part in text.split(END_OF_TEXT):
            if ids:
                ids.append(self.end_of_text)
            for chunk in _SPLIT.findall(part):
                ids.extend(self._encode_chunk(chunk))
        return ids

    def decode(self, ids):
        data = b"".join(self.pieces.get(i, b"") if i != self.end_of_text else END_OF_TEXT.encode() for i in ids)
        return data.decode("utf-8", errors="replace")

    @staticmethod
    def train(texts, vocab_size, min_frequency=2, progress=None):
        """Learns merges until the vocabulary has vocab_size entries or no pair occurs min_frequency times."""
        words = collections.Counter()
        for text in texts:
            for chunk in _SPLIT.findall(text.replace(END_OF_TEXT, " ")):
                words[chunk] += 1
        symbols = [list(chunk.encode("utf-8")) for chunk in words]
        counts = list(words.values())
        pairs, where = collections.Counter(), collections.defaultdict(set)
        for index, word in enumerate(symbols):
            for pair in zip(word, word[1:]):
                pairs[pair] += counts[index]
                where[pair].add(index)
        merges = []
        while 257 + len(merges) < vocab_size and pairs:
            best, frequency = max(pairs.items(), key=lambda item: (item[1], -item[0][0], -item[0][1]))
            if frequency < min_frequency:
                break
            new_id = 257 + len(merges)
            merges.append(best)
            for index in list(where.pop(best, ())):
                word, count = symbols[index], counts[index]
                for pair in zip(word, word[1:]):
                    pairs[pair] -= count
                    if pairs[pair] <= 0:
                        del pairs[pair]
                merged, i = [], 0
                while i < len(word):
                    if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                        merged.append(new_id)
                        i += 2
                    else:
                        merged.append(word[i])
                        i += 1
                symbols[index] = merged
                for pair in zip(merged, merged[1:]):
                    pairs[pair] += count
                    where[pair].add(index)
            if progress and len(merges) % 100 == 0:
                progress(len(merges))
        return Tokenizer(merges)

    # ----------------------------------------------------------------------------------------- tokenizer.json

    def _token(self, token_id):
        return "".join(BYTE_CHAR[byte] for byte in self.pieces[token_id])

    def to_hf(self):
        vocab = {self._token(i): i for i in range(256)}
        vocab[END_OF_TEXT] = self.end_of_text
        for rank, (left, right) in enumerate(self.merges):
            vocab[self._token(257 + rank)] = 257 + rank
        return {
            "version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": self.end_of_text, "content": END_OF_TEXT, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                              "use_regex": True},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                               "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": vocab,
                      "merges": [f"{self._token(left)} {self._token(right)}" for left, right in self.merges]},
        }

    def save(self, directory, max_length):
        with open(f"{directory}/tokenizer.json", "w", encoding="utf-8") as out:
            json.dump(self.to_hf(), out, ensure_ascii=False, indent=1)
        with open(f"{directory}/tokenizer_config.json", "w", encoding="utf-8") as out:
            json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": END_OF_TEXT,
                       "eos_token": END_OF_TEXT, "unk_token": None, "model_max_length": max_length,
                       "clean_up_tokenization_spaces": False}, out, indent=1)

    @staticmethod
    def load(directory):
        with open(f"{directory}/tokenizer.json", encoding="utf-8") as source:
            data = json.load(source)
        model = data.get("model", {})
        if model.get("type") != "BPE" or data.get("pre_tokenizer", {}).get("type") != "ByteLevel":
            raise ValueError(f"{directory}/tokenizer.json is not a byte-level BPE tokenizer")
        vocab = model["vocab"]
        for i in range(256):
            if vocab.get(BYTE_CHAR[i]) != i:
                raise ValueError(f"{directory}/tokenizer.json does not give byte {i} the id {i}")
        merges = []
        for line in model.get("merges", []):
            left, right = line.split(" ") if isinstance(line, str) else line
            merges.append((vocab[left], vocab[right]))
        names = {i: token for token, i in vocab.items()}
        for rank, (left, right) in enumerate(merges):
            if vocab.get(names[left] + names[right]) != 257 + rank:
                raise ValueError(f"{directory}/tokenizer.json: merge {rank} does not have the id {257 + rank}")
        return Tokenizer(merges)

