"""An outside re-implementation of the draw zsc-draw/1, written from ALGORITHM.md alone.

Usage: python3 redraw.py SNAPSHOT_FILE SEED_HEX
Prints one line per visit: USCC, risk class, stratum, then each department's
team; or "pool error DEPT USCC" and exits with status 2.
TestPythonReimplementation runs it against the Go draw when python3 is installed.
"""
import hashlib
import sys
from fractions import Fraction

seed = bytes.fromhex(sys.argv[2])
lines = open(sys.argv[1], 'rb').read().decode().split('\n')[:-1]
assert lines[0] == 'zsc-draw/1 snapshot'

overrides, classes, depts = [], {}, []
entities, inspectors, conflicts, previous = [], [], set(), set()
for line in lines[1:]:
    f = line.split('\t')
    kind = f[0]
    if kind == 'percent':
        P = Fraction(f[1])
    elif kind == 'floor':
        floor = f[1] == '1'
    elif kind == 'perdept':
        K = int(f[1])
    elif kind == 'override':
        overrides.append((f[1], Fraction(f[2])))
    elif kind == 'class':
        classes[f[1]] = Fraction(f[2])
    elif kind == 'dept':
        depts.append(f[1])
    elif kind == 'entity':
        entities.append((f[1], f[2], f[3:]))
    elif kind == 'inspector':
        inspectors.append((f[1], f[2], f[3] == '1', f[4] == '1', f[5] == '1'))  # id, dept, cert, expert, on duty
    elif kind == 'conflict':
        conflicts.add((f[1], f[2]))
    elif kind == 'previous':
        previous.add((f[1], f[2]))


def stratum(e):  # §3
    for population, _ in overrides:
        if population in e[2]:
            return 'override:' + population
    return 'unclassified' if e[1] == '-' else e[1]


def ratio(s):  # §2
    for population, q in overrides:
        if s == 'override:' + population:
            return q
    if s == 'unclassified':
        return P
    if P == 100:
        return Fraction(100)
    if s in classes:
        return classes[s]
    return {'A': P / 2, 'B': P, 'C': min(2 * P, Fraction(100)), 'D': min(4 * P, Fraction(100))}[s]


def ceil(x):
    return -((-x.numerator) // x.denominator)


def key(uscc):  # §4
    return hashlib.sha256(seed + b'E' + uscc.encode()).digest()


def stream(label, *fields):  # §5.4
    j = 0
    while True:
        block = hashlib.sha256(seed + label + b''.join(x.encode() + b'\0' for x in fields) + j.to_bytes(4, 'big')).digest()
        for o in range(0, 32, 8):
            yield int.from_bytes(block[o:o + 8], 'big')
        j += 1


order = sorted(entities, key=lambda e: key(e[0]))
size = {}
for e in entities:
    size[stratum(e)] = size.get(stratum(e), 0) + 1
drawn, count = {}, {}
for e in order:
    s = stratum(e)
    if count.get(s, 0) < ceil(size[s] * ratio(s) / 100):
        count[s] = count.get(s, 0) + 1
        drawn[e[0]] = s
if floor:
    target = ceil(len(entities) * P / 100)
    for e in order:
        if len(drawn) >= target:
            break
        if e[0] not in drawn:
            drawn[e[0]] = 'floor'

load = {}
for e in order:  # §5
    uscc = e[0]
    if uscc not in drawn:
        continue
    teams = []
    for d in sorted(depts, key=lambda s: s.encode()):
        eligible = sorted((i for i in inspectors if i[1] == d and i[2] and i[4] and not i[3] and (i[0], uscc) not in conflicts),
                          key=lambda i: i[0].encode())
        if len(eligible) < K:
            print('pool error', d, uscc)
            sys.exit(2)
        rank = {i[0]: ((uscc, i[0]) in previous, load.get(i[0], 0)) for i in eligible}
        left = [i[0] for i in eligible]
        numbers = stream(b'I', uscc, d)
        team = []
        for _ in range(K):
            low = min(rank[x] for x in left)
            tier = [x for x in left if rank[x] == low]
            chosen = tier[next(numbers) % len(tier)]
            team.append(chosen)
            left.remove(chosen)
        for x in team:
            load[x] = load.get(x, 0) + 1
        teams.append(d + ': ' + ' '.join(team))
    print(uscc, e[1], drawn[uscc], '  '.join(teams))
