"""Batches for Lightning: uint8 codes are gathered a batch at a time and one-hot encoded on the
device the batch lands on, after augmentation; numeric input channels follow the one-hot rows.

A batch is ``(X, y, index)``: the model inputs, their labels and their indices in the split,
by which augmentation is drawn (a function of the seed, the epoch and the sequence, not of the
batch) and by which DDP evaluation counts each sequence once.
"""

from __future__ import annotations

import numpy as np
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from seqmodels.alphabets import Alphabet
from seqmodels.data.sets import SequenceSet
from seqmodels.encoding import model_inputs
from seqmodels.encoding import reverse_complement as reverse_complement_of
from seqmodels.io.coverage import reversed_order
from seqmodels.randomness import item_keys, uniform


class CodesDataset(Dataset):
    """Codes ``(N, L)`` uint8, numeric channels ``(N, C, L)`` (C may be 0), targets and
    indices, gathered a whole batch at once.

    ``__getitems__`` lets the DataLoader fetch a batch with one gather instead of N
    ``__getitem__`` calls and a collate.
    """

    def __init__(
        self, codes: np.ndarray, targets: np.ndarray | None, numeric: np.ndarray | None = None
    ):
        self.codes = torch.from_numpy(np.ascontiguousarray(codes))
        n, length = codes.shape
        self.targets = torch.from_numpy(targets) if targets is not None else torch.zeros(n, 0)
        self.numeric = torch.zeros(n, 0, length) if numeric is None else torch.from_numpy(numeric)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
        return self.__getitems__([index])

    def __getitems__(self, indices: list[int]) -> tuple[torch.Tensor, ...]:
        index = torch.as_tensor(indices, dtype=torch.int64)
        return self.codes[index], self.numeric[index], self.targets[index], index


class EpochSampler(Sampler[int]):
    """A random permutation per epoch, seeded by ``(random_state, epoch)`` so a resumed run
    replays it. Lightning calls :meth:`set_epoch` at the start of each epoch.
    """

    def __init__(self, n: int, random_state: int = 0):
        self.n, self.random_state, self.epoch = n, random_state, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.random_state * 1_000_003 + self.epoch)
        return iter(torch.randperm(self.n, generator=generator).tolist())


def keep_batch(batch):
    """Collate function for batches that ``__getitems__`` already assembled."""
    return batch


def augmentation(
    index: np.ndarray, *, random_state: int, epoch: int, reverse_complement: bool, max_shift: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which sequences to reverse-complement (half of them) and by how much to shift each
    (±``max_shift``), drawn from the seed, the epoch and each sequence's index alone.

    Returns
    -------
    flip : numpy.ndarray, bool, shape (N,)
    shift : numpy.ndarray, int64, shape (N,)
    """
    draws = uniform(item_keys(torch.as_tensor(index.copy()), random_state, epoch), 2).numpy()
    flip = (draws[:, 0] < 0.5) & reverse_complement
    shift = np.floor(draws[:, 1] * (2 * max_shift + 1)).astype(np.int64) - max_shift
    return flip, shift


def augment(
    codes: torch.Tensor, alphabet: Alphabet, *, flip: torch.Tensor, shift: torch.Tensor
) -> torch.Tensor:
    """Reverse-complement the sequences marked in ``flip``, then shift each by ``shift``.

    Parameters
    ----------
    codes : torch.Tensor, uint8, shape (N, L)
    flip : torch.Tensor, bool, shape (N,)
    shift : torch.Tensor, int64, shape (N,)
        Positive shifts move the sequence right.

    Returns
    -------
    torch.Tensor, uint8, shape (N, L)
        Shifted-in positions are gaps (zeros once one-hot encoded).
    """
    length = codes.shape[1]
    if flip.any():
        codes = torch.where(flip[:, None], reverse_complement_of(codes, alphabet), codes)
    if shift.any():
        source = torch.arange(length, device=codes.device) - shift[:, None]
        inside = (source >= 0) & (source < length)
        shifted = codes.gather(1, source.clamp(0, length - 1))
        codes = torch.where(inside, shifted, torch.full_like(codes, alphabet.gap_code))
    return codes


def reverse_profiles(profiles: torch.Tensor, flip: torch.Tensor, strands: list[int]):
    """Profiles ``(N, K, P)`` with those of the ``flip`` rows read from the other strand:
    positions reversed, each stranded task's two tracks swapped."""
    order = torch.from_numpy(reversed_order(strands)).to(profiles.device)
    reversed_ = profiles[:, order].flip(-1)
    return torch.where(flip[:, None, None], reversed_, profiles)


def augment_channels(
    numeric: torch.Tensor, strands: list[int], *, flip: torch.Tensor, shift: torch.Tensor
) -> torch.Tensor:
    """Numeric channels ``(N, C, L)`` augmented with their sequences (:func:`augment`):
    reversed (stranded pairs swapped) where ``flip``, then shifted, zeros shifted in."""
    if not numeric.shape[1]:
        return numeric
    if flip.any():
        numeric = reverse_profiles(numeric, flip, strands)
    if shift.any():
        length = numeric.shape[-1]
        source = torch.arange(length, device=numeric.device) - shift[:, None]
        inside = ((source >= 0) & (source < length))[:, None]
        index = source.clamp(0, length - 1)[:, None].expand_as(numeric)
        numeric = torch.where(inside, numeric.gather(2, index), 0.0)
    return numeric


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
    random_state : int
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
        random_state: int = 0,
    ):
        super().__init__()
        self.sequences, self.splits = sequences, splits
        self.batch_size, self.num_workers = batch_size, num_workers
        self.random_state = random_state
        self.reverse_complement, self.max_shift = reverse_complement, max_shift

    def _loader(self, index: np.ndarray | None, *, shuffle: bool) -> DataLoader:
        subset = self.sequences if index is None else self.sequences.subset(index)
        profiles = subset.profiles is not None
        dataset = CodesDataset(
            subset.codes, subset.profiles if profiles else subset.targets, subset.numeric
        )
        sampler = EpochSampler(len(dataset), self.random_state) if shuffle else None
        return DataLoader(
            dataset,
            batch_size=self.batch_size,
            sampler=sampler,
            collate_fn=keep_batch,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
            generator=torch.Generator().manual_seed(
                self.random_state
            ),  # leaves the global RNG alone
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
        codes, numeric, targets, index = batch
        trainer = self.trainer
        augmenting = self.reverse_complement or self.max_shift
        if trainer is not None and trainer.training and augmenting:
            flip, shift = augmentation(
                index.cpu().numpy(),
                random_state=self.random_state,
                epoch=trainer.current_epoch,
                reverse_complement=self.reverse_complement,
                max_shift=self.max_shift,
            )
            device = codes.device
            flip, shift = torch.from_numpy(flip).to(device), torch.from_numpy(shift).to(device)
            codes = augment(codes, self.sequences.alphabet, flip=flip, shift=shift)
            numeric = augment_channels(
                numeric, self.sequences.channel_strands, flip=flip, shift=shift
            )
            if self.sequences.profiles is not None and flip.any():
                targets = reverse_profiles(targets, flip, self.sequences.strands)
        return model_inputs(codes, numeric, self.sequences.alphabet), targets, index
