package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/vectors"
)

// The word-vector subcommands (train and vocab are in vectors_train.go).
func init() {
	newGroup("vectors", "Query, evaluate, debias, convert and plot word vectors", newVecSimilarCmd(), newVecAnalogyCmd(), newVecSimilarityCmd(), newVecDoesntMatchCmd(),
		newVecEvalCmd(), newVecDebiasCmd(), newVecConvertCmd(), newVecPlotCmd(), newVecTrainCmd(), newVecVocabCmd())
}

// vecSource is the --vectors/--format flag pair: the input vectors.
type vecSource struct{ vectors.Source }

func (s *vecSource) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.Path, "vectors", "", `input vector file (word2vec text/binary, GloVe, or fastText .bin; optionally .gz; "-" standard input)`)
	cmd.Flags().StringVar(&s.Format, "format", "auto", "input vectors' format: auto, word2vec, word2vec-bin, glove or fasttext (.bin)")
	_ = cmd.MarkFlagRequired("vectors")
	cli.MarkInputs(cmd, "vectors")
}

// vecOutput is the --out/--out-format flag pair of the commands that write
// vectors (train, convert, debias, classify export-vectors).
type vecOutput struct {
	path, format string
}

func (o *vecOutput) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.path, "out", "", `output vector file (.gz to compress; "-" standard output, the report then goes to standard error)`)
	cmd.Flags().StringVar(&o.format, "out-format", "auto", "output format: word2vec (text), word2vec-bin or glove (auto: from the --out name: .bin binary, 'glove' in the name GloVe, else word2vec text)")
	_ = cmd.MarkFlagRequired("out")
}

// save writes v to the output (atomically, or to standard output for "-").
func (o *vecOutput) save(cmd *cobra.Command, v *vectors.Vectors, f vectors.Format) error {
	return stdio(cmd).WriteFile(o.path, func(w io.Writer) error { return vectors.Write(w, v, f) })
}

// write saves v and prints its summary (vectors.OutputSummary; as JSON
// with asJSON) where reportTo says.
func (o *vecOutput) write(cmd *cobra.Command, v *vectors.Vectors, f vectors.Format, asJSON bool) error {
	if err := o.save(cmd, v, f); err != nil {
		return err
	}
	return writeReport(reportTo(cmd, o.path), v.Summary(o.path, f), asJSON, false)
}

// newVecWriteCmd completes c, a command that writes the vectors get
// returns to --out (--out-format) and prints their summary (--json): the
// output is checked before get runs.
func newVecWriteCmd(c *cobra.Command, get func(cmd *cobra.Command) (*vectors.Vectors, error)) *cobra.Command {
	var out vecOutput
	var asJSON bool
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := vectors.CheckOutput(out.path, out.format)
		if err != nil {
			return err
		}
		v, err := get(cmd)
		if err != nil {
			return err
		}
		return out.write(cmd, v, f, asJSON)
	}
	out.register(c)
	c.Flags().BoolVar(&asJSON, "json", false, `print {"out", "format", "words", "dim"} as JSON`)
	return c
}

// newVecQueryCmd completes c, a query of the --vectors (indexed with the
// case-insensitive fallback): run answers it with a report printed as text
// or, with --json (described by jsonUsage), as indented or one-line JSON.
func newVecQueryCmd(c *cobra.Command, jsonUsage string, indent bool, run func(cmd *cobra.Command, x *vectors.Index, args []string) (textWriter, error)) *cobra.Command {
	var src vecSource
	src.register(c)
	return newReportCmd(c, jsonUsage, !indent, func(cmd *cobra.Command, args []string) (textWriter, error) {
		v, err := src.Read(stdio(cmd))
		if err != nil {
			return nil, err
		}
		return run(cmd, vectors.NewIndex(v).IgnoreCase(), args)
	})
}

// newVecNeighborsCmd completes c, a query answered by the --top best words
// (default k) among the first --restrict.
func newVecNeighborsCmd(c *cobra.Command, k int, query func(x *vectors.Index, args []string, k, restrict int) ([]vectors.Neighbor, error)) *cobra.Command {
	var top, restrict int
	cmd := newVecQueryCmd(c, `print [{"word", "score"}] as JSON`, false, func(_ *cobra.Command, x *vectors.Index, args []string) (textWriter, error) {
		ns, err := query(x, args, top, restrict)
		return vectors.Neighbors(ns), err
	})
	cmd.Flags().IntVarP(&top, "top", "k", k, "number of results")
	cmd.Flags().IntVar(&restrict, "restrict", 0, "search only the first N (most frequent) words; 0 = all")
	cli.MarkPositive(cmd, "top") // --top 0 printed nothing
	return cmd
}

