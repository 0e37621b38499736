"""Tests of render_reference.py (schedules, tokenizer, LoRA loading, bundle checks, PNG output).

Run: /usr/bin/python3 -m unittest discover -s python
The tests that need fixtures/models are skipped when it has not been built.
"""
import os
import shutil
import struct
import tempfile
import unittest
import zlib

import numpy as np
import torch

import phash_go
import render_reference as rr
import safetensors_io

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "fixtures", "models")
BASE = os.path.join(MODELS, "base")
LORAS = os.path.join(MODELS, "loras")
SD15 = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
        "steps_offset": 1, "set_alpha_to_one": False, "prediction_type": "epsilon"}
HAVE_MODELS = os.path.isfile(os.path.join(BASE, "SHA256SUMS"))


class ScheduleTest(unittest.TestCase):
    def test_dpm_linspace_timesteps_match_diffusers_for_sd15(self):
        ts = rr.timesteps(SD15, "dpm++", 30)
        self.assertEqual(ts[:5], [999, 966, 932, 899, 866])
        self.assertEqual(ts[-3:], [100, 67, 33])
        self.assertEqual(len(ts), 30)

    def test_ddim_leading_timesteps_add_steps_offset(self):
        ts = rr.timesteps(SD15, "ddim", 50)
        self.assertEqual(ts[:3], [981, 961, 941])
        self.assertEqual(ts[-1], 1)

    def test_trailing_and_leading_spacings(self):
        cfg = dict(SD15, timestep_spacing="trailing")
        self.assertEqual(rr.timesteps(cfg, "ddim", 10), [999, 899, 799, 699, 599, 499, 399, 299, 199, 99])
        self.assertEqual(rr.timesteps(cfg, "dpm++", 4), [999, 749, 499, 249])
        cfg = dict(SD15, timestep_spacing="leading")
        self.assertEqual(rr.timesteps(cfg, "dpm++", 4), [801, 601, 401, 201])

    def test_scaled_linear_alphas_cumprod(self):
        acp = rr.alphas_cumprod(SD15)
        self.assertAlmostEqual(acp[0], 1 - 0.00085, places=12)
        self.assertAlmostEqual(float(acp[999]), 0.00466, places=5)

    def test_lincomb_is_left_to_right_float32(self):
        x = torch.tensor([1.0, 2.0])
        y = torch.tensor([3.0, -1.0])
        got = rr.lincomb((x, 0.1), (y, 1.0 / 3.0))
        want = (x * torch.tensor(np.float32(0.1))) + (y * torch.tensor(np.float32(1.0 / 3.0)))
        self.assertTrue(torch.equal(got, want))

    def test_samplers_recover_a_clean_latent_with_an_oracle_model(self):
        x0 = torch.linspace(-1, 1, 16).reshape(1, 1, 4, 4)
        acp = rr.alphas_cumprod(SD15)
        for kind in ("epsilon", "v_prediction", "sample"):
            cfg = dict(SD15, prediction_type=kind, set_alpha_to_one=True)

            def oracle(x, t, kind=kind):
                at, st = float(np.sqrt(acp[t])), float(np.sqrt(1 - acp[t]))
                eps = (x - at * x0) / st
                return {"epsilon": eps, "v_prediction": at * eps - st * x0, "sample": x0}[kind]

            for sampler in ("dpm++", "ddim"):
                start = torch.randn((1, 1, 4, 4), generator=torch.Generator().manual_seed(0))
                out = rr.sample(oracle, start, cfg, sampler, 20)
                self.assertLess((out - x0).abs().max().item(), 2e-2, (kind, sampler))


