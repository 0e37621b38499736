"""CLIP's BPE tokenizer, from a model's vocab.json and merges.txt, in two forms:

  ClipTokenizer    a plain-Python reference of transformers' CLIPTokenizer (the class diffusers
                   loads for SD 1.x), used by the tests and by render_reference.py;
  tokenizer_json   the same tokenizer as a Hugging Face tokenizers file (tokenizer/tokenizer.json
                   of a bundle), which the Java engine reads through DJL.

The rules (transformers 4.x, models/clip/tokenization_clip.py, in an environment without ftfy,
as diffusers installs it; BasicTokenizer from models/bert/tokenization_bert.py):

  1. clean: drop NUL, U+FFFD and control/format characters (Unicode category C*, except tab,
     newline, carriage return); every whitespace character becomes a space;
  2. put spaces around CJK ideographs (so each is a word of its own);
  3. Unicode NFC, then lower-case;
  4. split into words with CLIP's pattern
     's|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+  (spaces separate, then vanish;
     every digit is a word; a run of other symbols is one word);
  5. each word: its UTF-8 bytes mapped to printable characters (GPT-2's byte-to-unicode table),
     `</w>` appended to the last one, then BPE: merge the adjacent pair of lowest rank in
     merges.txt, repeatedly;
  6. <|startoftext|> first, <|endoftext|> last; <|startoftext|> and <|endoftext|> written in the
     text are those special tokens.

With ftfy installed, transformers replaces 1-3 by ftfy.fix_text + whitespace clean-up + lower-case:
it differs on text ftfy repairs (curly quotes, full-width forms, HTML entities, mojibake) and on
CJK (not split). CLIPTokenizerFast differs on CJK and control characters. docs/model-bundle.md.
"""
import json
import unicodedata

STARTOFTEXT = "<|startoftext|>"
ENDOFTEXT = "<|endoftext|>"
# transformers' CLIPTokenizer reads merges.txt lines [1 : 49152 - 256 - 2 + 1]: it skips the first
# line (the "#version" header) and reads at most 48894 merges
MAX_MERGES = 49152 - 256 - 2
CLIP_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


class TokenizerError(ValueError):
    pass


def bytes_to_unicode():
    """GPT-2's reversible map from the 256 byte values to printable characters: printable Latin-1
    bytes stand for themselves, the others get code points from 256 up, in byte order. The dict
    lists the printable bytes first, as CLIP's vocabulary does ("!" is id 0)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) \
        + list(range(ord("\xae"), ord("\xff") + 1))
    table = {b: chr(b) for b in keep}
    others = [b for b in range(256) if b not in table]
    table.update({b: chr(256 + i) for i, b in enumerate(others)})
    return table


def read_merges(path):
    """merges.txt as transformers reads it: [(left, right), ...] in rank order."""
    with open(path, "r", encoding="utf-8") as f:
        lines = f.read().strip().split("\n")[1:MAX_MERGES + 1]
    merges = []
    for n, line in enumerate(lines, 2):
        parts = line.split()
        if len(parts) != 2:
            raise TokenizerError("%s line %d is not a merge 'left right': %r" % (path, n, line))
        merges.append((parts[0], parts[1]))
    return merges


def read_vocab(path):
    with open(path, "r", encoding="utf-8") as f:
        vocab = json.load(f)
    if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
        raise TokenizerError("%s is not a {token: id} map" % path)
    return vocab


def check(vocab, merges, what="tokenizer"):
    """What the tokenizers library requires of a BPE model, checked up front with the culprit named."""
    for token in (STARTOFTEXT, ENDOFTEXT):
        if token not in vocab:
            raise TokenizerError("%s: vocab.json has no %s" % (what, token))
    for ch in bytes_to_unicode().values():
        for t in (ch, ch + "</w>"):
            if t not in vocab:
                raise TokenizerError("%s: vocab.json lacks the byte symbol %r (CLIP's vocabulary has all 512)" % (what, t))
    for i, (a, b) in enumerate(merges):
        for t in (a, b, a + b):
            if t not in vocab:
                raise TokenizerError("%s: merge %d (%s %s) uses or makes %r, which is not in vocab.json" % (what, i, a, b, t))
    ids = sorted(vocab.values())
    if len(set(ids)) != len(ids):
        raise TokenizerError("%s: vocab.json gives one id to two tokens" % what)


# ---------------------------------------------------------------------------------------------
# reference implementation


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def normalize(text):
    """Rules 1-3."""
    out = []
    for ch in text:
        cp = ord(ch)
        if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif cp == 0 or cp == 0xFFFD or unicodedata.category(ch).startswith("C"):
            continue
        elif _is_cjk(cp):
            out.append(" %s " % ch)
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).lower()


def _kind(ch):
    if ch.isspace():
        return "s"
    c = unicodedata.category(ch)
    return "L" if c.startswith("L") else "N" if c.startswith("N") else "P"


def split_words(text):
    """Rule 4: the words of normalized text, as CLIP_PATTERN finds them."""
    words, i, n = [], 0, len(text)
    while i < n:
        if text[i] == "'":
            hit = next((c for c in CONTRACTIONS if text.startswith(c, i)), None)
            if hit:
                words.append(hit)
                i += len(hit)
                continue
        k = _kind(text[i])
        if k == "s":
            i += 1
            continue
        if k == "N":
            words.append(text[i])
            i += 1
            continue
        j = i + 1
        while j < n and _kind(text[j]) == k:
            j += 1
        words.append(text[i:j])
        i = j
    return words


class ClipTokenizer:
    """transformers' CLIPTokenizer (without ftfy), from a vocab {token: id} and ranked merges."""

    def __init__(self, vocab, merges, max_length=77, pad_token=ENDOFTEXT):
        check(vocab, merges)
        self.vocab = vocab
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self.byte_chars = bytes_to_unicode()
        self.bos, self.eos = vocab[STARTOFTEXT], vocab[ENDOFTEXT]
        self.max_length = max_length
        if pad_token not in vocab:
            raise TokenizerError("pad token %r is not in the vocabulary" % pad_token)
        self.pad = vocab[pad_token]
        self._cache = {}

    @classmethod
    def from_files(cls, vocab_json, merges_txt, **kw):
        return cls(read_vocab(vocab_json), read_merges(merges_txt), **kw)

    def bpe(self, word):
        """Rule 5 on one word (already byte-mapped): its BPE symbols."""
        if word in self._cache:
            return self._cache[word]
        symbols = list(word[:-1]) + [word[-1] + "</w>"]
        while len(symbols) > 1:
            ranked = [(self.ranks.get((symbols[i], symbols[i + 1])), i) for i in range(len(symbols) - 1)]
            ranked = [(r, i) for r, i in ranked if r is not None]
            if not ranked:
                break
            best, at = min(ranked)
            pair = (symbols[at], symbols[at + 1])
            merged, i = [], 0
            while i < len(symbols):          # every occurrence, left to right, no overlaps
                if i < len(symbols) - 1 and (symbols[i], symbols[i + 1]) == pair:
                    merged.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        self._cache[word] = symbols
        return symbols

    def tokens(self, text):
        """The BPE tokens of a text, without the start and end tokens (rules 1-6)."""
        out = []
        pieces = [text]
        for special in (STARTOFTEXT, ENDOFTEXT):
            pieces = [q for p in pieces for q in _split_keep(p, special)]
        for piece in pieces:
            if piece in (STARTOFTEXT, ENDOFTEXT):
                out.append(piece)
                continue
            for word in split_words(normalize(piece)):
                mapped = "".join(self.byte_chars[b] for b in word.encode("utf-8"))
                out.extend(self.bpe(mapped))
        return out

    def token_ids(self, text):
        unk = self.vocab[ENDOFTEXT]
        return [self.vocab.get(t, unk) for t in self.tokens(text)]

    def __call__(self, text):
        return self.encode(text)

    def encode(self, text):
        """ids as diffusers asks for them: padding="max_length", truncation=True, max_length."""
        ids = self.token_ids(text)[: self.max_length - 2]
        ids = [self.bos] + ids + [self.eos]
        return ids + [self.pad] * (self.max_length - len(ids))


