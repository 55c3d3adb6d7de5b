from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """Tiny real input files."""
    return DATA


@pytest.fixture
def genome(tmp_path) -> Path:
    """A copy of the tiny genome (pyfaidx writes its index beside it)."""
    copy = tmp_path / "genome.fa"
    copy.write_text((DATA / "genome.fa").read_text())
    return copy


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A briefly trained model on intervals of a random three-chromosome genome: ``x.bed``,
    ``genome.fa`` and ``run/checkpoints/best.ckpt`` under the returned directory."""
    import numpy as np

    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    path = tmp_path_factory.mktemp("run")
    genome = path / "genome.fa"
    rng = np.random.default_rng(0)
    chroms = {name: "".join(rng.choice(list("ACGT"), 400)) for name in ("chr1", "chr2", "chr3")}
    genome.write_text("".join(f">{c}\n{s}\n" for c, s in chroms.items()))
    lines = [
        f"{c}\t{s}\t{s + 20}\t{int(i % 2)}"
        for i, (c, s) in enumerate((c, s) for c in chroms for s in range(0, 380, 10))
    ]
    (path / "x.bed").write_text("#chrom\tstart\tend\tbound\n" + "\n".join(lines) + "\n")
    config = load_config()
    config["data"].update(
        bed=str(path / "x.bed"),
        genome=str(genome),
        length=20,
        val_chroms=["chr2"],
        test_chroms=["chr3"],
    )
    config["model"] = {"name": "cnn", "filters": [4], "kernel_sizes": [3], "dense": []}
    config["trainer"].update(
        max_epochs=1, accelerator="cpu", enable_progress_bar=False, enable_model_summary=False
    )
    train(config, path / "run")
    return path
