// The REST exchange with the assistant's web channel (assistant/channels/web.py).
//
// POST {serverUrl} {"message": text}; the server chooses the conversation: the first request
// has no X-Chat-Session header, and every reply carries the token to send next time. Errors
// become a short sentence for the person, never silence.

export const SESSION_HEADER = 'X-Chat-Session';

export class ChatError extends Error {
  constructor(userText, status) {
    super(userText);
    this.userText = userText;
    this.status = status;
  }
}

function errorFor(status, texts) {
  if (status === 429) return new ChatError(texts.rateLimited, status);
  return new ChatError(texts.serverError, status);
}

/** Keeps only what the widget shows: text and well-formed buttons. */
export function cleanMessages(data) {
  const out = [];
  for (const m of Array.isArray(data) ? data : []) {
    if (!m || typeof m !== 'object') continue;
    const text = typeof m.text === 'string' ? m.text : '';
    const buttons = (Array.isArray(m.buttons) ? m.buttons : [])
      .filter((b) => b && typeof b.title === 'string' && typeof b.payload === 'string')
      .map((b) => ({ title: b.title, payload: b.payload }));
    if (text || buttons.length) out.push({ text, buttons });
  }
  return out;
}

export async function sendMessage({ serverUrl, token, message, timeoutMs, texts }) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token) headers[SESSION_HEADER] = token;
  let response;
  try {
    response = await fetch(serverUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ message }),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      signal: controller.signal,
    });
  } catch (error) {
    throw new ChatError(error && error.name === 'AbortError' ? texts.timeout : texts.unreachable, 0);
  } finally {
    clearTimeout(timer);
  }
  const newToken = response.headers.get(SESSION_HEADER) || token || null;
  if (!response.ok) throw errorFor(response.status, texts);
  let data;
  try {
    data = await response.json();
  } catch (error) {
    throw new ChatError(texts.serverError, response.status);
  }
  return { token: newToken, messages: cleanMessages(data) };
}
