/** Turns the "at position N" of a JSON.parse error into a 1-based line and column. */
export function jsonErrorLocation(message: string, text: string): { line: number; column: number } | null {
  const match = /at position (\d+)/.exec(message);
  if (!match) return null;
  const position = Math.min(Number(match[1]), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: position - lineStart + 1 };
}

/** The JSON.parse message without the position or the quoted source, which callers restate as file:line. */
export function jsonErrorReason(message: string): string {
  if (message === 'Unexpected end of JSON input') return 'the JSON ends too early';
  const token = /^(Unexpected token .+?), ".*" is not valid JSON$/s.exec(message);
  if (token) return token[1]!;
  return message.replace(/\s*(?:in JSON )?at position \d+.*$/s, '');
}
