"""EngineBench's peer: writes random llama checkpoints of a few sizes with the toolkit (Hugging Face files), then
decodes greedily with PyTorch eager and a KV cache, one token at a time, and prints tokens/s per model as JSON.

    python3 torch_decode.py TOOLKITS_DIR OUT_DIR PROMPT_TOKENS NEW_TOKENS ROUNDS THREADS
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, sys.argv[1])
from incubator_toolkit.model import LlamaConfig, LlamaForCausalLM, _rotate_half, rotary  # noqa: E402
from incubator_toolkit.tokenizer import Tokenizer  # noqa: E402
from incubator_toolkit.trainer import export  # noqa: E402

out, prompt_tokens, new_tokens, rounds, threads = sys.argv[2], *map(int, sys.argv[3:7])
torch.set_num_threads(threads)
SIZES = {"0.8M": (128, 4, 352), "3M": (256, 4, 688), "10M": (384, 6, 1024)}


@torch.no_grad()
def decode(model, prompt, count):
    c = model.config
    cos_all, sin_all = rotary(c, len(prompt) + count, "cpu")
    caches = [([], []) for _ in model.model.layers]
    token, produced = None, 0
    sequence = list(prompt)
    position = 0
    while produced < count:
        step_tokens = sequence[position:] if position < len(prompt) else [token]
        for t in step_tokens:
            x = model.model.embed_tokens(torch.tensor([[t]]))
            cos, sin = cos_all[position:position + 1], sin_all[position:position + 1]
            for layer, (keys, values) in zip(model.model.layers, caches):
                attention = layer.self_attn
                h = layer.input_layernorm(x)
                q = attention.q_proj(h).view(1, 1, c.num_attention_heads, c.head_dim).transpose(1, 2)
                k = attention.k_proj(h).view(1, 1, c.num_key_value_heads, c.head_dim).transpose(1, 2)
                v = attention.v_proj(h).view(1, 1, c.num_key_value_heads, c.head_dim).transpose(1, 2)
                q = q * cos + _rotate_half(q) * sin
                k = k * cos + _rotate_half(k) * sin
                keys.append(k)
                values.append(v)
                kk = torch.cat(keys, dim=2).repeat_interleave(c.num_attention_heads // c.num_key_value_heads, dim=1)
                vv = torch.cat(values, dim=2).repeat_interleave(c.num_attention_heads // c.num_key_value_heads, dim=1)
                weights = F.softmax((q @ kk.transpose(-1, -2)) / math.sqrt(c.head_dim), dim=-1)
                o = (weights @ vv).transpose(1, 2).reshape(1, 1, -1)
                x = x + attention.o_proj(o)
                x = x + layer.mlp(layer.post_attention_layernorm(x))
            position += 1
        logits = model.lm_head(model.model.norm(x))[0, -1]
        token = int(logits.argmax())
        sequence.append(token)
        produced += 1
    return sequence[len(prompt):]


results = {}
for name, (hidden, layers, intermediate) in SIZES.items():
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=257, hidden_size=hidden, intermediate_size=intermediate, num_hidden_layers=layers,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024)
    model = LlamaForCausalLM(config).eval()
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    export(folder, model, Tokenizer(), {"template": "bench"})
    prompt = [(i * 7) % 256 for i in range(prompt_tokens)]
    decode(model, prompt, 8)  # warm-up
    rates = []
    for _ in range(rounds):
        began = time.perf_counter()
        tokens = decode(model, prompt, new_tokens)
        rates.append(new_tokens / (time.perf_counter() - began))
    results[name] = {"parameters": model.parameter_count(), "rates": rates, "greedy": tokens[:16]}
print(json.dumps(results))
