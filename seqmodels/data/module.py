"""Batches for Lightning: uint8 codes are gathered a batch at a time and one-hot encoded on the
device the batch lands on, after augmentation."""

from __future__ import annotations

import numpy as np
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from seqmodels.alphabets import Alphabet
from seqmodels.data.build import encode_and_split, read_config_records
from seqmodels.data.sets import SequenceSet
from seqmodels.encoding import codes_to_one_hot
from seqmodels.encoding import reverse_complement as reverse_complement_of


class CodesDataset(Dataset):
    """Codes ``(N, L)`` uint8 and targets ``(N, T)``, indexed a whole batch at once.

    ``__getitems__`` lets the DataLoader fetch a batch with one gather instead of N
    ``__getitem__`` calls and a collate.
    """

    def __init__(self, codes: np.ndarray, targets: np.ndarray | None):
        self.codes = torch.from_numpy(np.ascontiguousarray(codes))
        n = len(codes)
        self.targets = torch.from_numpy(targets) if targets is not None else torch.zeros(n, 0)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.codes[index], self.targets[index]

    def __getitems__(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.as_tensor(indices)
        return self.codes[index], self.targets[index]


class EpochSampler(Sampler[int]):
    """A random permutation per epoch, seeded by ``(seed, epoch)`` so a resumed run replays it.

    Lightning calls :meth:`set_epoch` at the start of each epoch.
    """

    def __init__(self, n: int, seed: int = 0):
        self.n, self.seed, self.epoch = n, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        return iter(torch.randperm(self.n, generator=generator).tolist())


def keep_batch(batch):
    """Collate function for batches that ``__getitems__`` already assembled."""
    return batch


def augment(
    codes: torch.Tensor,
    alphabet: Alphabet,
    *,
    reverse_complement: bool,
    max_shift: int,
    generator: torch.Generator,
) -> torch.Tensor:
    """Randomly reverse-complement (half the sequences) and shift (±``max_shift``) codes.

    Parameters
    ----------
    codes : torch.Tensor, uint8, shape (N, L)

    Returns
    -------
    torch.Tensor, uint8, shape (N, L)
        Shifted-in positions are gaps (zeros once one-hot encoded).
    """
    n, length = codes.shape
    if reverse_complement:
        flip = torch.rand(n, generator=generator, device=codes.device) < 0.5
        codes = torch.where(flip[:, None], reverse_complement_of(codes, alphabet), codes)
    if max_shift:
        shift = torch.randint(
            -max_shift, max_shift + 1, (n, 1), generator=generator, device=codes.device
        )
        source = torch.arange(length, device=codes.device) - shift
        inside = (source >= 0) & (source < length)
        shifted = codes.gather(1, source.clamp(0, length - 1))
        codes = torch.where(inside, shifted, torch.full_like(codes, alphabet.gap_code))
    return codes


class SequenceDataModule(pl.LightningDataModule):
    """Train/val/test/predict loaders over a :class:`SequenceSet` and its splits.

    Batches are ``(X, y)``: ``X`` float32 ``(B, A, L)`` one-hot on the training device,
    ``y`` float32 ``(B, T)`` with NaN for missing labels.

    Parameters
    ----------
    sequences : SequenceSet
    splits : dict of str to numpy.ndarray
        Indices of ``"train"``, ``"val"`` and ``"test"`` sequences (see
        :func:`seqmodels.data.split_indices`); the predict loader covers the whole set.
    batch_size : int
    reverse_complement : bool
        Augment training batches with reverse complements.
    max_shift : int
        Augment training batches with random shifts up to this many positions.
    num_workers : int
        DataLoader workers; batches are cheap gathers, so 0 is usually fastest.
    seed : int
        Seeds the shuffling and augmentation of each epoch.
    """

    def __init__(
        self,
        sequences: SequenceSet,
        splits: dict[str, np.ndarray],
        *,
        batch_size: int = 64,
        reverse_complement: bool = False,
        max_shift: int = 0,
        num_workers: int = 0,
        seed: int = 0,
    ):
        super().__init__()
        self.sequences, self.splits = sequences, splits
        self.batch_size, self.num_workers, self.seed = batch_size, num_workers, seed
        self.reverse_complement, self.max_shift = reverse_complement, max_shift

    @classmethod
    def from_config(cls, config: dict) -> SequenceDataModule:
        """The DataModule a configuration describes."""
        data = config["data"]
        records = read_config_records(data)
        sequences, splits = encode_and_split(records, data, seed=config["seed"])
        return cls(
            sequences,
            splits,
            batch_size=data["batch_size"],
            reverse_complement=data["reverse_complement"],
            max_shift=data["max_shift"],
            num_workers=data["num_workers"],
            seed=config["seed"],
        )

    def _loader(self, index: np.ndarray | None, *, shuffle: bool) -> DataLoader:
        subset = self.sequences if index is None else self.sequences.subset(index)
        dataset = CodesDataset(subset.codes, subset.targets)
        sampler = EpochSampler(len(dataset), self.seed) if shuffle else None
        return DataLoader(
            dataset,
            batch_size=self.batch_size,
            sampler=sampler,
            collate_fn=keep_batch,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
            generator=torch.Generator().manual_seed(self.seed),  # leaves the global RNG alone
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.splits["train"], shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.splits["val"], shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.splits["test"], shuffle=False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader(None, shuffle=False)

    def on_after_batch_transfer(self, batch, dataloader_idx: int):
        codes, targets = batch
        trainer = self.trainer
        if trainer is not None and trainer.training:
            generator = torch.Generator(device=codes.device).manual_seed(
                self.seed * 1_000_003 + trainer.current_epoch * 100_003 + trainer.global_step
            )
            codes = augment(
                codes,
                self.sequences.alphabet,
                reverse_complement=self.reverse_complement,
                max_shift=self.max_shift,
                generator=generator,
            )
        return codes_to_one_hot(codes, self.sequences.alphabet), targets