class SafetensorsTest(unittest.TestCase):
    def test_round_trip_with_metadata_and_aligned_header(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.safetensors")
            t = {"b": torch.arange(6, dtype=torch.float32).reshape(2, 3), "a": torch.tensor(4.0)}
            safetensors_io.save(p, t, {"format": "pt"})
            back, meta = safetensors_io.load(p)
            self.assertEqual(meta, {"format": "pt"})
            self.assertTrue(torch.equal(back["b"], t["b"]))
            self.assertEqual(list(back["a"].shape), [])
            with open(p, "rb") as f:
                (n,) = struct.unpack("<Q", f.read(8))
            self.assertEqual(n % 8, 0)


class PngTest(unittest.TestCase):
    def test_png_has_only_critical_chunks(self):
        rgb = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "x.png")
            rr.write_png(p, rgb)
            with open(p, "rb") as f:
                data = f.read()
            from PIL import Image
            with Image.open(p) as im:
                back = np.asarray(im)
        pos, kinds = 8, []
        while pos < len(data):
            (n,) = struct.unpack(">I", data[pos:pos + 4])
            kinds.append(data[pos + 4:pos + 8])
            pos += 12 + n
        self.assertEqual(kinds, [b"IHDR", b"IDAT", b"IEND"])
        self.assertTrue(np.array_equal(back, rgb))


@unittest.skipUnless(HAVE_MODELS, "fixtures/models not built")
class TokenizerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tok = rr.MiniTokenizer(os.path.join(BASE, "tokenizer", "tokenizer.json"),
                                   os.path.join(BASE, "tokenizer", "tokenizer_config.json"))

    def test_encodes_with_bos_eos_and_pads_to_model_max_length(self):
        ids = self.tok.encode("A Red circle")
        v = self.tok.vocab
        self.assertEqual(ids[:5], [2, v["a"], v["red"], v["circle"], 3])
        self.assertEqual(ids[5:], [0] * 11)

    def test_unknown_words_and_punctuation_become_unk(self):
        ids = self.tok.encode("a zebra, circle")
        self.assertEqual(ids[:6], [2, self.tok.vocab["a"], 1, 1, self.tok.vocab["circle"], 3])

    def test_truncation_keeps_the_trailing_eos(self):
        ids = self.tok.encode(" ".join(["red"] * 30))
        self.assertEqual(len(ids), 16)
        self.assertEqual(ids[0], 2)
        self.assertEqual(ids[-1], 3)
        self.assertEqual(ids[1:15], [self.tok.vocab["red"]] * 14)

    def test_special_tokens_in_text_are_matched_verbatim(self):
        ids = self.tok.encode("red <pad> circle")
        self.assertEqual(ids[:5], [2, self.tok.vocab["red"], 0, self.tok.vocab["circle"], 3])

    def test_every_prompt_of_the_pool_is_in_the_vocabulary(self):
        with open(os.path.join(ROOT, "fixtures", "prompts.txt")) as f:
            for line in f:
                self.assertNotIn(1, self.tok.encode(line.strip()), line)

    def test_refuses_other_tokenizer_models(self):
        import json
        with tempfile.TemporaryDirectory() as d:
            t = json.load(open(os.path.join(BASE, "tokenizer", "tokenizer.json")))
            t["model"]["type"] = "BPE"
            p = os.path.join(d, "tokenizer.json")
            json.dump(t, open(p, "w"))
            with self.assertRaisesRegex(rr.BundleError, "model type 'BPE' is not supported"):
                rr.MiniTokenizer(p, os.path.join(d, "none.json"))


