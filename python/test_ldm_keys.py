"""SD 1.5's real key names and shapes, and the LDM single-file key mapping (ldm_keys.py).

The full-size checks run on the meta device (shapes, no memory): the networks of sd_networks.py
built from SD 1.5's published configs must have exactly SD 1.5's keys, parameter counts and the
shapes of a hand-written list of real keys; an LDM checkpoint with those keys must load strictly.

Run: /usr/bin/python3 -m unittest discover -s python -p 'test_ldm*.py'
"""
import unittest

import torch

import export_bundle
import ldm_keys
import sd_networks as nets
import sd_synthetic

SD15 = (nets.SD15_UNET_CONFIG, nets.SD15_VAE_CONFIG, nets.SD15_TEXT_CONFIG)

# real SD 1.5 keys and shapes (runwayml/stable-diffusion-v1-5: unet/, vae/, text_encoder/ and
# v1-5-pruned-emaonly.safetensors), written down from the published files, not generated
REAL_DIFFUSERS = {
    "unet": {
        "conv_in.weight": (320, 4, 3, 3),
        "time_embedding.linear_1.weight": (1280, 320),
        "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight": (320, 320),
        "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight": (320, 768),
        "down_blocks.0.attentions.0.proj_in.weight": (320, 320, 1, 1),
        "down_blocks.1.resnets.0.conv_shortcut.weight": (640, 320, 1, 1),
        "down_blocks.2.attentions.1.transformer_blocks.0.ff.net.0.proj.weight": (10240, 1280),
        "down_blocks.3.resnets.1.conv2.weight": (1280, 1280, 3, 3),
        "mid_block.attentions.0.proj_in.weight": (1280, 1280, 1, 1),
        "up_blocks.0.upsamplers.0.conv.weight": (1280, 1280, 3, 3),
        "up_blocks.1.resnets.2.conv1.weight": (1280, 1920, 3, 3),
        "up_blocks.3.attentions.2.transformer_blocks.0.ff.net.2.weight": (320, 1280),
        "conv_out.weight": (4, 320, 3, 3),
    },
    "vae": {
        "decoder.conv_in.weight": (512, 4, 3, 3),
        "decoder.mid_block.attentions.0.to_q.weight": (512, 512),
        "decoder.up_blocks.3.resnets.0.conv_shortcut.weight": (128, 256, 1, 1),
        "decoder.conv_out.weight": (3, 128, 3, 3),
        "encoder.conv_out.weight": (8, 512, 3, 3),
        "post_quant_conv.weight": (4, 4, 1, 1),
    },
    "text_encoder": {
        "text_model.embeddings.token_embedding.weight": (49408, 768),
        "text_model.embeddings.position_embedding.weight": (77, 768),
        "text_model.encoder.layers.11.mlp.fc1.weight": (3072, 768),
        "text_model.encoder.layers.0.self_attn.q_proj.bias": (768,),
        "text_model.final_layer_norm.weight": (768,),
    },
}
REAL_LDM = {
    "model.diffusion_model.input_blocks.0.0.weight": (320, 4, 3, 3),
    "model.diffusion_model.time_embed.0.weight": (1280, 320),
    "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight": (320, 320),
    "model.diffusion_model.input_blocks.1.0.emb_layers.1.weight": (320, 1280),
    "model.diffusion_model.input_blocks.3.0.op.weight": (320, 320, 3, 3),
    "model.diffusion_model.input_blocks.4.0.skip_connection.weight": (640, 320, 1, 1),
    "model.diffusion_model.middle_block.1.proj_in.weight": (1280, 1280, 1, 1),
    "model.diffusion_model.middle_block.2.in_layers.0.weight": (1280,),
    "model.diffusion_model.output_blocks.2.1.conv.weight": (1280, 1280, 3, 3),
    "model.diffusion_model.output_blocks.5.2.conv.weight": (1280, 1280, 3, 3),
    "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.attn2.to_k.weight": (320, 768),
    "model.diffusion_model.out.2.weight": (4, 320, 3, 3),
    "first_stage_model.decoder.mid.attn_1.q.weight": (512, 512, 1, 1),
    "first_stage_model.decoder.up.0.block.0.nin_shortcut.weight": (128, 256, 1, 1),
    "first_stage_model.encoder.down.0.downsample.conv.weight": (128, 128, 3, 3),
    "first_stage_model.quant_conv.weight": (8, 8, 1, 1),
    "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight": (49408, 768),
    "cond_stage_model.transformer.text_model.encoder.layers.11.self_attn.out_proj.weight": (768, 768),
}


