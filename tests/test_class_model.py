"""Class-model visualisation recovers the k-mer a hand-set filter detects."""

import numpy as np
import torch

from seqmodels import one_hot_encode
from seqmodels.models.cnn import CNN
from seqmodels.motifs import ClassModel, optimize_sequence

KMER = "GATA"


def gata_detector() -> CNN:
    """Conv (+1 for each base of GATA, bias −1) → ReLU → global max pool → Linear(2x + 1).

    A window scores (matching bases − 1), so GATA anywhere gives 2 · 3 + 1 = 7 and a
    sequence whose best window matches two bases gives 3.
    """
    model = CNN(
        4, 1, filters=(1,), kernel_sizes=(len(KMER),), batch_norm=False, dropout=0.0,
        global_pool="max", dense=(),
    )  # fmt: skip
    conv, linear = model.trunk[0][0], model.head[2]
    with torch.no_grad():
        conv.weight.copy_(one_hot_encode(KMER))
        conv.bias.fill_(-1.0)
        linear.weight.fill_(2.0)
        linear.bias.fill_(1.0)
    return model


def test_the_optimised_sequence_contains_the_kmer_and_scores_the_maximum():
    model = gata_detector()
    result = optimize_sequence(model, length=12, n_steps=40, device="cpu")
    assert isinstance(result, ClassModel)
    assert KMER in result.sequence
    assert result.score == 7.0
    assert result.initial_score <= 5.0
    assert result.history[0] == result.initial_score and result.history[-1] == result.score
    assert result.history.shape == (41,)
    with torch.no_grad():
        assert model(one_hot_encode(result.sequence)).item() == result.score
    assert result.probs.shape == (4, 12)
    np.testing.assert_allclose(result.probs.sum(axis=0), 1.0, rtol=1e-5)
    start = result.sequence.index(KMER)
    assert (result.probs[:, start : start + 4].argmax(axis=0) == [2, 0, 3, 0]).all()
    assert result.motif.probs is result.probs and result.motif.width == 12


def test_the_model_is_left_unchanged_with_its_flags():
    model = gata_detector().train()
    model.head[2].bias.requires_grad_(False)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimize_sequence(model, length=10, n_steps=20, n_starts=3, entropy=0.1, device="cpu")
    assert model.training
    assert [p.requires_grad for p in model.parameters()] == [True, True, True, False]
    assert all(p.grad is None for p in model.parameters())
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)


def test_a_seed_gives_the_same_result_and_the_best_start_wins():
    model = gata_detector()
    one = optimize_sequence(model, length=10, n_steps=5, n_starts=4, random_state=3, device="cpu")
    two = optimize_sequence(model, length=10, n_steps=5, n_starts=4, random_state=3, device="cpu")
    assert one.sequence == two.sequence
    np.testing.assert_array_equal(one.history, two.history)
    # start 0 of several evolves as the single start drawn from the same seed
    single = optimize_sequence(model, length=10, n_steps=5, random_state=3, device="cpu")
    assert one.score >= single.score
