/** One server-sent event as it arrived: `raw` is forwarded byte-for-byte, `data` is parsed. */
export interface SseEvent {
  raw: string;
  event: string | undefined;
  data: string;
}
