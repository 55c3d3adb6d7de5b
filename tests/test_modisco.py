"""TF-MoDISco (modisco-lite, in-process) on hand-built hypothetical contributions: planted
sites of both signs and strands come back as trimmed patterns whose seqlets lie on them."""

import numpy as np
import pytest

from seqmodels.motifs.modisco import MIN_SHARE, _window, find_patterns


def contributions(n=400, length=120, seed=0):
    """One-hot sequences ``(n, 4, L)`` and hypothetical contributions: noise, a GATA site
    raising the output in the first half of the sequences (either strand), a CCAAT box lowering
    it in the second half. Returns them with the planted ``(row, start, strand, sign)``."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, (n, length))
    hypothetical = rng.normal(0, 0.02, (n, 4, length))
    planted = []
    for i in range(n):
        site, sign = ("AGATAAGA", 1) if i < n // 2 else ("CCAATCAG", -1)
        strand = "+" if i % 2 else "-"
        if strand == "-":
            site = site[::-1].translate(str.maketrans("ACGT", "TGCA"))
        start = int(rng.integers(25, length - 25 - len(site)))
        for j, base in enumerate(site):
            codes[i, start + j] = "ACGT".index(base)
            column = np.full(4, -0.2 * sign)
            column["ACGT".index(base)] = sign * 1.0
            hypothetical[i, :, start + j] = column
        planted.append((i, start, start + len(site), strand, sign))
    one_hot = np.eye(4)[codes].transpose(0, 2, 1)
    return one_hot, hypothetical, planted


@pytest.mark.slow  # modisco-lite compiles its numba kernels on first use
def test_planted_sites_of_both_signs_come_back_as_trimmed_patterns_on_their_sites():
    one_hot, hypothetical, planted = contributions()
    patterns = find_patterns(one_hot, hypothetical, prefix="T.")
    assert [p.name for p in patterns][:1] == ["T.pos0"] and any(p.sign < 0 for p in patterns)
    for pattern, site in (
        (patterns[0], "AGATAAGA"),
        (next(p for p in patterns if p.sign < 0), "CCAATCAG"),
    ):
        consensus = "".join("ACGT"[i] for i in pattern.ppm.argmax(axis=0))
        reverse = site[::-1].translate(str.maketrans("ACGT", "TGCA"))
        assert site in consensus or reverse in consensus  # trimmed to about the site
        assert pattern.width <= len(site) + 4
        assert np.sign(pattern.cwm.sum()) == pattern.sign
        truth = {row: (start, strand) for row, start, end, strand, sign in planted
                 if sign == pattern.sign}  # fmt: skip
        on_site = [
            truth[row][0] - 2 <= start and end <= truth[row][0] + len(site) + 2
            for row, start, end in pattern.seqlets[["sequence", "start", "end"]].itertuples(
                index=False
            )
        ]
        assert len(pattern.seqlets) >= 30 and np.mean(on_site) > 0.95
        strands = [truth[row][1] for row in pattern.seqlets["sequence"]]
        agree = np.mean(np.array(strands) == pattern.seqlets["strand"].to_numpy())
        assert agree > 0.95 or agree < 0.05  # one orientation throughout (the pattern's own)
        per_base = (one_hot * hypothetical).sum(axis=1)
        spans = pattern.seqlets[["sequence", "start", "end"]].itertuples(index=False)
        summed = [per_base[row, start:end].sum() for row, start, end in spans]
        assert np.allclose(pattern.seqlets["score"], summed)
        assert np.sign(summed).tolist() == [pattern.sign] * len(summed)
        assert pattern.share == pytest.approx(np.abs(summed).sum() / np.abs(per_base).sum())
        # all sites of a motif carry about 40% of the contribution (1,600 of ~4,000)
        assert MIN_SHARE < pattern.share < 0.45


def test_the_seqlet_window_fits_short_sequences():
    assert _window(200) == (21, 10)  # modisco's defaults
    for length in (12, 30, 40):
        window, flank = _window(length)
        assert window % 2 == 1 and window + 2 * flank <= length
