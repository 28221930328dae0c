import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { lineAt } from './document.js';
import { decodeEntities } from './html-entities.js';
import { listDocumentFiles, readDocument } from './read-documents.js';

const docs = join(import.meta.dirname, '../../../fixtures/synth/docs');
const doc = (name: string) => readDocument(join(docs, name));
const root = await mkdtemp(join(tmpdir(), 'tuna-synth-readers-'));
after(() => rm(root, { recursive: true, force: true }));

describe('document readers', () => {
  it('reads Markdown and plain text as written, with a line for every offset', async () => {
    const md = await doc('guide.md');
    assert.equal(md.kind, 'markdown');
    assert.match(md.text, /^# Harbor Bakery handbook\n\nHarbor Bakery opens at 6:30/);
    assert.equal(lineAt(md, md.text.indexOf('Custom cakes')), 8);
    const txt = await doc('notes.txt');
    assert.equal(txt.kind, 'text');
    assert.equal(lineAt(txt, txt.text.indexOf('Flour deliveries')), 5);
  });

  it('takes the text of HTML: no scripts, styles or comments; blocks, lists, tables and <pre> kept; entities decoded', async () => {
    const html = await doc('page.html');
    assert.equal(html.kind, 'html');
    assert.equal(
      html.text,
      'Harbor Bakery \u2013 Prices\n\n# Prices\n\nOur croissants cost \u20ac2.40 & our baguettes \u20ac1.90.\n\n' +
        '- Caf\u00e9 au lait: \u20ac3.10\n- Tea for two: \u20ac4.00\n\nItem | Price\nRye loaf | \u20ac4.50\n\n' +
        'Open:  6:30\nClose: 18:00\n\nPrices include tax\u2026',
    );
    assert.equal(lineAt(html, html.text.indexOf('# Prices')), 10);
    assert.equal(lineAt(html, html.text.indexOf('baguettes')), 12);
    assert.equal(lineAt(html, html.text.indexOf('Rye loaf')), 19);
    assert.equal(lineAt(html, html.text.indexOf('Close')), 22);
  });

  it('decodes numeric and named references, and leaves unknown names alone', () => {
    assert.equal(decodeEntities('&lt;a&gt; &#65;&#x42; &amp &copy; &unknownname; &eacute;&Uuml;&AElig; &#0;'), '<a> AB & \u00a9 &unknownname; \u00e9\u00dc\u00c6 \ufffd');
  });

  it('reads FAQ rows from JSONL and CSV as Q/A paragraphs, each at its own line', async () => {
    const faq = await doc('faq.jsonl');
    assert.equal(faq.kind, 'faq');
    assert.equal(faq.text, 'Q: Do you deliver?\nA: Yes, within 5 km of the harbor, for orders above 30 euros.\n\nQ: Can I bring my dog?\nA: Dogs are welcome on the terrace but not inside.');
    assert.equal(lineAt(faq, faq.text.indexOf('Can I bring')), 2);
    const csv = await doc('faq.csv');
    assert.match(csv.text, /^Q: Explain how to keep a sourdough loaf fresh\nA: Wrap it/);
    assert.equal(lineAt(csv, csv.text.indexOf('List the')), 3);
  });

  it('reads transcripts: OpenAI messages and ShareGPT conversations', async () => {
    const chats = await doc('support-chats.jsonl');
    assert.equal(chats.kind, 'transcript');
    assert.equal(chats.text.split('\n\n')[0], 'System: You answer for Harbor Bakery.\nUser: Is the rye bread vegan?\nAssistant: Yes, the rye loaf has no milk, eggs or honey.');
    assert.equal(lineAt(chats, chats.text.indexOf('Until when')), 2);
    const shared = await doc('sharegpt.json');
    assert.equal(shared.text, 'User: Do you have gluten-free bread?\nAssistant: Only on Wednesdays, a buckwheat loaf baked in a separate oven.');
    const single = join(root, 'one-chat.json');
    await writeFile(single, JSON.stringify({ messages: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }] }, null, 1));
    assert.equal((await readDocument(single)).text, 'User: Hi?\nAssistant: Hello.');
  });

  it('reads a Slack export: replies under their thread, joins left out, names and links resolved', async () => {
    const slack = await doc('slack-general.json');
    assert.equal(slack.kind, 'channel');
    assert.equal(
      slack.text,
      'Mira Okafor: The new oven arrives on Thursday. Who can help @Jon Bell unload it?\n' +
        '  Jon Bell: I can, from 9 to 11.\n' +
        "  Mira Okafor: Thanks! The manual is at the supplier's site (https://example.com/oven) & in the office.\n\n" +
        'Sam Reyes: Remember: the delivery door code changed to 4471.',
    );
    assert.equal(lineAt(slack, slack.text.indexOf('Jon Bell: I can')), 5);
    assert.equal(lineAt(slack, slack.text.indexOf('Sam Reyes')), 4);
  });

  it('reads a Discord export: a chain of replies is one thread', async () => {
    const discord = await doc('discord.json');
    assert.equal(discord.text, 'Lena: Who moved the piping bags?\n  tom: They are in the second drawer now.\n  Lena: Found them, thanks.');
  });

  it('generic channel rows: {user, text, thread}', async () => {
    const file = join(root, 'channel.jsonl');
    const rows = [
      { id: 1, user: 'ann', text: 'Is the terrace open?' },
      { id: 2, user: 'bo', text: 'Anyone seen my keys?' },
      { id: 3, user: 'cy', text: 'Yes, from May.', thread: 1 },
    ];
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    assert.equal((await readDocument(file)).text, 'ann: Is the terrace open?\n  cy: Yes, from May.\n\nbo: Anyone seen my keys?');
  });

  it('lists folders in name order, skipping hidden files; an empty folder, a PDF or an unknown type is an input error', async () => {
    const listed = await listDocumentFiles([docs]);
    assert.deepEqual(listed.files.map((f) => f.slice(docs.length + 1)), ['discord.json', 'faq.csv', 'faq.jsonl', 'guide.md', 'notes.txt', 'page.html', 'sharegpt.json', 'slack-general.json', 'support-chats.jsonl']);
    const empty = join(root, 'empty');
    await mkdir(empty);
    await writeFile(join(empty, '.hidden.txt'), 'x');
    await writeFile(join(empty, 'scan.pdf'), '%PDF-1.4');
    await assert.rejects(listDocumentFiles([empty]), (e: unknown) => e instanceof TunaInputError && /no documents to read \(1 file\(s\) of other types: .*scan\.pdf\).*pdftotext/.test(e.message));
    await assert.rejects(listDocumentFiles([join(empty, 'scan.pdf')]), /does not read PDF files; convert it to text first/);
    await assert.rejects(listDocumentFiles([join(root, 'missing')]), /no such file or folder/);
    const unknown = join(root, 'table.xlsx');
    await writeFile(unknown, 'x');
    await assert.rejects(listDocumentFiles([unknown]), /cannot read files of type "\.xlsx"/);
  });

  it('records that fit no shape are an input error naming what synth reads', async () => {
    const file = join(root, 'odd.jsonl');
    await writeFile(file, '{"a": 1}\n{"b": 2}\n');
    await assert.rejects(readDocument(file), (e: unknown) => e instanceof TunaInputError && /odd\.jsonl: cannot tell what the records hold \(fields "a", "b"\)/.test(e.message));
  });
});
