/** A target's circuit breaker, as routing keeps it and metrics report it. */
export type BreakerState = 'closed' | 'open' | 'half-open';
