"""Codec modules: shape contracts, exact inverse STFT, RVQ encode/decode/forward agreement, dynamic codebook count."""
import pytest
import torch

from training.codec.config import CodecConfig, tiny_config
from training.codec.model import Codec
from training.codec.quantizer import ResidualVQ
from training.codec.spectral import InverseSTFT, idft_basis


@pytest.fixture(scope="module")
def codec():
    torch.manual_seed(0)
    model = Codec(tiny_config())
    model.train()
    with torch.no_grad():
        model(torch.randn(2, 1, 3200) * 0.1)  # seeds the codebooks from latents
    return model.eval()


@pytest.mark.parametrize("samples,frames", [(1, 1), (319, 1), (320, 1), (321, 2), (8100, 26), (16000, 50)])
def test_encoder_frames_are_ceil_of_samples_over_hop(codec, samples, frames):
    latents = codec.encoder(torch.randn(2, 1, samples))
    assert latents.shape == (2, codec.cfg.dim, frames)
    codes = codec.encode(torch.randn(2, 1, samples))
    assert codes.shape == (2, codec.cfg.num_codebooks, frames) and codes.dtype == torch.int64


@pytest.mark.parametrize("frames", [1, 7, 50])
def test_decoder_output_is_exactly_frames_times_hop(codec, frames):
    codes = torch.randint(0, codec.cfg.codebook_size, (3, codec.cfg.num_codebooks, frames))
    assert codec.decode(codes).shape == (3, 1, frames * 320)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_fewer_codebooks_decode_and_match_the_residual_sum(codec, n):
    codes = codec.encode(torch.randn(1, 1, 3200) * 0.1)
    latents = codec.quantizer.decode(codes[:, :n])
    expected = sum(codec.quantizer.embed[q][codes[0, q]] for q in range(n)).t()[None]
    assert torch.allclose(latents, expected, atol=1e-6)
    assert codec.decode(codes[:, :n]).shape == (1, 1, 3200)


def test_codes_out_of_range_are_rejected(codec):
    codes = torch.full((1, 8, 4), codec.cfg.codebook_size * 8)  # past the stacked table
    with pytest.raises(IndexError):
        codec.decode(codes)


def test_forward_matches_encode_then_decode_in_eval(codec):
    audio = torch.randn(2, 1, 1600) * 0.1
    out, q = codec(audio)
    assert torch.equal(q.codes, codec.encode(audio))
    assert torch.allclose(out, codec.decode(q.codes), atol=1e-5)
    # quantizer dropout: an item kept at one codebook decodes from its first codebook alone
    out1, q1 = codec(audio, torch.tensor([1, 8]))
    assert torch.allclose(out1[:1], codec.decode(q1.codes[:1, :1]), atol=1e-5)
    assert torch.allclose(out1[1:], codec.decode(q1.codes[1:]), atol=1e-5)


def test_ema_training_seeds_every_code_and_each_codebook_reduces_error():
    torch.manual_seed(1)
    rvq = ResidualVQ(CodecConfig(dim=16, codebook_size=64)).train()
    for _ in range(20):
        rvq(torch.randn(8, 16, 50))  # (B, D, T) unit Gaussian latents
    assert (rvq.cluster_size > 0).all(), "dead codes must be restarted from batch vectors"
    rvq.eval()
    x = torch.randn(4, 16, 50)
    errors = [(x - rvq.decode(rvq.encode(x)[:, :n])).pow(2).mean().item() for n in (1, 2, 4, 8)]
    assert errors[0] < 0.9 and all(a > b for a, b in zip(errors, errors[1:])), errors


@pytest.mark.parametrize("n_fft", [640, 1280])
def test_inverse_stft_inverts_a_hann_stft(n_fft):
    torch.manual_seed(0)
    x = torch.randn(2, 320 * 12)
    trim = (n_fft - 320) // 2
    spec = torch.stft(torch.nn.functional.pad(x, (trim, trim)), n_fft, 320, window=torch.hann_window(n_fft),
                      center=False, return_complex=True)
    y = InverseSTFT(n_fft, 320)(spec.real, spec.imag)
    assert y.shape == (2, 1, x.shape[1])
    assert (y[:, 0] - x).abs().max() < 1e-5


def test_in_graph_basis_equals_stored_basis():
    stored, in_graph = idft_basis(1280), idft_basis(1280, torch.ones(1, 1))
    assert torch.equal(stored[0], in_graph[0]) and torch.equal(stored[1], in_graph[1])


def test_inverse_stft_rejects_too_little_overlap():
    with pytest.raises(AssertionError):
        InverseSTFT(480, 320)


def test_default_codec_sizes():
    counts = Codec(CodecConfig()).param_counts()
    assert 0.5e6 < counts["encoder"] < 1.2e6 and 2e6 < counts["decoder"] < 4e6
    assert counts["codebooks"] == 8 * 1024 * 128
