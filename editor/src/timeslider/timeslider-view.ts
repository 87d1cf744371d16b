/**
 * Timeslider mode of the document page: the live editor steps aside for the document as it was
 * at any point of its history, with the change that led there marked in its author's colour,
 * who made it and when; a slider over every change, play/pause at a chosen speed, stepping by
 * change or by session, and named versions as places to jump to. The point shown is in the
 * address (`#at=<seq>`), so a link opens it; from there one can restore it or compare it with
 * now, as from the history panel.
 *
 * The whole history comes in one answer (GET …/timeline) and every step is worked out here,
 * so moving costs no round trip: see timeline-model.ts and step-renderer.ts.
 */
import '../styles/authorship.css';
import '../styles/timeslider.css';
import type * as Y from 'yjs';
import { changeLabel, writtenLabel } from '../../../document-schema/diff/diff-words.js';
import type { HistoryPoint } from '../../../persistence/replay.js';
import { decodeTimeline } from '../../../persistence/timeline/timeline-format.js';
import type { ApiClient } from '../api-client.js';
import type { AuthorColours } from '../authorship/author-colours.js';
import { copyText } from '../clipboard.js';
import { h, icon } from '../dom.js';
import { formatWhen } from '../format.js';
import { Icons } from '../icons.js';
import { showToast } from '../toast.js';
import { Playback, type StepUnit } from './playback.js';
import { StepRenderer } from './step-renderer.js';
import { TimelineModel } from './timeline-model.js';
import { TimelineSheet } from './timeline-sheet.js';
import { TimesliderControls, type NamedPoint } from './timeslider-controls.js';
import { timesliderHref } from './timeslider-link.js';

export interface TimesliderViewOptions {
  api: ApiClient;
  docName: string;
  colours(): Promise<AuthorColours>;
  /** The live editor's sheet, hidden while the timeslider is open. */
  liveSheet: HTMLElement;
  /** Elements that must not be used meanwhile (the toolbar). */
  inertDuring: HTMLElement[];
  canRestore: boolean;
  /** Makes the document at `seq` (of `time`) current again, for everyone. */
  restore(seq: number, time: string | null): Promise<void>;
  /** Shows what changed from `seq` to now. */
  compare(seq: number): void;
  onError(message: string): void;
  /** Back to editing, asked for: where the keyboard goes next (the document). */
  onBack(): void;
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
/** How many steps of a marked span are looked at to name their authors. */
const MAX_AUTHOR_SCAN = 2000;

interface Loaded {
  model: TimelineModel;
  renderer: StepRenderer;
  page: TimelineSheet;
  colours: AuthorColours;
}

export class TimesliderView {
  readonly banner: HTMLElement;
  readonly sheet: HTMLElement;
  private readonly controls: TimesliderControls;
  private readonly playback: Playback;
  private readonly status = h('p', { class: 'timeslider__status', role: 'status' });
  private readonly where = h('span', { class: 'timeslider__where', 'data-testid': 'timeslider-position' });
  private readonly who = h('span', { class: 'timeslider__who', 'data-testid': 'timeslider-author' });
  private readonly swatch = h('span', { class: 'author-legend__swatch', 'aria-hidden': 'true' });
  private readonly time = h('time', { class: 'timeslider__time', 'data-testid': 'timeslider-time' });
  private readonly names = h('span', { class: 'timeslider__names', 'data-testid': 'timeslider-names' });
  private readonly note = h('p', { class: 'timeslider__note', hidden: true, 'data-testid': 'timeslider-compacted' });
  private readonly newer: HTMLButtonElement;
  private readonly restoreButton: HTMLButtonElement;
  private loaded: Loaded | null = null;
  /** The names of named versions, by the position they name. */
  private namedAt = new Map<number, string[]>();
  private active = false;
  private position = 0;
  /** Bumped on every open/close so a slow answer cannot show a timeline no longer wanted. */
  private generation = 0;
  private addressTimer = 0;

