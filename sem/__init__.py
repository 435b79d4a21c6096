"""SEM data sources (Google Ads API, report exports) and ROI models.

Python API (small, DataFrame-returning; the CLI is ``searchops sem pull|import|roi``).
The synthetic demo account (``searchops sem demo``) and the local Google Ads API server
that serves it are test doubles: they live in the top-level ``demo`` package
(``demo.ads_account``, ``demo.ads_server``), which this package never imports.

``sem.tables``
    The workspace tables (``sem_keywords``, ``sem_keyword_daily``, ``sem_shopping_daily``,
    ``sem_products``, ``sem_bid_landscape``, ``sem_search_terms``; demo truth ``sem_truth``,
    ``sem_truth_season``, ``sem_truth_coverage``), their documented columns, and
    ``write(workspace, table, df, source=, pull_id=, since=, until=)`` (replace, never
    duplicate) / ``read(workspace, table, source=)`` / ``sources(workspace)``.

``sem.ads_api.pull(client, customer_id, since, until, policy=None, options=None,
now=None) -> dict``
    Every SEM table of a Google Ads account through ``GoogleAdsService.SearchStream``: keywords
    (with the campaign's bidding strategy and a ``smart_bidding`` flag), daily metrics with
    daily bids rebuilt from ``change_event`` (keyword_view only reports today's bid), campaigns
    with budgets and lost impression share, Shopping performance and product-group bids, bid
    simulations, search terms, and the conversion lag curve with lag-adjusted recent days
    (``sem.history``). ``options``: ``PullOptions.from_settings()`` (``[sem]``, Google's
    limits); ``client_accounts(client, manager_id)`` lists a manager's clients;
    ``pull_bid_changes(...)`` the change history alone;
    ``save_pull(workspace, frames, customer_id, since, until)``; ``load_client(...)`` /
    ``client_from_environment(...)`` (google-ads.yaml or GOOGLE_ADS_* variables);
    ``with_retries(call, policy, what)`` and ``stream_rows(client, customer_id, query)`` for
    other callers (bid uploads).

``sem.exports.import_file(workspace, path, platform="auto", source=None, options=None)``
    A Google Ads / Microsoft Advertising keyword or shopping export, streamed, in one
    transaction (``ImportOptions``: customer_id, currency, allow); ``parse_export(path)``
    parses and validates without writing.

``sem.roi.fit_models(workspace_or_frames, *, source=None, since=None, until=None,
options=None, **overrides) -> DataFrame``
    One row per keyword. Options default to the settings (``RoiOptions.from_settings()``:
    ``[sem]`` of default.toml and the project's searchops.toml; the dataclass has no defaults
    of its own). Overrides: ``margin``, ``interval``, ``shrinkage`` (prior strength multiplier;
    0 = no pooling), ``landscape_weight``, ``min_clicks``, ``min_conversions``, ``draws``,
    ``seed``, ``recency_half_lives``, ``forecast_days``. ``since``/``until`` bound the history
    (for backtests). ``result.attrs["diagnostics"]`` holds the model checks (``recency``: day
    dispersion, the half-life chosen per volume bucket by the history's own rolling-origin
    backtest with each candidate's deviance, the drift variance). Columns:

    * ids and labels: criterion_id, customer_id, campaign_id, campaign, ad_group_id, ad_group,
      keyword, match_type, status, category, item_id, final_url;
    * history: current_bid, days, clicks, impressions, cost, conversions, conversions_value,
      bid_levels (distinct bids seen), has_landscape;
    * click curve ``clicks/day(x) = min(click_ceiling, a * x ** elasticity)``: a, a_se,
      elasticity, elasticity_se (posterior), elasticity_raw (the keyword's own MLE),
      click_ceiling (inf when no landscape shows one), clicks_per_day (at current_bid, the
      posterior mean of a lognormal volume prior, recent weeks weighing more where the
      account's rates drift) with clicks_lo/clicks_hi (interval of the mean rate over the next
      ``[sem] forecast_days``, the drift included) and clicks_log_sd (its sd of log
      clicks/day); clicks_dispersion (day-to-day variance of clicks over Poisson's, 1 =
      Poisson: ``sem.roi.drift``);
    * the curve bids are chosen on (``sem.roi.monotone``: monotone over the keyword's observed
      bid levels, flat or stepped, flat past them but for a widened prior from similar
      keywords): elasticity_down, elasticity_down_se, elasticity_up, elasticity_up_se (mean
      log slope of clicks/day over ``[bid (1 - w), bid]`` and ``[bid, bid (1 + w)]``,
      ``w = [sem] curve_window``), curve_own_down / curve_own_up (False: no level on that side
      of today's bid, the slope is the prior's);
    * cost: cpc_ratio, cpc_ratio_se (actual CPC / max CPC at current_bid), cpc, cpc_lo,
      cpc_hi (at current_bid); cpc_exponent, cpc_exponent_se (CPC ~ bid ** cpc_exponent,
      from cost / clicks at the keyword's bid levels and landscape cost points, shrunk toward
      its category's; 1 = proportional), cpc_exponent_own (False: one bid level, the
      category's slope);
    * conversion rate: cvr, cvr_lo, cvr_hi (credible interval), cvr_alpha, cvr_beta
      (the Beta posterior);
    * value per conversion: value_per_conversion, value_per_conversion_lo/_hi, value_log_mu,
      value_log_sd (log-normal posterior); value_per_click (cvr x value_per_conversion) with
      value_per_click_lo/_hi;
    * at current_bid, per day: value_per_day, cost_per_day, profit_per_day (margin x value -
      cost) with profit_lo/_hi; roas with roas_lo/_hi; marginal_roas (d value / d cost)
      with marginal_roas_lo/_hi;
    * data sufficiency: enough_clicks (>= min_clicks), enough_conversions, bid_variation
      (>= 2 bid levels or a landscape), sufficient (enough_clicks and bid_variation);
    * what the files did not say (``sem.roi.missing``): bid_known (False: no Max CPC; the
      row is fitted at the history's cost per click as a stand-in current_bid, elasticity 0,
      cpc_ratio 1, no marginal ROAS: a forecast at today's level without bid response),
      conversions_known (False: no conversion columns; every conversion-based column NaN).

``sem.roi.summarize(fit, level="keyword"|"ad_group"|"campaign", options) -> DataFrame``
    Roll-ups with bootstrap intervals (what ``searchops sem roi`` prints).
"""

import os

# gRPC's core logs every failed TLS handshake at INFO on stderr, around the one error line a
# command prints; it reads GRPC_VERBOSITY once, when grpc is first imported (by sem.ads_api).
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
