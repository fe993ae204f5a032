"""The engine's reference: a random llama (grouped-query attention, trained byte-level BPE, non-trivial norms)
written in Hugging Face's files by the toolkit's PyTorch model, with its token ids, logits at every position and
greedy continuations for a fixed set of prompts.

    python3 torch_reference.py TOOLKITS_DIR OUT_DIR [tied]
"""
import json
import os
import sys

import torch

sys.path.insert(0, sys.argv[1])
from incubator_toolkit.model import LlamaConfig, LlamaForCausalLM  # noqa: E402
from incubator_toolkit.tokenizer import Tokenizer  # noqa: E402
from incubator_toolkit.trainer import export  # noqa: E402

out = sys.argv[2]
tied = len(sys.argv) > 3 and sys.argv[3] == "tied"
os.makedirs(out, exist_ok=True)
torch.manual_seed(3)
sample = ["三加四等于七。Three plus four is seven.", "星期一之后是星期二。After Monday comes Tuesday.",
          "Hello, world's 42 tokens _x ._ 数字 123"] * 20
tokenizer = Tokenizer.train(sample, 320)
config = LlamaConfig(vocab_size=tokenizer.vocab_size, hidden_size=48, intermediate_size=128, num_hidden_layers=3,
                     num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=64, rope_theta=500.0,
                     tie_word_embeddings=tied, bos_token_id=256, eos_token_id=256)
model = LlamaForCausalLM(config)
with torch.no_grad():
    for parameter in model.parameters():
        parameter.add_(torch.randn_like(parameter) * 0.05)  # norms away from 1, weights away from init
model.eval()
export(out, model, tokenizer, {"template": "reference"})
prompts = ["三加四等于七。", "Hello, world's 42 tokens _x ._", "星期一之后是星期二。After Monday comes Tuesday.<|endoftext|>数字"]
cases = []
with torch.no_grad():
    for text in prompts:
        ids = tokenizer.encode(text)
        logits = model(torch.tensor([ids]))[0]
        continuation = model.generate(ids, 12)[len(ids):]
        cases.append({"text": text, "ids": ids, "logits": logits.tolist(), "greedy": continuation,
                      "hidden_mean": None})
with open(os.path.join(out, "reference.json"), "w", encoding="utf-8") as target:
    json.dump({"cases": cases, "parameters": model.parameter_count()}, target, ensure_ascii=False)
