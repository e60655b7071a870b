"""The canonical dataset: schema, reading and writing, validation.

>>> import tempfile
>>> from ontrack.synth import simulate
>>> with tempfile.TemporaryDirectory() as tmp:
...     write_dataset(simulate(referrals=30, seed=7), tmp, overwrite=True)
...     validate(tmp)
[]
"""

from ontrack.dataset.files import read_dataset, validate, write_dataset
from ontrack.dataset.problems import DatasetError, Problem
from ontrack.dataset.schema import TABLES, Column, Table, code_lists

__all__ = [
    "TABLES",
    "Column",
    "DatasetError",
    "Problem",
    "Table",
    "code_lists",
    "read_dataset",
    "validate",
    "write_dataset",
]
