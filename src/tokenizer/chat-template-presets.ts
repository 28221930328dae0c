/**
 * ChatML, as SmolLM2-Instruct and Qwen write it: `<|im_start|>role\ncontent<|im_end|>\n` per message, a
 * default system turn when the conversation has none, and `<|im_start|>assistant\n` as the generation prompt.
 */
export function chatMlTemplate(defaultSystemPrompt: string): string {
  return (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}" +
    `{{ '<|im_start|>system\n${escapeJinjaString(defaultSystemPrompt)}<|im_end|>\n' }}{% endif %}` +
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
  );
}

/**
 * Llama-2-chat: each user turn is `<s>[INST] ... [/INST]`, each answer ` ... </s>`; a system message goes
 * inside the first turn between <<SYS>> markers. Roles must alternate user/assistant.
 */
export const LLAMA2_CHAT_TEMPLATE =
  "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}" +
  '{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}' +
  '{% for message in loop_messages %}' +
  "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}" +
  "{% else %}{% set content = message['content'] %}{% endif %}" +
  "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

function escapeJinjaString(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll("'", "\\'");
}
