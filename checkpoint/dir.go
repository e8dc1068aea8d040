package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// Conventional file names inside a checkpoint directory.
const (
	ModelFile     = "model.safetensors"     // model parameters
	ConfigFile    = "config.json"           // hyper-parameters needed to rebuild the model
	OptimizerFile = "optimizer.safetensors" // optimizer state
	StateFile     = "state.json"            // training progress (epoch, step, rng, ...)
	VocabFile     = "vocab.json"            // vocabulary
	ManifestFile  = "SHA256SUMS"            // SHA-256 of every other file (see Save)
)

// File is one file of a checkpoint directory: its name (no path separators)
// and a function producing its contents.
//
// A File is safe for concurrent use if its Write function is.
type File struct {
	Name  string
	Write func(io.Writer) error
}

// JSONFile returns a File holding v as indented JSON.
func JSONFile(name string, v any) File {
	return File{Name: name, Write: func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}}
}

// TensorsFile returns a File holding tensors in safetensors format.
func TensorsFile(name string, tensors map[string]Tensor, meta map[string]string) File {
	return File{Name: name, Write: func(w io.Writer) error { return WriteSafetensors(w, tensors, meta) }}
}

// ParamsFile returns a File holding the parameters in safetensors format,
// keyed by their (PyTorch state_dict) names.
func ParamsFile(name string, ps []*nn.Param, meta map[string]string) File {
	return File{Name: name, Write: func(w io.Writer) error { return WriteParams(w, ps, meta) }}
}

// BytesFile returns a File holding b verbatim.
func BytesFile(name string, b []byte) File {
	return File{Name: name, Write: func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}}
}

// oldSuffix names the previous version of a checkpoint directory while it
// is being replaced (not ".old", the name users give their own copies,
// which Save would delete); tmpInfix marks the directories new versions
// are built in.
const (
	oldSuffix = ".swap-old"
	tmpInfix  = ".tmp-"
)

// removeStaleTemps deletes the temporary directories that Saves of
// parent/base interrupted by a crash left behind.
func removeStaleTemps(parent, base string) error {
	es, err := os.ReadDir(parent)
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.IsDir() && strings.HasPrefix(e.Name(), base+tmpInfix) {
			if err := os.RemoveAll(filepath.Join(parent, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// Save writes files as the checkpoint directory dir, replacing any previous
// checkpoint there as a whole: a reader (or Load after a crash) sees either
// the complete old set of files or the complete new set, never a mixture.
//
// The files are written and fsynced in a fresh sibling directory
// dir.tmp-XXXX; then an existing dir is renamed to dir.swap-old, the new
// directory renamed to dir, and dir.swap-old removed, syncing the parent
// between steps. POSIX cannot rename a directory over a non-empty one, so
// there is a short window in which only dir.swap-old exists; Load falls
// back to it. If any write fails, the temporary directory is removed and dir is untouched;
// temporary directories left by a crash are removed by the next Save.
// Files of the old checkpoint not passed to Save do not survive. Save
// assumes a single writer per directory.
//
// Beside the files, Save writes ManifestFile, the SHA-256 of each file in
// the format of sha256sum (so `sha256sum -c SHA256SUMS` checks a copy by
// hand); it is part of the directory and so replaced with it atomically.
// When dir is a symbolic link, the directory it points to is replaced (in
// its own parent directory) and the link kept.
func Save(dir string, files ...File) (err error) {
	dir = filepath.Clean(dir)
	dir = text.LinkTarget(dir) // replace the directory a link points to, not the link
	if err := CheckReplaceable(dir); err != nil {
		return err
	}
	if err := checkFiles(files); err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", dir, err)
	}
	parent := filepath.Dir(dir)
	if err := text.MkdirAll(parent); err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", dir, err)
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("checkpoint: save %s: exists and is not a directory", dir)
	}
	if err := removeStaleTemps(parent, filepath.Base(dir)); err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+tmpInfix)
	if err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := writeFiles(tmp, files); err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", dir, err)
	}
	if err := swapIn(tmp, dir); err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", dir, err)
	}
	return nil
}

