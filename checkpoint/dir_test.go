package checkpoint

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/nn"
)

type testConfig struct {
	Hidden int    `json:"hidden"`
	Cell   string `json:"cell"`
}

func testParams(seed float32) []*nn.Param {
	w := nn.NewParam("rnn.weight_ih_l0", 4, 3)
	b := nn.NewParam("rnn.bias_ih_l0", 4)
	for i := range w.Data {
		w.Data[i] = seed + float32(i)
	}
	for i := range b.Data {
		b.Data[i] = -seed - float32(i)
	}
	return []*nn.Param{w, b}
}

// checkWeight0 reads ck's model file into testParams and requires the
// first weight to be want (what says which save it comes from).
func checkWeight0(t *testing.T, ck *Checkpoint, want float32, what string) {
	t.Helper()
	ps := testParams(0)
	if _, err := ck.ReadParams(ModelFile, ps); err != nil {
		t.Fatal(err)
	}
	if ps[0].Data[0] != want {
		t.Errorf("weight[0] = %v, want %s %v", ps[0].Data[0], what, want)
	}
}

func TestSaveLoad(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "run", "ckpt")
	ps := testParams(1)
	cfg := testConfig{Hidden: 4, Cell: "lstm"}
	if err := Save(dir,
		ParamsFile(ModelFile, ps, map[string]string{"format": "pt"}),
		JSONFile(ConfigFile, cfg),
		BytesFile(VocabFile, []byte(`["a","b"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := testutil.DirNames(t, filepath.Join(root, "run")); !slices.Equal(got, []string{"ckpt"}) {
		t.Errorf("parent holds %v, want only ckpt", got)
	}
	ck, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ck.Has(ModelFile) || !ck.Has(VocabFile) || ck.Has(OptimizerFile) {
		t.Errorf("Has: wrong answers")
	}
	var gotCfg testConfig
	if err := ck.ReadJSON(ConfigFile, &gotCfg); err != nil {
		t.Fatal(err)
	}
	if gotCfg != cfg {
		t.Errorf("config %+v, want %+v", gotCfg, cfg)
	}
	loaded := testParams(0)
	meta, err := ck.ReadParams(ModelFile, loaded)
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "pt" {
		t.Errorf("metadata %v", meta)
	}
	for i := range ps {
		if !slices.Equal(loaded[i].Data, ps[i].Data) {
			t.Errorf("%s: %v, want %v", ps[i].Name, loaded[i].Data, ps[i].Data)
		}
	}

	// A second save replaces the whole directory.
	if err := Save(dir, ParamsFile(ModelFile, testParams(7), nil), JSONFile(ConfigFile, cfg)); err != nil {
		t.Fatal(err)
	}
	if got := testutil.DirNames(t, dir); !slices.Equal(got, []string{ManifestFile, ConfigFile, ModelFile}) {
		t.Errorf("after re-save dir holds %v", got)
	}
	if got := testutil.DirNames(t, filepath.Join(root, "run")); !slices.Equal(got, []string{"ckpt"}) {
		t.Errorf("after re-save parent holds %v, want only ckpt", got)
	}
	checkWeight0(t, ck, 7, "re-saved")
}

func TestSaveInterrupted(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ckpt")
	if err := Save(dir, ParamsFile(ModelFile, testParams(1), nil), BytesFile(StateFile, []byte("old"))); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	failing := File{Name: StateFile, Write: func(w io.Writer) error {
		w.Write([]byte("partial new sta"))
		return boom
	}}
	err := Save(dir, ParamsFile(ModelFile, testParams(9), nil), failing)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap %v", err, boom)
	}
	if got := testutil.DirNames(t, root); !slices.Equal(got, []string{"ckpt"}) {
		t.Errorf("after failed save root holds %v, want only ckpt", got)
	}
	ck, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ck.ReadFile(StateFile)
	if err != nil || string(st) != "old" {
		t.Errorf("state = %q, %v; want the old one", st, err)
	}
	checkWeight0(t, ck, 1, "the old")
}

// loadAfterCrashMidSwap saves state v1 as dir, whose directory is target
// (dir itself, or the directory a link dir points to), leaves target as
// a crash between Save's two renames does (only target.swap-old) and checks
// that Load(dir) reads v1.
func loadAfterCrashMidSwap(t *testing.T, dir, target string) {
	t.Helper()
	if err := Save(dir, BytesFile(StateFile, []byte("v1"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(target, target+oldSuffix); err != nil {
		t.Fatal(err)
	}
	ck, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := ck.ReadFile(StateFile); err != nil || string(b) != "v1" {
		t.Errorf("state = %q, %v; want the old checkpoint's", b, err)
	}
}

func TestLoadFallsBackToOld(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ckpt")
	loadAfterCrashMidSwap(t, dir, dir)
	// A crashed save also left its half-written temporary directory.
	if err := os.MkdirAll(filepath.Join(root, "ckpt.tmp-123", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The next save recovers a clean layout.
	if err := Save(dir, BytesFile(StateFile, []byte("v2"))); err != nil {
		t.Fatal(err)
	}
	if got := testutil.DirNames(t, root); !slices.Equal(got, []string{"ckpt"}) {
		t.Errorf("root holds %v", got)
	}
	if _, err := Load(filepath.Join(root, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
}

func TestSaveBadNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ckpt")
	for _, files := range [][]File{
		{BytesFile("", nil)},
		{BytesFile("../x", nil)},
		{BytesFile("a/b", nil)},
		{BytesFile("a", nil), BytesFile("a", nil)},
		{{Name: "a"}},
	} {
		if err := Save(dir, files...); err == nil {
			t.Errorf("Save(%v) succeeded", files[0].Name)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed saves created %s", dir)
	}
}

func TestSetParamsErrors(t *testing.T) {
	ps := testParams(1)
	tensors, err := ParamTensors(ps)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(map[string]Tensor)
		want string
	}{
		{"missing", func(m map[string]Tensor) { delete(m, "rnn.bias_ih_l0") }, "missing rnn.bias_ih_l0"},
		{"extra", func(m map[string]Tensor) { m["rnn.bias_hh_l0"] = Tensor{Shape: []int{1}, Data: []float32{0}} }, "unexpected rnn.bias_hh_l0"},
		{"shape", func(m map[string]Tensor) {
			m["rnn.weight_ih_l0"] = Tensor{Shape: []int{3, 4}, Data: make([]float32, 12)}
		}, "shape mismatch rnn.weight_ih_l0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := make(map[string]Tensor)
			for k, v := range tensors {
				m[k] = v
			}
			tt.edit(m)
			dst := testParams(5)
			err := SetParams(dst, m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if dst[0].Data[0] != 5 || dst[1].Data[0] != -5 {
				t.Errorf("failed SetParams modified the parameters")
			}
		})
	}
	dup := append(testParams(1), nn.NewParam("rnn.bias_ih_l0", 4))
	if _, err := ParamTensors(dup); err == nil {
		t.Error("ParamTensors accepted duplicate names")
	}
}

func TestSafetensorsFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	want := map[string]Tensor{"w": {Shape: []int{2}, Data: []float32{1, 2}}}
	if err := WriteSafetensorsFile(path, want, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadSafetensorsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkTensors(t, got, want)
	if err := os.WriteFile(path, []byte("garbage!garbage!"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadSafetensorsFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("corrupt file: err = %v, want it to name the path", err)
	}
}

// A user's own DIR.old (cp -r ck ck.old before resuming; mv ck ck.old
// before writing a new ck) is not Save's: it survives Saves of DIR, with
// DIR present or not. Save took it for the previous version it renames
// DIR to while swapping, and deleted it at the next checkpoint.
func TestSaveKeepsUsersOld(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ck")
	backup := dir + ".old"
	if err := Save(backup, BytesFile(StateFile, []byte("mine"))); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"v1", "v2"} { // without, then with dir
		if err := Save(dir, BytesFile(StateFile, []byte(s))); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(backup, StateFile)); err != nil || string(b) != "mine" {
			t.Errorf("after saving %s, ck.old/state.json: %q, %v; want the user's", s, b, err)
		}
	}
	if got := testutil.DirNames(t, root); !slices.Equal(got, []string{"ck", "ck.old"}) {
		t.Errorf("root holds %v", got)
	}
}

// TestCheckOverwrite: a directory to be replaced on a user's word passes
// when missing, empty, or holding a checkpoint (config.json or a training
// run's state.json), and is refused when it holds other files only, is a
// file, or cannot be renamed.
func TestCheckOverwrite(t *testing.T) {
	root := t.TempDir()
	mk := func(name string, files ...string) string {
		d := filepath.Join(root, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(d, f), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	file := filepath.Join(root, "plain.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir  string
		want string // "" for no error, else a substring of the error
	}{
		{filepath.Join(root, "missing"), ""},
		{mk("empty"), ""},
		{mk("model", ConfigFile, "model.safetensors", "notes.txt"), ""},
		{mk("run", StateFile, "last.safetensors"), ""},
		{mk("project", "main.go", "data.txt"), "holds files but no checkpoint"},
		{mk("subdirs-only/inner"), ""},
		{filepath.Join(root, "subdirs-only"), "holds files but no checkpoint"},
		{file, "not a directory"},
		{".", "cannot be replaced"},
		{"..", "cannot be replaced"},
		{"/", "cannot be replaced"},
	} {
		err := CheckOverwrite(tc.dir)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckOverwrite(%s) = %v, want nil", tc.dir, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckOverwrite(%s) = %v, want an error with %q", tc.dir, err, tc.want)
		}
	}
}
