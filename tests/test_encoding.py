import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqmodels import (
    DNA,
    PROTEIN,
    RNA,
    SeqmodelsError,
    decode,
    one_hot_encode,
    reverse_complement,
    to_indices,
)

A, C, G, T = np.eye(4)


def columns(x: torch.Tensor) -> np.ndarray:
    """One-hot (1, A, L) as a list of columns (L, A)."""
    return x[0].T.numpy()


def test_plain_dna_is_one_hot_in_acgt_order():
    x = one_hot_encode("ACGTTGCA")
    assert x.shape == (1, 4, 8) and x.dtype == torch.float32
    np.testing.assert_array_equal(columns(x), [A, C, G, T, T, G, C, A])


def test_lowercase_encodes_like_uppercase():
    assert torch.equal(one_hot_encode("acgtnryk"), one_hot_encode("ACGTNRYK"))


def test_iupac_codes_encode_fractionally():
    x = columns(one_hot_encode("NRYSWKMBDHV"))
    expected = [
        [0.25] * 4,  # N
        (A + G) / 2,  # R
        (C + T) / 2,  # Y
        (C + G) / 2,  # S
        (A + T) / 2,  # W
        (G + T) / 2,  # K
        (A + C) / 2,  # M
        (C + G + T) / 3,  # B
        (A + G + T) / 3,  # D
        (A + C + T) / 3,  # H
        (A + C + G) / 3,  # V
    ]
    np.testing.assert_allclose(x, expected, rtol=1e-6)


def test_u_in_dna_reads_as_t_and_t_in_rna_as_u():
    assert torch.equal(one_hot_encode("ACGU", "dna"), one_hot_encode("ACGT", "dna"))
    assert torch.equal(one_hot_encode("ACGT", "rna"), one_hot_encode("ACGU", "rna"))
    assert RNA.symbols == "ACGU"


def test_protein_ambiguity_and_aliases():
    x = columns(one_hot_encode("XBZJUO", "protein"))
    aa = PROTEIN.symbols
    np.testing.assert_allclose(x[0], np.full(20, 1 / 20), rtol=1e-6)
    for col, pair in zip(x[1:4], ("DN", "EQ", "IL"), strict=True):
        expected = np.zeros(20)
        expected[[aa.index(p) for p in pair]] = 0.5
        np.testing.assert_allclose(col, expected)
    assert aa[int(np.argmax(x[4]))] == "C" and aa[int(np.argmax(x[5]))] == "K"


def test_indices_are_compact_uint8_with_acgt_first():
    codes = to_indices(["ACGT", "NNAC"])
    assert codes.dtype == np.uint8 and codes.shape == (2, 4)
    np.testing.assert_array_equal(codes[0], [0, 1, 2, 3])
    assert np.all(DNA.rows[codes[1, :2]] == 0.25)


def test_padding_is_zero_and_centred_by_default():
    x = one_hot_encode(["AC", "ACGTAC"], length=4)
    np.testing.assert_array_equal(x[0].T.numpy(), [np.zeros(4), A, C, np.zeros(4)])
    assert decode(x) == ["-AC-", "CGTA"]  # trimmed around the centre


@pytest.mark.parametrize(
    ("align", "expected"), [("start", ["AC--", "ACGT"]), ("end", ["--AC", "GTAC"])]
)
def test_alignment_options(align, expected):
    assert decode(to_indices(["AC", "ACGTAC"], length=4, align=align)) == expected


def test_unequal_lengths_need_a_length():
    with pytest.raises(SeqmodelsError, match="differ in length"):
        to_indices(["ACGT", "AC"])


def test_unknown_symbol_names_record_and_position():
    with pytest.raises(SeqmodelsError, match=r"record chr2: unknown symbol 'Z' at position 3"):
        to_indices(["ACGT", "ACZT"], names=["chr1", "chr2"])


def test_unknown_symbol_options():
    np.testing.assert_array_equal(columns(one_hot_encode("AZ", unknown="zero"))[1], np.zeros(4))
    np.testing.assert_array_equal(columns(one_hot_encode("AZ", unknown="uniform"))[1], [0.25] * 4)


def test_gap_encodes_as_zeros():
    np.testing.assert_array_equal(columns(one_hot_encode("A-"))[1], np.zeros(4))


def test_reverse_complement_of_strings_keeps_case_and_ambiguity():
    assert reverse_complement("AACgtRYN") == "NRYacGTT"
    assert reverse_complement(["ACGU"], "rna") == ["ACGU"]
    assert reverse_complement("AUGC", "rna") == "GCAU"


def test_reverse_complement_of_fractional_one_hot_matches_the_string():
    seq = "ACRMNgtB"
    assert torch.equal(
        reverse_complement(one_hot_encode(seq)), one_hot_encode(reverse_complement(seq))
    )


def test_reverse_complement_of_codes():
    codes = to_indices(["ACGRN"])
    assert decode(reverse_complement(codes)) == ["NYCGT"]
    assert decode(reverse_complement(torch.from_numpy(codes))) == ["NYCGT"]


def test_protein_has_no_complement():
    with pytest.raises(ValueError, match="no complement"):
        reverse_complement("ACD", "protein")


DNA_TEXT = st.text(alphabet="ACGTRYSWKMBDHVN-acgtn", min_size=1, max_size=50)


@settings(max_examples=50, deadline=None)
@given(st.lists(DNA_TEXT, min_size=1, max_size=5))
def test_decode_inverts_encode(seqs):
    length = max(map(len, seqs))
    padded = [s.upper().ljust(length, "-") for s in seqs]
    x = one_hot_encode(padded)
    assert decode(x) == padded
    assert decode(to_indices(padded)) == padded


@settings(max_examples=50, deadline=None)
@given(DNA_TEXT)
def test_reverse_complement_is_an_involution(seq):
    assert reverse_complement(reverse_complement(seq)) == seq
    x = one_hot_encode(seq)
    assert torch.equal(reverse_complement(reverse_complement(x)), x)