// CheckReplaceable returns an error for a dir that Save cannot replace
// because it cannot be renamed: "." or ".." once cleaned (the current
// directory or a parent of it) or a file system root. Callers check it
// before the work whose result they save.
func CheckReplaceable(dir string) error {
	dir = filepath.Clean(dir)
	if b := filepath.Base(dir); b == "." || b == ".." || dir == filepath.Dir(dir) {
		return fmt.Errorf("checkpoint: %s cannot be replaced as a whole (it cannot be renamed); name the directory, e.g. %s", dir, filepath.Join(dir, "ck"))
	}
	return nil
}

// CheckOverwrite returns an error for a dir that a user asked to have
// replaced as a whole (a run's --overwrite) but that Save should not
// replace: one CheckReplaceable refuses, a path that is not a directory,
// and a directory holding files but no checkpoint (neither ConfigFile nor
// StateFile), whose files the replacement would delete. A dir that does
// not exist or is empty passes.
func CheckOverwrite(dir string) error {
	dir = filepath.Clean(dir)
	if err := CheckReplaceable(dir); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("checkpoint: %s exists and is not a directory", dir)
	}
	for _, name := range []string{ConfigFile, StateFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			return nil
		}
	}
	es, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if len(es) > 0 {
		return fmt.Errorf("checkpoint: %s holds files but no checkpoint (%s or %s); replacing it as a whole would delete them, so give a new or checkpoint directory", dir, ConfigFile, StateFile)
	}
	return nil
}

// checkFiles checks that the names of files are distinct plain file names
// other than ManifestFile, and that each file has a Write function.
func checkFiles(files []File) error {
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if f.Name == "" || f.Name == "." || f.Name == ".." || f.Name == ManifestFile || strings.ContainsAny(f.Name, "/\\\n\r") {
			return fmt.Errorf("invalid file name %q", f.Name)
		}
		if seen[f.Name] {
			return fmt.Errorf("file %q given twice", f.Name)
		}
		if f.Write == nil {
			return fmt.Errorf("file %q has no Write function", f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// writeFiles fills the fresh directory tmp: it writes files and their
// ManifestFile, each fsynced, and syncs the directory.
func writeFiles(tmp string, files []File) error {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	sums := make([]fileSum, 0, len(files))
	for _, f := range files {
		sum, err := writeNew(filepath.Join(tmp, f.Name), f.Write)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		sums = append(sums, fileSum{f.Name, sum})
	}
	if _, err := writeNew(filepath.Join(tmp, ManifestFile), func(w io.Writer) error { return writeManifest(w, sums) }); err != nil {
		return fmt.Errorf("%s: %w", ManifestFile, err)
	}
	return syncDir(tmp)
}

// swapIn replaces dir (if any) by the complete directory tmp, its sibling:
// dir is renamed to dir.swap-old, tmp to dir, and dir.swap-old removed,
// syncing the parent between steps; on a failed rename dir.swap-old is
// renamed back.
func swapIn(tmp, dir string) error {
	parent, old := filepath.Dir(dir), dir+oldSuffix
	_, statErr := os.Stat(dir)
	haveDir := statErr == nil
	if haveDir {
		// A stale dir.swap-old beside a complete dir is left from an
		// earlier crash after the swap; it is safe to drop.
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("removing stale %s: %w", old, err)
		}
		if err := os.Rename(dir, old); err != nil {
			return err
		}
		if err := syncDir(parent); err != nil {
			os.Rename(old, dir)
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if haveDir {
			os.Rename(old, dir)
		}
		return err
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	if err := os.RemoveAll(old); err != nil && !errIsNotExist(err) {
		return fmt.Errorf("removing %s: %w", old, err)
	}
	return nil
}

// writeNew creates path (which must not exist) and fills it through write,
// then fsyncs it. It returns the SHA-256 of what was written.
func writeNew(path string, write func(io.Writer) error) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return sum, err
	}
	h := sha256.New()
	if err := writeSynced(f, func(w io.Writer) error { return write(io.MultiWriter(w, h)) }); err != nil {
		f.Close()
		return sum, err
	}
	h.Sum(sum[:0])
	return sum, f.Close()
}

// Checkpoint is a checkpoint directory opened for reading.
//
// A Checkpoint is safe for concurrent use: its methods only read files
// (ReadParams writes into the parameters given, which the caller must not
// share).
type Checkpoint struct {
	// Dir is the directory the files are read from: the requested one, or
	// its ".swap-old" sibling when a Save was interrupted mid-swap.
	Dir string
}

// Load opens the checkpoint directory dir. When dir is missing but
// dir.swap-old exists (a Save crashed between its two renames), Load
// returns the old, complete checkpoint (for a dir that is a symbolic link,
// the ".swap-old" sibling of the directory it points to). When the
// directory has a ManifestFile (every Save writes one), Load verifies the SHA-256 of every file it
// lists and reports a missing, torn or edited file as such; directories
// written before manifests existed load unverified.
func Load(dir string) (*Checkpoint, error) {
	dir = filepath.Clean(dir)
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return nil, fmt.Errorf("checkpoint: load %s: not a directory", dir)
		}
		return verified(&Checkpoint{Dir: dir})
	}
	if !errIsNotExist(err) {
		return nil, fmt.Errorf("checkpoint: load %s: %w", dir, err)
	}
	// Save through a link renames the directory it points to.
	if old := text.LinkTarget(dir) + oldSuffix; isDir(old) {
		return verified(&Checkpoint{Dir: old})
	}
	return nil, fmt.Errorf("checkpoint: load %s: %w", dir, err)
}

