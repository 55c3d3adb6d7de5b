"""Alphabets: symbols, IUPAC ambiguity codes, complements and the lookup tables behind encoding.

Every alphabet assigns each symbol it accepts a compact *code* (uint8). Codes ``0 .. A-1`` are
the core symbols (``ACGT`` for DNA) and index the one-hot rows directly; the following codes are
ambiguity letters whose rows are fractional (``N`` = ¼ of each base, ``R`` = ½ A + ½ G, …); the
last code is the gap ``-``, an all-zero row used for padding. ``alphabet.rows[codes]`` is
therefore the one-hot encoding of any code array, ambiguity included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import torch

INVALID = 255
"""Lookup-table entry for a byte outside the alphabet."""

GAP = "-"
"""Padding symbol: an all-zero column."""

_DNA_AMBIGUITY = {
    "R": "AG",
    "Y": "CT",
    "S": "CG",
    "W": "AT",
    "K": "GT",
    "M": "AC",
    "B": "CGT",
    "D": "AGT",
    "H": "ACT",
    "V": "ACG",
    "N": "ACGT",
}


@dataclass(frozen=True, eq=False)
class Alphabet:
    """A sequence alphabet.

    Parameters
    ----------
    name : str
        Registry name (``"dna"``, ``"rna"``, ``"protein"``).
    symbols : str
        The core symbols, in one-hot row order.
    ambiguity : dict of str to str
        Ambiguity letters and the core symbols each stands for (encoded fractionally).
    complement : str or None
        The complement of each core symbol, or None where the alphabet has none.
    aliases : dict of str to str
        Letters read as another symbol (``U`` reads as ``T`` in DNA).
    """

    name: str
    symbols: str
    ambiguity: dict[str, str] = field(default_factory=dict)
    complement: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of core symbols, A."""
        return len(self.symbols)

    @cached_property
    def letters(self) -> str:
        """The symbol of each code: core symbols, ambiguity letters, then the gap."""
        return self.symbols + "".join(self.ambiguity) + GAP

    @cached_property
    def rows(self) -> np.ndarray:
        """One-hot row of each code, float32 ``(C, A)``."""
        rows = np.zeros((len(self.letters), self.size), dtype=np.float32)
        rows[np.arange(self.size), np.arange(self.size)] = 1.0
        for code, members in enumerate(self.ambiguity.values(), start=self.size):
            rows[code, [self.symbols.index(m) for m in members]] = 1.0 / len(members)
        return rows

    @property
    def gap_code(self) -> int:
        """Code of the all-zero padding column."""
        return len(self.letters) - 1

    @cached_property
    def uniform_code(self) -> int:
        """Code of the ambiguity letter that stands for every symbol (``N``, ``X``)."""
        everything = set(self.symbols)
        return next(
            self.size + i for i, m in enumerate(self.ambiguity.values()) if set(m) == everything
        )

    @cached_property
    def lut(self) -> np.ndarray:
        """Byte → code lookup table, uint8 ``(256,)``; ``INVALID`` outside the alphabet.

        Lowercase (soft-masked) letters map like uppercase.
        """
        lut = np.full(256, INVALID, dtype=np.uint8)
        spelled = {letter: code for code, letter in enumerate(self.letters)}
        spelled.update({alias: spelled[target] for alias, target in self.aliases.items()})
        for letter, code in spelled.items():
            lut[ord(letter.upper())] = code
            lut[ord(letter.lower())] = code
        return lut

    @cached_property
    def complement_codes(self) -> np.ndarray:
        """Code → code of its complement, uint8 ``(C,)`` (``R`` ↔ ``Y``, ``N`` ↔ ``N``, …)."""
        if self.complement is None:
            raise ValueError(f"the {self.name} alphabet has no complement")
        pairs = dict(zip(self.symbols, self.complement, strict=True))
        by_members = {frozenset(m): code for code, m in enumerate(self._members())}
        return np.array(
            [by_members[frozenset(pairs[s] for s in m)] for m in self._members()], dtype=np.uint8
        )

    @cached_property
    def complement_index(self) -> torch.Tensor:
        """Permutation of the one-hot rows that complements them, ``(A,)``."""
        return torch.as_tensor(self.complement_codes[: self.size].astype(np.int64))

    @cached_property
    def complement_table(self) -> dict[int, str]:
        """``str.translate`` table that complements letters, keeping their case."""
        table = {}
        for code, comp in enumerate(self.complement_codes):
            src, dst = self.letters[code], self.letters[comp]
            table[ord(src.upper())] = dst.upper()
            table[ord(src.lower())] = dst.lower()
        return table

    def on_device(self, table: str, device: torch.device | str | None = None) -> torch.Tensor:
        """The lookup table ``table`` (``"rows"``, ``"complement_codes"``) as a tensor on
        ``device``, made once per device so that batches do not copy it again."""
        cache = self.__dict__.setdefault("_tensors", {})
        key = (table, str(device or "cpu"))
        if key not in cache:
            cache[key] = torch.as_tensor(getattr(self, table), device=device)
        return cache[key]

    def _members(self) -> list[str]:
        """Core symbols each code stands for (the gap stands for none)."""
        return [*self.symbols, *self.ambiguity.values(), ""]


DNA = Alphabet(
    name="dna",
    symbols="ACGT",
    ambiguity=_DNA_AMBIGUITY,
    complement="TGCA",
    aliases={"U": "T"},
)
"""DNA: ``ACGT``; ``U`` reads as ``T`` so RNA written in RNA letters encodes unchanged."""

RNA = Alphabet(
    name="rna",
    symbols="ACGU",
    ambiguity={k: v.replace("T", "U") for k, v in _DNA_AMBIGUITY.items()},
    complement="UGCA",
    aliases={"T": "U"},
)
"""RNA: ``ACGU``; ``T`` reads as ``U`` so cDNA or genome sequence encodes unchanged."""

PROTEIN = Alphabet(
    name="protein",
    symbols="ACDEFGHIKLMNPQRSTVWY",
    ambiguity={"B": "DN", "Z": "EQ", "J": "IL", "X": "ACDEFGHIKLMNPQRSTVWY"},
    aliases={"U": "C", "O": "K"},
)
"""Protein: the 20 standard amino acids; ``X`` uniform, ``B``/``Z``/``J`` as their pairs,
selenocysteine ``U`` read as ``C`` and pyrrolysine ``O`` as ``K``. No complement."""

NUMERIC = Alphabet(name="none", symbols="")
"""No sequence: the inputs are numeric channels alone (``data.numeric``); every code is the
gap, which encodes as zero rows."""

ALPHABETS: dict[str, Alphabet] = {a.name: a for a in (DNA, RNA, PROTEIN, NUMERIC)}


def get_alphabet(alphabet: str | Alphabet) -> Alphabet:
    """Return the alphabet named ``alphabet`` (or ``alphabet`` itself)."""
    if isinstance(alphabet, Alphabet):
        return alphabet
    try:
        return ALPHABETS[alphabet.lower()]
    except KeyError:
        choices = ", ".join(ALPHABETS)
        raise ValueError(f"unknown alphabet {alphabet!r}; choose one of {choices}") from None
