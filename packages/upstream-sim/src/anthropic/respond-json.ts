import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { responseHeaders } from './headers.ts';
import { messageBody, type SimMessage } from './message.ts';

export function respondJson(exchange: Exchange, message: SimMessage): void {
  sendJson(exchange.response, 200, messageBody(message), responseHeaders(exchange));
}
