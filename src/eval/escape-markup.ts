// Text placed into HTML or SVG: the five markup characters become entities, so model output
// such as "<script>" is shown, never run.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// Control characters XML forbids (a standalone .svg with one of them does not open).
const XML_FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g;

/** Escapes text for HTML/XML element content and quoted attribute values. */
export function escapeMarkup(text: string): string {
  return text.replace(XML_FORBIDDEN, '\ufffd').replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}
