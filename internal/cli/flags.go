package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/text"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Checks of flag values that every command makes the same way: flags are
// marked when a command is built (required, positive, files read, files
// written, checkpoints replaced), and the root command checks the marks
// (CheckMarks) before any command runs.

// CheckMarks checks cmd's command line against its marks, as usage
// errors: standard input named once (MarkInputs, MarkInputArgs), outputs
// that can be written (MarkOutputs, MarkReplacesCheckpoint), numbers that
// must be positive (MarkPositive), options of another option (MarkNeeds).
func CheckMarks(cmd *cobra.Command, args []string) error {
	if err := StdinOnce(cmd, args); err != nil {
		return Usage(err)
	}
	if err := CheckOutputs(cmd); err != nil {
		return Usage(err)
	}
	var positive []string
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[positiveAnnotation]; ok {
			positive = append(positive, f.Name)
		}
		if need := f.Annotations[needsAnnotation]; f.Changed && len(need) > 0 && err == nil && !cmd.Flags().Changed(need[0]) {
			err = fmt.Errorf("%s: --%s goes with --%s", strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" "), f.Name, need[0])
		}
	})
	if err != nil {
		return Usage(err)
	}
	return Usage(PositiveFlags(cmd, positive...))
}

// needsAnnotation marks a flag that only means something with another.
const needsAnnotation = "recurrent_needs"

// MarkNeeds marks cmd's flags names as options of flag: giving one
// without flag is a usage error (CheckMarks), not an option silently
// ignored.
func MarkNeeds(cmd *cobra.Command, flag string, names ...string) {
	for _, n := range names {
		if err := cmd.Flags().SetAnnotation(n, needsAnnotation, []string{flag}); err != nil {
			panic(err) // a flag name misspelt in the source
		}
	}
}

// MarkPositive marks cmd's numeric flags names as ones that, when given,
// must be positive (CheckMarks; see PositiveFlags).
func MarkPositive(cmd *cobra.Command, names ...string) {
	mark(cmd, positiveAnnotation, names)
}

// mark annotates cmd's flags names with key.
func mark(cmd *cobra.Command, key string, names []string) {
	for _, n := range names {
		if err := cmd.Flags().SetAnnotation(n, key, []string{"true"}); err != nil {
			panic(err) // a flag name misspelt in the source
		}
	}
}

// MarkRequired marks cmd's flags as required: cobra then refuses to run the
// command without them, naming the missing ones.
func MarkRequired(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		if err := cmd.MarkFlagRequired(n); err != nil {
			panic(err) // a flag name misspelt in the source
		}
	}
}

// PositiveFlags returns an error naming the first of the given numeric
// flags that was set on the command line to zero or less (for a library
// whose zero value means "default", an explicit 0 must not pass silently).
func PositiveFlags(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		fl := cmd.Flags().Lookup(name)
		if fl == nil || !fl.Changed {
			continue
		}
		v, err := strconv.ParseFloat(fl.Value.String(), 64)
		if err == nil && !(v > 0) {
			return fmt.Errorf("%s: --%s %s: must be positive", strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" "), name, fl.Value.String())
		}
	}
	return nil
}

// inputAnnotation marks a flag whose value names a file to read, "-" being
// standard input (MarkInputs); argsAnnotation marks a command whose arguments
// are such files.
const (
	inputAnnotation      = "recurrent_input"
	positiveAnnotation   = "recurrent_positive"
	argsAnnotation       = "recurrent_input_args"
	outputAnnotation     = "recurrent_output"
	fileOutputAnnotation = "recurrent_file_output"
	replaceAnnotation    = "recurrent_replaced_checkpoint"
)

// MarkInputs marks cmd's flags names as files it reads ("-": standard input),
// so that StdinOnce can refuse standard input named twice.
func MarkInputs(cmd *cobra.Command, names ...string) { mark(cmd, inputAnnotation, names) }

// MarkInputArgs marks cmd's arguments, and its flags names, as files it
// reads ("-": standard input); a command without an argument check of its
// own then takes any number of arguments.
func MarkInputArgs(cmd *cobra.Command, names ...string) {
	MarkInputs(cmd, names...)
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[argsAnnotation] = "true"
	if cmd.Args == nil {
		cmd.Args = cobra.ArbitraryArgs
	}
}

// LineInputs are the --text and --file flags of a command that works on
// lines of text: its inputs are the texts given, then the files of --file
// and of its arguments, or standard input when there are neither
// (text.Stdio.EachInput).
type LineInputs struct{ texts, files []string }

// Register adds --text and --file (repeatable, with the help given) to
// cmd, whose arguments are files as --file's are (MarkInputArgs).
func (in *LineInputs) Register(cmd *cobra.Command, textHelp, fileHelp string) {
	cmd.Flags().StringArrayVar(&in.texts, "text", nil, textHelp)
	cmd.Flags().StringArrayVar(&in.files, "file", nil, fileHelp)
	MarkInputArgs(cmd, "file")
}

