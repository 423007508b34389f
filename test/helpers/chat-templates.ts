// Chat templates written for the tests (pure: Node and browser tests import them).
/**
 * The Llama-2-chat prompt format ([INST], <<SYS>>), written for these tests from Meta's
 * published format description: BOS before every user turn, system prompt inside the first
 * [INST], assistant turns followed by " " + EOS.
 */
export const LLAMA2_TEMPLATE =
  "{% if messages[0]['role'] == 'system' %}" +
  "{% set system = '<<SYS>>\\n' + messages[0]['content'] + '\\n<</SYS>>\\n\\n' %}" +
  '{% set turns = messages[1:] %}' +
  "{% else %}{% set system = '' %}{% set turns = messages %}{% endif %}" +
  '{% for m in turns %}' +
  "{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant') }}" +
  '{% endif %}' +
  "{% if m['role'] == 'user' %}" +
  "{{ bos_token + '[INST] ' + (system if loop.first else '') + m['content'] + ' [/INST]' }}" +
  "{% else %}{{ ' ' + m['content'] + ' ' + eos_token }}{% endif %}" +
  '{% endfor %}';

/** Plain ChatML (Qwen2 / Qwen2.5 style), written for these tests. */
export const CHATML_TEMPLATE =
  '{% for m in messages %}' +
  "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}" +
  '{% endfor %}' +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
