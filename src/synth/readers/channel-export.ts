// Slack- and Discord-style channel exports: messages with a user, a text and a thread. Replies are
// gathered under the message that started their thread, so a thread reads as one conversation.
import type { LoadedRecord } from '../../data/index.js';
import { DocumentBuilder, type SynthDocument } from './document.js';

interface ChannelMessage {
  id: string | undefined;
  user: string;
  text: string;
  /** The thread this message belongs to (its root's id), when the export says. */
  thread: string | undefined;
  /** The message this one replies to (Discord's `reference.messageId`). */
  replyTo: string | undefined;
  line: number;
}

const TEXT_FIELDS = ['text', 'content', 'message', 'body'] as const;
const USER_FIELDS = ['user_profile', 'user_name', 'username', 'user', 'author', 'sender', 'from_name'] as const;

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function field(record: Record<string, unknown>, names: readonly string[]): unknown {
  for (const name of names) if (record[name] !== undefined && record[name] !== null) return record[name];
  return undefined;
}

/** A person's name: a string, or the first name-like field of an object (Slack's user_profile, Discord's author). */
function personName(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const person = value as Record<string, unknown>;
  for (const key of ['real_name', 'display_name', 'nickname', 'name', 'username', 'id']) {
    const name = asText(person[key])?.trim();
    if (name) return name;
  }
  return undefined;
}

/** Whether a record looks like a channel message: a text and who wrote it, and no chat role. */
export function isChannelMessage(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if ('role' in record || 'from' in record || 'messages' in record || 'conversations' in record) return false;
  return typeof field(record, TEXT_FIELDS) === 'string' && personName(field(record, USER_FIELDS)) !== undefined;
}

// Slack writes joins, leaves and topic changes as messages with a subtype.
const NOTICE_SUBTYPES = /^(channel|group)_(join|leave|topic|purpose|name|archive|unarchive)$|^bot_(add|remove)$|^pinned_item$/;

function toMessage(record: Record<string, unknown>, line: number): ChannelMessage | null {
  if (typeof record.subtype === 'string' && NOTICE_SUBTYPES.test(record.subtype)) return null;
  const text = asText(field(record, TEXT_FIELDS))?.trim() ?? '';
  if (text === '') return null;
  const reference = record.reference as Record<string, unknown> | undefined;
  return {
    id: asText(field(record, ['ts', 'id', 'message_id', 'client_msg_id'])),
    user: personName(field(record, USER_FIELDS)) ?? 'unknown',
    text,
    thread: asText(field(record, ['thread_ts', 'thread', 'thread_id', 'parent_id', 'parent_ts'])),
    replyTo: asText(reference && typeof reference === 'object' ? reference.messageId : undefined) ?? asText(field(record, ['reply_to', 'in_reply_to'])),
    line,
  };
}

/** Slack's markup: `<@U1|ann>` and `<@U1>` mentions, `<#C1|general>` channels, `<url|label>` links, `<!here>`. */
export function slackText(text: string, names: ReadonlyMap<string, string>): string {
  return text
    .replace(/<@([A-Z0-9]+)(?:\|([^>]+))?>/g, (_m, id: string, label?: string) => `@${label ?? names.get(id) ?? id}`)
    .replace(/<#[A-Z0-9]+\|([^>]+)>/g, '#$1')
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<((?:https?|mailto):[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * The channel as text: each thread a paragraph, its first message then the replies indented,
 * in the order the threads start. A thread's key is its `thread` id, or the root of the message
 * a reply points to, or the message's own id.
 */
export function channelDocument(file: string, records: readonly LoadedRecord[]): SynthDocument {
  const messages: ChannelMessage[] = [];
  const names = new Map<string, string>();
  for (const { value, line } of records) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const record = value as Record<string, unknown>;
    const userId = asText(record.user);
    const name = personName(record.user_profile) ?? asText(record.user_name);
    if (userId && name) names.set(userId, name);
    const message = toMessage(record, line);
    if (message) messages.push(message);
  }
  const byId = new Map(messages.filter((m) => m.id !== undefined).map((m) => [m.id!, m]));
  const keyOf = (message: ChannelMessage, depth = 0): string => {
    if (message.thread !== undefined) return message.thread;
    const parent = message.replyTo === undefined ? undefined : byId.get(message.replyTo);
    if (parent && depth < 100) return keyOf(parent, depth + 1);
    return message.replyTo ?? message.id ?? `#${message.line}`;
  };
  const threads = new Map<string, ChannelMessage[]>();
  messages.forEach((message, index) => {
    const key = message.id === undefined && message.thread === undefined && message.replyTo === undefined ? `#${index}` : keyOf(message);
    const thread = threads.get(key);
    if (thread) thread.push(message);
    else threads.set(key, [message]);
  });
  const doc = new DocumentBuilder();
  for (const [key, thread] of threads) {
    // The message that started the thread leads it, even when a reply was exported before it.
    const root = thread.findIndex((m) => m.id === key);
    if (root > 0) thread.unshift(...thread.splice(root, 1));
    thread.forEach((message, i) => {
      const line = `${i === 0 ? '' : '  '}${message.user}: ${slackText(message.text, names).replace(/\n/g, i === 0 ? '\n' : '\n  ')}`;
      if (i === 0) doc.paragraph(line, message.line);
      else doc.append(`\n${line}`, message.line);
    });
  }
  return doc.build(file, 'channel');
}
