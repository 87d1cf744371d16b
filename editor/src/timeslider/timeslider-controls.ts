/**
 * The timeslider's controls: a slider over every position of the history, with the sessions
 * and named versions marked on its track; play/pause, speed, and stepping by change or by
 * session. Keyboard (on the slider, as a slider is used): ←/→ a change, Page Up/Page Down a
 * session, Home/End the start and the end, Space play or pause (anywhere in the controls but
 * on a button or a list). The slider says where it is in words (aria-valuetext): which
 * change, by whom, when.
 */
import { h, icon } from '../dom.js';
import { formatCount } from '../format.js';
import { SPEEDS, type StepUnit } from './playback.js';

const ICONS = {
  play: 'M7 4v16l13-8z',
  pause: 'M7 4h3v16H7z|M14 4h3v16h-3z',
  previous: 'M6 5v14|M18 5 9 12l9 7z',
  next: 'M18 5v14|M6 5l9 7-9 7z',
};

/** At most this many session ticks on the track; more would be one grey bar. */
const MAX_TICKS = 400;

export interface ControlsHandlers {
  /** The slider was moved to `position` (dragged, clicked, Home/End, a marker). */
  moveTo(position: number): void;
  /** A step back or forward, by change or by session. */
  step(direction: -1 | 1, unit: StepUnit): void;
  togglePlay(): void;
  setSpeed(speed: number): void;
  setUnit(unit: StepUnit): void;
}

/** A version someone named, as a jump target. */
export interface NamedPoint {
  name: string;
  position: number;
}

export class TimesliderControls {
  readonly element: HTMLElement;
  readonly slider: HTMLInputElement;
  private readonly ticks = h('div', { class: 'timeslider__ticks', 'aria-hidden': 'true' });
  private readonly named = h('div', { class: 'timeslider__named' });
  private readonly playButton: HTMLButtonElement;
  private readonly previousButton: HTMLButtonElement;
  private readonly nextButton: HTMLButtonElement;
  private readonly unitSelect: HTMLSelectElement;
  private readonly speedSelect: HTMLSelectElement;
  private readonly namedSelect: HTMLSelectElement;
  private steps = 0;

  constructor(private readonly handlers: ControlsHandlers) {
    this.slider = h('input', {
      type: 'range',
      class: 'timeslider__slider',
      min: 0,
      max: 0,
      step: 1,
      value: 0,
      'aria-label': 'Point in the history',
      'data-testid': 'timeslider-slider',
      oninput: () => handlers.moveTo(Number(this.slider.value)),
      onkeydown: (event: Event) => this.onSliderKey(event as KeyboardEvent),
    });
    const button = (label: string, paths: string, testid: string, onclick: () => void): HTMLButtonElement =>
      h('button', { type: 'button', class: 'icon-btn timeslider__button', 'aria-label': label, title: label, 'data-testid': testid, onclick }, icon(paths));
    this.previousButton = button('Previous change', ICONS.previous, 'timeslider-previous', () => handlers.step(-1, this.unit));
    this.playButton = button('Play', ICONS.play, 'timeslider-play', () => handlers.togglePlay());
    this.nextButton = button('Next change', ICONS.next, 'timeslider-next', () => handlers.step(1, this.unit));
    this.unitSelect = h(
      'select',
      { class: 'compare__select', 'aria-label': 'Step by', 'data-testid': 'timeslider-unit', onchange: () => this.unitChanged() },
      h('option', { value: 'change' }, 'By change'),
      h('option', { value: 'session' }, 'By session'),
    );
    this.speedSelect = h(
      'select',
      { class: 'compare__select', 'aria-label': 'Playing speed', 'data-testid': 'timeslider-speed', onchange: () => handlers.setSpeed(Number(this.speedSelect.value)) },
      ...SPEEDS.map((speed) => h('option', { value: speed }, `${speed}×`)),
    );
    this.namedSelect = h('select', { class: 'compare__select', 'aria-label': 'Jump to a named version', 'data-testid': 'timeslider-named', hidden: true, onchange: () => this.namedChosen() });
    this.element = h(
      'div',
      {
        class: 'timeslider__controls',
        onkeydown: (event: Event) => this.onKey(event as KeyboardEvent),
      },
      h('div', { class: 'timeslider__buttons' }, this.previousButton, this.playButton, this.nextButton, this.unitSelect, this.speedSelect, this.namedSelect),
      h('div', { class: 'timeslider__track' }, this.slider, this.ticks, this.named),
    );
  }

