"""PyTorch's log-probabilities of each prompt token after the ones before it, for a checkpoint in Hugging Face's files
(what the toolkit publishes), loaded with the toolkit's own model: the reference the gateway's echo must match.

    python3 torch_logprobs.py TOOLKITS_DIR MODEL_DIR TEXT... > logprobs.json
"""
import json
import os
import sys

import torch

sys.path.insert(0, sys.argv[1])
from incubator_toolkit import safetensors  # noqa: E402
from incubator_toolkit.model import LlamaConfig, LlamaForCausalLM  # noqa: E402
from incubator_toolkit.tokenizer import Tokenizer  # noqa: E402

model_dir = sys.argv[2]
with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as source:
    config = LlamaConfig.from_hf(json.load(source))
model = LlamaForCausalLM(config)
model.load_hf_state_dict(safetensors.load(os.path.join(model_dir, "model.safetensors")))
model.eval()
tokenizer = Tokenizer.load(model_dir)
cases = []
with torch.no_grad():
    for text in sys.argv[3:]:
        ids = tokenizer.encode(text)
        logits = model(torch.tensor([ids]))[0]
        logprobs = torch.log_softmax(logits.double(), dim=-1)
        cases.append({"text": text, "ids": ids,
                      "logprobs": [None] + [logprobs[i - 1, ids[i]].item() for i in range(1, len(ids))]})
json.dump(cases, sys.stdout, ensure_ascii=False)
