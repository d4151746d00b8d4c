/** The single page: no inline script or style, so the Content-Security-Policy can forbid both. */
export const indexHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Siamese Lab</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="data:,">
</head>
<body>
<header class="top"><a href="#/" class="brand">Siamese Lab</a><span id="live" class="live" data-state="connecting">connecting…</span></header>
<main id="app"><p class="empty">Loading…</p></main>
<script src="/assets/app.js" defer></script>
</body>
</html>
`;

/**
 * Nothing but this server: scripts and styles from its files only (no inline code, no eval: the
 * charts use Vega's expression interpreter), data from its API, images from its PNG route.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
