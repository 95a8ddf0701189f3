"""The tiny CLIP and GPT of ticd (DESIGN §6) in plain PyTorch, with exactly the parameter names, shapes and
memory order of Sources/Models' ParameterLayout (open_clip's names for CLIP, nanoGPT's for GPT).

Shared by bench/torch_reference.py (speed) and bench/parity_fixture.py (numerical parity). Pre-LN residual
blocks, fused QKV, tanh-GELU MLPs, a ViT with a class token, a causal text tower pooled at the end-of-text
token (the largest id, as open_clip's argmax), a logit scale clamped at 100, symmetric InfoNCE; GPT with a tied
or untied head.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    """open_clip's nn.MultiheadAttention layout (in_proj_weight, out_proj) or GPT-2's (c_attn, c_proj)."""

    def __init__(self, width, heads, causal, gpt_names):
        super().__init__()
        self.heads, self.causal, self.gpt_names = heads, causal, gpt_names
        if gpt_names:
            self.c_attn = nn.Linear(width, 3 * width)
            self.c_proj = nn.Linear(width, width)
        else:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
            self.out_proj = nn.Linear(width, width)

    def forward(self, x):
        b, t, c = x.shape
        qkv = self.c_attn(x) if self.gpt_names else F.linear(x, self.in_proj_weight, self.in_proj_bias)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in qkv.split(c, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal).transpose(1, 2).reshape(b, t, c)
        return self.c_proj(y) if self.gpt_names else self.out_proj(y)


class MLP(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.c_fc = nn.Linear(width, hidden)
        self.c_proj = nn.Linear(hidden, width)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, width, heads, hidden, causal=False, gpt_names=False):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads, causal, gpt_names)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = MLP(width, hidden)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Stack(nn.Module):
    def __init__(self, width, layers, heads, hidden, causal=False):
        super().__init__()
        self.resblocks = nn.ModuleList(Block(width, heads, hidden, causal) for _ in range(layers))

    def forward(self, x):
        for block in self.resblocks:
            x = block(x)
        return x


class Visual(nn.Module):
    def __init__(self, image_size, patch_size, width, layers, heads, hidden, embed_dim):
        super().__init__()
        tokens = (image_size // patch_size) ** 2 + 1
        self.conv1 = nn.Conv2d(3, width, patch_size, patch_size, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.positional_embedding = nn.Parameter(torch.randn(tokens, width) * width ** -0.5)
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Stack(width, layers, heads, hidden)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, embed_dim) * width ** -0.5)

    def forward(self, images):
        x = self.conv1(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], dim=1) + self.positional_embedding
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0]) @ self.proj


class CLIP(nn.Module):
    def __init__(self, image_size=32, patch_size=4, vision_width=128, vision_layers=4, vision_heads=4,
                 mlp_ratio=4, context_length=32, vocab_size=4096, text_width=128, text_layers=4, text_heads=4,
                 embed_dim=128):
        super().__init__()
        self.visual = Visual(image_size, patch_size, vision_width, vision_layers, vision_heads,
                             mlp_ratio * vision_width, embed_dim)
        self.token_embedding = nn.Embedding(vocab_size, text_width)
        self.positional_embedding = nn.Parameter(torch.randn(context_length, text_width) * 0.01)
        self.transformer = Stack(text_width, text_layers, text_heads, mlp_ratio * text_width, causal=True)
        self.ln_final = nn.LayerNorm(text_width)
        self.text_projection = nn.Parameter(torch.randn(text_width, embed_dim) * text_width ** -0.5)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        for block in list(self.visual.transformer.resblocks) + list(self.transformer.resblocks):
            nn.init.normal_(block.attn.in_proj_weight, std=block.ln_1.normalized_shape[0] ** -0.5)

    def encode_image(self, images):
        return F.normalize(self.visual(images), dim=-1)

    def encode_text(self, tokens):
        x = self.transformer(self.token_embedding(tokens) + self.positional_embedding)
        x = self.ln_final(x)
        eot = x[torch.arange(x.shape[0]), tokens.argmax(dim=-1)]
        return F.normalize(eot @ self.text_projection, dim=-1)

    def forward(self, images, tokens):
        i, t = self.encode_image(images), self.encode_text(tokens)
        logits = self.logit_scale.exp().clamp(max=100) * i @ t.T
        labels = torch.arange(len(i))
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


class GPT(nn.Module):
    def __init__(self, vocab_size=4096, context_length=256, width=256, layers=4, heads=4, mlp_ratio=4, tied=True):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, width)
        self.wpe = nn.Embedding(context_length, width)
        self.h = nn.ModuleList(Block(width, heads, mlp_ratio * width, causal=True, gpt_names=True)
                               for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        self.lm_head = None if tied else nn.Linear(width, vocab_size, bias=False)

    def forward(self, tokens, targets):
        x = self.wte(tokens) + self.wpe(torch.arange(tokens.shape[1]))
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        logits = x @ self.wte.weight.T if self.lm_head is None else self.lm_head(x)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)
