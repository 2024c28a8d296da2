import { describe, expect, it } from 'vitest';
import { asNodeId, type NodeId } from './ids.js';
import type { ClusterChange, Member } from './member.js';
import { describeChange, ringAfter } from './view-change.js';

const [n1, n2, n3] = ['node1', 'node2', 'node3'].map(asNodeId);

function member(id: NodeId): Member {
  return { id, url: `http://${id}.test`, startedAt: 0, instance: id };
}

function change(epoch: number, ids: NodeId[], joined: NodeId[] = [], left: NodeId[] = []): ClusterChange {
  return { epoch, members: new Map(ids.map((id) => [id, member(id)])), joined, left: left.map(member) };
}

describe('ringAfter', () => {
  it('rings the live members at the change epoch', () => {
    const ring = ringAfter(change(4, [n1, n2, n3]), n1, false);
    expect(ring.nodes).toEqual([n1, n2, n3]);
    expect(ring.epoch).toBe(4);
  });

  it('keeps this node on while it serves, even before the registry lists it', () => {
    expect(ringAfter(change(2, [n2]), n1, false).nodes).toEqual([n1, n2]);
  });

  it('takes this node off once it leaves, even if the registry still lists it', () => {
    expect(ringAfter(change(5, [n1, n2]), n1, true).nodes).toEqual([n2]);
  });

  it('rings this node alone when it leaves with no one else left', () => {
    const ring = ringAfter(change(6, []), n1, true);
    expect(ring.nodes).toEqual([n1]);
    expect(ring.epoch).toBe(6);
  });
});

describe('describeChange', () => {
  it("tells this node's own arrival", () => {
    expect(describeChange(change(1, [n1, n2], [n1, n2]), true, n1)).toBe('node1 joined the cluster');
  });

  it('names who joined and who left', () => {
    expect(describeChange(change(3, [n1, n3], [n3], [n2]), false, n1)).toBe('node3 joined, node2 left');
  });

  it('says so when only the epoch moved', () => {
    expect(describeChange(change(3, [n1]), false, n1)).toBe('membership refreshed');
  });
});
