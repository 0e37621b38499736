"""Tests of clip_tokenizer.py: the hand-written golden prompts of fixtures/clip-tokenizer, the
tokenizer.json the exporter writes (the Java engine's ClipTokenizerTest reads the same file through
DJL), and the checks on vocab.json / merges.txt.

Run: /usr/bin/python3 -m unittest discover -s python -p 'test_clip*.py'
"""
import json
import os
import tempfile
import unittest

import clip_tokenizer as ct
import sd_synthetic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "fixtures", "clip-tokenizer")


def load_golden():
    with open(os.path.join(FIXTURE, "golden.json"), encoding="utf-8") as f:
        return json.load(f)["cases"]


class GoldenPromptsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tok = ct.ClipTokenizer.from_files(os.path.join(FIXTURE, "vocab.json"), os.path.join(FIXTURE, "merges.txt"))

    def test_every_golden_prompt_gives_its_hand_written_tokens(self):
        cases = load_golden()
        self.assertGreater(len(cases), 30)
        for c in cases:
            with self.subTest(what=c["what"]):
                self.assertEqual(self.tok.tokens(c["prompt"]), c["tokens"])

    def test_ids_are_start_first_75_tokens_end_then_padding(self):
        v = self.tok.vocab
        ids = self.tok("a cat")
        self.assertEqual(ids[:4], [v["<|startoftext|>"], v["a</w>"], v["cat</w>"], v["<|endoftext|>"]])
        self.assertEqual(ids[4:], [v["<|endoftext|>"]] * 73)
        long = self.tok(" ".join(["dog"] * 80))
        self.assertEqual(len(long), 77)
        self.assertEqual(long[1:76], [v["dog</w>"]] * 75)
        self.assertEqual(long[76], v["<|endoftext|>"])

    def test_the_special_tokens_close_the_vocabulary_as_in_clip(self):
        v = self.tok.vocab
        self.assertEqual(v["<|startoftext|>"], len(v) - 2)
        self.assertEqual(v["<|endoftext|>"], len(v) - 1)
        self.assertEqual(v["!"], 0)
        self.assertEqual(v["!</w>"], 256)


class TokenizerFileTest(unittest.TestCase):
    def test_the_fixture_tokenizer_json_is_what_the_exporter_writes(self):
        vocab, merges = sd_synthetic.synthetic_tokenizer()
        with open(os.path.join(FIXTURE, "tokenizer.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), json.loads(json.dumps(ct.tokenizer_json(vocab, merges))))
        self.assertEqual(ct.read_vocab(os.path.join(FIXTURE, "vocab.json")), vocab)
        self.assertEqual(ct.read_merges(os.path.join(FIXTURE, "merges.txt")), merges)

    def test_file_uses_clips_rules(self):
        vocab, merges = sd_synthetic.synthetic_tokenizer()
        t = ct.tokenizer_json(vocab, merges)
        self.assertEqual(t["model"]["type"], "BPE")
        self.assertEqual(t["model"]["end_of_word_suffix"], "</w>")
        self.assertEqual(t["model"]["merges"][:2], ["m a", "ma s"])
        self.assertEqual(t["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"],
                         r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""")
        self.assertEqual([a["content"] for a in t["added_tokens"]], ["<|startoftext|>", "<|endoftext|>"])
        self.assertEqual(t["post_processor"]["single"][0], {"SpecialToken": {"id": "<|startoftext|>", "type_id": 0}})


class RulesTest(unittest.TestCase):
    def test_byte_table_is_gpt2s(self):
        table = ct.bytes_to_unicode()
        self.assertEqual(len(set(table.values())), 256)
        self.assertEqual(table[ord("a")], "a")
        self.assertEqual(table[32], "\u0120")       # the familiar "Ġ" of a space
        self.assertEqual(table[10], "\u010a")       # "Ċ" of a newline
        self.assertEqual(table[0xAD], "\u0143")     # the soft hyphen, the last unprintable byte

    def test_words_follow_clips_pattern(self):
        self.assertEqual(ct.split_words("it's 42nd-street!!"), ["it", "'s", "4", "2", "nd", "-", "street", "!!"])
        self.assertEqual(ct.split_words("l'été"), ["l", "'", "été"])

    def test_normalization_cleans_and_lower_cases(self):
        self.assertEqual(ct.normalize("A\u0000B\u200b\tC\u00a0"), "ab c ")
        self.assertEqual(ct.normalize("E\u0301"), "\u00e9")
        self.assertEqual(ct.normalize("\u4e2d\u6587"), " \u4e2d  \u6587 ")

    def test_merges_file_skips_its_header_and_reads_at_most_clips_count(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "merges.txt")
            with open(p, "w", encoding="utf-8") as f:
                f.write("#version: 0.2\n" + "".join("a%d b\n" % i for i in range(ct.MAX_MERGES + 5)))
            merges = ct.read_merges(p)
        self.assertEqual(len(merges), ct.MAX_MERGES)
        self.assertEqual(merges[0], ("a0", "b"))

    def test_a_merge_that_makes_an_unknown_token_is_refused_by_name(self):
        vocab, merges = sd_synthetic.synthetic_tokenizer()
        del vocab["photo</w>"]
        with self.assertRaisesRegex(ct.TokenizerError, r"merge \d+ \(phot o</w>\) uses or makes 'photo</w>'"):
            ct.tokenizer_json(vocab, merges)

    def test_a_vocabulary_without_the_special_tokens_is_refused(self):
        vocab, merges = sd_synthetic.synthetic_tokenizer()
        del vocab["<|endoftext|>"]
        with self.assertRaisesRegex(ct.TokenizerError, "no <\\|endoftext\\|>"):
            ct.ClipTokenizer(vocab, merges)


if __name__ == "__main__":
    unittest.main()
