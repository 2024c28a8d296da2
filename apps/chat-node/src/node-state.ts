/** Whether this node takes traffic: false before listen and once shutdown starts. */
export class NodeState {
  serving = false;
  shuttingDown = false;
}
