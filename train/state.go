package train

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
)

// LastFile holds the latest parameters of a training checkpoint (the
// model file, checkpoint.ModelFile, holds the best evaluation's), from
// which Resume continues.
const LastFile = "last.safetensors"

// StateFormat identifies state.json files written by this package.
const StateFormat = "recurrent-train-state/1"

// Fingerprint identifies a data set in a checkpoint: a name ("train",
// "valid"), its length in items and a hash of its content.
type Fingerprint struct {
	Name string `json:"name"`
	Len  int    `json:"len"`
	Hash uint64 `json:"hash"`
	// Optional marks a fingerprint that checkpoints written before a task
	// took it lack: Resume compares it with the checkpoint's of the same
	// name, and a checkpoint without one resumes unchecked on it (it is
	// saved from then on). Not saved.
	Optional bool `json:"-"`
}

// FingerprintIDs fingerprints a token stream: its length and the FNV-1a
// hash of its ids as little-endian uint32.
func FingerprintIDs(name string, ids []int32) Fingerprint {
	h := fnv.New64a()
	var b [4 * 1024]byte
	n := len(ids)
	for len(ids) > 0 {
		k := min(len(ids), len(b)/4)
		for i, id := range ids[:k] {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(id))
		}
		h.Write(b[:4*k])
		ids = ids[k:]
	}
	return Fingerprint{Name: name, Len: n, Hash: h.Sum64()}
}

// FingerprintSeqs fingerprints sequences with an optional label each
// (labels nil or one per sequence): their number and the FNV-1a hash of
// every sequence's ids, each followed by 0xffffffff and its label.
func FingerprintSeqs(name string, seqs [][]int32, labels []int) Fingerprint {
	h := fnv.New64a()
	var b [4]byte
	for i, s := range seqs {
		for _, id := range s {
			binary.LittleEndian.PutUint32(b[:], uint32(id))
			h.Write(b[:])
		}
		binary.LittleEndian.PutUint32(b[:], 0xffffffff)
		h.Write(b[:])
		if labels != nil {
			binary.LittleEndian.PutUint32(b[:], uint32(labels[i]))
			h.Write(b[:])
		}
	}
	return Fingerprint{Name: name, Len: len(seqs), Hash: h.Sum64()}
}

// state is state.json.
type state struct {
	Format    string             `json:"format"`
	Pos       Position           `json:"position"`
	LR        float64            `json:"lr"`
	LRScale   float64            `json:"lr_scale"`
	Best      *Eval              `json:"best,omitempty"`
	Last      *Eval              `json:"last,omitempty"`
	Bad       int                `json:"bad_evals,omitempty"`
	Plateau   optim.PlateauState `json:"plateau"`
	History   []Eval             `json:"history,omitempty"`
	SinceLoss float64            `json:"since_loss,omitempty"`
	SinceN    int                `json:"since_n,omitempty"`
	EpochLoss float64            `json:"epoch_loss,omitempty"`
	EpochN    int                `json:"epoch_n,omitempty"`
	LastEpoch float64            `json:"last_epoch_loss,omitempty"`
	Recent    []float64          `json:"recent_losses,omitempty"`
	LossRef   *float64           `json:"loss_reference,omitempty"`
	Data      []Fingerprint      `json:"data,omitempty"`
	EvalDue   bool               `json:"eval_due,omitempty"`
}

