/** Text into HTML: escaping, and tables whose every cell is escaped text. */

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** An HTML table of text cells (every cell escaped), with an optional class per row. */
export function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  rowClass: (i: number) => string = () => '',
): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row, i) => {
      const cls = rowClass(i);
      return `<tr${cls ? ` class="${cls}"` : ''}>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
