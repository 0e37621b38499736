"""Tests of export_bundle.py on a tiny synthetic SD 1.x model (sd_synthetic.py): a diffusers folder
and the same weights as a single-file LDM checkpoint export to bundles whose TorchScript networks
compute what the plain modules compute, keep diffusers' parameter names, and are byte-identical;
bad sources fail with errors that name the problem; pickles run no code.

Run: /usr/bin/python3 -m unittest discover -s python -p 'test_export*.py'
"""
import contextlib
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile

import torch

import checkpoint_io
import clip_tokenizer
import export_bundle
import ldm_keys
import render_reference
import safetensors_io
import sd_networks as nets
import sd_synthetic


def run_cli(args):
    """The exporter as a user runs it: a fresh process (TorchScript names its classes by a
    per-process counter, so bytes are reproducible from process to process)."""
    p = subprocess.run([sys.executable, export_bundle.__file__] + args, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def run_main(args):
    err = io.StringIO()
    out = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = export_bundle.main(args)
    return code, out.getvalue(), err.getvalue()


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(2)
        cls.tmp = tempfile.mkdtemp(prefix="export-test-")
        cls.folder = os.path.join(cls.tmp, "tiny")
        cls.comps = sd_synthetic.write_tiny_folder(cls.folder, seed=7)
        cls.vocab, cls.merges = sd_synthetic.synthetic_tokenizer()
        cls.cfgs = (sd_synthetic.TINY_UNET_CONFIG, sd_synthetic.TINY_VAE_CONFIG, sd_synthetic.tiny_text_config(cls.vocab))
        cls.bundle = os.path.join(cls.tmp, "bundle")
        code, out, err = run_cli([cls.folder, cls.bundle, "--threads", "2"])
        assert code == 0, err
        cls.digest = out.strip()
        # the same weights as a single-file LDM checkpoint, configs and tokenizer from the folder
        cls.single = os.path.join(cls.tmp, "tiny.safetensors")
        ldm = ldm_keys.to_ldm(cls.comps, *cls.cfgs)
        ldm.update(sd_synthetic.ldm_extras(cls.cfgs[2]))
        safetensors_io.save(cls.single, ldm, keep_dtype=True)
        cls.single_bundle = os.path.join(cls.tmp, "single")
        code, _, err = run_cli([cls.single, cls.single_bundle, "--config-dir", cls.folder, "--threads", "2"])
        assert code == 0, err

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, *p):
        return os.path.join(self.bundle, *p)

    def test_bundle_has_the_documented_files_and_its_printed_digest(self):
        self.assertEqual(render_reference.verify_sha256sums(self.bundle), self.digest)
        for f in ("model_index.json", "scheduler/scheduler_config.json", "tokenizer/tokenizer.json",
                  "tokenizer/tokenizer_config.json", "text_encoder/model.pt", "unet/model.pt", "unet/config.json",
                  "vae/decoder.pt", "vae/config.json"):
            self.assertTrue(os.path.isfile(self.path(f)), f)
        self.assertFalse(os.path.exists(self.bundle + ".partial"))
        tc = render_reference.read_json(self.path("tokenizer", "tokenizer_config.json"))
        self.assertEqual((tc["model_max_length"], tc["pad_token"]), (77, "<|endoftext|>"))
        self.assertEqual(render_reference.read_json(self.path("vae", "config.json"))["scaling_factor"], 0.18215)

    def test_traced_networks_compute_what_the_modules_compute_on_new_shapes(self):
        text = export_bundle.build(nets.CLIPTextModel, self.cfgs[2], dict(self.comps["text_encoder"]), "t")
        unet = export_bundle.build(nets.UNet2DConditionModel, self.cfgs[0], dict(self.comps["unet"]), "u")
        vae = nets.VaeDecoder(export_bundle.build(nets.AutoencoderKL, self.cfgs[1], dict(self.comps["vae"]), "v"))
        t_text = torch.jit.load(self.path("text_encoder", "model.pt"))
        t_unet = torch.jit.load(self.path("unet", "model.pt"))
        t_vae = torch.jit.load(self.path("vae", "decoder.pt"))
        tok = clip_tokenizer.ClipTokenizer(self.vocab, self.merges)
        g = torch.Generator().manual_seed(11)
        with torch.no_grad():
            ids = torch.tensor([tok("a red circle"), tok("sks style, a black dog"), tok("")])
            hidden = text(ids)
            self.assertEqual(tuple(hidden.shape), (3, 77, 32))
            self.assertTrue(torch.allclose(t_text(ids), hidden, atol=1e-5))
            x = torch.randn((3, 4, 12, 20), generator=g)
            t = torch.tensor([981.0, 500.0, 1.0])
            self.assertTrue(torch.allclose(t_unet(x, t, hidden), unet(x, t, hidden), atol=1e-5))
            z = torch.randn((2, 4, 6, 10), generator=g)
            image = t_vae(z)
            self.assertEqual(tuple(image.shape), (2, 3, 48, 80))
            self.assertTrue(torch.allclose(image, vae(z), atol=1e-5))

    def test_the_python_reference_renders_the_bundle_with_its_clip_tokenizer(self):
        pipe = render_reference.Pipeline(self.bundle)
        self.assertEqual(pipe.tokenizer.encode("a red circle"),
                         clip_tokenizer.ClipTokenizer(self.vocab, self.merges)("a red circle"))
        rgb = pipe.render(42, 0, "sks style, a red circle", steps=2)
        self.assertEqual(rgb.shape, (64, 64, 3))
        self.assertGreater(int(rgb.max()) - int(rgb.min()), 64)

    def test_archives_hold_no_exporter_paths(self):
        with zipfile.ZipFile(self.path("unet", "model.pt")) as z:
            self.assertEqual([n for n in z.namelist() if n.endswith(".debug_pkl")], [])
            for n in z.namelist():
                if n.endswith(".py") or n.endswith(".pkl"):
                    self.assertNotIn(os.path.dirname(export_bundle.__file__).encode(), z.read(n), n)

    def test_parameters_keep_the_diffusers_and_transformers_names(self):
        t_unet = torch.jit.load(self.path("unet", "model.pt"))
        t_text = torch.jit.load(self.path("text_encoder", "model.pt"))
        t_vae = torch.jit.load(self.path("vae", "decoder.pt"))
        self.assertEqual({n for n, _ in t_unet.named_parameters()}, set(self.comps["unet"]))
        self.assertEqual({n for n, _ in t_text.named_parameters()}, set(self.comps["text_encoder"]))
        self.assertEqual({n for n, _ in t_vae.named_parameters()},
                         {k for k in self.comps["vae"] if k.startswith(("decoder.", "post_quant_conv."))})
        self.assertIn("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight", dict(t_unet.named_parameters()))
        self.assertIn("text_model.encoder.layers.0.self_attn.q_proj.weight", dict(t_text.named_parameters()))

    def test_the_single_file_checkpoint_exports_byte_identical_networks(self):
        # another process, another source layout, the same weights: the same bytes
        for f in ("text_encoder/model.pt", "unet/model.pt", "vae/decoder.pt", "tokenizer/tokenizer.json",
                  "unet/config.json", "vae/config.json", "scheduler/scheduler_config.json"):
            self.assertEqual(render_reference.sha256_file(self.path(f)),
                             render_reference.sha256_file(os.path.join(self.single_bundle, f)), f)

    def test_float16_export_stores_float16_weights_in_half_the_size(self):
        half = os.path.join(self.tmp, "half")
        code, _, err = run_cli([self.folder, half, "--dtype", "float16", "--threads", "2"])
        self.assertEqual(code, 0, err)
        params = dict(torch.jit.load(os.path.join(half, "unet", "model.pt")).named_parameters())
        self.assertEqual({p.dtype for p in params.values()}, {torch.float16})
        self.assertTrue(torch.equal(params["conv_in.weight"], self.comps["unet"]["conv_in.weight"].half()))
        ratio = os.path.getsize(os.path.join(half, "unet", "model.pt")) / os.path.getsize(self.path("unet", "model.pt"))
        self.assertLess(ratio, 0.6)
        self.assertEqual(render_reference.read_json(os.path.join(half, "model_index.json"))["ftvalidator_export"]["dtype"],
                         "float16")


class BadSourceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="export-bad-")
        cls.folder = os.path.join(cls.tmp, "tiny")
        cls.comps = sd_synthetic.write_tiny_folder(cls.folder, seed=2)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def copy(self, name):
        dst = os.path.join(self.tmp, name)
        shutil.copytree(self.folder, dst)
        return dst

    def test_a_missing_weight_is_named_and_nothing_is_written(self):
        src = self.copy("missing")
        state = dict(self.comps["text_encoder"])
        del state["text_model.encoder.layers.1.mlp.fc2.bias"]
        safetensors_io.save(os.path.join(src, "text_encoder", "model.safetensors"), state)
        out = os.path.join(self.tmp, "out-missing")
        code, _, err = run_main([src, out])
        self.assertEqual(code, 2)
        self.assertIn("error: text_encoder weights do not fit its config: 1 missing, e.g. "
                      "text_model.encoder.layers.1.mlp.fc2.bias", err)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(out + ".partial"))

    def test_an_extra_weight_is_named(self):
        src = self.copy("extra")
        state = dict(self.comps["text_encoder"], **{"text_projection.weight": torch.zeros(32, 32)})
        safetensors_io.save(os.path.join(src, "text_encoder", "model.safetensors"), state)
        code, _, err = run_main([src, os.path.join(self.tmp, "out-extra")])
        self.assertEqual(code, 2)
        self.assertIn("1 unexpected, e.g. text_projection.weight", err)

    def test_pickled_weights_and_old_vae_attention_names_load_without_running_code(self):
        src = self.copy("bin")
        for f in ("unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"):
            os.remove(os.path.join(src, f))
        torch.save(self.comps["unet"], os.path.join(src, "unet", "diffusion_pytorch_model.bin"))
        old = {k.replace(".to_q.", ".query.").replace(".to_out.0.", ".proj_attn."): v for k, v in self.comps["vae"].items()}
        marker = os.path.join(self.tmp, "ran")
        torch.save({"state_dict": old, "callback": _RunsCode(marker)}, os.path.join(src, "vae", "diffusion_pytorch_model.bin"))
        source = export_bundle.open_source(src)
        vae = export_bundle.build(nets.AutoencoderKL, source.vae_config, source.weights("vae"), "vae")
        self.assertTrue(torch.equal(vae.decoder.mid_block.attentions[0].to_q.weight,
                                    self.comps["vae"]["decoder.mid_block.attentions.0.to_q.weight"]))
        export_bundle.build(nets.UNet2DConditionModel, source.unet_config, source.weights("unet"), "unet")
        self.assertFalse(os.path.exists(marker))
        _, skipped = checkpoint_io.read_pickle(os.path.join(src, "vae", "diffusion_pytorch_model.bin"))
        self.assertEqual(skipped, ["posix.system"])

    def test_a_text_encoder_saved_by_transformers_5_loads_by_the_same_names(self):
        # transformers 5 writes CLIPTextModel without the text_model. prefix (seen on the GPU machine)
        src = self.copy("transformers5")
        state = {k[len("text_model."):]: v for k, v in self.comps["text_encoder"].items()}
        safetensors_io.save(os.path.join(src, "text_encoder", "model.safetensors"), state)
        source = export_bundle.open_source(src)
        text = export_bundle.build(nets.CLIPTextModel, source.text_config, source.weights("text_encoder"), "text_encoder")
        self.assertTrue(torch.equal(text.text_model.embeddings.token_embedding.weight,
                                    self.comps["text_encoder"]["text_model.embeddings.token_embedding.weight"]))

    def test_float16_weights_load_as_float32(self):
        src = self.copy("fp16")
        half = {k: v.half() for k, v in self.comps["unet"].items()}
        safetensors_io.save(os.path.join(src, "unet", "diffusion_pytorch_model.safetensors"), half, keep_dtype=True)
        source = export_bundle.open_source(src)
        unet = export_bundle.build(nets.UNet2DConditionModel, source.unet_config, source.weights("unet"), "unet")
        self.assertEqual(unet.conv_in.weight.dtype, torch.float32)
        self.assertTrue(torch.equal(unet.conv_in.weight, half["conv_in.weight"].float()))

    def test_a_single_file_needs_a_tokenizer(self):
        path = os.path.join(self.tmp, "no-tokenizer.safetensors")
        safetensors_io.save(path, {"model.diffusion_model.conv_in.weight": torch.zeros(1)})
        code, _, err = run_main([path, os.path.join(self.tmp, "out")])
        self.assertEqual(code, 2)
        self.assertIn("a single-file checkpoint holds no tokenizer: give --tokenizer DIR", err)

    def test_components_that_do_not_fit_together_are_refused(self):
        src = self.copy("mismatch")
        cfg = render_reference.read_json(os.path.join(src, "unet", "config.json"))
        cfg["cross_attention_dim"] = 48
        export_bundle.write_json(os.path.join(src, "unet", "config.json"), cfg)
        code, _, err = run_main([src, os.path.join(self.tmp, "out")])
        self.assertEqual(code, 2)
        self.assertIn("unet cross_attention_dim 48 != text_encoder hidden_size 32", err)

    def test_an_sdxl_folder_is_refused(self):
        src = self.copy("xl")
        export_bundle.write_json(os.path.join(src, "model_index.json"), {"_class_name": "StableDiffusionXLPipeline"})
        code, _, err = run_main([src, os.path.join(self.tmp, "out")])
        self.assertIn("a StableDiffusionXLPipeline is not an SD 1.x model", err)


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch %s" % self.marker,))


