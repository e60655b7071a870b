"""Expected-response models: a growth curve and a nearest-neighbour model, one interface."""

from ontrack.monitoring.models.base import Expectation, ExpectedResponseModel
from ontrack.monitoring.models.curve import CurveModel, fit_curve
from ontrack.monitoring.models.neighbours import NeighbourModel, fit_neighbours

__all__ = [
    "CurveModel",
    "Expectation",
    "ExpectedResponseModel",
    "NeighbourModel",
    "fit_curve",
    "fit_neighbours",
]
