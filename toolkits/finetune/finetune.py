"""Fine-tune a model from the hub (a revision of models/ORG/NAME in Hugging Face's layout) on a mounted dataset,
all weights or LoRA adapters on the attention projections (merged into the exported weights).

    incubator job submit --template finetune --set base=models/lab/tiny@main --set data=datasets/lab/chat \\
        --set method=lora
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from incubator_toolkit import safetensors  # noqa: E402
from incubator_toolkit.model import LlamaConfig, LlamaForCausalLM  # noqa: E402
from incubator_toolkit.platform import Job, write_json  # noqa: E402
from incubator_toolkit.tokenizer import END_OF_TEXT, Tokenizer  # noqa: E402
from incubator_toolkit.trainer import export, train  # noqa: E402



def main():
    job = Job()
    params = job.params
    if not params["base"] or not params["data"]:
        raise SystemExit("set base (a model on the hub, e.g. models/lab/tiny) and data (a dataset, e.g. "
                         "datasets/lab/chat)")
    if params["method"] not in ("full", "lora"):
        raise SystemExit(f"method must be full or lora, not {params['method']!r}")
    torch.manual_seed(int(params["seed"]))
    base_dir, base_commit = job.mount(params["base"])
    with open(os.path.join(base_dir, "config.json"), encoding="utf-8") as source:
        config = LlamaConfig.from_hf(json.load(source))
    model = LlamaForCausalLM(config)
    model.load_hf_state_dict(safetensors.load(os.path.join(base_dir, "model.safetensors")))
    tokenizer = Tokenizer.load(base_dir)
    if tokenizer.vocab_size != config.vocab_size:
        raise SystemExit(f"{params['base']}: tokenizer has {tokenizer.vocab_size} tokens, config.json "
                         f"{config.vocab_size}")
    if params["method"] == "lora":
        model.add_lora(int(params["lora.rank"]), float(params["lora.alpha"]))
    documents, data_commit = job.read_text(params["data"])
    text = END_OF_TEXT.join(documents)
    tokens = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    bytes_per_token = len(text.encode("utf-8")) / max(1, len(tokens))
    held_out = max(int(len(tokens) * float(params["validation_fraction"])), int(params["sequence_length"]) + 2)
    trainable = sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
    job.log_params({**params, "parameters": model.parameter_count(), "trainable_parameters": trainable,
                    "corpus_tokens": len(tokens)})
    print(f"{params['method']}: {trainable:,} of {model.parameter_count():,} parameters trainable", flush=True)
    final = train(job, model, tokens[:-held_out], tokens[-held_out:], params, bytes_per_token)
    directory = job.export_dir()
    export(directory, model, tokenizer, {
        "template": "finetune", "params": params, "final": final, "parameters": model.parameter_count(),
        "base_model": {params["base"].split("@", 1)[0]: base_commit},
        "datasets": {params["data"].split("@", 1)[0]: data_commit}})
    if params["method"] == "lora":
        write_json(os.path.join(directory, "adapter_config.json"), {
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": int(params["lora.rank"]),
            "lora_alpha": float(params["lora.alpha"]), "target_modules": ["q_proj", "v_proj"], "lora_dropout": 0.0,
            "bias": "none", "base_model_name_or_path": params["base"].split("@", 1)[0]})
    print(f"model written to {directory}", flush=True)


if __name__ == "__main__":
    main()
