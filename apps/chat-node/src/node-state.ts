/** Whether this node takes traffic: false before listen and once shutdown starts. */
export class NodeState {
  serving = false;
  shuttingDown = false;
  /** Sessions this node hosts right now (set once the engine exists). */
  localSessions: () => number = () => 0;
}
