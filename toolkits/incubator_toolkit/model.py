"""A llama-style decoder (RMSNorm, rotary embeddings, SwiGLU, grouped-query attention) whose parameters carry the
names and layout of Hugging Face's LlamaForCausalLM, so model.safetensors and config.json load in the standard tools
and in Incubator's own engine without any conversion."""
import math
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class LlamaConfig:
    vocab_size: int = 257
    hidden_size: int = 64
    intermediate_size: int = 176
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    max_position_embeddings: int = 256
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = False
    bos_token_id: int = 256
    eos_token_id: int = 256

    def __post_init__(self):
        problems = []
        if self.hidden_size % self.num_attention_heads:
            problems.append(f"hidden_size {self.hidden_size} is not a multiple of {self.num_attention_heads} heads")
        if self.num_attention_heads % self.num_key_value_heads:
            problems.append(f"{self.num_attention_heads} attention heads are not a multiple of "
                            f"{self.num_key_value_heads} key-value heads")
        if (self.hidden_size // max(self.num_attention_heads, 1)) % 2:
            problems.append("the head size (hidden_size / heads) must be even for rotary embeddings")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads

    def to_hf(self):
        """config.json as transformers writes it for LlamaForCausalLM."""
        config = asdict(self)
        config.update({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
                       "head_dim": self.head_dim, "attention_bias": False, "attention_dropout": 0.0,
                       "mlp_bias": False, "initializer_range": 0.02, "rope_scaling": None, "pretraining_tp": 1,
                       "torch_dtype": "float32", "use_cache": True, "transformers_version": "4.46.0"})
        return config

    @classmethod
    def from_hf(cls, config):
        if config.get("model_type", "llama") != "llama":
            raise ValueError(f"model_type {config.get('model_type')!r} is not llama")
        known = {field.name for field in fields(cls)}
        values = {key: value for key, value in config.items() if key in known}
        values.setdefault("num_key_value_heads", config.get("num_attention_heads"))
        if isinstance(values.get("eos_token_id"), list):
            values["eos_token_id"] = values["eos_token_id"][0]
        return cls(**values)


class RMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).type_as(x) * self.weight


def rotary(config, length, device):
    """cos and sin of shape (length, head_dim), in Hugging Face's half-split layout."""
    inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, config.head_dim, 2, device=device).float()
                                            / config.head_dim))
    angles = torch.outer(torch.arange(length, device=device).float(), inv_freq)
    both = torch.cat((angles, angles), dim=-1)
    return both.cos(), both.sin()


def _rotate_half(x):
    first, second = x.chunk(2, dim=-1)
    return torch.cat((-second, first), dim=-1)


class LoRA(nn.Module):
    """A low-rank update B @ A added to a frozen projection (B starts at zero, so training starts from the base)."""

    def __init__(self, features_in, features_out, rank, alpha):
        super().__init__()
        self.A = nn.Parameter(torch.randn(rank, features_in) / math.sqrt(features_in))
        self.B = nn.Parameter(torch.zeros(features_out, rank))
        self.scale = alpha / rank

    def forward(self, x):
        return (x @ self.A.t() @ self.B.t()) * self.scale

    def delta(self):
        return (self.B @ self.A) * self.scale