// Each passes read each input of a command given args, its arguments
// ("-": s.In).
func (in *LineInputs) Each(s text.Stdio, args []string, read func(r io.Reader, name string) error) error {
	return s.EachInput(in.texts, append(slices.Clone(in.files), args...), read)
}

// Lines returns every line of the inputs of a command given args, its
// arguments, a blank one kept as "" (text.Stdio.AlignedLines).
func (in *LineInputs) Lines(s text.Stdio, args []string) ([]string, error) {
	return s.AlignedLines(in.texts, append(slices.Clone(in.files), args...))
}

// StdinOnce refuses a command line that names standard input ("-") for
// more than one of cmd's inputs: the first would read it all and the
// others nothing, silently (an empty analogy or similarity file, a second
// file to score with no lines).
func StdinOnce(cmd *cobra.Command, args []string) error {
	var uses []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[inputAnnotation]; !ok {
			return
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			if v == "-" {
				uses = append(uses, "--"+f.Name)
			}
		}
	})
	if cmd.Annotations[argsAnnotation] != "" {
		for _, a := range args {
			if a == "-" {
				uses = append(uses, "argument -")
			}
		}
	}
	if len(uses) > 1 {
		return fmt.Errorf("%s all name standard input (\"-\"), which can be read only once", strings.Join(uses, ", "))
	}
	return nil
}

// MarkOutputs marks cmd's flags names as files it writes ("-": standard
// output), so that CheckOutputs can refuse one that cannot be written
// before the command works for it.
func MarkOutputs(cmd *cobra.Command, names ...string) { mark(cmd, outputAnnotation, names) }

// MarkFileOutputs marks cmd's flags names as files it writes that cannot
// be standard output (it carries the results, or the file is a profile):
// CheckOutputs refuses "-" for them, and checks them as MarkOutputs does.
func MarkFileOutputs(cmd *cobra.Command, names ...string) {
	MarkOutputs(cmd, names...)
	mark(cmd, fileOutputAnnotation, names)
}

// MarkReplacesCheckpoint marks cmd's flag name as a checkpoint directory the
// command replaces as a whole (checkpoint.Save), so that CheckOutputs
// refuses a directory holding anything but a checkpoint.
func MarkReplacesCheckpoint(cmd *cobra.Command, name string) {
	mark(cmd, replaceAnnotation, []string{name})
}

// CheckOutputs refuses, before the command works for it, an output file
// (MarkOutputs) that is an existing directory or lies in a directory that
// does not exist or is given empty (--out=), "-" for a file that cannot be
// standard output (MarkFileOutputs), and a checkpoint directory to replace
// (MarkReplacesCheckpoint) that checkpoint.CheckOverwrite refuses: one
// holding files but no checkpoint (replacing it would delete them), a file,
// or one that cannot be renamed.
func CheckOutputs(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		p := f.Value.String()
		if _, ok := f.Annotations[fileOutputAnnotation]; ok && p == "-" && err == nil {
			err = fmt.Errorf("--%s -: standard output cannot take this file; give a file name", f.Name)
		}
		if _, ok := f.Annotations[outputAnnotation]; ok && p == "" && f.Changed && err == nil {
			err = fmt.Errorf("--%s: empty file name", f.Name)
		}
		if err != nil || p == "" || p == "-" {
			return
		}
		if _, ok := f.Annotations[outputAnnotation]; ok {
			if st, serr := os.Stat(filepath.Dir(p)); serr != nil || !st.IsDir() {
				err = fmt.Errorf("--%s %s: directory %s does not exist", f.Name, p, filepath.Dir(p))
			} else if st, serr := os.Stat(p); serr == nil && st.IsDir() {
				err = fmt.Errorf("--%s %s is a directory; give a file name", f.Name, p)
			}
		}
		if _, ok := f.Annotations[replaceAnnotation]; ok {
			if rerr := checkpoint.CheckOverwrite(p); rerr != nil {
				err = fmt.Errorf("--%s: %w", f.Name, rerr)
			}
		}
	})
	return err
}

// Threads returns cmd's validated --threads, the root's persistent flag:
// not given, it is GOMAXPROCS; given, it must be in [1, MaxThreads]. The
// root applies it with tensor.SetThreads, so a command passing the count
// on (vectors train, bench) reads tensor.Threads.
func Threads(cmd *cobra.Command) (int, error) {
	f := cmd.Flags().Lookup("threads")
	if f == nil || !f.Changed {
		return runtime.GOMAXPROCS(0), nil
	}
	n, err := strconv.Atoi(f.Value.String())
	if err != nil || n < 1 || n > MaxThreads {
		return 0, fmt.Errorf("--threads must be in [1, %d], got %s (leave it out for all %d cores)", MaxThreads, f.Value, runtime.GOMAXPROCS(0))
	}
	return n, nil
}

// MaxThreads bounds --threads: vectors train gives each thread a worker
// with its own buffers (--threads 100000000 died out of memory).
const MaxThreads = 1 << 12
