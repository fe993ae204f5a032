"""One training loop for pretraining and fine-tuning: AdamW, warm-up then cosine decay, gradient clipping, metrics
every few steps, validation, periodic and on-signal checkpoints, exact resume (model, optimiser, sampler, step)."""
import math
import os
import time

import torch

from . import safetensors
from .platform import Throughput, write_json

LN2 = math.log(2)


def learning_rate(step, peak, warmup, total, floor=0.1):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def batch(tokens, size, length, generator):
    starts = torch.randint(0, len(tokens) - length - 1, (size,), generator=generator)
    return torch.stack([tokens[start:start + length + 1] for start in starts.tolist()])


@torch.no_grad()
def evaluate(model, tokens, length, rows=16):
    """Mean loss over up to `rows` evenly spaced windows of held-out tokens."""
    if len(tokens) < length + 2:
        return float("nan")
    stride = max(1, (len(tokens) - length - 1) // rows)
    windows = [tokens[start:start + length + 1] for start in range(0, len(tokens) - length - 1, stride)][:rows]
    model.eval()
    loss = float(model.loss(torch.stack(windows)))
    model.train()
    return loss


def train(job, model, train_tokens, validation_tokens, params, bytes_per_token):
    """Trains for params['steps'] steps from the last checkpoint if there is one; returns the final metrics."""
    steps, size, length = int(params["steps"]), int(params["batch_size"]), int(params["sequence_length"])
    if len(train_tokens) < length + 2:
        raise SystemExit(f"the corpus has {len(train_tokens)} tokens, fewer than sequence_length {length} + 2")
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=float(params["learning_rate"]), betas=(0.9, 0.95),
                                  weight_decay=float(params["weight_decay"]))
    generator = torch.Generator().manual_seed(int(params["seed"]) + 1)
    start = 0
    state = job.latest_checkpoint()
    if state is not None:
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        generator.set_state(state["generator"])
        start = state["step"]
        print(f"resuming from the checkpoint at step {start} (attempt {job.attempt})", flush=True)

    def save(step):
        job.save_checkpoint(step, {"model": model.state_dict(), "optimiser": optimiser.state_dict(),
                                   "generator": generator.get_state(), "step": step})

    log_every, eval_every = int(params["log_every"]), int(params["eval_every"])
    checkpoint_every = int(params["checkpoint_every"])
    throughput, last = Throughput(), {}
    model.train()
    began = time.perf_counter()
    for step in range(start, steps):
        rate = learning_rate(step, float(params["learning_rate"]), int(params["warmup_steps"]), steps)
        for group in optimiser.param_groups:
            group["lr"] = rate
        rows = batch(train_tokens, size, length, generator)
        loss = model.loss(rows)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimiser.step()
        throughput.add(size * length)
        done = step + 1
        if done % log_every == 0 or done == steps:
            value = float(loss)
            last = {"loss": value, "bits_per_byte": value / LN2 / bytes_per_token, "learning_rate": rate,
                    "tokens_per_second": throughput.rate()}
            if done % eval_every == 0 or done == steps:
                validation = evaluate(model, validation_tokens, length)
                last["validation_loss"] = validation
                last["validation_bits_per_byte"] = validation / LN2 / bytes_per_token
            job.log(done, **last)
        if done % checkpoint_every == 0 and done != steps:
            save(done)
        job.stop_if_asked(done, save)
    elapsed = time.perf_counter() - began
    if steps > start:
        print(f"trained {steps - start} steps in {elapsed:.1f} s ({(steps - start) * size * length / elapsed:.0f} "
              f"tokens/s)", flush=True)
    return last


def export(directory, model, tokenizer, summary):
    """The finished model in Hugging Face's layout: config.json, model.safetensors, tokenizer files,
    generation_config.json, and training.json (what the run did, for the card)."""
    config = model.config
    safetensors.save(model.hf_state_dict(), os.path.join(directory, "model.safetensors"))
    write_json(os.path.join(directory, "config.json"), config.to_hf())
    write_json(os.path.join(directory, "generation_config.json"),
               {"bos_token_id": config.bos_token_id, "eos_token_id": config.eos_token_id, "do_sample": True,
                "temperature": 0.8, "top_p": 0.95, "max_length": config.max_position_embeddings,
                "transformers_version": "4.46.0"})
    tokenizer.save(directory, config.max_position_embeddings)
    if model.lora_state_dict():
        safetensors.save(model.lora_state_dict(), os.path.join(directory, "adapter_model.safetensors"))
    write_json(os.path.join(directory, "training.json"), summary)
