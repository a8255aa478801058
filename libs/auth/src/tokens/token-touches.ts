/**
 * When this instance last recorded each API token's use (OVMS `lastused`), so that a token is written at most
 * once per interval. Bounded: past `capacity` the token recorded longest ago is forgotten, which costs at most
 * one early write for it; before, every token ever used stayed here for the life of the process.
 */
export class TokenTouches {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly capacity: number,
  ) {}

  /** Whether the token's use is to be written now; if so, it counts as written at `now`. */
  due(tokenId: string, now = Date.now()): boolean {
    const last = this.last.get(tokenId);
    if (last !== undefined && now - last <= this.intervalMs) return false;
    // re-inserted at the end: the Map's order is the order of the writes, oldest first
    this.last.delete(tokenId);
    if (this.last.size >= this.capacity) this.last.delete(this.last.keys().next().value!);
    this.last.set(tokenId, now);
    return true;
  }

  get size(): number {
    return this.last.size;
  }
}
