// parse-prometheus-text-format ships no types: what its one function returns, as its README shows.
declare module 'parse-prometheus-text-format' {
  /** One sample of a family (counters and gauges): its value as written, its labels decoded, its timestamp when one was written. */
  export interface ParsedSample {
    readonly value: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly timestamp_ms?: string;
  }
  /** One metric family: its name, `# HELP`, `# TYPE` (upper case), and samples. */
  export interface ParsedFamily {
    readonly name: string;
    readonly help: string;
    readonly type: 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'HISTOGRAM' | 'UNTYPED';
    readonly metrics: readonly ParsedSample[];
  }
  /** Parses Prometheus' text exposition format. */
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