  constructor(private readonly options: TimesliderViewOptions) {
    this.controls = new TimesliderControls({
      moveTo: (position) => this.jump(position),
      step: (direction, unit) => this.step(direction, unit),
      togglePlay: () => this.togglePlay(),
      setSpeed: (speed) => {
        this.playback.speed = speed;
      },
      setUnit: (unit) => {
        this.playback.unit = unit;
      },
    });
    this.playback = new Playback(
      (steps, unit) => this.advance(steps, unit),
      (playing) => {
        this.controls.setPlaying(playing);
        if (!playing) this.settle();
      },
    );
    const action = (label: string, paths: string, testid: string, onclick: () => void, primary = false): HTMLButtonElement =>
      h('button', { type: 'button', class: `btn ${primary ? 'btn--primary' : 'btn--ghost'}`, 'data-testid': testid, onclick }, icon(paths), h('span', { class: 'btn__text' }, label));
    this.restoreButton = action('Restore this point', Icons.restore, 'timeslider-restore', () => void this.restore(), true);
    this.newer = h('button', { type: 'button', class: 'btn btn--ghost', hidden: true, 'data-testid': 'timeslider-newer', onclick: () => void this.reload() }, 'Newer changes: show them');
    this.banner = h(
      'section',
      { class: 'preview-banner compare-banner timeslider', 'aria-label': 'Timeslider', hidden: true, 'data-testid': 'timeslider' },
      h(
        'div',
        { class: 'timeslider__head' },
        h('h2', { class: 'preview-banner__title' }, 'Timeslider'),
        h(
          'div',
          { class: 'preview-banner__actions' },
          action('Back to editing', Icons.arrowLeft, 'timeslider-close', () => {
            this.close();
            this.options.onBack();
          }),
          action('Copy link', Icons.link, 'timeslider-copy-link', () => void this.copyLink()),
          action('Compare with now', Icons.history, 'timeslider-compare', () => this.compare()),
          this.restoreButton,
        ),
      ),
      this.controls.element,
      h('p', { class: 'timeslider__info' }, this.where, ' · ', this.swatch, this.who, ' · ', this.time, this.names),
      this.note,
      this.newer,
      this.status,
    );
    this.sheet = h('article', { class: 'sheet sheet--preview sheet--compare sheet--timeslider', hidden: true, 'data-testid': 'timeslider-sheet' });
  }

  get isOpen(): boolean {
    return this.active;
  }

  /** Opens at `point` (the last change when null), with the timeline (fetched now unless under way). */
  async open(point: HistoryPoint | null, timeline: Promise<Uint8Array> = this.options.api.timeline(this.options.docName)): Promise<void> {
    const generation = ++this.generation;
    this.playback.pause();
    this.active = true;
    this.setVisible(true);
    this.status.textContent = 'Loading the history…';
    let model: TimelineModel;
    try {
      const [bytes, colours] = await Promise.all([timeline, this.options.colours()]);
      if (generation !== this.generation) return;
      // For anyone measuring where opening spends its time (bench/timeslider.ts).
      performance.mark('tandem:timeline-fetched');
      this.unload();
      this.loaded = this.load(decodeTimeline(bytes), colours);
      performance.mark('tandem:timeline-read');
      model = this.loaded.model;
    } catch (error) {
      if (generation !== this.generation) return;
      this.close();
      this.options.onError(`Could not open the timeslider: ${(error as Error).message}`);
      return;
    }
    this.status.textContent = '';
    this.newer.hidden = true;
    const compacted = model.meta.compacted;
    this.note.hidden = !compacted;
    this.note.textContent = compacted ? `History before ${when.format(new Date(compacted.at))} was compacted: the timeline starts at what was kept then.` : '';
    // A name before the compaction's cut shows the start: what was kept of the history then.
    const named: NamedPoint[] = model.meta.named.map((v) => ({ name: v.name, position: model.positionOfSeq(v.seq) }));
    this.controls.setRange(model.steps, model.sessionEnds, named);
    this.namedAt = new Map();
    for (const version of named) this.namedAt.set(version.position, [...(this.namedAt.get(version.position) ?? []), version.name]);
    const position = point ? this.positionOf(point) : model.steps;
    this.show(Math.max(0, position - 1), position);
    performance.mark('tandem:timeslider-shown');
    this.controls.focus();
  }

