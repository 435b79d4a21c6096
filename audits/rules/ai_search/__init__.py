"""AI-search readiness rules: what AI crawlers, which run no JavaScript, and snippet
controls let AI answers and search snippets show of product and category pages.

Robots.txt access and server answers per AI crawler are ``searchops ai-access``'s
(:mod:`audits.ai_access`), not rules over a crawl.
"""
