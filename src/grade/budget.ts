/**
 * The grader's deterministic budget: every item may spend a fixed number of work units, counted where the
 * work happens (tokens scanned, tree nodes built and walked, machine words of exact arithmetic, sample
 * points, matching steps, CAS calls by the size of what they are handed). The same input spends the same
 * units on any machine under any load, so it gets the same verdict; a wall-clock deadline stays beside it
 * only as a last guard against a hang in code that does not count (the CAS's internals), and either guard's
 * hit is reported as such (status `timeout`, `guard: "work" | "wall"`).
 *
 * Units are calibrated so that a unit is roughly a microsecond or less on one core: the default 2,000,000
 * is seconds of real work, hundreds of times what the heaviest non-pathological answer needs (see
 * docs/grading.md and budget.test.ts).
 */

export type GuardKind = "work" | "wall";

/** Default work units per item. */
export const DEFAULT_WORK_BUDGET = 2_000_000;

/** Thrown when an item runs out of work units or past its wall-clock guard. */
export class BudgetExceeded extends Error {
  readonly guard: GuardKind;

  constructor(guard: GuardKind, message: string) {
    super(message);
    this.name = "BudgetExceeded";
    this.guard = guard;
  }
}

/** How often (in spend calls) the wall clock is read: it is a last guard, not a meter. */
const WALL_CHECK_INTERVAL = 64;

export class WorkBudget {
  readonly limit: number;
  private wallDeadline: number;
  private readonly wallMs: number;
  spent = 0;
  private calls = 0;
  private readonly parent: WorkBudget | undefined;

  /**
   * `wallMs`: the last-guard deadline from now (Infinity for none). `parent`: the budget of the item this
   * one works for (a gold parsed on its own budget): time excused here is excused there too.
   */
  constructor(limit: number = DEFAULT_WORK_BUDGET, wallMs: number = Infinity, parent?: WorkBudget) {
    this.limit = limit;
    this.parent = parent;
    this.wallMs = wallMs;
    this.wallDeadline = wallMs === Infinity ? Infinity : Date.now() + wallMs;
  }

  /** Spends `units` (what: the kind of work, named in the reason when the budget runs out). */
  spend(units: number, what: string): void {
    this.spent += units;
    if (this.spent > this.limit) {
      throw new BudgetExceeded("work", `work budget of ${this.limit.toLocaleString("en-US")} units exhausted (${what})`);
    }
    if (++this.calls % WALL_CHECK_INTERVAL === 0) this.checkWall();
  }

  /** Reads the wall clock now (before work that does not count its own steps, such as a CAS call). */
  checkWall(): void {
    if (Date.now() > this.wallDeadline) {
      throw new BudgetExceeded("wall", `wall-clock guard of ${this.wallMs} ms passed (machine load can do this; a rerun may differ)`);
    }
  }

  /** Moves the wall deadline by `ms`: time the item did not cause (loading the CAS once per process). */
  excuse(ms: number): void {
    this.wallDeadline += ms;
    this.parent?.excuse(ms);
  }

  get remaining(): number {
    return this.limit - this.spent;
  }
}

/** A budget that never runs out: for stage functions called on their own (tests, tools). */
export function unlimitedBudget(): WorkBudget {
  return new WorkBudget(Number.POSITIVE_INFINITY, Infinity);
}

// ---------------------------------------------------------------------------------------------------
// The budget of the item being graded. Grading is synchronous, so the arithmetic, the scanner and the
// comparer charge whichever budget `metered` installed, without a meter parameter on every rational
// operation (each worker thread has its own module instance, hence its own current budget).

let current: WorkBudget | undefined;

/** The budget `charge` spends from now (undefined outside `metered`). */
export function currentBudget(): WorkBudget | undefined {
  return current;
}

/** Runs `work` with `budget` as the one every `charge` spends from; restores the previous one after. */
export function metered<T>(budget: WorkBudget, work: () => T): T {
  const previous = current;
  current = budget;
  try {
    return work();
  } finally {
    current = previous;
  }
}

/** Spends from the current item's budget (nothing when none is installed: stage functions used alone). */
export function charge(units: number, what: string): void {
  if (current !== undefined) current.spend(units, what);
}

/** Reads the current item's wall-clock guard (before work that counts no steps of its own). */
export function checkWallGuard(): void {
  current?.checkWall();
}

/** Excuses `ms` of wall time on the current item (a one-off load it did not cause). */
export function excuseWallTime(ms: number): void {
  current?.excuse(ms);
}
