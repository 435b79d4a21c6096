"""SEM data sources (Google Ads API, report exports, the demo account) and ROI models."""
