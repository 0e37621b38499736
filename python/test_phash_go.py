"""phash_go.py reproduces goimagehash on the 8-bit RGB PNG golden vectors (what renders are)."""
import os
import unittest

from PIL import Image

import phash_go

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "phash-vectors")


class PhashGoTest(unittest.TestCase):
    def test_matches_goimagehash_on_8bit_rgb_pngs(self):
        checked = 0
        with open(os.path.join(VECTORS, "goimagehash-phash.txt")) as f:
            for line in f:
                name, want = line.split()
                im = Image.open(os.path.join(VECTORS, "images", name))
                if not name.endswith(".png") or im.mode != "RGB":
                    continue
                self.assertEqual("%016x" % phash_go.phash(im), want, name)
                checked += 1
        self.assertGreater(checked, 40)

    def test_distance_counts_differing_bits(self):
        self.assertEqual(phash_go.distance(0xF0, 0x0F), 8)
        self.assertEqual(phash_go.distance(2 ** 64 - 1, 0), 64)


if __name__ == "__main__":
    unittest.main()
