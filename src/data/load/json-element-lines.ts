const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * 1-based line on which each element of a JSON array starts, for error messages.
 * `key` null: the document is the array; otherwise the array is the top-level object's field `key`.
 * The text must already be valid JSON (JSON.parse succeeded).
 */
export function jsonArrayElementLines(text: string, key: string | null): number[] {
  const targetDepth = key === null ? 1 : 2;
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = 0;
  let lastTopLevelString = '';
  let inTarget = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (code === BACKSLASH) escaped = true;
      else if (code === QUOTE) {
        inString = false;
        if (depth === 1) lastTopLevelString = text.slice(stringStart, i + 1);
      }
      continue;
    }
    if (code === NEWLINE) line++;
    if (inTarget && expectElement && depth === targetDepth && !isJsonWhitespace(code) && code !== 0x5d) {
      lines.push(line);
      expectElement = false;
    }
    switch (text[i]) {
      case '"':
        inString = true;
        stringStart = i;
        break;
      case '[':
        // In an object the array's key is the last string seen at depth 1: "key": [
        if (depth === targetDepth - 1 && (key === null || (lastTopLevelString !== '' && JSON.parse(lastTopLevelString) === key))) {
          inTarget = true;
          expectElement = true;
        }
        depth++;
        break;
      case '{':
        depth++;
        break;
      case ']':
      case '}':
        depth--;
        if (depth === targetDepth - 1) inTarget = false;
        break;
      case ',':
        if (inTarget && depth === targetDepth) expectElement = true;
        break;
    }
  }
  return lines;
}
