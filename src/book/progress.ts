/** Progress of a book run: live bars (book + chapter, with chars/s, real-time factor and ETA) on a TTY, plain log lines otherwise. */
import cliProgress from 'cli-progress';

/** Running totals of what this run synthesized (resumed chunks excluded, so speed is honest). */
export class SpeedMeter {
  chars = 0;
  audioSeconds = 0;
  /** Engine time, seconds (all attempts). */
  synthSeconds = 0;
  readonly startedAt = performance.now();

  add(chars: number, audioSeconds: number, synthSeconds: number): void {
    this.chars += chars;
    this.audioSeconds += audioSeconds;
    this.synthSeconds += synthSeconds;
  }

  get wallSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** Characters per wall-clock second of this run. */
  get charsPerSecond(): number {
    return this.chars / Math.max(1e-9, this.wallSeconds);
  }

  /** Wall time / audio time (below 1 = faster than real time). */
  get rtf(): number {
    return this.audioSeconds > 0 ? this.wallSeconds / this.audioSeconds : 0;
  }

  etaSeconds(remainingChars: number): number {
    return this.chars > 0 ? remainingChars / this.charsPerSecond : NaN;
  }
}

export interface ProgressReporter {
  /** A chapter's synthesis begins; `doneChars` of its `chars` are already in the journal. */
  chapter(index: number, title: string, chars: number, doneChars: number): void;
  /** A chunk was finished (synthesized now, or found in the journal when `resumed`). */
  chunk(chars: number, resumed: boolean): void;
  log(line: string): void;
  stop(): void;
}

const clock = (s: number): string => {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const hms = [Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60].map((n) => String(n).padStart(2, '0'));
  return t >= 3600 ? hms.join(':') : hms.slice(1).join(':');
};

/** `speed` says how fast things go; `bookChars` is what the whole run covers (resumed chunks included). */
export function createProgress(bookChars: number, meter: SpeedMeter, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  let bookDone = 0;
  let chapterDone = 0;
  let chapterChars = 0;
  const stats = (): string => `${meter.charsPerSecond.toFixed(1)} chars/s, RTF ${meter.rtf.toFixed(3)}, ETA ${clock(meter.etaSeconds(bookChars - bookDone))}`;

  if (!stream.isTTY) {
    // Ctrl-C (or a SIGINT from a script): finished chunks are already durable in the journal; say how to go on.
    const interrupted = (): void => {
      stream.write('parla: interrupted; run the same command again to continue\n');
      process.exit(130);
    };
    process.once('SIGINT', interrupted);
    return {
      chapter(index, title, chars, doneChars) {
        chapterDone = doneChars;
        chapterChars = chars;
        bookDone += doneChars;
        stream.write(`parla: chapter ${index} "${title}": ${chars} chars${doneChars ? ` (${doneChars} already done)` : ''}\n`);
      },
      chunk(chars, resumed) {
        chapterDone += chars;
        bookDone += chars;
        if (!resumed) stream.write(`parla:   ${chapterDone}/${chapterChars} chars, book ${((100 * bookDone) / Math.max(1, bookChars)).toFixed(1)}%, ${stats()}\n`);
      },
      log: (line) => void stream.write(`parla: ${line}\n`),
      stop() {
        process.off('SIGINT', interrupted);
      },
    };
  }

  const bars = new cliProgress.MultiBar(
    { stream, format: '{label} [{bar}] {percentage}% | {speed}', hideCursor: true, clearOnComplete: false, barsize: 20, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  const book = bars.create(Math.max(1, bookChars), 0, { label: 'book      ', speed: '' });
  let chapter: cliProgress.SingleBar | undefined;
  // Ctrl-C: give the terminal its cursor back; finished chunks are already durable in the journal.
  const interrupt = (): void => {
    bars.stop();
    stream.write('parla: interrupted; run the same command again to continue\n');
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  return {
    chapter(index, title, chars, doneChars) {
      if (chapter) bars.remove(chapter); // one chapter bar at a time, under the book bar
      chapterDone = doneChars;
      bookDone += doneChars;
      book.update(bookDone);
      chapter = bars.create(Math.max(1, chars), doneChars, { label: `ch ${String(index).padEnd(6)}`, speed: title.slice(0, 40) });
    },
    chunk(chars) {
      chapterDone += chars;
      bookDone += chars;
      chapter?.update(chapterDone);
      book.update(bookDone, { speed: stats() });
    },
    log: (line) => bars.log(`parla: ${line}\n`),
    stop() {
      process.off('SIGINT', interrupt);
      bars.stop();
    },
  };
}
