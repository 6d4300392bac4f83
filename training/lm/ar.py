"""Grouped autoregressive codec LM: decoder-only transformer over [phonemes ; codebook-0 groups].

Every position holds either one text token or one group of G consecutive codebook-0 codes. A group is
embedded as the sum of G slot-specific code embeddings, and G independent output heads read the
position's hidden state: head g predicts code g of the *next* group. The runtime samples the G codes
one after another, but no head sees the codes sampled before it in the same group (independent heads,
the simplest form of VALL-E 2 grouped code modeling). Code id `codebook_size` is end of speech.

With a phoneme pointer (cfg.pointer_classes > 0, after VALL-E R's monotonic alignment), `text_ids` at an audio
position holds the text token that the position's *output* group says (0 = unknown, e.g. inside a voice prompt),
embedded by its own table and added to the group's embedding; an advance head predicts how many text tokens the
pointer moves on for the group after that. A small CPU-trained AR learns what a phoneme sounds like long before
it learns, by attention alone, which phoneme it is at: the pointer gives it the second for free, and makes
skipping, repeating and running away impossible by construction.

Positions use rotary embeddings over one global index (text first, then audio), given as an input so
that the runtime can prefill, step and verify with a key/value cache. The same class, with smaller
dimensions, is the speculative drafter.
"""
import torch
from torch import nn

from .config import ARConfig
from .modules import Block, additive_mask, export_rope, reshape_kept, rope_cos_sin


class ARModel(nn.Module):
    def __init__(self, cfg: ARConfig):
        super().__init__()
        self.cfg = cfg.validate()
        g, v, d = cfg.group_size, cfg.audio_vocab_size, cfg.d_model
        self.text_emb = nn.Embedding(cfg.text_vocab_size, d)
        # One table of G*V rows: slot g of a group looks up row g*V + code.
        self.audio_emb = nn.Embedding(g * v, d)
        self.register_buffer("slot_offsets", torch.arange(g) * v, persistent=False)
        self.blocks = nn.ModuleList(Block(d, cfg.n_heads, cfg.ff_mult, cfg.dropout) for _ in range(cfg.n_layers))
        self.norm = nn.LayerNorm(d)
        self.heads = nn.Linear(d, g * v)
        if cfg.pointer_classes:
            self.pointer_emb = nn.Embedding(cfg.text_vocab_size, d, padding_idx=0)
            nn.init.normal_(self.pointer_emb.weight, std=0.02)
            with torch.no_grad():
                self.pointer_emb.weight[0].zero_()
            self.advance_head = nn.Linear(d, cfg.pointer_classes)
        if cfg.pointer_context:
            # previous phoneme, next phoneme, groups already spent on the pointed one (+1; 0 = unknown)
            self.context_emb = nn.ModuleList([nn.Embedding(cfg.text_vocab_size, d, padding_idx=0),
                                              nn.Embedding(cfg.text_vocab_size, d, padding_idx=0),
                                              nn.Embedding(cfg.pointer_context + 1, d, padding_idx=0)])
            for emb in self.context_emb:
                nn.init.normal_(emb.weight, std=0.02)
                with torch.no_grad():
                    emb.weight[0].zero_()
        nn.init.normal_(self.text_emb.weight, std=0.02)
        nn.init.normal_(self.audio_emb.weight, std=0.02)

    def empty_cache(self, batch: int):
        """Zero-length past keys/values (L, B, H, 0, Dh)."""
        c = self.cfg
        z = torch.zeros(c.n_layers, batch, c.n_heads, 0, c.head_dim)
        return z, z.clone()

    def forward(self, text_ids, audio_codes, is_audio, positions, past_keys, past_values, attention_mask,
                pointer_context=None):
        """One pass over S new positions appended after P cached ones, caches stacked over layers.

        text_ids (B, S) int64: text id where not is_audio (ignored elsewhere; 0 there).
        audio_codes (B, S, G) int64: a code group where is_audio (ignored elsewhere; 0 there).
        is_audio (B, S) bool.  positions (B, S) int64: RoPE positions.
        past_keys, past_values (L, B, H, P, Dh) float32; P may be 0.
        attention_mask (B, P+S) bool: False marks padding keys (ragged batches).
        pointer_context (B, S, 3) int64, with cfg.pointer_context: previous phoneme, next phoneme, groups spent (+1)
        at audio positions, 0 where unknown.
        Returns logits (B, S, G, V=codebook_size+1), present_keys and present_values (L, B, H, P+S, Dh), and with a
        pointer, advance logits (B, S, pointer_classes) last.
        """
        out = self.forward_layers(text_ids, audio_codes, is_audio, positions, past_keys, past_values, attention_mask,
                                  pointer_context)
        return (out[0], torch.stack(out[1]), torch.stack(out[2])) + tuple(out[3:])

    def forward_layers(self, text_ids, audio_codes, is_audio, positions, past_keys, past_values, attention_mask,
                       pointer_context=None):
        """forward() with the caches as one (B, H, P, Dh) tensor per layer, in and out (lists of L; a stacked
        (L, ...) tensor is accepted too). The ONNX graph is exported from this: stacking the layers' caches
        costs two whole-cache copies per call, which measured as half of a decoding step's time."""
        b, s = text_ids.shape
        g, v = self.cfg.group_size, self.cfg.audio_vocab_size
        audio = self.audio_emb(audio_codes + self.slot_offsets).sum(dim=2)
        if self.cfg.pointer_classes:
            audio = audio + self.pointer_emb(text_ids)
        if self.cfg.pointer_context:
            for i, emb in enumerate(self.context_emb):
                audio = audio + emb(pointer_context[..., i])
        x = torch.where(is_audio.unsqueeze(-1), audio, self.text_emb(text_ids))

        exporting = self.blocks[0].attn.time_major_past  # set while exporting (onnx_export.time_major_cache)
        past_len = past_keys[0].shape[0 if exporting else 2]
        query_idx = torch.arange(s, device=text_ids.device).unsqueeze(1) + past_len
        causal = torch.arange(past_len + s, device=text_ids.device).unsqueeze(0) <= query_idx  # (S, P+S)
        mask_add = additive_mask(causal.unsqueeze(0) & attention_mask.unsqueeze(1))
        cos, sin = rope_cos_sin(positions, self.cfg.head_dim, self.cfg.rope_base)
        if exporting:  # the graph's residual stream is (B*S, D): see modules.Attention.forward_export
            cos, sin = export_rope(cos, sin, self.cfg.n_heads, self.cfg.head_dim)
            x = reshape_kept(x, 0, (-1, self.cfg.d_model))

        keys, values = [], []
        for i, block in enumerate(self.blocks):
            x, k, vv = block(x, cos, sin, mask_add, past_keys[i], past_values[i],
                             export_shape=(past_len, b, s) if exporting else None)
            keys.append(k)
            values.append(vv)
        h = self.norm(x)
        logits = self.heads(h).view(b, s, g, v)
        if self.cfg.pointer_classes:
            return logits, keys, values, self.advance_head(h).view(b, s, -1)
        return logits, keys, values
