"""Keyword ROI models: click response to bid, conversion rate, value, cost; with intervals.

One model per module, each readable and replaceable alone:

* :mod:`sem.roi.clicks`: clicks/day vs bid, ``min(click_ceiling, a * x ** b)``, the
  elasticity shrunk by category, the ceiling from flattening bid landscapes;
* :mod:`sem.roi.volume`: the volume at each keyword's reference bid (Poisson-lognormal
  empirical Bayes; impressions/day x a beta-binomial CTR when impressions are reported;
  both priors centred by category, then moved toward the keyword's ad group where ad groups
  differ);
* :mod:`sem.roi.conversion`: conversion rate, beta-binomial empirical Bayes by category;
* :mod:`sem.roi.order_value`: value per conversion, log-normal, shrunk toward the price;
* :mod:`sem.roi.cost`: cost per click as a share of the bid, shrunk toward the category's;
* :mod:`sem.roi.draws`: joint posterior draws and the ROAS / marginal ROAS / profit intervals.

:mod:`sem.roi.fit` composes them (:func:`fit_models`), :mod:`sem.roi.summary` rolls them up
(:func:`summarize`); :mod:`sem.roi.data` reads the history, :mod:`sem.roi.pooling` holds the
shared empirical-Bayes helpers, :mod:`sem.roi.options` the options. :mod:`sem.roi.shared`
carries the account-wide quantities (priors, dispersions, medians) from a sample to the
keyword chunks of a large account's fit: every model computes them through
:func:`sem.roi.shared.account_wide`.

``shrinkage`` scales every prior's strength (1 = the fitted empirical-Bayes prior; 0 = no
pooling); the bidding policy search tunes it.
"""

from sem.roi.data import DAILY_COLUMNS, load_frames
from sem.roi.draws import posterior_draws
from sem.roi.fit import fit_models
from sem.roi.options import RoiOptions, options_from_settings
from sem.roi.summary import LEVELS, summarize

__all__ = [
    "DAILY_COLUMNS",
    "LEVELS",
    "RoiOptions",
    "fit_models",
    "load_frames",
    "options_from_settings",
    "posterior_draws",
    "summarize",
]
