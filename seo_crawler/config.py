"""Settings models of the ``[crawl]``, ``[render]`` and ``[vitals]`` sections of default.toml."""

from __future__ import annotations

import ipaddress
import re

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CrawlConfig(_Section):
    """``[crawl]``: scope, politeness, safety caps and trap rules (default.toml cites sources)."""

    user_agent: str = Field(min_length=1)
    obey_robots: bool
    robots_max_bytes: int = Field(default=500 * 1024, gt=0)
    robots_user_agent: str = Field(default="", pattern="^[A-Za-z_-]*$")
    max_pages: int = Field(gt=0)
    max_depth: int = Field(ge=0)
    concurrency: int = Field(gt=0)
    concurrency_per_host: int = Field(gt=0)
    host_delay_s: float = Field(default=0.0, ge=0)
    lease_s: float = Field(default=120.0, ge=1)
    autothrottle: bool = True
    autothrottle_target_concurrency: float = Field(default=8.0, gt=0)
    timeout_s: float = Field(default=30.0, gt=0)
    retries: int = Field(default=2, ge=0)
    retry_backoff_s: float = Field(default=0.5, ge=0)
    max_bytes: int = Field(default=15 * 1024 * 1024, gt=0)
    warn_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    sitemap_max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    progress_every_s: float = Field(default=30.0, ge=0)
    sitemaps_from_robots: bool = True
    follow_nofollow: bool = True
    fetch_alternates: bool = True
    allowed_hosts: list[str] = []
    resolve: dict[str, str] = {}
    include: list[str] = []
    exclude: list[str] = []
    strip_params: list[str] = []
    skip_params: list[str] = []
    max_params: int = Field(default=4, ge=0)
    trap_repeated_segments: int = Field(default=3, ge=2)
    trap_max_path_segments: int = Field(default=12, gt=0)
    trap_calendar_years: int = Field(default=3, ge=0)
    batch_rows: int = Field(default=500, gt=0)
    flush_seconds: float = Field(default=2.0, gt=0)
    extract_workers: int = Field(default=1, ge=0)
    # The image files sampled after the crawl (seo_crawler.image_sample; 0 = none)
    image_sample_pages: int = Field(default=5, ge=0)
    image_sample_per_page: int = Field(default=10, ge=0)
    image_sample_max: int = Field(default=500, ge=0)
    image_sample_bytes: int = Field(default=65536, ge=1024)

    @model_validator(mode="after")
    def _patterns_compile(self) -> CrawlConfig:
        for host, address in self.resolve.items():
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise ValueError(
                    f"resolve: {host!r} must map to an IP address, not {address!r}"
                ) from None
        for key in ("include", "exclude"):
            for pattern in getattr(self, key):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(
                        f"{key}: invalid regular expression {pattern!r}: {exc}"
                    ) from None
        return self


class RenderConfig(_Section):
    """``[render]``: when and how pages are rendered in Debian's Chromium."""

    mode: str = Field(pattern="^(never|auto|always)$")
    chromium_path: str
    chromium_args: list[str] = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    template_min_pages: int = Field(default=3, gt=0)
    min_words: int = Field(default=30, ge=0)
    wait_until: str = Field(default="networkidle", pattern="^(load|domcontentloaded|networkidle)$")
    timeout_ms: int = Field(default=20000, gt=0)
    deadline_s: float = Field(default=60.0, gt=0)
    close_timeout_s: float = Field(default=10.0, gt=0)
    max_pages_open: int = Field(default=4, gt=0)
    js_heap_mb: int = Field(default=384, gt=0)
    renderer_max_mb: int = Field(default=512, gt=0)
    browser_max_mb: int = Field(default=900, gt=0)

    @model_validator(mode="after")
    def _deadline_after_navigation(self) -> RenderConfig:
        # The deadline covers the navigation too: shorter, it would cut renders goto allows.
        if self.deadline_s * 1000 <= self.timeout_ms:
            raise ValueError(
                f"deadline_s ({self.deadline_s:g} s) must be longer than timeout_ms "
                f"({self.timeout_ms} ms): it covers the navigation and what follows it"
            )
        return self


