"""Image and video rules: alt text, the product image a page loads first, VideoObject markup,
image and video sitemap entries and the sampled image files, following Google's image SEO
(developers.google.com/search/docs/appearance/google-images) and video SEO
(developers.google.com/search/docs/appearance/video) documentation."""
