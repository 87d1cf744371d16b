/**
 * Playing through a timeline: a clock that asks to advance by whole steps (changes or
 * sessions) at a rate, once per animation frame. Faster than the screen can show, several
 * steps go into one frame — the view then marks all they changed — so playing at 64× costs
 * what playing at 1× does, per frame.
 */

/** Steps per second at 1×: ten changes, or one session. */
export const BASE_RATE = { change: 10, session: 1 } as const;
export const SPEEDS = [1, 2, 4, 8, 16, 32, 64] as const;

export type StepUnit = keyof typeof BASE_RATE;

export interface Frames {
  request(callback: (timeMs: number) => void): number;
  cancel(handle: number): void;
}

const animationFrames: Frames = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
};

export class Playback {
  speed = 1;
  unit: StepUnit = 'change';
  private frame: number | null = null;
  private last = 0;
  /** Steps owed, fractions included, since the last one taken. */
  private owed = 0;

  constructor(
    /** Advances by `steps` (≥ 1) units; false when the end was reached (playing stops). */
    private readonly advance: (steps: number, unit: StepUnit) => boolean,
    private readonly onChange: (playing: boolean) => void,
    private readonly frames: Frames = animationFrames,
  ) {}

  get playing(): boolean {
    return this.frame !== null;
  }

  play(): void {
    if (this.playing) return;
    this.owed = 0;
    this.last = Number.NaN;
    this.frame = this.frames.request((time) => this.tick(time));
    this.onChange(true);
  }

  pause(): void {
    if (this.frame === null) return;
    this.frames.cancel(this.frame);
    this.frame = null;
    this.onChange(false);
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  private tick(time: number): void {
    // The first frame only starts the clock; a long gap (a hidden tab) counts as one frame.
    const elapsed = Number.isNaN(this.last) ? 0 : Math.min(time - this.last, 250);
    this.last = time;
    this.owed += (elapsed / 1000) * BASE_RATE[this.unit] * this.speed;
    const steps = Math.floor(this.owed);
    if (steps >= 1) {
      this.owed -= steps;
      if (!this.advance(steps, this.unit)) {
        this.frame = null;
        this.onChange(false);
        return;
      }
    }
    this.frame = this.frames.request((next) => this.tick(next));
  }
}
