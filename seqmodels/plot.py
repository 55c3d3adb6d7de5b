"""Figures in one call: attribution and motif logos, contribution and ISM heatmaps, genome tracks
and training curves.

Every function returns the :class:`matplotlib.figure.Figure` it drew on. Without ``ax`` it makes
a new figure that belongs to no pyplot state, so nothing needs closing and nothing leaks (a
notebook shows the returned figure); with ``ax`` it draws into that Axes. ``path`` saves the
whole figure in the format its suffix names (``.png``, ``.svg``, ``.pdf``, …) at 150 dpi,
through a temporary file that replaces ``path`` only once it is complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import logomaker
import numpy as np
import pandas as pd
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import MaxNLocator

from seqmodels.alphabets import Alphabet, get_alphabet
from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_path
from seqmodels.io.meme import Motif

DPI = 150
_HEADLINE_METRICS = ("auroc", "pearson")
_MAX_TASK_CURVES = 8
"""Above this many tasks the default training curves show only the ``val/mean/`` columns."""


def attribution_logo(
    attributions,
    *,
    alphabet: str | Alphabet = "dna",
    start: int = 0,
    end: int | None = None,
    x0: int = 0,
    title: str | None = None,
    ax: Axes | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Logo of one sequence's attributions: each letter as tall as its signed contribution.

    Parameters
    ----------
    attributions : numpy.ndarray or Tensor, shape (A, L)
        Contribution of each symbol at each position; usually ``X * hypothetical``, so only the
        observed symbol is nonzero. Negative contributions are drawn below the axis.
    alphabet : str or Alphabet
        Row order and letters.
    start, end : int
        The window ``[start, end)`` of positions to draw (``end=None``: to the end).
    x0 : int
        Added to positions on the x axis, e.g. the genome coordinate of position 0.
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.
    path : str or Path, optional
        Also save the figure here.

    Returns
    -------
    matplotlib.figure.Figure
    """
    alphabet = get_alphabet(alphabet)
    values = _window(attributions, alphabet, start, end)
    fig, ax = _axes(ax, (_width(values.shape[1]), 2.2))
    _logo(values, alphabet, x0 + start, ax)
    ax.set(xlabel="position", ylabel="contribution", title=title or "")
    return _finish(fig, path)


def allele_logos(
    ref,
    alt,
    *,
    alphabet: str | Alphabet = "dna",
    start: int = 0,
    end: int | None = None,
    x0: int = 0,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Attribution logos of a variant's two alleles, REF above ALT, on one scale.

    Parameters
    ----------
    ref, alt : numpy.ndarray or Tensor, shape (A, L)
        Contributions of each allele's window (e.g. from
        :func:`~seqmodels.workflows.variants.allele_attributions`).
    start, end, x0, title, path
        As for :func:`attribution_logo`; ``start``/``end`` index both windows alike.

    Returns
    -------
    matplotlib.figure.Figure
    """
    alphabet = get_alphabet(alphabet)
    values = [_window(v, alphabet, start, end) for v in (ref, alt)]
    fig = Figure(figsize=(_width(values[0].shape[1]), 4.4), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True, sharey=True)
    for ax, allele, name in zip(axes, values, ("REF", "ALT"), strict=True):
        _logo(allele, alphabet, x0 + start, ax)
        ax.set(ylabel=f"{name} contribution")
    axes[-1].set(xlabel="position")
    fig.suptitle(title or "")
    return _finish(fig, path)


def motif_logo(
    motif: Motif,
    *,
    alphabet: str | Alphabet = "dna",
    title: str | None = None,
    ax: Axes | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Information-content logo of a motif: each column's probabilities times its bits.

    Parameters
    ----------
    motif : Motif
        Its ``probs``, shape (A, W), has one row per symbol of ``alphabet``.
    alphabet : str or Alphabet
    title : str, optional
        Defaults to the motif's name and alternative name.
    ax : matplotlib.axes.Axes, optional
    path : str or Path, optional

    Returns
    -------
    matplotlib.figure.Figure
        Positions are numbered from 1; the y axis runs from 0 to ``log2(A)`` bits.
    """
    alphabet = get_alphabet(alphabet)
    probs = _window(motif.probs, alphabet, 0, None)
    fig, ax = _axes(ax, (_width(motif.width), 2.2))
    _logo(probs * motif.information_content(), alphabet, 1, ax)
    default = " ".join(filter(None, (motif.name, motif.alt)))
    ax.set(xlabel="position", ylabel="bits", ylim=(0, np.log2(alphabet.size)))
    ax.set_title(default if title is None else title)
    return _finish(fig, path)


