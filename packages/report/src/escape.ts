const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => htmlEscapes[character]);
}

/**
 * JSON that is safe inside a `<script>` element: `<`, `>` and `&` become `\u003c` etc. so that
 * no `</script>` or `<!--` can end the element early, and U+2028/U+2029 are escaped for old parsers.
 * The result is still valid JSON and parses to the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Inlined library code, made safe inside a `<script>` element. Minified bundles can contain the
 * literal text `</script` inside strings; `<\/script` means the same in JavaScript.
 */
export function scriptSafeSource(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}