  get unit(): StepUnit {
    return this.unitSelect.value === 'session' ? 'session' : 'change';
  }

  /** The positions there are (0..steps), where sessions end, and the versions people named. */
  setRange(steps: number, sessionEnds: ArrayLike<number>, named: readonly NamedPoint[]): void {
    this.steps = steps;
    this.slider.max = String(steps);
    const at = (position: number): string => String(steps === 0 ? 0 : position / steps);
    // One tick per visible place: sessions closer than the track can show share one.
    const places = new Set<number>();
    for (let i = 0; i < sessionEnds.length; i++) places.add(Math.round(((sessionEnds[i] as number) / Math.max(steps, 1)) * MAX_TICKS));
    this.ticks.replaceChildren(...[...places].map((place) => h('span', { class: 'timeslider__tick', style: `--at: ${at((place / MAX_TICKS) * steps)}` })));
    this.named.replaceChildren(
      ...named.map((version) =>
        h('button', {
          type: 'button',
          class: 'timeslider__marker',
          style: `--at: ${at(version.position)}`,
          title: version.name,
          'aria-label': `Named version: ${version.name}`,
          tabindex: -1,
          onclick: () => this.handlers.moveTo(version.position),
        }),
      ),
    );
    this.namedSelect.replaceChildren(h('option', { value: '' }, 'Named versions…'), ...named.map((version) => h('option', { value: version.position }, version.name)));
    this.namedSelect.hidden = named.length === 0;
  }

  /** Shows `position`, described for screen readers as `description`. */
  showPosition(position: number, description: string): void {
    this.slider.value = String(position);
    this.slider.setAttribute('aria-valuetext', description);
    this.previousButton.disabled = position <= 0;
    this.nextButton.disabled = position >= this.steps;
  }

  setPlaying(playing: boolean): void {
    const label = playing ? 'Pause' : 'Play';
    this.playButton.replaceChildren(icon(playing ? ICONS.pause : ICONS.play));
    this.playButton.setAttribute('aria-label', label);
    this.playButton.title = `${label} (Space)`;
    this.playButton.setAttribute('aria-pressed', String(playing));
  }

  /** The slider takes the keyboard. */
  focus(): void {
    this.slider.focus();
  }

  private unitChanged(): void {
    const unit = this.unit;
    const noun = unit === 'session' ? 'session' : 'change';
    for (const [button, label] of [[this.previousButton, `Previous ${noun}`], [this.nextButton, `Next ${noun}`]] as const) {
      button.setAttribute('aria-label', label);
      button.title = label;
    }
    this.handlers.setUnit(unit);
  }

  private namedChosen(): void {
    const value = this.namedSelect.value;
    this.namedSelect.value = '';
    if (value !== '') this.handlers.moveTo(Number(value));
  }

  private onSliderKey(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => this.handlers.step(-1, 'change'),
      ArrowDown: () => this.handlers.step(-1, 'change'),
      ArrowRight: () => this.handlers.step(1, 'change'),
      ArrowUp: () => this.handlers.step(1, 'change'),
      PageDown: () => this.handlers.step(-1, 'session'),
      PageUp: () => this.handlers.step(1, 'session'),
      Home: () => this.handlers.moveTo(0),
      End: () => this.handlers.moveTo(this.steps),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key !== ' ' || event.altKey || event.ctrlKey || event.metaKey) return;
    // Space keeps its own meaning on buttons and lists.
    const target = event.target as HTMLElement;
    if (target instanceof HTMLButtonElement || target instanceof HTMLSelectElement) return;
    event.preventDefault();
    this.handlers.togglePlay();
  }

  /** "Change 1,234 of 100,000" (the start: "The start"). */
  static positionLabel(position: number, steps: number, from = position - 1): string {
    if (position === 0) return 'The start';
    if (from >= position - 1) return `Change ${formatCount(position)} of ${formatCount(steps)}`;
    return `Changes ${formatCount(from + 1)}–${formatCount(position)} of ${formatCount(steps)}`;
  }
}

