/** The machine a measurement ran on (recorded with every eval and bench result) and the date stamps of result files. */
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  /** 1, 5 and 15 minute load averages when the run ended: a loaded machine runs slower. */
  loadAverage: [number, number, number];
  totalMemoryGiB: number;
  platform: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const [a, b, c] = os.loadavg();
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    loadAverage: [round(a), round(b), round(c)],
    totalMemoryGiB: round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** '2026-11-25T1342Z' (UTC, minutes): sortable, safe in file names, and two runs a day do not overwrite each other. */
export function fileStamp(date: Date): string {
  return date.toISOString().slice(0, 16).replace(':', '') + 'Z';
}

/** Keeps a model id or set name usable in a file name. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}