// Save writes a complete training checkpoint to dir, atomically
// (checkpoint.Save): the task's files, the best parameters as the model
// file (the current ones before any evaluation), the current ones as
// LastFile, the optimizer state and state.json. It refuses, with an error
// wrapping ErrDiverged, to write non-finite parameters.
func (l *Loop) Save(dir string) error {
	ps := l.task.Params()
	if err := checkParams(ps); err != nil {
		return fmt.Errorf("train: save %s: %w: %w", dir, ErrDiverged, err)
	}
	files, err := l.task.Files()
	if err != nil {
		return fmt.Errorf("train: save %s: %w", dir, err)
	}
	ot, om, err := checkpoint.OptimizerTensors(l.opt)
	if err != nil {
		return fmt.Errorf("train: save %s: %w", dir, err)
	}
	st := state{Format: StateFormat, Pos: l.pos, LR: l.opt.LR(), LRScale: l.lrScale, Best: l.best, Last: l.last,
		Bad: l.early.Bad, Plateau: l.plateauSt, History: l.history, SinceLoss: l.sinceLoss, SinceN: l.sinceN,
		EpochLoss: l.epochLoss, EpochN: l.epochN, LastEpoch: l.lastEpoch,
		Recent: l.div.recentLosses(), Data: l.Options.Data, EvalDue: l.evalDue}
	if finite(l.div.ref) {
		st.LossRef = &l.div.ref
	}
	if !finite(st.LR) || !finite(st.LRScale) || !finite(st.SinceLoss) || !finite(st.EpochLoss) {
		return fmt.Errorf("train: save %s: %w: learning rate %v, scale %v, loss sums %v, %v", dir, ErrDiverged, st.LR, st.LRScale, st.SinceLoss, st.EpochLoss)
	}
	files = append(files,
		checkpoint.ParamsFile(checkpoint.ModelFile, l.BestParams(), l.Options.Meta),
		checkpoint.ParamsFile(LastFile, ps, l.Options.Meta),
		checkpoint.TensorsFile(checkpoint.OptimizerFile, ot, om),
		checkpoint.JSONFile(checkpoint.StateFile, st))
	if err := checkpoint.Save(dir, files...); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// Resume reopens the training checkpoint dir written by Loop.Save for
// task (built from the checkpoint's config, on the same data) and opt
// (built as for the original run): it reads the latest parameters into
// Task.Params(), the best ones as the best model, the optimizer state and
// the position, checks o.Data against the saved fingerprints, and calls
// the task's Restore if it is a Restorer. The returned loop continues
// exactly where the saved one stopped; o may differ from the original
// run's options (a longer budget, another clip: they apply from now on).
func Resume(dir string, task Task, opt optim.Optimizer, o Options) (*Loop, error) {
	l, err := New(task, opt, o)
	if err != nil {
		return nil, err
	}
	l.fresh = false
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if !ck.Has(checkpoint.StateFile) || !ck.Has(LastFile) {
		return nil, fmt.Errorf("train: resume %s: no training state (%s and %s); it holds a model only", dir, checkpoint.StateFile, LastFile)
	}
	var st state
	if err := ck.ReadJSON(checkpoint.StateFile, &st); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if st.Format != StateFormat {
		return nil, fmt.Errorf("train: resume %s: %s has format %q, want %q (written by another version; the model still loads, training cannot resume)",
			dir, ck.Path(checkpoint.StateFile), st.Format, StateFormat)
	}
	if err := checkData(dir, st.Data, o.Data); err != nil {
		return nil, err
	}
	if st.Pos.Epoch < 0 || st.Pos.Batch < 0 || st.Pos.Step < 0 || !finite(st.LR) || !(st.LR >= 0) || !finite(st.LRScale) {
		return nil, fmt.Errorf("train: resume %s: invalid position %+v or learning rate %v in %s", dir, st.Pos, st.LR, checkpoint.StateFile)
	}
	if err := st.checkCounters(); err != nil {
		return nil, fmt.Errorf("train: resume %s: %s: %w", dir, checkpoint.StateFile, err)
	}
	ps := task.Params()
	if _, err := ck.ReadParams(LastFile, ps); err != nil {
		return nil, fmt.Errorf("train: resume %s: %w", dir, err)
	}
	if st.Best != nil {
		best, err := readSnapshot(ck, checkpoint.ModelFile, ps)
		if err != nil {
			return nil, fmt.Errorf("train: resume %s: %w", dir, err)
		}
		l.early.Best = best
	}
	if err := ck.ReadOptimizer(opt); err != nil {
		return nil, fmt.Errorf("train: resume %s: %w", dir, err)
	}
	opt.SetLR(st.LR)
	if r, ok := task.(Restorer); ok {
		if err := r.Restore(ck); err != nil {
			return nil, fmt.Errorf("train: resume %s: %w", dir, err)
		}
	}
	l.pos, l.best, l.last, l.history = st.Pos, st.Best, st.Last, st.History
	l.early.Bad, l.plateauSt = st.Bad, st.Plateau
	l.sinceLoss, l.sinceN = st.SinceLoss, st.SinceN
	l.epochLoss, l.epochN, l.lastEpoch = st.EpochLoss, st.EpochN, st.LastEpoch
	l.lrScale, l.evalDue = st.LRScale, st.EvalDue
	if l.lrScale == 0 {
		l.lrScale = 1
	}
	ref := math.Inf(1)
	if st.LossRef != nil && finite(*st.LossRef) {
		ref = *st.LossRef
	}
	l.div.restore(st.Recent, ref)
	return l, nil
}

// checkCounters refuses the counters and the learning-rate scale of a
// state no run writes (negative ones), which would otherwise carry on
// silently wrong: a negative scale makes every learning rate negative.
func (st *state) checkCounters() error {
	switch {
	case st.LRScale < 0:
		return fmt.Errorf("lr_scale %v is negative", st.LRScale)
	case st.SinceN < 0 || !finite(st.SinceLoss):
		return fmt.Errorf("since_n %d or since_loss %v is not a count and a sum of losses", st.SinceN, st.SinceLoss)
	case st.EpochN < 0 || !finite(st.EpochLoss) || !finite(st.LastEpoch):
		return fmt.Errorf("epoch_n %d, epoch_loss %v or last_epoch_loss %v is not a count, a sum and a mean of losses", st.EpochN, st.EpochLoss, st.LastEpoch)
	case st.Bad < 0:
		return fmt.Errorf("bad_evals %d is negative", st.Bad)
	case st.Plateau.Bad < 0 || st.Plateau.Cooldown < 0:
		return fmt.Errorf("plateau bad %d or cooldown %d is negative", st.Plateau.Bad, st.Plateau.Cooldown)
	}
	return nil
}

// checkData compares the saved fingerprints with the current ones.
func checkData(dir string, saved, now []Fingerprint) error {
	for _, n := range now {
		found := false
		for _, s := range saved {
			if s.Name != n.Name {
				continue
			}
			found = true
			if s.Len != n.Len || s.Hash != n.Hash {
				what := fmt.Sprintf("%d items then, %d now", s.Len, n.Len)
				if s.Len == n.Len {
					what = fmt.Sprintf("%d items, other content", n.Len)
				}
				return fmt.Errorf("train: resume %s: the %s data differ from the checkpoint's (%s)", dir, n.Name, what)
			}
		}
		if !found && n.Len > 0 && !n.Optional {
			return fmt.Errorf("train: resume %s: the checkpoint was trained without %s data (%d items now)", dir, n.Name, n.Len)
		}
	}
	for _, s := range saved {
		found := false
		for _, n := range now {
			found = found || n.Name == s.Name
		}
		if !found && s.Len > 0 {
			return fmt.Errorf("train: resume %s: the checkpoint was trained with %s data (%d items), none given now", dir, s.Name, s.Len)
		}
	}
	return nil
}

// readSnapshot reads the weights file name as a snapshot of ps (same
// names and sizes).
func readSnapshot(ck *checkpoint.Checkpoint, name string, ps []*nn.Param) ([][]float32, error) {
	ts, _, err := ck.ReadTensors(name)
	if err != nil {
		return nil, err
	}
	snap := make([][]float32, len(ps))
	for i, p := range ps {
		t, ok := ts[p.Name]
		if !ok || len(t.Data) != len(p.Data) {
			return nil, fmt.Errorf("%s: tensor %q missing or of the wrong size", ck.Path(name), p.Name)
		}
		snap[i] = t.Data
	}
	return snap, nil
}

// ErrDirInUse is wrapped by CheckDir's error for a directory that holds
// files already.
var ErrDirInUse = errors.New("already holds files (a checkpoint?)")

// CheckDir checks, before any training, that dir can be written as a
// checkpoint directory: that its parent exists or can be created and
// accepts new files (checkpoint.Save builds the new directory beside the
// old one), that dir is not a file nor "." or ".." (which cannot be
// renamed), and, unless replace, that dir does not hold files already (a
// checkpoint a fresh run would silently overwrite, also one that an
// interrupted save left beside it: ErrDirInUse; files but no checkpoint
// are another error, since neither resuming nor replacing would do).
// With replace, a dir holding files must hold a checkpoint (config.json or
// state.json): Save replaces it as a whole, deleting every other file.
func CheckDir(dir string, replace bool) error {
	dir = filepath.Clean(dir)
	check := checkpoint.CheckReplaceable
	if replace {
		check = checkpoint.CheckOverwrite
	}
	if err := check(dir); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("train: %s exists and is not a directory", dir)
		}
		if !replace {
			es, err := os.ReadDir(dir)
			if err != nil {
				return fmt.Errorf("train: %w", err)
			}
			if len(es) > 0 && checkpoint.CheckOverwrite(dir) != nil {
				// Neither resuming nor replacing it would do.
				return fmt.Errorf("train: %s holds files but no checkpoint (%s or %s); a checkpoint is written as the whole directory, so give a new or empty one",
					dir, checkpoint.ConfigFile, checkpoint.StateFile)
			}
			if len(es) > 0 {
				return fmt.Errorf("train: %s %w", dir, ErrDirInUse)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("train: %w", err)
	} else if !replace {
		// A Save interrupted mid-swap may have left the checkpoint beside
		// dir (checkpoint.Load finds it).
		if ck, lerr := checkpoint.Load(dir); lerr == nil {
			return fmt.Errorf("train: %s %w (as %s, left by an interrupted save)", dir, ErrDirInUse, ck.Dir)
		} else if !errors.Is(lerr, os.ErrNotExist) {
			return fmt.Errorf("train: %s %w: %w", dir, ErrDirInUse, lerr)
		}
	}
	parent := filepath.Dir(dir)
	if err := text.MkdirAll(parent); err != nil {
		return fmt.Errorf("train: checkpoint directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(parent, "."+filepath.Base(dir)+".write-check-*")
	if err != nil {
		return fmt.Errorf("train: checkpoint directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("train: checkpoint directory %s: %w", dir, err)
	}
	return nil
}

// divergence is the divergence rule of Options.DivergeFactor: a ring of
// recent losses (allocated once) whose median is taken after every step,
// and the lowest such median so far, the reference a loss is held to.
type divergence struct {
	factor  float64
	ring    []float64 // the last len(ring) losses, oldest at next when full
	n, next int
	scratch []float64
	ref     float64 // lowest running median so far (+Inf: none)
}

func (d *divergence) setup(factor float64, window int) {
	if factor == 0 {
		factor = 20
	}
	if window == 0 {
		window = 100
	}
	d.factor = factor
	if d.ring == nil {
		d.ref = math.Inf(1)
	}
	if len(d.ring) != window {
		old, ref := d.recentLosses(), d.ref
		d.ring, d.scratch, d.n, d.next = make([]float64, window), make([]float64, window), 0, 0
		d.restore(old, ref)
	}
}

// check returns an error wrapping ErrDiverged when loss breaks the rule.
func (d *divergence) check(loss float64) error {
	if !finite(loss) {
		return fmt.Errorf("%w: the loss is %v", ErrDiverged, loss)
	}
	if d.factor > 0 && finite(d.ref) && loss > d.factor*math.Max(d.ref, 1) {
		return fmt.Errorf("%w: the loss %.4g is above %g times the reference %.4g (the lowest running median of the step losses, at least 1)",
			ErrDiverged, loss, d.factor, math.Max(d.ref, 1))
	}
	return nil
}

// add records a loss and updates the reference.
func (d *divergence) add(loss float64) {
	d.ring[d.next] = loss
	d.next = (d.next + 1) % len(d.ring)
	d.n = min(d.n+1, len(d.ring))
	s := d.scratch[:d.n]
	copy(s, d.ring[:d.n])
	d.ref = math.Min(d.ref, median(s))
}

// recentLosses returns the ring's losses, oldest first.
func (d *divergence) recentLosses() []float64 {
	if d.n == 0 {
		return nil
	}
	out := make([]float64, 0, d.n)
	start := (d.next - d.n + len(d.ring)) % len(d.ring)
	for i := range d.n {
		out = append(out, d.ring[(start+i)%len(d.ring)])
	}
	return out
}

// restore refills the ring with losses, oldest first (finite ones only),
// and sets the reference (+Inf: none).
func (d *divergence) restore(losses []float64, ref float64) {
	d.n, d.next = 0, 0
	for _, x := range losses {
		if finite(x) {
			d.ring[d.next] = x
			d.next = (d.next + 1) % len(d.ring)
			d.n = min(d.n+1, len(d.ring))
		}
	}
	d.ref = ref
}

// median sorts s in place and returns its median.
func median(s []float64) float64 {
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// checkParams returns an error naming the first non-finite parameter value.
func checkParams(ps []*nn.Param) error {
	for _, p := range ps {
		if finite(tensor.SumSquares(p.Data)) {
			continue // a finite float64 sum of float32 squares proves every value finite
		}
		for j, v := range p.Data {
			if !finite(float64(v)) {
				return fmt.Errorf("parameter %q is %v at element %d", p.Name, v, j)
			}
		}
	}
	return nil
}
