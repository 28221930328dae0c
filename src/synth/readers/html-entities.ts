// Character references in HTML text: numeric ones, and the named ones that occur in ordinary pages
// (a subset of the HTML standard's 2,231 names; an unknown name is left as written).

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009',
  zwnj: '\u200c', zwj: '\u200d', shy: '\u00ad', copy: '\u00a9', reg: '\u00ae', trade: '\u2122', deg: '\u00b0',
  plusmn: '\u00b1', times: '\u00d7', divide: '\u00f7', minus: '\u2212', micro: '\u00b5', para: '\u00b6', sect: '\u00a7',
  middot: '\u00b7', bull: '\u2022', hellip: '\u2026', prime: '\u2032', Prime: '\u2033', ndash: '\u2013', mdash: '\u2014',
  lsquo: '\u2018', rsquo: '\u2019', sbquo: '\u201a', ldquo: '\u201c', rdquo: '\u201d', bdquo: '\u201e', laquo: '\u00ab',
  raquo: '\u00bb', lsaquo: '\u2039', rsaquo: '\u203a', dagger: '\u2020', Dagger: '\u2021', permil: '\u2030',
  euro: '\u20ac', cent: '\u00a2', pound: '\u00a3', yen: '\u00a5', curren: '\u00a4', iexcl: '\u00a1', iquest: '\u00bf',
  ordf: '\u00aa', ordm: '\u00ba', sup1: '\u00b9', sup2: '\u00b2', sup3: '\u00b3', frac14: '\u00bc', frac12: '\u00bd',
  frac34: '\u00be', not: '\u00ac', macr: '\u00af', acute: '\u00b4', cedil: '\u00b8', uml: '\u00a8', brvbar: '\u00a6',
  larr: '\u2190', uarr: '\u2191', rarr: '\u2192', darr: '\u2193', harr: '\u2194', lArr: '\u21d0', rArr: '\u21d2',
  hArr: '\u21d4', le: '\u2264', ge: '\u2265', ne: '\u2260', asymp: '\u2248', equiv: '\u2261', infin: '\u221e',
  sum: '\u2211', prod: '\u220f', radic: '\u221a', part: '\u2202', nabla: '\u2207', isin: '\u2208', notin: '\u2209',
  forall: '\u2200', exist: '\u2203', empty: '\u2205', and: '\u2227', or: '\u2228', cap: '\u2229', cup: '\u222a',
  sub: '\u2282', sup: '\u2283', sube: '\u2286', supe: '\u2287', lowast: '\u2217', sdot: '\u22c5', loz: '\u25ca',
  spades: '\u2660', clubs: '\u2663', hearts: '\u2665', diams: '\u2666', oline: '\u203e', frasl: '\u2044',
  alpha: '\u03b1', beta: '\u03b2', gamma: '\u03b3', delta: '\u03b4', epsilon: '\u03b5', zeta: '\u03b6', eta: '\u03b7',
  theta: '\u03b8', iota: '\u03b9', kappa: '\u03ba', lambda: '\u03bb', mu: '\u03bc', nu: '\u03bd', xi: '\u03be',
  omicron: '\u03bf', pi: '\u03c0', rho: '\u03c1', sigma: '\u03c3', sigmaf: '\u03c2', tau: '\u03c4', upsilon: '\u03c5',
  phi: '\u03c6', chi: '\u03c7', psi: '\u03c8', omega: '\u03c9', Alpha: '\u0391', Beta: '\u0392', Gamma: '\u0393',
  Delta: '\u0394', Theta: '\u0398', Lambda: '\u039b', Pi: '\u03a0', Sigma: '\u03a3', Phi: '\u03a6', Psi: '\u03a8',
  Omega: '\u03a9', szlig: '\u00df', thorn: '\u00fe', THORN: '\u00de', eth: '\u00f0', ETH: '\u00d0', oelig: '\u0153',
  OElig: '\u0152', scaron: '\u0161', Scaron: '\u0160', yuml: '\u00ff', Yuml: '\u0178', fnof: '\u0192', circ: '\u02c6',
  tilde: '\u02dc',
};

// Latin-1 letters by accent: &eacute; &Eacute; &uuml; ...
const ACCENTED: [string, string, string][] = [
  ['grave', 'AEIOUaeiou', '\u00c0\u00c8\u00cc\u00d2\u00d9\u00e0\u00e8\u00ec\u00f2\u00f9'],
  ['acute', 'AEIOUYaeiouy', '\u00c1\u00c9\u00cd\u00d3\u00da\u00dd\u00e1\u00e9\u00ed\u00f3\u00fa\u00fd'],
  ['circ', 'AEIOUaeiou', '\u00c2\u00ca\u00ce\u00d4\u00db\u00e2\u00ea\u00ee\u00f4\u00fb'],
  ['tilde', 'ANOano', '\u00c3\u00d1\u00d5\u00e3\u00f1\u00f5'],
  ['uml', 'AEIOUaeiou', '\u00c4\u00cb\u00cf\u00d6\u00dc\u00e4\u00eb\u00ef\u00f6\u00fc'],
  ['ring', 'Aa', '\u00c5\u00e5'],
  ['cedil', 'Cc', '\u00c7\u00e7'],
  ['slash', 'Oo', '\u00d8\u00f8'],
  ['lig', 'Ee', '\u00c6\u00e6'],
];
for (const [suffix, letters, chars] of ACCENTED) {
  [...letters].forEach((letter, i) => (NAMED[suffix === 'lig' ? `${letter === 'E' ? 'AE' : 'ae'}lig` : `${letter}${suffix}`] = chars[i]!));
}

/** Names that browsers also decode without the closing semicolon. */
const LEGACY = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg']);

function fromCodePoint(code: number): string {
  if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(code);
}

/** Replaces character references (`&amp;`, `&#233;`, `&#xE9;`) with the characters they stand for. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z][A-Za-z0-9]{1,31})(;?)/g, (whole, name: string, semicolon: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return fromCodePoint(code);
    }
    const char = NAMED[name];
    if (char === undefined || (semicolon === '' && !LEGACY.has(name))) return whole;
    return char;
  });
}