// noteIgnored reports the words a query left out, on standard error.
func noteIgnored(cmd *cobra.Command, missing []string) {
	if len(missing) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "ignoring unknown words: %s\n", strings.Join(missing, ", "))
	}
}

func newVecSimilarCmd() *cobra.Command {
	var negative []string
	cmd := newVecNeighborsCmd(&cobra.Command{
		Use:   "similar --vectors FILE WORD... [--negative WORD...]",
		Short: "Nearest words by cosine to the mean of the given words (minus --negative ones)",
		Args:  cobra.MinimumNArgs(1),
	}, 10, func(x *vectors.Index, args []string, k, restrict int) ([]vectors.Neighbor, error) {
		return x.MostSimilar(args, negative, k, restrict)
	})
	cmd.Flags().StringSliceVar(&negative, "negative", nil, "words to subtract")
	return cmd
}

func newVecAnalogyCmd() *cobra.Command {
	var method string
	var m vectors.Method
	cmd := newVecNeighborsCmd(&cobra.Command{
		Use:   "analogy --vectors FILE A B C",
		Short: "Answer A is to B as C is to ? (3CosAdd or 3CosMul)",
		Args:  cobra.ExactArgs(3),
		PreRunE: func(*cobra.Command, []string) (err error) {
			m, err = vectors.ParseMethod(method)
			return err
		},
	}, 5, func(x *vectors.Index, args []string, k, restrict int) ([]vectors.Neighbor, error) {
		return x.Analogy(args[0], args[1], args[2], m, k, restrict)
	})
	cmd.Flags().StringVar(&method, "method", "3cosadd", "3cosadd or 3cosmul")
	return cmd
}

func newVecSimilarityCmd() *cobra.Command {
	return newVecQueryCmd(&cobra.Command{
		Use:   "similarity --vectors FILE WORD1 WORD2",
		Short: "Cosine similarity of two words",
		Args:  cobra.ExactArgs(2),
	}, `print {"word1", "word2", "similarity"} as JSON`, true, func(_ *cobra.Command, x *vectors.Index, args []string) (textWriter, error) {
		s, err := x.Similarity(args[0], args[1])
		return &vectors.PairSimilarity{Similarity: s, Word1: args[0], Word2: args[1]}, err
	})
}

func newVecDoesntMatchCmd() *cobra.Command {
	return newVecQueryCmd(&cobra.Command{
		Use:   "doesnt-match --vectors FILE WORD...",
		Short: "The word farthest from the mean of the others",
		Args:  cobra.MinimumNArgs(2),
	}, `print {"word", "ignored"} as JSON`, true, func(cmd *cobra.Command, x *vectors.Index, args []string) (textWriter, error) {
		odd, missing, err := x.DoesntMatch(args)
		if err == nil {
			noteIgnored(cmd, missing)
		}
		return &vectors.OddWord{Ignored: append([]string{}, missing...), Word: odd}, err
	})
}

// vecJob is what eval and debias share: the input vectors, --json,
// --quiet and the analogy progress.
type vecJob struct {
	src           vecSource
	asJSON, quiet bool
}

func (j *vecJob) register(cmd *cobra.Command) {
	j.src.register(cmd)
	cmd.Flags().BoolVar(&j.asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&j.quiet, "quiet", false, "no progress on standard error")
}

// run runs job, showing the analogy progress it reports through the
// function it gets, and prints job's report to w.
func (j *vecJob) run(cmd *cobra.Command, w io.Writer, job func(progress func(vectors.EvalProgress)) (textWriter, error)) error {
	bar := newProgress(cmd.ErrOrStderr(), j.quiet)
	rep, err := job(func(p vectors.EvalProgress) { bar.update(p.Stage, int64(p.Done), int64(p.Total), p.Stage) })
	bar.finish()
	if err != nil {
		return err
	}
	return writeReport(w, rep, j.asJSON, false)
}

func newVecEvalCmd() *cobra.Command {
	var j vecJob
	var e vectors.Evaluation
	cmd := &cobra.Command{
		Use:   "eval --vectors FILE [--analogy FILE] [--restrict N] [--similarity FILE]... [--json]",
		Short: "Analogy accuracy and word-similarity correlations, counted like gensim 4",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return j.run(cmd, cmd.OutOrStdout(), func(progress func(vectors.EvalProgress)) (textWriter, error) {
				e.Progress = progress
				return vectors.Evaluate(cmd.Context(), stdio(cmd), j.src.Source, e)
			})
		},
	}
	j.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&e.Analogies, "analogy", "", `analogy file ("-" standard input; default: built-in Google set)`)
	fl.BoolVar(&e.NoAnalogies, "no-analogy", false, "skip the analogy evaluation")
	fl.IntVar(&e.Restrict, "restrict", 30000, "analogies: only the first N (most frequent) words (word2vec's 30,000; gensim's default is 300,000); 0 = all")
	fl.StringArrayVar(&e.Similarity, "similarity", nil, "word-similarity file (repeatable)")
	fl.IntVar(&e.SimilarityRestrict, "similarity-restrict", 300000, "similarity: only the first N words (gensim's default); 0 = all")
	cli.MarkInputs(cmd, "analogy", "similarity")
	fl.StringVar(&e.Method, "method", "3cosadd", "analogy method: 3cosadd (gensim) or 3cosmul")
	fl.BoolVar(&e.CaseSensitive, "case-sensitive", false, "match words exactly instead of upper-cased")
	fl.BoolVar(&e.Dummy4Unknown, "dummy4unknown", false, "count OOV analogies as wrong and OOV pairs as similarity 0")
	return cmd
}

