"""The in-page gatherer: buffered PerformanceObservers that only record entries.

Injected with ``add_init_script`` so it runs before any of the page's scripts.
It records raw facts (LCP candidates, layout shifts with their sources, long
tasks, paint and event timings); :mod:`seo_crawler.vitals.metrics` turns them
into metrics in Python, where the definitions can be unit-tested.
"""

from __future__ import annotations

OBSERVER_JS = r"""
(() => {
  if (window.__searchopsVitals) return;
  // doc tells this document from the next one if an interaction navigates.
  const state = {
    lcp: [], shifts: [], longtasks: [], events: [], fcp: null, inputAt: null,
    doc: performance.timeOrigin + ':' + Math.random(),
  };
  window.__searchopsVitals = state;

  // A short, stable CSS selector: up to 4 ancestors, stopping at an id.
  const selectorOf = (node) => {
    if (!node || node.nodeType !== 1) node = node && node.parentElement;
    const parts = [];
    for (let el = node; el && el.nodeType === 1 && parts.length < 4; el = el.parentElement) {
      let part = el.localName;
      if (el.id) { parts.unshift(part + '#' + CSS.escape(el.id)); break; }
      const cls = [...el.classList].slice(0, 2).map((c) => '.' + CSS.escape(c)).join('');
      part += cls;
      const parent = el.parentElement;
      if (parent) {
        const same = [...parent.children].filter((c) => c.localName === el.localName);
        if (same.length > 1) part += ':nth-of-type(' + (same.indexOf(el) + 1) + ')';
      }
      parts.unshift(part);
      if (el.localName === 'body') break;
    }
    return parts.join(' > ') || null;
  };

  // Lighthouse's unsized-images audit: an <img> needs width and height attributes
  // (or an explicit CSS size / aspect-ratio) to reserve its box before it loads.
  const isUnsized = (img) => {
    if (img.getAttribute('width') && img.getAttribute('height')) return false;
    const style = img.style;
    if (style.aspectRatio || (style.width && style.height)) return false;
    return true;
  };

  // The unsized image that most plausibly pushed a shifted node: the nearest
  // unsized <img> above the node whose size is known.
  const culpritOf = (source) => {
    const node = source.node;
    if (!node || !node.getBoundingClientRect) return null;
    if (source.currentRect.top <= source.previousRect.top) return null;
    let best = null;
    for (const img of document.images) {
      // naturalWidth: the image's size is known (it may still be downloading).
      if (!isUnsized(img) || !img.naturalWidth) continue;
      if (img === node || img.contains(node)) continue;
      const r = img.getBoundingClientRect();
      if (r.bottom <= source.currentRect.top + 1 &&
          (!best || r.bottom > best.getBoundingClientRect().bottom)) best = img;
    }
    return best ? (best.currentSrc || best.src || selectorOf(best)) : null;
  };

  const observe = (type, onEntry, extra) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(onEntry))
        .observe(Object.assign({ type, buffered: true }, extra || {}));
    } catch (e) { /* entry type unsupported: the metric stays null */ }
  };

  observe('largest-contentful-paint', (e) => {
    const el = e.element;
    state.lcp.push({
      time: e.renderTime || e.loadTime || e.startTime,
      size: e.size,
      url: e.url || null,
      selector: el ? selectorOf(el) : null,
      lazy: !!(el && el.localName === 'img' && el.loading === 'lazy'),
    });
  });
  observe('layout-shift', (e) => {
    state.shifts.push({
      time: e.startTime,
      value: e.value,
      input: e.hadRecentInput,
      sources: (e.sources || []).map((s) => ({
        selector: selectorOf(s.node), unsized_image: culpritOf(s),
      })),
    });
  });
  observe('longtask', (e) => state.longtasks.push({ start: e.startTime, duration: e.duration }));
  observe('paint', (e) => { if (e.name === 'first-contentful-paint') state.fcp = e.startTime; });
  // Event Timing: 16 ms is the smallest threshold the API accepts.
  observe('event', (e) => {
    if (e.interactionId) {
      state.events.push({ id: e.interactionId, name: e.name, start: e.startTime, duration: e.duration });
    }
  }, { durationThreshold: 16 });
})();
"""

# Read after the page went quiet: everything the observers recorded, plus the
# navigation timing and the end of the last long task (to detect CPU quiet).
COLLECT_JS = r"""
() => {
  const s = window.__searchopsVitals;
  if (!s) return null;
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    lcp: s.lcp, shifts: s.shifts, longtasks: s.longtasks, events: s.events, fcp: s.fcp,
    inputAt: s.inputAt, doc: s.doc,
    ttfb: nav ? nav.responseStart : null,
    now: performance.now(),
  };
}
"""

# Milliseconds since the end of the last long task (or since navigation start).
CPU_IDLE_JS = r"""
() => {
  const s = window.__searchopsVitals;
  const ends = s ? s.longtasks.map((t) => t.start + t.duration) : [];
  return performance.now() - Math.max(0, ...ends);
}
"""