def _split_keep(text, sep):
    if sep not in text:
        return [text] if text else []
    out = []
    for i, part in enumerate(text.split(sep)):
        if i:
            out.append(sep)
        if part:
            out.append(part)
    return out


# ---------------------------------------------------------------------------------------------
# Hugging Face tokenizers file


def tokenizer_json(vocab, merges):
    """The tokenizers file that gives ClipTokenizer's ids (checked by test_clip_tokenizer.py in
    Python and by the engine's tokenizer tests through DJL)."""
    check(vocab, merges)
    specials = sorted((vocab[t], t) for t in (STARTOFTEXT, ENDOFTEXT))

    def special(t, type_id=0):
        return {"SpecialToken": {"id": t, "type_id": type_id}}

    def seq(s, type_id):
        return {"Sequence": {"id": s, "type_id": type_id}}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        # matched in the raw text before normalization, as transformers' slow tokenizer does
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in specials],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
             "strip_accents": False, "lowercase": False},
            {"type": "NFC"},
            {"type": "Lowercase"},
        ]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": CLIP_PATTERN}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        ]},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special(STARTOFTEXT), seq("A", 0), special(ENDOFTEXT)],
            "pair": [special(STARTOFTEXT), seq("A", 0), special(ENDOFTEXT), seq("B", 1), special(ENDOFTEXT, 1)],
            "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in (STARTOFTEXT, ENDOFTEXT)},
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "model": {"type": "BPE", "dropout": None, "unk_token": ENDOFTEXT, "continuing_subword_prefix": None,
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": ["%s %s" % m for m in merges]},
    }


# ---------------------------------------------------------------------------------------------
# a CLIP-layout vocabulary from merges (the tests' synthetic tokenizers)


def vocab_from_merges(merges):
    """CLIP's construction: the 256 byte symbols, the same with </w>, one token per merge in rank
    order, then <|startoftext|> and <|endoftext|> (49406 and 49407 in the real vocabulary)."""
    chars = list(bytes_to_unicode().values())
    tokens = chars + [c + "</w>" for c in chars] + [a + b for a, b in merges] + [STARTOFTEXT, ENDOFTEXT]
    return {t: i for i, t in enumerate(tokens)}


def merges_for(words):
    """Merges that build each word left to right ("p h", "ph o", ... "phot o</w>"), in the order
    given, without repeats: a small synthetic BPE."""
    merges, seen = [], set()
    for w in words:
        mapped = "".join(bytes_to_unicode()[b] for b in w.replace("</w>", "").encode("utf-8"))
        symbols = list(mapped) + (["</w>"] if w.endswith("</w>") else [])
        if symbols[-1] == "</w>":
            symbols = symbols[:-2] + [symbols[-2] + "</w>"]
        left = symbols[0]
        for s in symbols[1:]:
            if (left, s) not in seen:
                seen.add((left, s))
                merges.append((left, s))
            left = left + s
    return merges


def write_merges(path, merges):
    with open(path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write("%s %s\n" % (a, b))