class Attention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        size, head = config.hidden_size, config.head_dim
        self.q_proj = nn.Linear(size, config.num_attention_heads * head, bias=False)
        self.k_proj = nn.Linear(size, config.num_key_value_heads * head, bias=False)
        self.v_proj = nn.Linear(size, config.num_key_value_heads * head, bias=False)
        self.o_proj = nn.Linear(config.num_attention_heads * head, size, bias=False)
        self.lora = nn.ModuleDict()

    def _project(self, name, x):
        out = getattr(self, name)(x)
        if name in self.lora:
            out = out + self.lora[name](x)
        return out

    def forward(self, x, cos, sin, mask):
        batch, length, _ = x.shape
        heads, kv_heads, head = self.config.num_attention_heads, self.config.num_key_value_heads, self.config.head_dim
        q = self._project("q_proj", x).view(batch, length, heads, head).transpose(1, 2)
        k = self._project("k_proj", x).view(batch, length, kv_heads, head).transpose(1, 2)
        v = self._project("v_proj", x).view(batch, length, kv_heads, head).transpose(1, 2)
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        if kv_heads != heads:  # each key-value head serves heads // kv_heads consecutive query heads
            k = k.repeat_interleave(heads // kv_heads, dim=1)
            v = v.repeat_interleave(heads // kv_heads, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(head) + mask
        weights = F.softmax(scores.float(), dim=-1).type_as(q)
        out = (weights @ v).transpose(1, 2).reshape(batch, length, heads * head)
        return self._project("o_proj", out)


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Backbone(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(config) for _ in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)


class LlamaForCausalLM(nn.Module):
    """state_dict() names: model.embed_tokens.weight, model.layers.N.self_attn.q_proj.weight, ..., lm_head.weight."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.model = Backbone(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight
        self.apply(self._initialise)

    @staticmethod
    def _initialise(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, tokens):
        length = tokens.shape[1]
        if length > self.config.max_position_embeddings:
            raise ValueError(f"{length} tokens exceed max_position_embeddings {self.config.max_position_embeddings}")
        cos, sin = rotary(self.config, length, tokens.device)
        mask = torch.full((length, length), float("-inf"), device=tokens.device).triu(1)
        x = self.model.embed_tokens(tokens)
        for layer in self.model.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(self.model.norm(x))

    def loss(self, tokens):
        """Mean next-token cross-entropy in nats over a batch of token rows."""
        logits = self(tokens[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1))

    def add_lora(self, rank, alpha, targets=("q_proj", "v_proj")):
        """Freezes every weight and adds trainable low-rank updates to the named attention projections."""
        for parameter in self.parameters():
            parameter.requires_grad_(False)
        for layer in self.model.layers:
            attention = layer.self_attn
            for name in targets:
                projection = getattr(attention, name)
                attention.lora[name] = LoRA(projection.in_features, projection.out_features, rank, alpha)

    def hf_state_dict(self):
        """The weights as LlamaForCausalLM stores them, LoRA updates merged into their projections."""
        state = {name: tensor for name, tensor in self.state_dict().items() if ".lora." not in name}
        for index, layer in enumerate(self.model.layers):
            for name, update in layer.self_attn.lora.items():
                key = f"model.layers.{index}.self_attn.{name}.weight"
                state[key] = state[key] + update.delta().detach()
        if self.config.tie_word_embeddings:
            state.pop("lm_head.weight", None)
        return state

    def lora_state_dict(self):
        """The LoRA updates alone, named as PEFT's adapter_model.safetensors names them."""
        state = {}
        for index, layer in enumerate(self.model.layers):
            for name, update in layer.self_attn.lora.items():
                prefix = f"base_model.model.model.layers.{index}.self_attn.{name}"
                state[prefix + ".lora_A.weight"] = update.A.detach()
                state[prefix + ".lora_B.weight"] = update.B.detach()
        return state

    def load_hf_state_dict(self, state):
        missing, unexpected = self.load_state_dict(state, strict=False)
        missing = [name for name in missing if ".lora." not in name
                   and not (self.config.tie_word_embeddings and name == "lm_head.weight")]
        if missing or unexpected:
            raise ValueError(f"checkpoint does not match config.json: missing {missing[:5]}, unexpected "
                             f"{unexpected[:5]}")

    @torch.no_grad()
    def generate(self, tokens, new_tokens, temperature=0.0, generator=None):
        """Greedy (temperature 0) or sampled continuation of a list of token ids."""
        out = list(tokens)
        for _ in range(new_tokens):
            window = torch.tensor([out[-self.config.max_position_embeddings:]])
            logits = self(window)[0, -1]
            if temperature <= 0:
                out.append(int(logits.argmax()))
            else:
                probabilities = F.softmax(logits / temperature, dim=-1)
                out.append(int(torch.multinomial(probabilities, 1, generator=generator)))
        return out

    def parameter_count(self):
        return sum(parameter.numel() for parameter in self.parameters())
