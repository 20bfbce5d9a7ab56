/**
 * fast-check generators of valid search spaces, shared by the optimizer tests.
 * Not a test file itself (no `.test.ts`), so the runner does not execute it.
 */
import fc from 'fast-check';
import { fromUnit } from '../src/space';
import type { CategoricalParam, FloatParam, IntParam, ParamSpec, Space } from '../src/types';

const NAMES = ['lr', 'units', 'dropout', 'batchSize', 'optimizer', 'momentum', 'layers', 'activation', 'x0', 'x1'];

function dedupe<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** Adds a valid `default` (some point of the spec) half of the time. */
function maybeDefault<S extends ParamSpec>(spec: S): fc.Arbitrary<S> {
  return fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }).map((u) =>
    u === undefined ? spec : ({ ...spec, default: fromUnit(spec, u) } as S),
  );
}

const fraction = fc.double({ min: 0, max: 1, noNaN: true });

export const floatParam: fc.Arbitrary<FloatParam> = fc
  .oneof(
    // Log range over several decades.
    fc.record({ e: fc.double({ min: -8, max: 3, noNaN: true }), span: fc.double({ min: 0.01, max: 8, noNaN: true }) }).map(
      ({ e, span }): FloatParam => ({ type: 'float', low: 10 ** e, high: 10 ** (e + span), log: true }),
    ),
    fc.record({ low: fc.double({ min: -1000, max: 1000, noNaN: true }), width: fc.double({ min: 1e-3, max: 1000, noNaN: true }) }).map(
      ({ low, width }): FloatParam => ({ type: 'float', low, high: low + width }),
    ),
  )
  .chain((spec) =>
    fc.oneof(
      fc.constant(spec),
      // A step grid of 1..60 points.
      spec.log
        ? fc.constant(spec)
        : fc.integer({ min: 1, max: 59 }).map((k): FloatParam => ({ ...spec, step: (spec.high - spec.low) / k })),
      fc.array(fraction, { minLength: 1, maxLength: 8 }).map((us): FloatParam => ({
        ...spec,
        values: dedupe(us.map((u) => fromUnit(spec, u) as number)),
      })),
    ),
  )
  .chain(maybeDefault);

export const intParam: fc.Arbitrary<IntParam> = fc
  .oneof(
    fc.record({ low: fc.integer({ min: 1, max: 1000 }), width: fc.integer({ min: 1, max: 100000 }) }).map(
      ({ low, width }): IntParam => ({ type: 'int', low, high: low + width, log: true }),
    ),
    fc.record({ low: fc.integer({ min: -1000, max: 1000 }), width: fc.integer({ min: 1, max: 2000 }) }).map(
      ({ low, width }): IntParam => ({ type: 'int', low, high: low + width }),
    ),
  )
  .chain((spec) =>
    fc.oneof(
      fc.constant(spec),
      spec.log
        ? fc.constant(spec)
        : fc.integer({ min: 1, max: spec.high - spec.low }).map((step): IntParam => ({ ...spec, step })),
      fc.array(fraction, { minLength: 1, maxLength: 8 }).map((us): IntParam => ({
        ...spec,
        values: dedupe(us.map((u) => fromUnit(spec, u) as number)),
      })),
    ),
  )
  .chain(maybeDefault);

export const categoricalParam: fc.Arbitrary<CategoricalParam> = fc
  .uniqueArray(fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -100, max: 100 }), fc.boolean(), fc.double({ min: -10, max: 10, noNaN: true })), {
    minLength: 1,
    maxLength: 6,
    // The same rule as validateSpace: strictly different values (so 0 and -0 count as one).
    comparator: (a, b) => a === b,
  })
  .map((choices): CategoricalParam => ({ type: 'categorical', choices }))
  .chain(maybeDefault);

export const paramSpec: fc.Arbitrary<ParamSpec> = fc.oneof(floatParam, intParam, categoricalParam);

function spaceOf(specs: fc.Arbitrary<ParamSpec>, maxParams: number): fc.Arbitrary<Space> {
  return fc
    .uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: maxParams })
    .chain((names) => fc.tuple(...names.map((n) => specs.map((s) => [n, s] as const))))
    .map((entries) => Object.fromEntries(entries) as Space);
}

/** Any valid space with 1–5 parameters. */
export const space: fc.Arbitrary<Space> = spaceOf(paramSpec, 5);

/** Spaces with a small grid (every parameter discrete, at most a few hundred points in all). */
export const gridSpace: fc.Arbitrary<Space> = spaceOf(
  fc.oneof(
    fc.record({ low: fc.integer({ min: -5, max: 5 }), width: fc.integer({ min: 1, max: 5 }) }).map(
      ({ low, width }): ParamSpec => ({ type: 'int', low, high: low + width }),
    ),
    fc.integer({ min: 1, max: 5 }).map((k): ParamSpec => ({ type: 'float', low: 0, high: 0.5, step: 0.5 / k })),
    fc.constant<ParamSpec>({ type: 'float', low: 1e-4, high: 1e-1, log: true, values: [1e-4, 1e-3, 1e-2, 1e-1] }),
    categoricalParam.map((s): ParamSpec => ({ type: 'categorical', choices: s.choices })),
  ),
  3,
);

/** Spaces with at least one continuous float parameter, where random draws almost never coincide. */
export const continuousSpace: fc.Arbitrary<Space> = fc
  .tuple(space, fc.record({ low: fc.double({ min: -10, max: 10, noNaN: true }), width: fc.double({ min: 0.5, max: 10, noNaN: true }) }))
  .map(([s, { low, width }]) => ({ ...s, cont: { type: 'float', low, high: low + width } as ParamSpec }));
