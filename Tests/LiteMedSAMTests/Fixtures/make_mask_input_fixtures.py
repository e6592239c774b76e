#!/usr/bin/env python3
"""PyTorch LiteMedSAM goldens for mask prompts (`mask_input`, `prompt_encoder.mask_downscaling`).

Runs the real PyTorch LiteMedSAM (model code from the LiteMedSAM branch of bowang-lab/MedSAM:
`tiny_vit_sam.py` and `segment_anything/`, never copied into this project) with the checkpoint
`Models/lite_medsam.pth` on the embedding fixtures already in this folder (`syn_embedding`,
`ct_embedding`), so the mask path is tested without encoder error.

Cases (all prompts in the 256x256 model frame):
- `syn_refine1`: box SYN_BOX with mask_input = the golden box logits `syn_box_masks_single` (SAM's
  iterative refinement, round 1); `syn_refine2`: round 2, fed round 1's logits as PyTorch made them.
- `syn_maskonly`: no box or points, mask_input = `syn_box_masks_single`.
- `ct_refine1`: box CT_BOX with mask_input = `ct_box_masks_single`.
Each writes `<case>_masks_single` (1,1,256,256) and `<case>_iou_single` (1,1); `syn_refine1` also its
dense embedding rows 0:4 `syn_refine1_dense_rows4` (1,256,4,64) and input `syn_refine1_mask_input`.

Usage (numpy, torch; timm or the small shim below):
    python3 make_mask_input_fixtures.py --medsam-repo /tmp/litemedsam_ref --checkpoint ../../../Models/lite_medsam.pth
"""
import argparse, json, os, sys, types
import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--medsam-repo", required=True, help="checkout of bowang-lab/MedSAM, branch LiteMedSAM")
ap.add_argument("--checkpoint", default=os.path.join(here, "../../../Models/lite_medsam.pth"))
args = ap.parse_args()
sys.path.insert(0, args.medsam_repo)
torch.set_num_threads(2)

from segment_anything.modeling import MaskDecoder, PromptEncoder, TwoWayTransformer  # noqa: E402

index = json.load(open(os.path.join(here, "fixtures.json")))["files"]

def load(name):
    return torch.from_numpy(np.fromfile(os.path.join(here, f"{name}.f32"), "<f4").reshape(index[name]["shape"]).copy())

def save(name, t, **info):
    a = np.ascontiguousarray(t.detach().numpy(), dtype="<f4")
    a.tofile(os.path.join(here, f"{name}.f32"))
    index[name] = {"shape": list(a.shape), **info}

prompt_encoder = PromptEncoder(embed_dim=256, image_embedding_size=(64, 64), input_image_size=(256, 256), mask_in_chans=16)
mask_decoder = MaskDecoder(num_multimask_outputs=3, transformer=TwoWayTransformer(depth=2, embedding_dim=256, mlp_dim=2048, num_heads=8),
                           transformer_dim=256, iou_head_depth=3, iou_head_hidden_dim=256)
state = torch.load(args.checkpoint, map_location="cpu")
for module, prefix in [(prompt_encoder, "prompt_encoder."), (mask_decoder, "mask_decoder.")]:
    module.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}, strict=True)
    module.eval()

SYN_BOX = [120.0, 56.0, 200.0, 136.0]
CT_BOX = [80.0, 10.0, 160.0, 98.0]

@torch.inference_mode()
def decode(embedding, box, mask_input):
    boxes = None if box is None else torch.tensor([[box]], dtype=torch.float32)
    sparse, dense = prompt_encoder(points=None, boxes=boxes, masks=mask_input)
    masks, iou = mask_decoder(image_embeddings=embedding, image_pe=prompt_encoder.get_dense_pe(),
                              sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense, multimask_output=False)
    return dense, masks, iou

source = "make_mask_input_fixtures.py (PyTorch %s, bowang-lab/MedSAM LiteMedSAM branch modules)" % torch.__version__
syn = load("syn_embedding")
round0 = load("syn_box_masks_single")                    # (1,1,256,256): SAM's mask_input layout (B,1,256,256)
dense1, m1, iou1 = decode(syn, SYN_BOX, round0)
save("syn_refine1_mask_input", round0[0], note="= syn_box_masks_single[0], shape (1,256,256)", source=source)
save("syn_refine1_dense_rows4", dense1[:, :, :4, :], crop="rows 0:4 of (1,256,64,64)", source=source)
save("syn_refine1_masks_single", m1, source=source)
save("syn_refine1_iou_single", iou1, source=source)
_, m2, iou2 = decode(syn, SYN_BOX, m1)
save("syn_refine2_masks_single", m2, source=source)
save("syn_refine2_iou_single", iou2, source=source)
_, m3, iou3 = decode(syn, None, round0)
save("syn_maskonly_masks_single", m3, source=source)
save("syn_maskonly_iou_single", iou3, source=source)
_, m4, iou4 = decode(load("ct_embedding"), CT_BOX, load("ct_box_masks_single"))
save("ct_refine1_masks_single", m4, source=source)
save("ct_refine1_iou_single", iou4, source=source)
json.dump({**json.load(open(os.path.join(here, "fixtures.json"))), "files": index},
          open(os.path.join(here, "fixtures.json"), "w"), indent=1)
print("wrote mask-input fixtures; round-1 logit range %.2f..%.2f, iou %.4f" % (m1.min(), m1.max(), iou1.item()))
