package draw

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docExample is the worked example of ALGORITHM.md.
func docExample() (*Snapshot, [32]byte) {
	risks := []Risk{RiskA, RiskB, RiskA, RiskC, RiskA, RiskB, RiskD, RiskA, RiskB, RiskC, RiskA, RiskB}
	var es []Entity
	for i, r := range risks {
		es = append(es, Entity{USCC: fmt.Sprintf("91621002MA7%06dX", i+1), Risk: r})
	}
	es[5].Flags = []string{"生产企业"}
	s := &Snapshot{
		Spec:     Spec{Percent: 25, Overrides: []Override{{"生产企业", 100}}, Depts: []string{"市市场监管局", "市卫生健康委"}},
		Entities: es,
		Inspectors: []Inspector{
			{ID: "s1", Dept: "市市场监管局", Cert: true, OnDuty: true},
			{ID: "s2", Dept: "市市场监管局", Cert: true, OnDuty: true},
			{ID: "s3", Dept: "市市场监管局", Cert: true, OnDuty: true},
			{ID: "s4", Dept: "市市场监管局", Cert: true, OnDuty: true, Expert: true},
			{ID: "w1", Dept: "市卫生健康委", Cert: true, OnDuty: true},
			{ID: "w2", Dept: "市卫生健康委", Cert: true, OnDuty: true},
			{ID: "w3", Dept: "市卫生健康委", Cert: true, OnDuty: true},
			{ID: "w4", Dept: "市卫生健康委", Cert: true, OnDuty: false},
		},
		Conflicts: []Conflict{{"s1", "91621002MA7000006X"}},
		Previous:  []Previous{{"91621002MA7000007X", "w1"}, {"91621002MA7000007X", "w2"}},
	}
	return s, seedOf(0x2a)
}

// renderExample writes what ALGORITHM.md shows of the example.
func renderExample(t *testing.T) map[string]string {
	s, seed := docExample()
	r := mustRun(t, seed, s)
	out := map[string]string{"snapshot": string(s.Encode())}
	var keys strings.Builder
	for _, e := range s.Entities {
		fmt.Fprintf(&keys, "%s  %s  %x…\n", e.USCC, e.Risk, fullKey(seed, e.USCC)[:8])
	}
	out["keys"] = keys.String()
	var res strings.Builder
	fmt.Fprintf(&res, "snapshot hash %s\n", r.SnapshotHash)
	for _, st := range r.Strata {
		fmt.Fprintf(&res, "stratum %-16s population %2d  ratio %5v%%  drawn %d\n", st.Class, st.Population, st.Ratio, st.Drawn)
	}
	fmt.Fprintf(&res, "risk applicable %v, risk stratified %v\n", r.RiskApplicable, r.RiskStratified)
	for i, v := range r.Visits {
		fmt.Fprintf(&res, "visit %d  %s  %s  %-16s", i+1, v.USCC, v.Risk, v.Stratum)
		for _, d := range []string{"市卫生健康委", "市市场监管局"} {
			fmt.Fprintf(&res, "  %s: %s", d, strings.Join(v.Team[d], " "))
		}
		res.WriteString("\n")
	}
	out["result"] = res.String()
	msg := append(append(append(seed[:], 'I'), "91621002MA7000002X\x00市卫生健康委\x00"...), 0, 0, 0, 0)
	sum := sha256.Sum256(msg)
	var st strings.Builder
	fmt.Fprintf(&st, "message  %x\nblock 0  %x\n", msg, sum)
	for o := 0; o < 32; o += 8 {
		fmt.Fprintf(&st, "number %d  %d\n", o/8, binary.BigEndian.Uint64(sum[o:]))
	}
	out["stream"] = st.String()
	out["seed"] = hex.EncodeToString(seed[:]) + "\n"
	return out
}

var update = flag.Bool("update", false, "rewrite the worked example of ALGORITHM.md from the code")

// TestAlgorithmDocExample keeps the worked example of ALGORITHM.md true: each
// block after an "<!-- example:NAME -->" line must be what the code gives.
func TestAlgorithmDocExample(t *testing.T) {
	doc, err := os.ReadFile("ALGORITHM.md")
	if err != nil {
		t.Fatal(err)
	}
	want := renderExample(t)
	re := regexp.MustCompile("(?s)<!-- example:(\\w+) -->\n```text\n(.*?)```")
	if *update {
		doc = re.ReplaceAllFunc(doc, func(m []byte) []byte {
			name := re.FindSubmatch(m)[1]
			return []byte("<!-- example:" + string(name) + " -->\n```text\n" + want[string(name)] + "```")
		})
		if err := os.WriteFile("ALGORITHM.md", doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(string(doc), -1) {
		found[m[1]] = true
		if m[2] != want[m[1]] {
			t.Errorf("ALGORITHM.md example %s is\n%s\nthe code gives\n%s", m[1], m[2], want[m[1]])
		}
	}
	for name := range want {
		if !found[name] {
			t.Errorf("ALGORITHM.md has no example block %q; it should read\n%s", name, want[name])
		}
	}
}

// TestPythonReimplementation runs testdata/redraw.py, an implementation
// written from ALGORITHM.md alone, on random snapshots: the document is
// complete when a stranger's program gives the same draw.
func TestPythonReimplementation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts python3 six times")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	rng := rand.New(rand.NewPCG(7, 7))
	dir := t.TempDir()
	for i := range 6 {
		s := randomSnapshot(rng)
		s.Spec.Floor = i%2 == 0
		seed := seedOf(byte(i))
		t.Run(fmt.Sprintf("case %d: %d entities at %v%%", i, len(s.Entities), s.Spec.Percent), func(t *testing.T) {
			var want strings.Builder
			r, err := Run(seed, s)
			var pe *PoolError
			switch {
			case errors.As(err, &pe):
				fmt.Fprintf(&want, "pool error %s %s\n", pe.Dept, pe.USCC)
			case err != nil:
				t.Fatal(err)
			default:
				for _, v := range r.Visits {
					var teams []string
					for _, d := range slices.Sorted(slices.Values(s.Spec.Depts)) {
						teams = append(teams, d+": "+strings.Join(v.Team[d], " "))
					}
					fmt.Fprintf(&want, "%s %s %s %s\n", v.USCC, v.Risk, v.Stratum, strings.Join(teams, "  "))
				}
			}
			file := filepath.Join(dir, fmt.Sprintf("case%d.snapshot", i))
			if err := os.WriteFile(file, s.Encode(), 0o644); err != nil {
				t.Fatal(err)
			}
			got, _ := exec.Command(python, "testdata/redraw.py", file, hex.EncodeToString(seed[:])).Output()
			if string(got) != want.String() {
				t.Fatalf("redraw.py gives\n%s\nthe draw gives\n%s", got, want.String())
			}
		})
	}
}
