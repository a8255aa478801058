import { MultiBar, Presets, SingleBar } from 'cli-progress';

/** Redraws on a terminal at most this often. */
const FPS = 10;

/**
 * Progress of a long command on stderr: a cli-progress bar redrawn in place on a terminal (with the
 * command's problem lines printed above it), plain lines (every 10 % and at the end) when stderr is a
 * file or a pipe, so logs stay readable.
 */
export class ProgressOutput {
  private bars: MultiBar | undefined;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  /** A line on stderr; on a terminal above the bar being drawn. */
  log(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  /** Starts the progress of `total` steps labelled `label`. */
  start(label: string, total: number): Progress {
    if (!this.tty) return new PlainProgress(label, total, this.stream);
    const bars = new MultiBar(
      {
        stream: this.stream,
        format: `[{bar}] ${label}: {value}/{total} ({percentage}%, {rate}/s)`,
        barsize: 30,
        fps: FPS,
        hideCursor: false,
        clearOnComplete: false,
        gracefulExit: true,
      },
      { ...Presets.legacy, barCompleteChar: '#', barIncompleteChar: '.' },
    );
    this.bars = bars;
    return new BarProgress(bars.create(total, 0, { rate: 0 }), () => {
      bars.update(); // the problem lines still buffered
      bars.stop();
      this.bars = undefined;
    });
  }
}

/** Where a long step reports how far it got. */
export interface Progress {
  advance(count: number): void;
  finish(): void;
}

class Rate {
  private readonly started = Date.now();

  per(done: number): number {
    const seconds = (Date.now() - this.started) / 1000;
    return seconds > 0 ? Math.round(done / seconds) : 0;
  }
}

class BarProgress implements Progress {
  private readonly rate = new Rate();
  private done = 0;

  constructor(
    private readonly bar: SingleBar,
    private readonly stop: () => void,
  ) {}

  advance(count: number): void {
    this.done += count;
    this.bar.increment(count, { rate: this.rate.per(this.done) });
  }

  finish(): void {
    this.bar.update(this.done, { rate: this.rate.per(this.done) });
    this.stop();
  }
}

/** `label: done/total (percent%, rate/s)` lines, at every tenth and at the end. */
class PlainProgress implements Progress {
  private readonly rate = new Rate();
  private done = 0;
  private lastDecile = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WritableStream,
  ) {}

  advance(count: number): void {
    this.done += count;
    const decile = this.total === 0 ? 10 : Math.floor((this.done * 10) / this.total);
    if (decile > this.lastDecile && decile < 10) {
      this.lastDecile = decile;
      this.stream.write(`${this.line()}\n`);
    }
  }

  finish(): void {
    this.stream.write(`${this.line()}\n`);
  }

  private line(): string {
    const percent = this.total === 0 ? 100 : Math.floor((this.done * 100) / this.total);
    return `${this.label}: ${this.done}/${this.total} (${percent}%, ${this.rate.per(this.done)}/s)`;
  }
}
