#!/usr/bin/env python3
"""Writes bench/parity_fixture.json: loss and gradient norms of tiny CLIP and GPT models in PyTorch (float64),
from weights and inputs that ticd's test (Tests/ModelsTests/PyTorchParityTests.swift) builds the same way, so
the test checks ticd against PyTorch without needing PyTorch.

Every value comes from a closed formula (below, mirrored in the Swift test), rounded to float32 first, since
ticd holds float32 weights. Run: python3 bench/parity_fixture.py  (needs torch; see docs/benchmarks.md).
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import CLIP, GPT  # noqa: E402

CLIP_CONFIG = dict(image_size=32, patch_size=8, vision_width=32, vision_layers=2, vision_heads=2, mlp_ratio=4,
                   context_length=16, vocab_size=64, text_width=32, text_layers=2, text_heads=2, embed_dim=16)
CLIP_BATCH = 4
GPT_CONFIG = dict(vocab_size=64, context_length=16, width=32, layers=2, heads=2, mlp_ratio=4, tied=True)
GPT_BATCH = 3

CLIP_NORMS = ["visual.conv1.weight", "visual.class_embedding", "visual.transformer.resblocks.0.attn.in_proj_weight",
              "visual.transformer.resblocks.1.mlp.c_fc.weight", "visual.proj", "token_embedding.weight",
              "positional_embedding", "transformer.resblocks.1.attn.out_proj.weight", "ln_final.weight",
              "text_projection", "logit_scale"]
GPT_NORMS = ["wte.weight", "wpe.weight", "h.0.attn.c_attn.weight", "h.0.attn.c_attn.bias", "h.1.mlp.c_proj.weight",
             "ln_f.weight"]


def name_seed(name):
    return sum((j + 1) * b for j, b in enumerate(name.encode())) % 997


def value(name, shape, i):
    """The parity weight of element i of tensor `name` (mirrored in PyTorchParityTests.swift)."""
    if name == "logit_scale":
        return math.log(1 / 0.07)
    x = math.sin(0.37 * i + 0.011 * name_seed(name))
    if len(shape) == 1 and name.endswith(".weight"):
        return 1 + 0.1 * x
    if name.endswith("bias"):
        return 0.02 * x
    if len(shape) >= 2:
        return 1.2 * x / math.sqrt(math.prod(shape[1:]))
    return 0.1 * x


def f32(values, shape):
    return torch.tensor(values, dtype=torch.float32).reshape(shape).double()


def load(model):
    state = {}
    for name, tensor in model.state_dict().items():
        shape = list(tensor.shape)
        state[name] = f32([value(name, shape, i) for i in range(tensor.numel())], shape)
    model.double().load_state_dict(state)


def clip_inputs():
    c, b = CLIP_CONFIG, CLIP_BATCH
    n = b * 3 * c["image_size"] ** 2
    images = f32([0.8 * math.sin(0.05 * i + 0.3) for i in range(n)], [b, 3, c["image_size"], c["image_size"]])
    ctx, vocab = c["context_length"], c["vocab_size"]
    tokens = []
    for bi in range(b):
        eot = 3 + (bi * 5) % (ctx - 4)
        tokens.append([1 + (bi * 31 + t * 17) % (vocab - 2) if t < eot else (vocab - 1 if t == eot else 0)
                       for t in range(ctx)])
    return images, torch.tensor(tokens)


def gpt_inputs():
    c, b = GPT_CONFIG, GPT_BATCH
    seq = lambda bi, t: (bi * 131 + t * 71 + 7) % c["vocab_size"]  # noqa: E731
    tokens = torch.tensor([[seq(bi, t) for t in range(c["context_length"])] for bi in range(b)])
    targets = torch.tensor([[seq(bi, t + 1) for t in range(c["context_length"])] for bi in range(b)])
    targets[0, 0] = -1  # an ignored position, as padding is
    return tokens, targets


def record(model, loss, names):
    value = float(loss.detach())
    loss.backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    total = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
    return {"loss": value, "grad_norms": {n: float(grads[n].norm()) for n in names}, "grad_norm_total": total}


def main():
    torch.manual_seed(0)
    clip = CLIP(**CLIP_CONFIG)
    load(clip)
    images, tokens = clip_inputs()
    out = {"clip": dict(config=CLIP_CONFIG, batch=CLIP_BATCH, **record(clip, clip(images, tokens), CLIP_NORMS))}
    gpt = GPT(**GPT_CONFIG)
    load(gpt)
    tokens, targets = gpt_inputs()
    out["gpt"] = dict(config=GPT_CONFIG, batch=GPT_BATCH, **record(gpt, gpt(tokens, targets), GPT_NORMS))
    out["torch"] = torch.__version__
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "parity_fixture.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"wrote {path}: clip loss {out['clip']['loss']:.6f}, gpt loss {out['gpt']['loss']:.6f}")


if __name__ == "__main__":
    main()
