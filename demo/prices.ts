/**
 * A simulated market: each symbol's price follows a geometric random walk in continuous time,
 * so every reader sees the same price for a symbol at a given moment, whatever its polling interval.
 */
import type { PriceUpdate } from '../generated/types.js';

/** Symbols tracked at once; the least recently quoted one is dropped (and reopens) beyond it. */
const MAX_SYMBOLS = 1000;

export interface PriceSimulatorOptions {
  /** Volatility per second (standard deviation of the log-return over one second). */
  volatility?: number;
  random?: () => number;
  now?: () => number;
}

interface SymbolState {
  open: number;
  price: number;
  at: number;
}

/** Opening prices of the symbols the default stream shows. */
const OPENING_PRICES: Readonly<Record<string, number>> = { AAPL: 189.5, MSFT: 415.2, GOOG: 172.3, AMZN: 186.4, NVDA: 121.8 };

export const DEFAULT_SYMBOLS = Object.keys(OPENING_PRICES);

export class PriceSimulator {
  private readonly states = new Map<string, SymbolState>();
  private readonly volatility: number;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(options: PriceSimulatorOptions = {}) {
    this.volatility = options.volatility ?? 0.002;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** The current quote of `symbol`; an unlisted symbol opens at a price derived from its name. */
  quote(symbol: string): PriceUpdate {
    const now = this.now();
    const state = this.states.get(symbol) ?? this.open(symbol, now);
    // Re-inserting keeps the map ordered from least to most recently quoted.
    this.states.delete(symbol);
    this.states.set(symbol, state);
    const elapsedSeconds = Math.max(0, now - state.at) / 1000;
    if (elapsedSeconds > 0) {
      state.price *= Math.exp(this.volatility * Math.sqrt(elapsedSeconds) * this.gaussian());
      state.at = now;
    }
    const price = round2(state.price);
    return { symbol, price, change: round2(price - state.open), timestamp: now };
  }

  private open(symbol: string, now: number): SymbolState {
    if (this.states.size >= MAX_SYMBOLS) this.states.delete(this.states.keys().next().value!);
    const open = OPENING_PRICES[symbol] ?? openingPrice(symbol);
    return { open, price: open, at: now };
  }

  /** Box–Muller transform: a standard normal draw from two uniform ones. */
  private gaussian(): number {
    const u = 1 - this.random();
    const v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A stable opening price between 20 and 520 derived from the symbol's characters. */
function openingPrice(symbol: string): number {
  let hash = 0;
  for (const char of symbol) hash = (hash * 31 + char.charCodeAt(0)) % 50_000;
  return 20 + hash / 100;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
