"""Device and network emulation profiles (``[vitals.profiles.*]``), applied as Lighthouse
does with DevTools throttling: screen emulation on the browser context, CPU and network
throttling through the DevTools protocol before navigation."""

from __future__ import annotations

from typing import Any

from seo_crawler.config import VitalsConfig, VitalsProfile


def context_options(profile: VitalsProfile) -> dict[str, Any]:
    """Playwright ``new_context`` keyword arguments for the profile's screen."""
    return {
        "viewport": {"width": profile.width, "height": profile.height},
        "device_scale_factor": profile.device_scale_factor,
        "is_mobile": profile.mobile,
        "has_touch": profile.mobile,
        "service_workers": "block",  # a cached service worker would make run 2 faster than run 1
    }


def network_conditions(profile: VitalsProfile, settings: VitalsConfig) -> dict[str, Any] | None:
    """``Network.emulateNetworkConditions`` parameters, or None when the profile has no
    network limit. Latency and throughput get Lighthouse's DevTools adjustment factors."""
    if not (profile.rtt_ms or profile.download_kbps or profile.upload_kbps):
        return None

    def bytes_per_second(kbps: float) -> float:
        # CDP: -1 disables the limit.
        return kbps * 1024 / 8 * settings.devtools_throughput_factor if kbps else -1

    return {
        "offline": False,
        "latency": profile.rtt_ms * settings.devtools_rtt_factor,
        "downloadThroughput": bytes_per_second(profile.download_kbps),
        "uploadThroughput": bytes_per_second(profile.upload_kbps),
    }


async def apply_throttling(cdp: Any, profile: VitalsProfile, settings: VitalsConfig) -> None:
    """Throttle the page's CPU and network through its CDP session (before navigation)."""
    if profile.cpu_slowdown > 1:
        await cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile.cpu_slowdown})
    conditions = network_conditions(profile, settings)
    if conditions is not None:
        await cdp.send("Network.emulateNetworkConditions", conditions)