def sd15_ldm_meta():
    """A meta-tensor SD 1.5 single-file state dict with the non-weight entries of the real files."""
    names, shapes = ldm_keys.key_map(*SD15)
    state = {}
    for key, ldm in names.items():
        shape = shapes[key]
        if key[0] == "vae" and len(shape) == 2 and ".attentions." in key[1]:
            shape = shape + (1, 1)
        state[ldm] = torch.empty(shape, device="meta")
    for k, v in sd_synthetic.ldm_extras(nets.SD15_TEXT_CONFIG).items():
        state[k] = v
    state["model_ema.diffusion_modelinput_blocks00weight"] = torch.empty((320, 4, 3, 3), device="meta")
    return state


class Sd15ShapesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with nets.on_meta():
            cls.manifests = {"unet": nets.manifest(nets.UNet2DConditionModel(nets.SD15_UNET_CONFIG)),
                             "vae": nets.manifest(nets.AutoencoderKL(nets.SD15_VAE_CONFIG)),
                             "text_encoder": nets.manifest(nets.CLIPTextModel(nets.SD15_TEXT_CONFIG))}

    def test_networks_have_sd15s_key_and_parameter_counts(self):
        counts = {c: (len(m), sum(torch.Size(s).numel() for s in m.values())) for c, m in self.manifests.items()}
        self.assertEqual(counts["unet"], (686, 859520964))
        self.assertEqual(counts["vae"], (248, 83653863))
        self.assertEqual(counts["text_encoder"], (196, 123060480))

    def test_real_sd15_keys_have_their_real_shapes(self):
        for component, keys in REAL_DIFFUSERS.items():
            for key, shape in keys.items():
                with self.subTest(key=key):
                    self.assertEqual(self.manifests[component].get(key), shape)

    def test_real_ldm_keys_map_to_keys_of_their_shapes(self):
        names, shapes = ldm_keys.key_map(*SD15)
        inverse = {v: k for k, v in names.items()}
        self.assertEqual(len(names), 686 + 248 + 196)
        for key, shape in REAL_LDM.items():
            with self.subTest(key=key):
                self.assertIn(key, inverse)
                got = shapes[inverse[key]]
                self.assertEqual(torch.Size(got).numel(), torch.Size(shape).numel())
                self.assertEqual(got[:2], shape[:2])

    def test_a_full_sd15_single_file_loads_strictly_into_the_three_networks(self):
        components, notes = ldm_keys.to_diffusers(sd15_ldm_meta(), *SD15)
        self.assertEqual(notes, ["ignored 1 EMA weights (model_ema.*)"])
        self.assertEqual(components["vae"]["decoder.mid_block.attentions.0.to_v.weight"].shape, (512, 512))
        for component, factory, cfg in (("unet", nets.UNet2DConditionModel, nets.SD15_UNET_CONFIG),
                                        ("vae", nets.AutoencoderKL, nets.SD15_VAE_CONFIG),
                                        ("text_encoder", nets.CLIPTextModel, nets.SD15_TEXT_CONFIG)):
            module = export_bundle.build(factory, cfg, components[component], component)
            self.assertEqual(sum(p.numel() for p in module.parameters()),
                             sum(torch.Size(s).numel() for s in self.manifests[component].values()))

    def test_sd15_diffusers_to_ldm_and_back_is_the_identity(self):
        comps = {c: {k: torch.empty(s, device="meta") for k, s in m.items()} for c, m in self.manifests.items()}
        back, _ = ldm_keys.to_diffusers(ldm_keys.to_ldm(comps, *SD15), *SD15)
        for c in comps:
            self.assertEqual({k: tuple(v.shape) for k, v in back[c].items()}, self.manifests[c])


class RoundTripTest(unittest.TestCase):
    def test_tiny_diffusers_to_ldm_to_diffusers_gives_the_same_tensors(self):
        vocab, _ = sd_synthetic.synthetic_tokenizer()
        cfgs = (sd_synthetic.TINY_UNET_CONFIG, sd_synthetic.TINY_VAE_CONFIG, sd_synthetic.tiny_text_config(vocab))
        comps = sd_synthetic.random_components(*cfgs, seed=3)
        ldm = ldm_keys.to_ldm(comps, *cfgs)
        self.assertEqual(ldm["first_stage_model.decoder.mid.attn_1.k.weight"].dim(), 4)
        back, notes = ldm_keys.to_diffusers(ldm, *cfgs)
        self.assertEqual(notes, [])
        for c in comps:
            self.assertEqual(set(back[c]), set(comps[c]))
            for k in comps[c]:
                self.assertTrue(torch.equal(back[c][k], comps[c][k]), k)

    def test_text_encoder_keys_of_old_transformers_are_accepted(self):
        state = sd15_ldm_meta()
        old = {(k.replace(ldm_keys.TEXT_PREFIX + "text_model.", ldm_keys.TEXT_PREFIX)): v for k, v in state.items()}
        components, _ = ldm_keys.to_diffusers(old, *SD15)
        self.assertIn("text_model.final_layer_norm.weight", components["text_encoder"])


