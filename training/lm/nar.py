"""Non-autoregressive codec LM: fills codebook j (j = 1..Q-1) of every target frame in one pass.

Sequence = [phonemes ; prompt frames ; target frames], non-causal. A prompt frame is the sum of all Q
codebook embeddings; a target frame sums only codebooks < j (the rest are masked out). The stage j
conditions every LayerNorm (adaptive layer norm) and selects the output head, which is tied to the
embedding table of codebook j (as in VALL-E). Padding: text id 0, and code `codebook_size` in
codebook 0 of a prompt or target frame, mark positions that nothing attends to and that do not count
as positions (so a padded batch row gives the same logits as the row alone).
"""
import torch
from torch import nn

from .config import TEXT_PAD, NARConfig
from .modules import Block, additive_mask, rope_cos_sin


class NARModel(nn.Module):
    def __init__(self, cfg: NARConfig):
        super().__init__()
        self.cfg = cfg.validate()
        q, d = cfg.num_codebooks, cfg.d_model
        self.rows = cfg.codebook_size + 1  # codes plus the padding code
        self.text_emb = nn.Embedding(cfg.text_vocab_size, d)
        self.code_emb = nn.Embedding(q * self.rows, d)
        self.segment_emb = nn.Embedding(3, d)  # text, prompt, target
        self.stage_cond = nn.Embedding(q, 4 * d * (cfg.n_layers + 1))
        self.register_buffer("codebook_offsets", torch.arange(q) * self.rows, persistent=False)
        self.blocks = nn.ModuleList(
            Block(d, cfg.n_heads, cfg.ff_mult, cfg.dropout) for _ in range(cfg.n_layers))
        self.norm = nn.LayerNorm(d)
        for emb in (self.text_emb, self.code_emb, self.segment_emb):
            nn.init.normal_(emb.weight, std=0.02)
        nn.init.zeros_(self.stage_cond.weight)  # AdaLN starts as a plain LayerNorm

    def embed_codes(self, codes):
        """codes (B, Q, T) -> (B, Q, T, D) per-codebook embeddings."""
        return self.code_emb(codes + self.codebook_offsets.view(1, -1, 1))

    def forward(self, text_ids, prompt_codes, target_codes, stage):
        """text_ids (B, Nt) int64; prompt_codes (B, Q, Tp) int64; target_codes (B, Q, T) int64 (codebooks
        >= stage are ignored); stage (B,) int64 in 1..Q-1.  Returns logits (B, T, codebook_size)."""
        cfg = self.cfg
        nt, tp, t = text_ids.shape[1], prompt_codes.shape[2], target_codes.shape[2]
        below = (torch.arange(cfg.num_codebooks, device=stage.device).unsqueeze(0) < stage.unsqueeze(1)).to(torch.float32)
        target = (self.embed_codes(target_codes) * below[:, :, None, None]).sum(dim=1)
        x = torch.cat([
            self.text_emb(text_ids) + self.segment_emb.weight[0],
            self.embed_codes(prompt_codes).sum(dim=1) + self.segment_emb.weight[1],
            target + self.segment_emb.weight[2],
        ], dim=1)

        valid = torch.cat([text_ids != TEXT_PAD, prompt_codes[:, 0] != cfg.pad_code,
                           target_codes[:, 0] != cfg.pad_code], dim=1)  # (B, N)
        n = nt + tp + t
        mask_add = additive_mask(valid.unsqueeze(1).expand(-1, n, -1))
        # Positions count valid tokens only, so padding anywhere leaves every real token's position unchanged.
        positions = valid.to(torch.int64).cumsum(dim=1) - 1
        cos, sin = rope_cos_sin(positions, cfg.head_dim, cfg.rope_base)

        conds = self.stage_cond(stage).chunk(cfg.n_layers + 1, dim=-1)
        for block, cond in zip(self.blocks, conds):
            x, _, _ = block(x, cos, sin, mask_add, cond=cond)
        scale, shift, _, _ = conds[-1].unsqueeze(1).chunk(4, dim=-1)
        h = self.norm(x[:, nt + tp:]) * (1 + scale) + shift
        # Head tied to codebook `stage`'s embeddings, without the padding row.
        # (Looked up through the embedding itself so that ONNX stores the table once.)
        table = self.code_emb(stage.unsqueeze(1) * self.rows + torch.arange(cfg.codebook_size, device=stage.device))  # (B, V, D)
        return torch.einsum("btd,bvd->btv", h, table)
