import { DataDir } from '../../lib/manager/data-dir.js';
import { Records } from '../../lib/manager/records.js';

/** The pid each id of data dir `root` records now, as a manager started at this moment would find it. */
export const recordedPids = (root: string): Record<string, number> => {
  const { records, found } = Records.open(new DataDir(root), 0);
  records.close();
  return Object.fromEntries([...found.daemons].map(([id, entry]) => [id, (entry as { pid: number }).pid]));
};