class Sd2OptionsTest(unittest.TestCase):
    CFG = dict(sd_synthetic.TINY_UNET_CONFIG, use_linear_projection=True, attention_head_dim=[2, 4, 4],
               upcast_attention=True, cross_attention_dim=48)

    def test_linear_projections_and_per_block_heads_build_and_round_trip(self):
        vocab, _ = sd_synthetic.synthetic_tokenizer()
        cfgs = (self.CFG, sd_synthetic.TINY_VAE_CONFIG, dict(sd_synthetic.tiny_text_config(vocab), hidden_size=48))
        comps = sd_synthetic.random_components(*cfgs, seed=4)
        self.assertEqual(tuple(comps["unet"]["down_blocks.0.attentions.0.proj_in.weight"].shape), (32, 32))
        unet = export_bundle.build(nets.UNet2DConditionModel, self.CFG, dict(comps["unet"]), "unet")
        self.assertEqual([b.attentions[0].transformer_blocks[0].attn1.heads for b in unet.down_blocks[:2]], [2, 4])
        with torch.no_grad():
            out = unet(torch.randn(2, 4, 8, 8), torch.tensor([10.0, 500.0]), torch.randn(2, 77, 48))
        self.assertEqual(tuple(out.shape), (2, 4, 8, 8))
        back, _ = ldm_keys.to_diffusers(ldm_keys.to_ldm(comps, *cfgs), *cfgs)
        self.assertTrue(all(torch.equal(back["unet"][k], v) for k, v in comps["unet"].items()))


class StrictnessTest(unittest.TestCase):
    def test_an_unknown_network_key_is_named(self):
        state = sd15_ldm_meta()
        state["model.diffusion_model.input_blocks.1.2.foo.weight"] = torch.empty(1, device="meta")
        with self.assertRaisesRegex(ldm_keys.LayoutError, r"1 unexpected key\(s\), e\.g\. model\.diffusion_model\.input_blocks\.1\.2\.foo\.weight"):
            ldm_keys.to_diffusers(state, *SD15, what="x.safetensors")

    def test_a_missing_key_is_named(self):
        state = sd15_ldm_meta()
        del state["first_stage_model.decoder.conv_out.bias"]
        with self.assertRaisesRegex(ldm_keys.LayoutError, r"x.safetensors does not fit .*1 key\(s\) missing, e\.g\. first_stage_model\.decoder\.conv_out\.bias"):
            ldm_keys.to_diffusers(state, *SD15, what="x.safetensors")

    def test_a_wrong_shape_is_named(self):
        components, _ = ldm_keys.to_diffusers(sd15_ldm_meta(), *SD15)
        unet = components["unet"]
        unet["conv_in.weight"] = torch.empty((320, 9, 3, 3), device="meta")
        with self.assertRaisesRegex(export_bundle.ExportError,
                                    r"unet weights do not fit its config: 1 of another shape, e\.g\. conv_in\.weight is \[320, 9, 3, 3\], the config makes \[320, 4, 3, 3\]"):
            export_bundle.build(nets.UNet2DConditionModel, nets.SD15_UNET_CONFIG, unet, "unet")

    def test_an_openclip_text_encoder_is_refused_with_the_reason(self):
        state = sd15_ldm_meta()
        state["cond_stage_model.model.token_embedding.weight"] = torch.empty((49408, 1024), device="meta")
        with self.assertRaisesRegex(ldm_keys.LayoutError, "OpenCLIP text encoder"):
            ldm_keys.to_diffusers(state, *SD15)

    def test_configs_of_other_architectures_are_refused_by_key(self):
        with self.assertRaisesRegex(nets.ConfigError, "addition_embed_type = 'text_time' is not supported"):
            with nets.on_meta():
                nets.UNet2DConditionModel(dict(nets.SD15_UNET_CONFIG, addition_embed_type="text_time"))
        with self.assertRaisesRegex(nets.ConfigError, "down block type 'CrossAttnDownBlock3D'"):
            with nets.on_meta():
                nets.UNet2DConditionModel(dict(nets.SD15_UNET_CONFIG, down_block_types=["CrossAttnDownBlock3D"] * 4))


if __name__ == "__main__":
    unittest.main()