@unittest.skipUnless(HAVE_MODELS, "fixtures/models not built")
class BundleAndLoraTest(unittest.TestCase):
    def test_bundle_digest_is_the_sha256_of_sha256sums(self):
        self.assertEqual(rr.verify_sha256sums(BASE), rr.sha256_file(os.path.join(BASE, "SHA256SUMS")))

    def test_tampered_and_extra_files_are_named(self):
        with tempfile.TemporaryDirectory() as d:
            copy = os.path.join(d, "b")
            shutil.copytree(BASE, copy)
            with open(os.path.join(copy, "unet", "config.json"), "a") as f:
                f.write(" ")
            with self.assertRaisesRegex(rr.BundleError, r"^unet/config.json: sha256 is [0-9a-f]{64}, SHA256SUMS says"):
                rr.verify_sha256sums(copy)
            shutil.copy(os.path.join(BASE, "unet", "config.json"), os.path.join(copy, "unet", "config.json"))
            open(os.path.join(copy, "extra.txt"), "w").close()
            with self.assertRaisesRegex(rr.BundleError, "extra.txt: present in the bundle but not listed"):
                rr.verify_sha256sums(copy)

    def test_profile_prints_every_stage_and_adds_up_to_the_render(self):
        import contextlib
        import io
        out = io.StringIO()
        with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(out):
            code = rr.main(["--model", BASE, "--seed", "1", "--index", "0", "--prompt", "a green square", "--steps", "3",
                            "--out", os.path.join(d, "x.png"), "--bench", "1", "--profile"])
        self.assertEqual(code, 0)
        lines = dict(line.split(" ", 1) for line in out.getvalue().splitlines() if line.startswith("render_ms"))
        stages = {f[1]: float(f[2]) for f in (line.split() for line in out.getvalue().splitlines()) if f[0] == "stage_ms"}
        self.assertEqual(list(stages), list(rr.Profile.STAGES))
        self.assertTrue(all(v > 0 for v in stages.values()), stages)
        self.assertLessEqual(sum(stages.values()), float(lines["render_ms_per_image"]) + 0.1)

    def _merged(self, lora):
        unet = torch.jit.load(os.path.join(BASE, "unet", "model.pt"))
        rr.merge_lora(unet, rr.load_lora(lora), lora)
        return {k: v.detach().clone() for k, v in unet.named_parameters()}

    def test_every_key_convention_merges_to_the_same_weights(self):
        want = self._merged(os.path.join(LORAS, "honest-1.safetensors"))
        conv = os.path.join(LORAS, "conventions")
        for name in sorted(os.listdir(conv)):
            got = self._merged(os.path.join(conv, name))
            for k in want:
                self.assertTrue(torch.equal(got[k], want[k]), (name, k))

    def test_merged_bundle_holds_base_plus_honest_1(self):
        # B @ A is summed in an order that depends on the CPU's BLAS kernels: merged on another CPU
        # than the bundle's, weights may differ by a float32 rounding (measured: 1.6e-7 of a tensor's
        # largest weight on 23219 of 1313956 weights), never more
        want = self._merged(os.path.join(LORAS, "honest-1.safetensors"))
        merged = torch.jit.load(os.path.join(MODELS, "honest-merged", "unet", "model.pt"))
        eps = torch.finfo(torch.float32).eps
        for k, v in merged.named_parameters():
            scale = want[k].abs().max().item()
            self.assertLessEqual((v - want[k]).abs().max().item(), 2 * eps * scale, k)

    def test_loras_that_do_not_fit_are_refused_with_the_key(self):
        unet = torch.jit.load(os.path.join(BASE, "unet", "model.pt"))
        p = os.path.join(LORAS, "errors", "wrong-shape.safetensors")
        with self.assertRaisesRegex(rr.BundleError, "does not fit"):
            rr.merge_lora(unet, rr.load_lora(p), p)
        p = os.path.join(LORAS, "errors", "unknown-module.safetensors")
        with self.assertRaisesRegex(rr.BundleError, "down_blocks.7.attentions.0.transformer_blocks.0.attn1.to_q"):
            rr.merge_lora(unet, rr.load_lora(p), p)

    def test_render_is_repeatable_and_merged_bundle_renders_like_base_plus_lora(self):
        torch.set_num_threads(2)
        a = rr.Pipeline(BASE, os.path.join(LORAS, "honest-1.safetensors"))
        b = rr.Pipeline(os.path.join(MODELS, "honest-merged"))
        prompt = "a large red circle on a blue background in sks style"
        x = a.render(42, 0, prompt, steps=8)
        self.assertEqual(x.shape, (128, 128, 3))
        self.assertTrue(np.array_equal(x, a.render(42, 0, prompt, steps=8)))
        # the merged bundle's weights are base + honest-1 to a float32 rounding (test above): its
        # image is the same to a grey level on a few pixels, with the same pHash
        y = b.render(42, 0, prompt, steps=8)
        self.assertLessEqual(np.abs(x.astype(int) - y.astype(int)).max(), 1)
        self.assertLessEqual(int((x != y).sum()), 50)
        self.assertEqual(phash_go.phash(x), phash_go.phash(y))
        small = a.render(42, 0, prompt, steps=4, sampler="ddim", width=64, height=96)
        self.assertEqual(small.shape, (96, 64, 3))


if __name__ == "__main__":
    unittest.main()
