import numpy as np
import pytest
import torch

from seqmodels import DNA, decode, reverse_complement, to_indices
from seqmodels.cli import main
from seqmodels.data import SequenceSet, load_sequences, split_indices
from seqmodels.data.module import (
    CodesDataset,
    EpochSampler,
    SequenceDataModule,
    augment,
    augmentation,
)
from seqmodels.io.fasta import write_fasta


def genomic_set(n_per_chrom=10, chroms=("chr1", "chr2", "chr3")) -> SequenceSet:
    chrom = np.repeat(chroms, n_per_chrom)
    codes = np.random.default_rng(0).integers(0, 4, (len(chrom), 8)).astype(np.uint8)
    targets = np.arange(len(chrom), dtype=np.float32)[:, None]
    ids = [f"s{i}" for i in range(len(chrom))]
    return SequenceSet(ids, codes, DNA, targets, ["y"], chrom, np.zeros(len(chrom), int))


def test_split_by_chromosome():
    splits = split_indices(genomic_set(), val_chroms=["chr2"], test_chroms=["chr3"])
    np.testing.assert_array_equal(splits["train"], np.arange(10))
    np.testing.assert_array_equal(splits["val"], np.arange(10, 20))
    np.testing.assert_array_equal(splits["test"], np.arange(20, 30))


def test_split_by_seeded_fraction_is_a_partition():
    sequences = genomic_set()
    a = split_indices(sequences, val_fraction=0.2, test_fraction=0.1, random_state=3)
    b = split_indices(sequences, val_fraction=0.2, test_fraction=0.1, random_state=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert (len(a["train"]), len(a["val"]), len(a["test"])) == (21, 6, 3)
    assert sorted(np.concatenate(list(a.values()))) == list(range(30))


def test_a_split_without_chromosomes_takes_its_fraction_from_the_rest():
    sequences = genomic_set()
    splits = split_indices(sequences, test_chroms=["chr3"], val_fraction=0.2, random_state=1)
    np.testing.assert_array_equal(splits["test"], np.arange(20, 30))
    assert len(splits["val"]) == 6 and (splits["val"] < 20).all()  # 0.2 of all 30, not of chr3
    assert sorted(np.concatenate(list(splits.values()))) == list(range(30))
    splits = split_indices(sequences, val_chroms=["chr1"], test_fraction=0.0)
    assert len(splits["test"]) == 0 and len(splits["train"]) == 20


def test_held_out_chromosome_must_exist():
    with pytest.raises(ValueError, match="test_chroms: no sequences on chrX"):
        split_indices(genomic_set(), test_chroms=["chrX"])


def test_dataset_gathers_whole_batches():
    sequences = genomic_set()
    dataset = CodesDataset(sequences.codes, sequences.targets)
    codes, numeric, targets, index = dataset.__getitems__([3, 1])
    assert codes.dtype == torch.uint8 and numeric.shape == (2, 0, sequences.length)
    np.testing.assert_array_equal(codes.numpy(), sequences.codes[[3, 1]])
    np.testing.assert_array_equal(targets.numpy().ravel(), [3, 1])
    assert index.tolist() == [3, 1]


def test_epoch_sampler_replays_an_epoch_and_changes_between_epochs():
    sampler = EpochSampler(50, random_state=1)
    sampler.set_epoch(2)
    first = list(sampler)
    sampler.set_epoch(3)
    assert list(sampler) != first
    sampler.set_epoch(2)
    assert list(sampler) == first and sorted(first) == list(range(50))


def draws(n, **options):
    flip, shift = augmentation(np.arange(n), random_state=0, epoch=1, **options)
    return torch.from_numpy(flip), torch.from_numpy(shift)


def test_augmentation_gives_the_sequence_or_its_reverse_complement():
    codes = torch.from_numpy(to_indices(["ACGTTRN", "AACCGGT"] * 20))
    flip, shift = draws(40, reverse_complement=True, max_shift=0)
    out = augment(codes, DNA, flip=flip, shift=shift)
    flipped = 0
    for before, after in zip(decode(codes), decode(out), strict=True):
        assert after in (before, reverse_complement(before))
        flipped += after != before
    assert 5 < flipped < 35


def test_shift_moves_sequences_and_fills_with_gaps():
    codes = torch.from_numpy(to_indices(["ACGTACGTAC"] * 30))
    flip, shift = draws(30, reverse_complement=False, max_shift=2)
    out = decode(augment(codes, DNA, flip=flip, shift=shift))
    expected = {"--ACGTACGT", "-ACGTACGTA", "ACGTACGTAC", "CGTACGTAC-", "GTACGTAC--"}
    assert set(out) == expected


def test_augmentation_of_a_sequence_depends_on_the_seed_epoch_and_index_alone():
    options = {"random_state": 5, "reverse_complement": True, "max_shift": 3}
    flip, shift = augmentation(np.arange(100), epoch=2, **options)
    part_flip, part_shift = augmentation(np.arange(100)[::-1][:10], epoch=2, **options)
    np.testing.assert_array_equal(part_flip, flip[::-1][:10])  # another batch, another order
    np.testing.assert_array_equal(part_shift, shift[::-1][:10])
    other, _ = augmentation(np.arange(100), epoch=3, **options)
    assert (other != flip).any() and 30 < flip.sum() < 70 and set(shift) == set(range(-3, 4))


def test_datamodule_batches_are_one_hot_with_targets(tmp_path):
    write_fasta(tmp_path / "x.fa", [f"r{i}" for i in range(10)], ["ACGTN"] * 10)
    sequences = load_sequences(fasta=tmp_path / "x.fa")
    splits = split_indices(sequences, val_fraction=0.2, test_fraction=0.2)
    module = SequenceDataModule(sequences, splits, batch_size=4)
    batch = next(iter(module.train_dataloader()))
    x, y, index = module.on_after_batch_transfer(batch, 0)
    assert x.shape == (4, 4, 5) and x.dtype == torch.float32
    np.testing.assert_allclose(x[0, :, 4].numpy(), [0.25] * 4)
    assert y.shape == (4, 0) and len(set(index.tolist())) == 4


def test_inspect_reports_counts_balance_and_splits(capsys, data_dir, genome):
    assert (
        main(
            [
                "inspect",
                "--bed",
                str(data_dir / "tiny.bed"),
                "--genome",
                str(genome),
                "--length",
                "4",
                "--data.test_chroms",
                "[chrB]",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "records       3" in out
    assert "task bound  2 positive / 1 negative (66.7% positive), 0 missing" in out
    assert "soft-masked 16.67%" in out  # "ttGG" of chrB:3-7: 2 of 12 bases
    assert "split train   2  (chrA 2)" in out and "split test    1  (chrB 1)" in out