def hypothetical_heatmap(
    hypothetical,
    *,
    alphabet: str | Alphabet = "dna",
    start: int = 0,
    end: int | None = None,
    x0: int = 0,
    label: str = "hypothetical contribution",
    title: str | None = None,
    ax: Axes | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Heatmap of hypothetical contributions, one row per symbol, coloured around zero.

    Parameters
    ----------
    hypothetical : numpy.ndarray or Tensor, shape (A, L)
        What each symbol would contribute at each position.
    alphabet : str or Alphabet
        Row order and the letters that label the rows.
    start, end : int
        The window ``[start, end)`` of positions to draw.
    x0 : int
        Added to positions on the x axis.
    label : str
        Colorbar label.
    title : str, optional
    ax : matplotlib.axes.Axes, optional
    path : str or Path, optional

    Returns
    -------
    matplotlib.figure.Figure
        Red is positive, blue negative; the colour scale is symmetric about zero.
    """
    alphabet = get_alphabet(alphabet)
    values = _window(hypothetical, alphabet, start, end)
    length, size = values.shape[1], alphabet.size
    fig, ax = _axes(ax, (_width(length) + 1, 0.3 * size + 1.6))
    limit = float(np.nanmax(np.abs(values), initial=0.0)) or 1.0
    first = x0 + start
    image = ax.imshow(
        values,
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
        aspect="auto",
        interpolation="nearest",
        extent=(first - 0.5, first + length - 0.5, size - 0.5, -0.5),
    )
    ax.set_yticks(np.arange(size), list(alphabet.symbols))
    ax.set(xlabel="position", title=title or "")
    _coordinate_ticks(ax)
    fig.colorbar(image, ax=ax, label=label)
    return _finish(fig, path)


def ism_heatmap(
    ism,
    *,
    alphabet: str | Alphabet = "dna",
    start: int = 0,
    end: int | None = None,
    x0: int = 0,
    label: str = "Δ output",
    title: str | None = None,
    ax: Axes | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Heatmap of in-silico mutagenesis effects, as :func:`hypothetical_heatmap` draws it.

    Parameters
    ----------
    ism : numpy.ndarray or Tensor, shape (A, L)
        Change in the output for each substitution, mutant − reference (zero at the observed
        symbol): one sequence of :func:`seqmodels.attribution.ism.saturation_mutagenesis`.
    alphabet, start, end, x0, label, title, ax, path
        As for :func:`hypothetical_heatmap`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return hypothetical_heatmap(
        ism,
        alphabet=alphabet,
        start=start,
        end=end,
        x0=x0,
        label=label,
        title=title,
        ax=ax,
        path=path,
    )


def plot_tracks(
    tracks: Mapping[str, object],
    *,
    chrom: str | None = None,
    start: int = 0,
    title: str | None = None,
    fig: Figure | SubFigure | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Per-base tracks stacked one panel each, sharing a genome-coordinate x axis.

    Parameters
    ----------
    tracks : mapping of str to numpy.ndarray or Tensor, each shape (L,)
        Track name to values; every track has the same length.
    chrom : str, optional
        Chromosome, the x axis label.
    start : int
        Genome coordinate of position 0: the x values are ``start + arange(L)``.
    title : str, optional
    fig : Figure or SubFigure, optional
        Draw the panels here instead of on a new figure (one Axes cannot hold them all).
    path : str or Path, optional
        Also save the (root) figure here.

    Returns
    -------
    matplotlib.figure.Figure
    """
    arrays = {name: _numpy(values) for name, values in tracks.items()}
    lengths = {values.shape for values in arrays.values()}
    if not arrays or len(lengths) != 1 or len(next(iter(lengths))) != 1:
        raise SeqmodelsError(f"expected one or more 1-D tracks of one length, got {lengths}")
    x = start + np.arange(next(iter(lengths))[0])
    if fig is None:
        fig = Figure(figsize=(8, 0.3 + 1.1 * len(arrays)), layout="constrained")
    axes = fig.subplots(len(arrays), 1, sharex=True, squeeze=False)[:, 0]
    for i, (ax, (name, values)) in enumerate(zip(axes, arrays.items(), strict=True)):
        ax.fill_between(x, values, step="mid", color=f"C{i}", alpha=0.5, linewidth=0)
        ax.plot(x, values, drawstyle="steps-mid", color=f"C{i}", linewidth=0.8)
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
        ax.spines[["top", "right"]].set_visible(False)
    axes[-1].set(xlabel=chrom or "position", xlim=(x[0] - 0.5, x[-1] + 0.5))
    _coordinate_ticks(axes[-1])
    if title:
        fig.suptitle(title)
    return _finish(fig.figure, path)


def plot_training_curves(
    log: str | Path | pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
    fig: Figure | SubFigure | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Loss per epoch (training and validation) and validation metrics per epoch, side by side.

    Parameters
    ----------
    log : str, Path or pandas.DataFrame
        A run's ``metrics.csv`` (one row per epoch, columns ``epoch``, ``train/loss``,
        ``val/loss``, ``val/<task>/<metric>``, ``val/mean/<metric>``) or that table. Several
        rows per epoch, as Lightning's CSV logger writes, are merged; empty cells are skipped.
    metrics : sequence of str, optional
        Columns for the second panel. By default each task's ``auroc`` or ``pearson`` column,
        with the ``val/mean/`` one when there are several tasks (only that above eight tasks).
        An empty sequence draws the loss panel alone.
    title : str, optional
    fig : Figure or SubFigure, optional
        Draw the panels here instead of on a new figure.
    path : str or Path, optional

    Returns
    -------
    matplotlib.figure.Figure
        One line per column, against the epoch.
    """
    table = log if isinstance(log, pd.DataFrame) else pd.read_csv(log)
    if "epoch" not in table:
        raise SeqmodelsError(f"{'the log' if log is table else log}: no epoch column")
    table = table.groupby("epoch").last()
    metrics = _default_metrics(table.columns) if metrics is None else list(metrics)
    missing = [column for column in metrics if column not in table]
    if missing:
        raise SeqmodelsError(f"no column {', '.join(missing)}; have {', '.join(table.columns)}")
    losses = [column for column in ("train/loss", "val/loss") if column in table]
    panels = [(cols, label) for cols, label in ((losses, "loss"), (metrics, "metric")) if cols]
    if not panels:
        raise SeqmodelsError("the log has no train/loss, val/loss or metric columns")
    if fig is None:
        fig = Figure(figsize=(4.5 * len(panels), 3.2), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (columns, label) in zip(axes, panels, strict=True):
        for column in columns:
            values = table[column].dropna()
            ax.plot(values.index, values.to_numpy(), marker="o", markersize=3, label=column)
        ax.set(xlabel="epoch", ylabel=label)
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return _finish(fig.figure, path)


def _default_metrics(columns: Sequence[str]) -> list[str]:
    """Each task's headline validation metric, and the mean over tasks when there are several."""
    found = [c for c in columns if c.startswith("val/") and c.endswith(_HEADLINE_METRICS)]
    means = [c for c in found if c.startswith("val/mean/")]
    tasks = [c for c in found if c not in means]
    if len(tasks) > _MAX_TASK_CURVES:
        return means
    return tasks + means if len(tasks) > 1 else tasks or means


def _numpy(values) -> np.ndarray:
    """An array or tensor (any device or float dtype) as a float64 numpy array."""
    if isinstance(values, torch.Tensor):
        values = values.detach().to("cpu", torch.float64).numpy()
    return np.asarray(values, dtype=np.float64)


def _window(values, alphabet: Alphabet, start: int, end: int | None) -> np.ndarray:
    """``values[:, start:end]`` as numpy, after checking it is ``(A, L)`` for the alphabet."""
    values = _numpy(values)
    if values.ndim != 2 or values.shape[0] != alphabet.size:
        raise SeqmodelsError(
            f"expected shape ({alphabet.size}, L) for the {alphabet.name} alphabet, "
            f"got {values.shape}"
        )
    end = values.shape[1] if end is None else end
    if not 0 <= start < end <= values.shape[1]:
        raise SeqmodelsError(f"window [{start}, {end}) is not within 0..{values.shape[1]}")
    return values[:, start:end]


def _logo(values: np.ndarray, alphabet: Alphabet, first: int, ax: Axes) -> None:
    """Draw ``values`` (A, L) as a logo whose position 0 is at x = ``first``."""
    frame = pd.DataFrame(
        values.T, columns=list(alphabet.symbols), index=first + np.arange(values.shape[1])
    )
    logo = logomaker.Logo(frame, ax=ax)  # colours: logomaker's default for the letters
    logo.style_spines(spines=("top", "right"), visible=False)
    _coordinate_ticks(ax)


def _coordinate_ticks(ax: Axes) -> None:
    """Whole-number x ticks written in full (no offset), spaced so that long genome
    coordinates do not overlap."""
    inches = ax.get_window_extent().width / ax.figure.figure.dpi
    digits = len(str(round(max(np.abs(ax.get_xlim())))))
    bins = max(2, int(inches / (0.1 * digits + 0.3)))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=bins, integer=True))
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)


def _width(length: int) -> float:
    """Figure width in inches for ``length`` positions."""
    return min(max(4.0, 0.15 * length), 20.0)


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """``ax`` and its root figure, or a new pyplot-free figure with one Axes."""
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    return ax.figure.figure, ax


def _finish(fig: Figure, path: str | Path | None) -> Figure:
    """Save ``fig`` to ``path`` (if given) atomically, in the format its suffix names."""
    if path is not None:
        fmt = Path(path).suffix.removeprefix(".").lower()
        if fmt not in fig.canvas.get_supported_filetypes():
            raise SeqmodelsError(f"{path}: cannot save a figure as {fmt!r}; use .png or .svg")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=DPI)
    return fig
