import { CHAT_ROLES } from './example.js';
import type { ChatExample, ChatMessage, ChatRole } from './example.js';
import { RecordProblem, asObject, describeType, requiredText } from './record-fields.js';

/** ShareGPT speaker names and their chat roles. */
const SHAREGPT_ROLES: Record<string, ChatRole> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  system: 'system',
};

function parseWeight(value: unknown, role: ChatRole, where: string): 0 | 1 | undefined {
  if (value === undefined || value === null) return undefined;
  if (value !== 0 && value !== 1) throw new RecordProblem(`${where}"weight" is ${describeType(value)}, expected 0 or 1`);
  if (role !== 'assistant') throw new RecordProblem(`${where}"weight" is only allowed on assistant messages, this one is "${role}"`);
  return value;
}

function checkConversation(messages: ChatMessage[], field: string): ChatExample {
  if (!messages.some((m) => m.role === 'assistant')) {
    throw new RecordProblem(`"${field}" has no assistant message to learn from`);
  }
  return { kind: 'chat', messages };
}

function listField(record: Record<string, unknown>, field: string): unknown[] {
  const list = record[field];
  if (list === undefined || list === null) throw new RecordProblem(`missing field "${field}"`);
  if (!Array.isArray(list)) throw new RecordProblem(`field "${field}" is ${describeType(list)}, expected a list of messages`);
  if (list.length === 0) throw new RecordProblem(`"${field}" is an empty list`);
  return list;
}

/** OpenAI chat records: `{messages: [{role, content, weight?}]}`. */
export function normalizeMessages(record: Record<string, unknown>): ChatExample {
  const messages = listField(record, 'messages').map((item, index): ChatMessage => {
    const where = `messages[${index}]: `;
    const message = asObject(item, `messages[${index}]`);
    const role = requiredText(message, 'role', where);
    if (!(CHAT_ROLES as readonly string[]).includes(role)) {
      throw new RecordProblem(`${where}role "${role}" is not one of ${CHAT_ROLES.join(', ')}`);
    }
    const content = requiredText(message, 'content', where);
    const weight = parseWeight(message.weight, role as ChatRole, where);
    return weight === undefined ? { role: role as ChatRole, content } : { role: role as ChatRole, content, weight };
  });
  return checkConversation(messages, 'messages');
}

/** ShareGPT records: `{conversations: [{from: human|gpt|system, value}]}` (role/content also accepted). */
export function normalizeConversations(record: Record<string, unknown>): ChatExample {
  const messages = listField(record, 'conversations').map((item, index): ChatMessage => {
    const where = `conversations[${index}]: `;
    const turn = asObject(item, `conversations[${index}]`);
    const speakerField = 'role' in turn && !('from' in turn) ? 'role' : 'from';
    const speaker = requiredText(turn, speakerField, where);
    const role = SHAREGPT_ROLES[speaker];
    if (role === undefined) {
      throw new RecordProblem(`${where}"${speakerField}" is "${speaker}", expected one of ${Object.keys(SHAREGPT_ROLES).join(', ')}`);
    }
    const content = requiredText(turn, 'content' in turn && !('value' in turn) ? 'content' : 'value', where);
    const weight = parseWeight(turn.weight, role, where);
    return weight === undefined ? { role, content } : { role, content, weight };
  });
  return checkConversation(messages, 'conversations');
}
