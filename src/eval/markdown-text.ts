// Markdown building blocks that keep arbitrary text literal: model output can hold "|", "*",
// backticks or HTML, none of which may change the report's layout or run in a viewer.

/** Text for a table cell, on one line: characters that start emphasis, links, code, cells or HTML are escaped. */
export function markdownCell(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(/[\\`*_[\]|~]/g, (char) => `\\${char}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Text for a paragraph: as a cell, and a leading block marker ("#", "-", "1.") is escaped too. */
export function markdownInline(text: string): string {
  return markdownCell(text)
    .replace(/^(\s*)([#+=-])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

/** A fenced code block longer than any backtick run inside, so the text cannot close it early. */
export function fencedBlock(text: string, info = 'text'): string {
  const body = text.replace(/\r\n?/g, '\n').replace(/\n$/, '');
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/** A pipe table; `rightAligned[i]` right-aligns column i (numbers). Cells are escaped here. */
export function markdownTable(cells: readonly (readonly string[])[], rightAligned: readonly boolean[] = []): string {
  const [header, ...rows] = cells;
  if (!header) return '';
  const line = (row: readonly string[]) => `| ${row.map(markdownCell).join(' | ')} |`;
  const rule = `| ${header.map((_, i) => (rightAligned[i] ? '---:' : '---')).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
