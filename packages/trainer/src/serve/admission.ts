/**
 * The server's bounded queue: how many items and request bytes are admitted and not yet answered.
 * A request that would pass either bound is refused (503 with Retry-After) instead of queued, so
 * memory stays bounded however fast clients send; the verifier pool behind it never sees more.
 */

/** The bounds of an {@link Admission}. */
export interface AdmissionLimits {
  /** Most items admitted and not yet answered. */
  maxItems: number;
  /** Most request-body bytes admitted and not yet answered. */
  maxBytes: number;
}

/** A request's share of the queue, returned by {@link Admission.admit}; give it back with `release`. */
export interface Ticket {
  /** Items held. */
  readonly items: number;
  /** Bytes held. */
  readonly bytes: number;
}

/** Counts admitted work against {@link AdmissionLimits}. */
export class Admission {
  private items = 0;
  private bytes = 0;

  /** Start empty. */
  constructor(readonly limits: AdmissionLimits) {}

  /** True when nothing more fits: a new request can be refused before its body is read. */
  full(): boolean {
    return this.items >= this.limits.maxItems || this.bytes >= this.limits.maxBytes;
  }

  /**
   * Hold `items` and `bytes` for one request, or return null when they do not fit next to what is
   * held. An empty queue admits any request within the bounds on its own (its size was checked
   * against them by the caller), so that one large request is never starved by smaller ones.
   */
  admit(items: number, bytes: number): Ticket | null {
    const idle = this.items === 0 && this.bytes === 0;
    if (!idle && (this.items + items > this.limits.maxItems || this.bytes + bytes > this.limits.maxBytes)) return null;
    this.items += items;
    this.bytes += bytes;
    return { items, bytes };
  }

  /** Give back a ticket's share. */
  release(ticket: Ticket): void {
    this.items -= ticket.items;
    this.bytes -= ticket.bytes;
  }

  /** Items and bytes held now. */
  held(): { items: number; bytes: number } {
    return { items: this.items, bytes: this.bytes };
  }
}