// isDir reports whether path is a directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// Path returns the path of the named file in the checkpoint.
func (c *Checkpoint) Path(name string) string { return filepath.Join(c.Dir, name) }

// Has reports whether the checkpoint contains the named file.
func (c *Checkpoint) Has(name string) bool {
	fi, err := os.Stat(c.Path(name))
	return err == nil && fi.Mode().IsRegular()
}

// ReadFile returns the contents of the named file.
func (c *Checkpoint) ReadFile(name string) ([]byte, error) {
	b, err := os.ReadFile(c.Path(name))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return b, nil
}

// ReadJSON decodes the named JSON file into v, rejecting unknown fields
// and anything after the JSON value but white space.
func (c *Checkpoint) ReadJSON(name string, v any) error {
	b, err := c.ReadFile(name)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", c.Path(name), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("checkpoint: %s: data after the JSON value at byte %d", c.Path(name), dec.InputOffset())
	}
	return nil
}

// ReadTensors reads the named safetensors file.
func (c *Checkpoint) ReadTensors(name string) (map[string]Tensor, map[string]string, error) {
	return ReadSafetensorsFile(c.Path(name))
}

// ReadParams loads the named safetensors file into ps (see SetParams) and
// returns its metadata.
func (c *Checkpoint) ReadParams(name string, ps []*nn.Param) (map[string]string, error) {
	tensors, meta, err := c.ReadTensors(name)
	if err != nil {
		return nil, err
	}
	if err := SetParams(ps, tensors); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Path(name), err)
	}
	return meta, nil
}

// ReadSafetensorsFile reads and validates the safetensors file at path.
func ReadSafetensorsFile(path string) (map[string]Tensor, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	t, m, err := ReadSafetensors(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, m, nil
}

// WriteSafetensorsFile atomically writes tensors to path in safetensors
// format (see text.WriteFileAtomic).
func WriteSafetensorsFile(path string, tensors map[string]Tensor, meta map[string]string) error {
	return text.WriteFileAtomic(path, func(w io.Writer) error { return WriteSafetensors(w, tensors, meta) })
}