class SafetensorsReadTest(unittest.TestCase):
    def write(self, header_bytes, data=b""):
        fd, path = tempfile.mkstemp(suffix=".safetensors")
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(header_bytes)) + header_bytes + data)
        self.addCleanup(os.remove, path)
        return path

    def test_dtypes_are_kept_and_values_read(self):
        fd, path = tempfile.mkstemp(suffix=".safetensors")
        os.close(fd)
        self.addCleanup(os.remove, path)
        t = {"a": torch.randn(3, 2).half(), "b": torch.randn(4).bfloat16(), "c": torch.arange(3)}
        safetensors_io.save(path, t, keep_dtype=True)
        back, _ = safetensors_io.read(path)
        for k in t:
            self.assertEqual(back[k].dtype, t[k].dtype)
            self.assertTrue(torch.equal(back[k], t[k]))

    def test_byte_ranges_outside_the_file_or_overlapping_are_refused(self):
        p = self.write(b'{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', b"\0" * 8)
        with self.assertRaisesRegex(ValueError, "tensor a: bytes \\[0, 16\\] do not hold F32 \\[4\\]"):
            safetensors_io.read(p)
        p = self.write(b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
                       b"\0" * 12)
        with self.assertRaisesRegex(ValueError, "overlap"):
            safetensors_io.read(p)
        p = self.write(b"\xff" * 10)
        with self.assertRaisesRegex(ValueError, "not a safetensors file"):
            safetensors_io.read(p)


if __name__ == "__main__":
    unittest.main()
