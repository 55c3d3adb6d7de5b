"""Workflows: files in, files out. Each composes the library layers (encoding, io, data,
models, task, attribution, motifs), works a chunk at a time where inputs can be large, and
writes its outputs atomically; the ``seqmodels`` command parses arguments and calls one.

- :mod:`~seqmodels.workflows.train`: a config → a run directory with checkpoints and metrics
- :mod:`~seqmodels.workflows.predict`: a checkpoint and inputs → predictions, metrics
- :mod:`~seqmodels.workflows.attribute`: a checkpoint and inputs → bigWig, bedGraph, npz
- :mod:`~seqmodels.workflows.motifs`: a checkpoint and inputs → motifs, matches, a report
- :mod:`~seqmodels.workflows.inputs` and :mod:`~seqmodels.workflows.sharding`: shared steps

Import from the modules: ``from seqmodels.workflows.train import train``.
"""