class VitalsProfile(_Section):
    """Device and network emulation (0 for a network number means "no limit")."""

    width: int = Field(gt=0)
    height: int = Field(gt=0)
    device_scale_factor: float = Field(gt=0)
    mobile: bool
    rtt_ms: float = Field(ge=0)
    download_kbps: float = Field(ge=0)
    upload_kbps: float = Field(ge=0)
    cpu_slowdown: float = Field(ge=1)


class VitalsThreshold(_Section):
    """Good when value <= good; poor when value > poor."""

    good: float
    poor: float

    @model_validator(mode="after")
    def _ordered(self) -> VitalsThreshold:
        if self.poor < self.good:
            raise ValueError("poor must be >= good")
        return self


VITALS_METRICS = ("lcp_ms", "cls", "inp_ms", "fcp_ms", "ttfb_ms", "tbt_ms")


class VitalsRegression(_Section):
    alpha: float = Field(gt=0, lt=1)
    confidence: float = Field(gt=0, lt=1)
    bootstrap_resamples: int = Field(ge=100)
    min_effect_ratio: float = Field(ge=0)
    min_samples: int = Field(ge=2)
    min_effect: dict[str, float]


class VitalsConfig(_Section):
    """The ``[vitals]`` section: lab Core Web Vitals (owned by ``seo_crawler.vitals``)."""

    profile: str
    runs: int = Field(ge=1)
    per_template: int = Field(ge=1)
    progress_every_s: float = Field(default=30.0, ge=0)
    concurrency: int = Field(ge=1)
    loading_concurrency: int = Field(ge=1)
    chromium_args: list[str]
    navigation_timeout_ms: int = Field(gt=0)
    quiet_ms: int = Field(ge=0)
    max_quiet_wait_ms: int = Field(ge=0)
    interaction_wait_ms: int = Field(ge=0)
    retries: int = Field(ge=0)
    devtools_rtt_factor: float = Field(gt=0)
    devtools_throughput_factor: float = Field(gt=0)
    templates: dict[str, str]
    profiles: dict[str, VitalsProfile]
    thresholds: dict[str, VitalsThreshold]
    regression: VitalsRegression

    @model_validator(mode="after")
    def _consistent(self) -> VitalsConfig:
        if self.profile not in self.profiles:
            raise ValueError(f"profile {self.profile!r} is not one of {sorted(self.profiles)}")
        for name, pattern in self.templates.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"templates.{name}: invalid regex: {exc}") from None
        unknown = (set(self.thresholds) | set(self.regression.min_effect)) - set(VITALS_METRICS)
        if unknown:
            raise ValueError(f"unknown metrics {sorted(unknown)}; known: {list(VITALS_METRICS)}")
        return self


class AiCrawler(_Section):
    """One crawler of ``searchops ai-access``: its robots.txt token, what it fetches for, the
    User-Agent header it sends (none for a robots.txt-only token) and the page documenting it."""

    token: str = Field(min_length=1)
    operator: str
    purpose: str = Field(pattern="^(search|user|training)$")
    user_agent: str | None = None
    source: str


class AiAccessConfig(_Section):
    """``[ai_access]``: the crawlers ``searchops ai-access`` checks and the access policy."""

    # purpose -> allow | block | any (any: the user's choice, no finding either way)
    policy: dict[str, str]
    # crawler name -> allow | block: overrides the purpose's policy for one crawler
    crawler_policy: dict[str, str] = {}
    crawlers: dict[str, AiCrawler]
    sample_urls: int = Field(default=5, ge=1)
    timeout_s: float = Field(default=15.0, gt=0)
    concurrency: int = Field(default=4, ge=1)
    browser_user_agent: str

    @model_validator(mode="after")
    def _known_verdicts(self) -> AiAccessConfig:
        for where, table in (("policy", self.policy), ("crawler_policy", self.crawler_policy)):
            for key, value in table.items():
                allowed = ("allow", "block", "any") if where == "policy" else ("allow", "block")
                if value not in allowed:
                    raise ValueError(f"{where}.{key}: {value!r} is not one of {', '.join(allowed)}")
        unknown = set(self.policy) - {"search", "user", "training"}
        if unknown:
            raise ValueError(f"policy: unknown purpose(s) {', '.join(sorted(unknown))}")
        return self