  /** Moves to `point` (an address changed by hand). */
  moveToPoint(point: HistoryPoint): void {
    if (!this.loaded) return;
    this.jump(this.positionOf(point));
  }

  /** The live document changed: it may hold changes newer than the history shown. */
  documentChanged(live: Y.Doc): void {
    if (this.loaded && this.newer.hidden && !this.loaded.model.holdsAllOf(live)) this.newer.hidden = false;
  }

  close(): void {
    this.generation += 1;
    if (!this.active) return;
    this.active = false;
    this.playback.pause();
    clearTimeout(this.addressTimer);
    this.unload();
    this.setVisible(false);
    history.replaceState(history.state, '', location.pathname + location.search);
  }

  private load(timeline: ReturnType<typeof decodeTimeline>, colours: AuthorColours): Loaded {
    const model = new TimelineModel(timeline);
    const { authors } = model.meta;
    const page = new TimelineSheet(this.sheet, (src) => this.options.api.fileSrc(src), (by) => colours.colourOf(authors[by]?.id ?? null));
    const renderer = new StepRenderer(model, page.schema, (node) => {
      const label = changeLabel(node, authors);
      return node.time ? `${label} · ${formatWhen(node.time)}` : label;
    });
    return { model, renderer, page, colours };
  }

  private unload(): void {
    this.loaded?.page.destroy();
    this.loaded?.model.destroy();
    this.loaded = null;
    this.sheet.replaceChildren();
  }

  private positionOf(point: HistoryPoint): number {
    const model = this.loaded?.model;
    if (!model) return 0;
    if ('seq' in point) {
      if (point.seq < model.meta.startSeq) showToast(`That point is before the history kept (it starts at change ${model.meta.startSeq}).`, 'error');
      return model.positionOfSeq(point.seq);
    }
    return model.positionAtTime(point.timeMs);
  }

  /** Shows the document at `to` with what the steps after `from` changed marked. */
  private show(from: number, to: number): void {
    const loaded = this.loaded;
    if (!loaded) return;
    const { model, renderer, page, colours } = loaded;
    this.position = to;
    const marked = page.show(renderer.render(from, to));
    const author = model.authorAt(to);
    const authors = this.authorsBetween(from, to);
    const label = to === 0 ? (model.meta.startSeq > 0 ? 'What was kept when the history was compacted' : 'The empty document') : authors;
    const time = model.timeAt(to);
    this.where.textContent = TimesliderControls.positionLabel(to, model.steps, from);
    this.who.textContent = label;
    this.swatch.hidden = to === 0;
    this.swatch.style.setProperty('--author', colours.colourOf(author.id));
    this.time.textContent = time === null ? '' : when.format(time);
    if (time !== null) this.time.dateTime = new Date(time).toISOString();
    const names = this.namedAt.get(to) ?? [];
    this.names.textContent = names.length > 0 ? ` · Named ${names.map((n) => `“${n}”`).join(', ')}` : '';
    this.controls.showPosition(to, [this.where.textContent, label, this.time.textContent, ...names.map((n) => `named ${n}`)].filter((part) => part !== '').join(', '));
    this.restoreButton.hidden = !this.options.canRestore;
    this.restoreButton.disabled = to === model.steps;
    this.restoreButton.title = to === model.steps ? 'This is the document as it is now' : 'Make the document as it was at this point the current one, for everyone';
    if (marked) revealChange(marked, this.banner);
    if (!this.playback.playing) this.settle();
  }

