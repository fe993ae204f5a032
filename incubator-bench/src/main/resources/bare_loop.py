"""The pretrain template's model and batches in a bare PyTorch loop: no metrics, no checkpoints, no signals.
TrainingBench runs it beside the template to show what the platform's side of a run costs.

    python3 bare_loop.py TOOLKITS_DIR CORPUS_FILE STEPS
"""
import math
import sys
import time

import torch

sys.path.insert(0, sys.argv[1])
from incubator_toolkit.model import LlamaConfig, LlamaForCausalLM  # noqa: E402
from incubator_toolkit.tokenizer import Tokenizer  # noqa: E402
from incubator_toolkit.trainer import batch, learning_rate  # noqa: E402

import os  # noqa: E402

torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
torch.manual_seed(0)
steps, size, length = int(sys.argv[3]), 16, 64
text = open(sys.argv[2], encoding="utf-8").read()
tokenizer = Tokenizer()
tokens = torch.tensor(tokenizer.encode(text), dtype=torch.long)
config = LlamaConfig(vocab_size=tokenizer.vocab_size, hidden_size=64, intermediate_size=176, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256)
model = LlamaForCausalLM(config)
optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
generator = torch.Generator().manual_seed(1)
began = time.perf_counter()
for step in range(steps):
    for group in optimiser.param_groups:
        group["lr"] = learning_rate(step, 3e-3, 20, steps)
    loss = model.loss(batch(tokens, size, length, generator))
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimiser.step()
elapsed = time.perf_counter() - began
print(f"trained {steps} steps in {elapsed:.1f} s ({steps * size * length / elapsed:.0f} tokens/s); final loss "
      f"{float(loss):.3f}", flush=True)
