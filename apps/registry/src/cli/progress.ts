/**
 * Progress of a long command on stderr: a bar redrawn in place on a terminal, plain lines (every 10 %
 * and at the end) when stderr is a file or a pipe, so logs stay readable.
 */
export class Progress {
  private done = 0;
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  advance(count: number): void {
    this.done += count;
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw >= 100 || this.done >= this.total) {
        this.lastDraw = now;
        this.draw();
      }
      return;
    }
    const decile = this.total === 0 ? 10 : Math.floor((this.done * 10) / this.total);
    if (decile > this.lastDecile && decile < 10) {
      this.lastDecile = decile;
      this.stream.write(`${this.line()}\n`);
    }
  }

  finish(): void {
    if (this.tty) {
      this.draw();
      this.stream.write('\n');
    } else {
      this.stream.write(`${this.line()}\n`);
    }
  }

  private rate(): number {
    const seconds = (Date.now() - this.started) / 1000;
    return seconds > 0 ? Math.round(this.done / seconds) : 0;
  }

  private line(): string {
    const percent = this.total === 0 ? 100 : Math.floor((this.done * 100) / this.total);
    return `${this.label}: ${this.done}/${this.total} (${percent}%, ${this.rate()}/s)`;
  }

  private draw(): void {
    const width = 30;
    const filled = this.total === 0 ? width : Math.min(width, Math.floor((this.done * width) / this.total));
    this.stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.line()}`);
  }
}
