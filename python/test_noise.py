"""Checks python/noise.py against fixtures/noise-golden.json.

Run: /usr/bin/python3 -m unittest discover -s python
"""
import hashlib
import json
import os
import struct
import unittest

import noise

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "noise-golden.json")


def words(hexes):
    return [int(h, 16) for h in hexes]


class NoiseGoldenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(GOLDEN) as f:
            cls.golden = json.load(f)

    def test_philox_matches_random123_known_answers(self):
        self.assertEqual(len(self.golden["kats"]), 3)
        for kat in self.golden["kats"]:
            self.assertEqual(list(noise.philox4x32_10(words(kat["ctr"]), words(kat["key"]))), words(kat["out"]))

    def test_blocks_of_both_streams_match(self):
        for c in self.golden["cases"]:
            seed, index = int(c["seed"]), int(c["index"])
            self.assertEqual(list(noise.block(seed, index, 0, 0)), words(c["stream0_block0"]))
            self.assertEqual(list(noise.block(seed, index, 1, 0)), words(c["stream1_block0"]))

    def test_normals_match_bit_for_bit(self):
        for c in self.golden["cases"]:
            got = noise.normals(int(c["seed"]), int(c["index"]), len(c["normals"]))
            self.assertEqual([noise.float32_hex(v) for v in got], c["normals"], (c["seed"], c["index"]))

    def test_whole_latent_digest_matches(self):
        for c in self.golden["cases"]:
            n = 1
            for s in c["latent_shape"]:
                n *= s
            v = noise.normals(int(c["seed"]), int(c["index"]), n)
            self.assertEqual(hashlib.sha256(struct.pack("<%df" % n, *v)).hexdigest(), c["latent_sha256"])

    def test_prompt_draw_matches(self):
        for c in self.golden["cases"]:
            a = noise.prompt_draw(int(c["seed"]), int(c["index"]))
            self.assertEqual(str(a), c["prompt_draw"])
            self.assertEqual(a % 16, c["prompt_draw_mod_16"])
            self.assertEqual(noise.pick_prompt(int(c["seed"]), int(c["index"]), list(range(16))), a % 16)

    def test_golden_covers_the_edge_seeds_and_indices(self):
        seeds = {c["seed"] for c in self.golden["cases"]}
        indices = {c["index"] for c in self.golden["cases"]}
        self.assertTrue({"0", str(2 ** 64 - 1), "18446744073709551557"} <= seeds)
        self.assertTrue({"0", "1", "7", "4294967295"} <= indices)

    def test_normals_look_standard_normal(self):
        v = noise.normals(123, 5, 20000)
        mean = sum(v) / len(v)
        var = sum((x - mean) ** 2 for x in v) / len(v)
        self.assertLess(abs(mean), 0.03)
        self.assertLess(abs(var - 1.0), 0.05)

    def test_latent_helper_is_row_major_float32(self):
        import torch
        t = noise.latent(7, 3, [1, 4, 16, 16])
        self.assertEqual(t.dtype, torch.float32)
        self.assertEqual(list(t.shape), [1, 4, 16, 16])
        self.assertEqual(t.flatten().tolist()[:10], noise.normals(7, 3, 10))

    def test_rejects_out_of_range_seed_and_index(self):
        with self.assertRaises(ValueError):
            noise.block(2 ** 64, 0, 0, 0)
        with self.assertRaises(ValueError):
            noise.block(0, 2 ** 32, 0, 0)


if __name__ == "__main__":
    unittest.main()
