#!/usr/bin/env python3
"""PyTorch reference for `ticd bench train|eval`: the same tiny models, the same batch, the same threads.

  torch_reference.py train clip|gpt [--threads 2] [--steps 30] [--warmup 15]
  torch_reference.py eval clip [--threads 2] [--batches 10]

Prints one JSON object: {"model","mode","threads","batch","samples_per_s"|"tokens_per_s"|"pairs_per_s","seconds"}.
Warm-up steps are excluded from the timing (PyTorch's first dozen CPU steps are 2-6x slower).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import CLIP, GPT  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "eval"])
    p.add_argument("model", choices=["clip", "gpt"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=15)
    p.add_argument("--batch", type=int, default=None)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    if args.model == "clip":
        batch = args.batch or 256
        model = CLIP()
        images = torch.randn(batch, 3, 32, 32)
        tokens = torch.randint(1, 4095, (batch, 32))
        tokens[:, 20] = 4095
        inputs = (images, tokens)
        unit, per_step = "samples_per_s", batch
    else:
        batch = args.batch or 16
        model = GPT()
        tokens = torch.randint(0, 4096, (batch, 256))
        inputs = (tokens, torch.roll(tokens, -1, dims=1))
        unit, per_step = "tokens_per_s", batch * 256

    if args.mode == "train":
        betas, wd = ((0.9, 0.98), 0.2) if args.model == "clip" else ((0.9, 0.95), 0.033)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=betas, weight_decay=wd)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = model(*inputs)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
    else:
        if args.model != "clip":
            sys.exit("eval is measured for clip")
        unit = "pairs_per_s"
        model.eval()

        def step():
            with torch.inference_mode():
                model.encode_image(images)
                model.encode_text(tokens)

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    print(json.dumps({"model": args.model, "mode": args.mode, "threads": args.threads, "batch": batch,
                      unit: per_step * args.steps / seconds, "seconds": seconds,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
