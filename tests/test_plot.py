import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from seqmodels import SeqmodelsError, one_hot_encode
from seqmodels.io.meme import Motif
from seqmodels.plot import (
    allele_logos,
    attribution_logo,
    hypothetical_heatmap,
    ism_heatmap,
    motif_logo,
    plot_tracks,
    plot_training_curves,
)

# logomaker's "classic" colours, to tell which letter a glyph is
CLASSIC = {(0, 0.5, 0): "A", (0, 0, 1): "C", (1, 0.65, 0): "G", (1, 0, 0): "T"}


def _contributions(length: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """``X * hypothetical`` and ``hypothetical`` for a random sequence, ``(4, L)`` each."""
    rng = np.random.default_rng(0)
    X = one_hot_encode("".join(rng.choice(list("ACGT"), size=length)))[0]
    hypothetical = rng.normal(size=(4, length))
    return np.asarray(X, dtype=np.float64) * hypothetical, hypothetical


def _log_table() -> pd.DataFrame:
    """A ``metrics.csv`` as EpochLog writes it; one metric went unlogged (NaN) in epoch 1."""
    return pd.DataFrame(
        {
            "epoch": [0, 1, 2],
            "step": [10, 20, 30],
            "lr": [1e-3, 1e-3, 5e-4],
            "train/loss": [0.9, 0.7, 0.6],
            "val/CTCF/auprc": [0.5, 0.6, 0.7],
            "val/CTCF/auroc": [0.6, 0.7, 0.8],
            "val/SPI1/auroc": [0.55, np.nan, 0.75],
            "val/loss": [0.95, 0.8, 0.7],
            "val/mean/auprc": [0.5, 0.6, 0.7],
            "val/mean/auroc": [0.575, 0.7, 0.775],
        }
    )


def _glyphs(ax) -> list[tuple[int, str, float, float]]:
    """(position, letter, bottom, top) of each letter of a logo."""
    boxes = [(p.get_path().get_extents(), p.get_facecolor()) for p in ax.patches]
    return [(round((b.x0 + b.x1) / 2), CLASSIC[to_rgb(c)], b.y0, b.y1) for b, c in boxes]


MOTIF = Motif("MA0139.2", np.random.default_rng(1).dirichlet(np.ones(4), size=6).T, alt="CTCF")

DRAWINGS = {
    "attribution_logo": lambda path: attribution_logo(_contributions()[0], path=path),
    "motif_logo": lambda path: motif_logo(MOTIF, path=path),
    "hypothetical_heatmap": lambda path: hypothetical_heatmap(_contributions()[1], path=path),
    "ism_heatmap": lambda path: ism_heatmap(_contributions()[1], path=path),
    "plot_tracks": lambda path: plot_tracks({"a": np.arange(20.0), "b": np.ones(20)}, path=path),
    "plot_training_curves": lambda path: plot_training_curves(_log_table(), path=path),
}


@pytest.mark.parametrize("name", DRAWINGS)
def test_saves_png_and_svg_without_pyplot_figures(name, tmp_path):
    before = plt.get_fignums()
    for suffix in ("png", "svg"):
        fig = DRAWINGS[name](tmp_path / f"figure.{suffix}")
        assert isinstance(fig, Figure)
    png = (tmp_path / "figure.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1024
    assert ET.parse(tmp_path / "figure.svg").getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.png", "figure.svg"]
    assert plt.get_fignums() == before


def test_attribution_logo_letters_have_the_contributions(tmp_path):
    attributions, _ = _contributions(12)
    fig = attribution_logo(torch.from_numpy(attributions), start=2, end=10, x0=1000)
    drawn = sorted(_glyphs(fig.axes[0]))
    nonzero = np.argwhere(attributions[:, 2:10])
    expected = sorted((1002 + c, "ACGT"[r], attributions[r, 2 + c]) for r, c in nonzero)
    assert [(x, letter) for x, letter, _, _ in drawn] == [(x, letter) for x, letter, _ in expected]
    # each glyph runs from 0 to its contribution, up or down
    np.testing.assert_allclose([low + high for *_, low, high in drawn], [v for *_, v in expected])


def test_allele_logos_draw_each_allele_on_its_own_row(tmp_path):
    ref, _ = _contributions(12)
    alt = ref.copy()
    alt[:, 5] = 0.0
    alt[2, 5] = -0.7  # the variant: a G that lowers the output
    fig = allele_logos(ref, alt, start=2, end=10, x0=1000, path=tmp_path / "pair.png")
    top, bottom = fig.axes
    assert top.get_ylabel() == "REF contribution" and bottom.get_ylabel() == "ALT contribution"
    assert top.get_ylim() == bottom.get_ylim()  # one scale
    at_variant = [g for g in _glyphs(bottom) if g[0] == 1005]
    assert [(letter, round(low + high, 6)) for _, letter, low, high in at_variant] == [("G", -0.7)]
    assert sorted(_glyphs(top)) == sorted(_glyphs(attribution_logo(ref, start=2, end=10,
                                                                    x0=1000).axes[0]))  # fmt: skip
    assert (tmp_path / "pair.png").stat().st_size > 0


def test_motif_logo_stacks_are_the_information_content():
    fig = motif_logo(MOTIF)
    (ax,) = fig.axes
    tops = {}
    for x, _, _, high in _glyphs(ax):
        tops[x] = max(tops.get(x, 0.0), high)
    assert sorted(tops) == list(range(1, MOTIF.width + 1))
    np.testing.assert_allclose([tops[p] for p in sorted(tops)], MOTIF.information_content())
    assert ax.get_title() == "MA0139.2 CTCF" and ax.get_ylabel() == "bits"
    assert ax.get_ylim() == (0, 2)


def test_heatmap_shows_the_window_centred_on_zero():
    _, hypothetical = _contributions(12)
    fig = hypothetical_heatmap(torch.from_numpy(hypothetical), start=3, end=9, x0=500)
    ax, colorbar = fig.axes
    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array(), hypothetical[:, 3:9])
    low, high = image.get_clim()
    assert low == -high == -np.abs(hypothetical[:, 3:9]).max()
    assert image.get_extent() == [502.5, 508.5, 3.5, -0.5]
    assert [t.get_text() for t in ax.get_yticklabels()] == list("ACGT")
    assert colorbar.get_ylabel() == "hypothetical contribution"
    assert ism_heatmap(hypothetical).axes[1].get_ylabel() == "Δ output"


def test_tracks_share_genome_coordinates():
    tracks = {"signal": np.linspace(0, 1, 30), "attribution": torch.linspace(-1, 1, 30)}
    fig = plot_tracks(tracks, chrom="chr2", start=1_000_000, title="locus")
    assert len(fig.axes) == 2
    for ax, values in zip(fig.axes, tracks.values(), strict=True):
        (line,) = ax.lines
        np.testing.assert_array_equal(line.get_xdata(), 1_000_000 + np.arange(30))
        np.testing.assert_allclose(line.get_ydata(), np.asarray(values), rtol=1e-6)
    assert fig.axes[-1].get_xlabel() == "chr2"
    assert fig.axes[0].get_shared_x_axes().joined(*fig.axes)
    with pytest.raises(SeqmodelsError, match="one length"):
        plot_tracks({"a": np.ones(3), "b": np.ones(4)})


def test_training_curves_plot_each_column_per_epoch(tmp_path):
    _log_table().to_csv(tmp_path / "metrics.csv", index=False)
    fig = plot_training_curves(tmp_path / "metrics.csv")
    loss, metric = fig.axes
    assert [line.get_label() for line in loss.lines] == ["train/loss", "val/loss"]
    expected = ["val/CTCF/auroc", "val/SPI1/auroc", "val/mean/auroc"]
    assert [line.get_label() for line in metric.lines] == expected
    spi1 = metric.lines[1]
    np.testing.assert_array_equal(spi1.get_xdata(), [0, 2])
    np.testing.assert_allclose(spi1.get_ydata(), [0.55, 0.75])
    np.testing.assert_allclose(loss.lines[1].get_ydata(), [0.95, 0.8, 0.7])

    only = plot_training_curves(_log_table(), metrics=["val/CTCF/auprc"])
    assert [line.get_label() for line in only.axes[1].lines] == ["val/CTCF/auprc"]
    with pytest.raises(SeqmodelsError, match="no column val/x"):
        plot_training_curves(_log_table(), metrics=["val/x"])


def test_training_curves_merge_separate_train_and_val_rows():
    # Lightning's CSV logger: the training and validation values of an epoch on separate rows
    table = pd.DataFrame(
        {
            "epoch": [0, 0, 1, 1],
            "train/loss": [np.nan, 0.9, np.nan, 0.7],
            "val/loss": [1.0, np.nan, 0.8, np.nan],
            "val/reg/pearson": [0.3, np.nan, 0.5, np.nan],
        }
    )
    loss, metric = plot_training_curves(table).axes
    np.testing.assert_allclose(loss.lines[0].get_ydata(), [0.9, 0.7])
    np.testing.assert_allclose(loss.lines[1].get_ydata(), [1.0, 0.8])
    assert [line.get_label() for line in metric.lines] == ["val/reg/pearson"]


def test_draws_into_a_given_axes(tmp_path):
    fig = Figure()
    left, right = fig.subplots(1, 2)
    attributions, hypothetical = _contributions()
    assert attribution_logo(attributions, ax=right) is fig
    assert hypothetical_heatmap(hypothetical, ax=left, path=tmp_path / "both.png") is fig
    assert right.patches and not right.images and left.images and not left.patches
    assert (tmp_path / "both.png").stat().st_size > 1024


def test_failed_save_leaves_the_old_file(tmp_path):
    target = tmp_path / "logo.png"
    attribution_logo(_contributions()[0], path=target)
    old = target.read_bytes()
    with pytest.raises(ValueError):  # unparseable mathtext fails while drawing
        attribution_logo(_contributions()[0], title=r"$\frac{$", path=target)
    assert target.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["logo.png"]
    with pytest.raises(SeqmodelsError, match="cannot save"):
        attribution_logo(_contributions()[0], path=tmp_path / "logo.txt")


def test_rejects_a_matrix_that_does_not_fit_the_alphabet():
    with pytest.raises(SeqmodelsError, match=r"expected shape \(4, L\)"):
        attribution_logo(np.zeros((20, 5)))
    with pytest.raises(SeqmodelsError, match="window"):
        hypothetical_heatmap(np.zeros((4, 5)), start=3, end=9)
    protein = Motif("p", np.random.default_rng(2).dirichlet(np.ones(20), size=3).T)
    assert motif_logo(protein, alphabet="protein").axes[0].get_ylim() == (0, np.log2(20))
