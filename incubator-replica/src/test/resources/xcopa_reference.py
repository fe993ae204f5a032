"""An independent PyTorch reference for XCOPA-zh log-likelihood scoring: reads the benchmark file itself, builds the
prompt as lm-eval's xcopa task does (premise without its last character, then 因为/所以; each choice as the
continuation), scores each choice's tokens after the context's own (encode-pair), keeps the last max_position tokens
of a longer sequence, and prints every item's scores and argmax.

    python3 xcopa_reference.py TOOLKITS_DIR MODEL_DIR XCOPA_JSONL COUNT
"""
import dataclasses
import json
import sys

import torch

sys.path.insert(0, sys.argv[1])
from incubator_toolkit import safetensors  # noqa: E402
from incubator_toolkit.model import LlamaConfig, LlamaForCausalLM  # noqa: E402
from incubator_toolkit.tokenizer import Tokenizer  # noqa: E402

model_dir, data, count = sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(f"{model_dir}/config.json", encoding="utf-8") as f:
    hf = json.load(f)
names = {field.name for field in dataclasses.fields(LlamaConfig)}
config = LlamaConfig(**{key: value for key, value in hf.items() if key in names})
model = LlamaForCausalLM(config)
model.load_hf_state_dict(safetensors.load(f"{model_dir}/model.safetensors"))
model.eval()
tokenizer = Tokenizer.load(model_dir)
limit = config.max_position_embeddings
out = []
with open(data, encoding="utf-8") as f:
    rows = [json.loads(line) for line in f if line.strip()][:count]
with torch.no_grad():
    for row in rows:
        context = row["premise"].strip()[:-1] + {"cause": "因为", "effect": "所以"}[row["question"]]
        context_ids = tokenizer.encode(context)
        scores = []
        for choice in (row["choice1"], row["choice2"]):
            joint = tokenizer.encode(context + choice)
            n = max(1, len(joint) - len(context_ids))
            kept = joint[-limit:]
            n = min(n, len(kept) - 1)
            logits = model(torch.tensor([kept]))[0].double()
            logprobs = torch.log_softmax(logits, dim=-1)
            scores.append(sum(logprobs[i - 1, kept[i]].item() for i in range(len(kept) - n, len(kept))))
        out.append({"idx": row["idx"], "scores": scores, "prediction": int(scores[1] > scores[0])})
print(json.dumps(out))