func newVecDebiasCmd() *cobra.Command {
	var j vecJob
	var out vecOutput
	var job vectors.DebiasJob
	cmd := &cobra.Command{
		Use:   "debias --vectors FILE --out FILE [--lists DIR] [--json]",
		Short: "Hard-debias word vectors (Bolukbasi et al. 2016) and report direct bias and analogy accuracy",
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if job.OutFormat, err = vectors.CheckOutput(out.path, out.format); err != nil {
				return err
			}
			return j.run(cmd, reportTo(cmd, out.path), func(progress func(vectors.EvalProgress)) (textWriter, error) {
				job.Out, job.Progress = out.path, progress
				return vectors.DebiasFiles(cmd.Context(), stdio(cmd), j.src.Source, job)
			})
		},
	}
	j.register(cmd)
	out.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&job.Lists, "lists", "", "directory with definitional_pairs.json, equalize_pairs.json, gender_specific_full.json, professions.json (default: built-in)")
	fl.BoolVar(&job.Seed, "seed-list", false, "use gender_specific_seed.json instead of gender_specific_full.json")
	fl.IntVar(&job.Restrict, "restrict", 0, "neutralize only the first N (most frequent) words; 0 = all")
	fl.StringVar(&job.Analogies, "analogy", "", "analogy file for the before/after accuracy (default: built-in Google set)")
	cli.MarkInputs(cmd, "analogy")
	fl.BoolVar(&job.NoAnalogies, "no-analogy", false, "skip the analogy evaluation")
	fl.IntVar(&job.EvalRestrict, "eval-restrict", 30000, "analogy evaluation on the first N words; 0 = all")
	return cmd
}

func newVecConvertCmd() *cobra.Command {
	var src vecSource
	var limit int
	cmd := newVecWriteCmd(&cobra.Command{
		Use:   "convert --vectors FILE --out FILE [--out-format FORMAT] [--limit N]",
		Short: "Convert between word2vec text, word2vec binary and GloVe text",
	}, func(cmd *cobra.Command) (*vectors.Vectors, error) {
		v, err := src.Read(stdio(cmd))
		if err != nil {
			return nil, err
		}
		return v.Head(limit), nil
	})
	src.register(cmd)
	cmd.Flags().IntVar(&limit, "limit", 0, "keep only the first N words")
	deprecatedAliases(cmd, map[string]string{"in": "vectors", "from": "format", "to": "out-format"})
	cli.MarkPositive(cmd, "limit")
	return cmd
}

func newVecPlotCmd() *cobra.Command {
	var src vecSource
	var words []string
	var job vectors.PlotJob
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plot --vectors FILE --out x.png WORD...",
		Short: "Plot chosen words on the first two principal components of their vectors",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("words") {
				fmt.Fprintln(cmd.ErrOrStderr(), "recurrent: --words is deprecated, give the words as arguments")
			}
			if job.Words = append(args, words...); len(job.Words) < 2 {
				return errors.New("vectors plot: give at least two words to plot")
			}
			rep, err := vectors.PlotFiles(stdio(cmd), src.Source, job)
			if err != nil {
				return err
			}
			noteIgnored(cmd, rep.Ignored)
			return writeReport(reportTo(cmd, job.Out), rep, asJSON, false)
		},
	}
	src.register(cmd)
	cmd.Flags().StringSliceVar(&words, "words", nil, "deprecated: give the words as arguments")
	_ = cmd.Flags().MarkHidden("words")
	cmd.Flags().StringVar(&job.Out, "out", "words.png", `output image (.png, .svg, .pdf; "-": PNG on standard output)`)
	cli.MarkOutputs(cmd, "out")
	cmd.Flags().StringVar(&job.Title, "title", "", "plot title")
	cmd.Flags().Float64Var(&job.Width, "width", 16, "width in cm")
	cmd.Flags().Float64Var(&job.Height, "height", 12, "height in cm")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"out", "words", "ignored"} as JSON`)
	return cmd
}