  /** "Changed by Ada", or everyone who changed something in a span: "Changed by Ada, Bob (self-declared)". */
  private authorsBetween(from: number, to: number): string {
    const model = this.loaded?.model;
    if (!model || to === 0) return '';
    const seen = new Set<number>();
    for (let step = to; step > from && to - step < MAX_AUTHOR_SCAN; step--) seen.add(model.authorIndexAt(step));
    const labels = [...seen].map((index) => writtenLabel(model.meta.authors[index], 'Changed'));
    return labels.length === 1 ? (labels[0] as string) : `${labels[0]} and ${labels.length - 1} more`;
  }

  private jump(position: number): void {
    this.playback.pause();
    this.show(Math.max(0, position - 1), position);
  }

  private step(direction: -1 | 1, unit: StepUnit): void {
    const model = this.loaded?.model;
    if (!model) return;
    this.playback.pause();
    if (unit === 'change') {
      this.jump(Math.min(model.steps, Math.max(0, this.position + direction)));
      return;
    }
    const to = direction > 0 ? model.nextSessionEnd(this.position) : model.previousSessionEnd(this.position);
    this.show(model.previousSessionEnd(to), to);
  }

  private togglePlay(): void {
    const model = this.loaded?.model;
    if (!model) return;
    // Playing from the end starts again from the beginning, as a player does.
    if (!this.playback.playing && this.position >= model.steps) this.show(0, 0);
    this.playback.toggle();
  }

  /** One frame of playing: `steps` units on; false at the end. */
  private advance(steps: number, unit: StepUnit): boolean {
    const model = this.loaded?.model;
    if (!model) return false;
    let to = this.position;
    if (unit === 'change') to = Math.min(model.steps, to + steps);
    else for (let i = 0; i < steps && to < model.steps; i++) to = model.nextSessionEnd(to);
    const from = unit === 'session' && steps === 1 ? model.previousSessionEnd(to) : this.position;
    this.show(from, to);
    return to < model.steps;
  }

  /** Once the view stops moving, the address names its point. */
  private settle(): void {
    clearTimeout(this.addressTimer);
    this.addressTimer = window.setTimeout(() => {
      const model = this.loaded?.model;
      if (!model || !this.active) return;
      history.replaceState(history.state, '', `${location.pathname}${location.search}#at=${model.seqAt(this.position)}`);
    }, 150);
  }

  private async copyLink(): Promise<void> {
    const model = this.loaded?.model;
    if (!model) return;
    const ok = await copyText(location.origin + timesliderHref(this.options.docName, model.seqAt(this.position)));
    showToast(ok ? 'Link to this point copied. It opens the timeslider here for anyone with access.' : 'Could not copy the link; copy it from the address bar.', ok ? 'info' : 'error');
  }

  private compare(): void {
    const model = this.loaded?.model;
    if (!model) return;
    const seq = model.seqAt(this.position);
    this.close();
    this.options.compare(seq);
  }

  private async restore(): Promise<void> {
    const model = this.loaded?.model;
    if (!model) return;
    const seq = model.seqAt(this.position);
    const time = model.timeAt(this.position);
    this.restoreButton.disabled = true;
    try {
      await this.options.restore(seq, time === null ? null : new Date(time).toISOString());
    } catch (error) {
      this.restoreButton.disabled = false;
      this.options.onError(`Restore failed: ${(error as Error).message}`);
      return;
    }
    this.close();
  }

  /** Fetches the history again, staying at the point shown. */
  private async reload(): Promise<void> {
    const model = this.loaded?.model;
    await this.open(model ? { seq: model.seqAt(this.position) } : null);
  }

  private setVisible(open: boolean): void {
    this.banner.hidden = !open;
    this.sheet.hidden = !open;
    this.options.liveSheet.hidden = open;
    for (const element of this.options.inertDuring) element.inert = open;
  }
}

/** Scrolls a change into view when it is not (below the sticky banner, above the window's bottom). */
function revealChange(block: HTMLElement, banner: HTMLElement): void {
  const target = block.querySelector<HTMLElement>('ins, del, .diff') ?? block;
  const rect = target.getBoundingClientRect();
  if (rect.top >= banner.getBoundingClientRect().bottom && rect.bottom <= window.innerHeight) return;
  target.scrollIntoView({ block: 'center' });
}
