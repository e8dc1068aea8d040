package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// vectorsCmd groups the word-vector subcommands (similar, analogy, eval,
// debias, convert, plot; train registers itself from vectors_train.go).
var vectorsCmd = &cobra.Command{
	Use:   "vectors",
	Short: "Query, evaluate, debias, convert and plot word vectors",
	Long: `Word vectors in word2vec text, word2vec binary or GloVe text files, or fastText
models (.bin, read only: words outside the vocabulary get fastText's vector
from their character n-grams); the format is detected when reading and .gz
files are decompressed. gensim's native .kv/.model pickles are not read: save
them with save_word2vec_format.`,
}

func init() {
	rootCmd.AddCommand(vectorsCmd)
	vectorsCmd.AddCommand(newVecSimilarCmd(), newVecAnalogyCmd(), newVecSimilarityCmd(), newVecDoesntMatchCmd(),
		newVecEvalCmd(), newVecDebiasCmd(), newVecConvertCmd(), newVecPlotCmd())
}

// vecSource is the --vectors/--format flag pair shared by the subcommands:
// the input vectors and their format.
type vecSource struct {
	path, format string
}

func (s *vecSource) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.path, "vectors", "", `input vector file (word2vec text/binary, GloVe, or fastText .bin; optionally .gz; "-" standard input)`)
	cmd.Flags().StringVar(&s.format, "format", "auto", "input vectors' format: auto, word2vec, word2vec-bin, glove or fasttext (.bin)")
	_ = cmd.MarkFlagRequired("vectors")
}

func (s *vecSource) load(cmd *cobra.Command) (*vectors.Vectors, error) {
	f, err := vectors.ParseFormat(s.format)
	if err != nil {
		return nil, err
	}
	return readInput(cmd, s.path, named(func(r io.Reader) (*vectors.Vectors, error) { return vectors.ReadFormat(r, f) }))
}

// index loads the vectors and prepares queries with case-insensitive fallback.
func (s *vecSource) index(cmd *cobra.Command) (*vectors.Index, error) {
	v, err := s.load(cmd)
	if err != nil {
		return nil, err
	}
	return vectors.NewIndex(v).IgnoreCase(), nil
}

// vecOutput is the --out/--out-format flag pair of the commands that write
// vectors; --to is the deprecated spelling of --out-format.
type vecOutput struct {
	path, format string
}

func (o *vecOutput) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.path, "out", "", `output vector file (.gz to compress; "-" standard output)`)
	cmd.Flags().StringVar(&o.format, "out-format", "", "output format: word2vec, word2vec-bin or glove (default: from the --out name: .bin binary, 'glove' in the name GloVe, else word2vec text)")
	_ = cmd.MarkFlagRequired("out")
}

// resolve returns the output format, checking it before any work is done.
func (o *vecOutput) resolve() (vectors.Format, error) {
	f := vectors.FormatFromPath(o.path)
	if o.format != "" && o.format != "auto" {
		var err error
		if f, err = vectors.ParseFormat(o.format); err != nil {
			return f, err
		}
	}
	if f == vectors.FormatAuto {
		f = vectors.Word2VecText
	}
	return f, nil
}

// save writes v to the output (atomically, or to standard output for "-").
func (o *vecOutput) save(cmd *cobra.Command, v *vectors.Vectors, f vectors.Format) error {
	return stdio(cmd).WriteFile(o.path, func(w io.Writer) error { return vectors.Write(w, v, f) })
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printNeighbors writes results as "word<TAB>score" lines or JSON.
func printNeighbors(w io.Writer, ns []vectors.Neighbor, asJSON bool) error {
	if asJSON {
		type item struct {
			Word  string  `json:"word"`
			Score float64 `json:"score"`
		}
		out := make([]item, len(ns))
		for i, n := range ns {
			out[i] = item{n.Word, float64(n.Score)}
		}
		return json.NewEncoder(w).Encode(out)
	}
	for _, n := range ns {
		fmt.Fprintf(w, "%s\t%.4f\n", n.Word, n.Score)
	}
	return nil
}

// noteIgnored reports the words a query left out, on standard error.
func noteIgnored(cmd *cobra.Command, missing []string) {
	if len(missing) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "ignoring unknown words: %s\n", strings.Join(missing, ", "))
	}
}

func newVecSimilarCmd() *cobra.Command {
	var src vecSource
	var k, restrict int
	var negative []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "similar --vectors FILE WORD... [--negative WORD...]",
		Short: "Nearest words by cosine to the mean of the given words (minus --negative ones)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			x, err := src.index(cmd)
			if err != nil {
				return err
			}
			ns, err := x.MostSimilar(args, negative, k, restrict)
			if err != nil {
				return err
			}
			return printNeighbors(cmd.OutOrStdout(), ns, asJSON)
		},
	}
	src.register(cmd)
	cmd.Flags().IntVarP(&k, "top", "k", 10, "number of results")
	cmd.Flags().IntVar(&restrict, "restrict", 0, "search only the first N (most frequent) words; 0 = all")
	cmd.Flags().StringSliceVar(&negative, "negative", nil, "words to subtract")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print [{"word", "score"}] as JSON`)
	return cmd
}

func newVecAnalogyCmd() *cobra.Command {
	var src vecSource
	var k, restrict int
	var method string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "analogy --vectors FILE A B C",
		Short: "Answer A is to B as C is to ? (3CosAdd or 3CosMul)",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := vectors.ParseMethod(method)
			if err != nil {
				return err
			}
			x, err := src.index(cmd)
			if err != nil {
				return err
			}
			ns, err := x.Analogy(args[0], args[1], args[2], m, k, restrict)
			if err != nil {
				return err
			}
			return printNeighbors(cmd.OutOrStdout(), ns, asJSON)
		},
	}
	src.register(cmd)
	cmd.Flags().IntVarP(&k, "top", "k", 5, "number of results")
	cmd.Flags().IntVar(&restrict, "restrict", 0, "search only the first N (most frequent) words; 0 = all")
	cmd.Flags().StringVar(&method, "method", "3cosadd", "3cosadd or 3cosmul")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print [{"word", "score"}] as JSON`)
	return cmd
}

func newVecSimilarityCmd() *cobra.Command {
	var src vecSource
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "similarity --vectors FILE WORD1 WORD2",
		Short: "Cosine similarity of two words",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			x, err := src.index(cmd)
			if err != nil {
				return err
			}
			s, err := x.Similarity(args[0], args[1])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"word1": args[0], "word2": args[1], "similarity": s})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%.6f\n", s)
			return nil
		},
	}
	src.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"word1", "word2", "similarity"} as JSON`)
	return cmd
}

func newVecDoesntMatchCmd() *cobra.Command {
	var src vecSource
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doesnt-match --vectors FILE WORD...",
		Short: "The word farthest from the mean of the others",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			x, err := src.index(cmd)
			if err != nil {
				return err
			}
			odd, missing, err := x.DoesntMatch(args)
			if err != nil {
				return err
			}
			noteIgnored(cmd, missing)
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"word": odd, "ignored": append([]string{}, missing...)})
			}
			fmt.Fprintln(cmd.OutOrStdout(), odd)
			return nil
		},
	}
	src.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"word", "ignored"} as JSON`)
	return cmd
}

// jsonFloat encodes NaN (an undefined correlation) as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

// vecSectionJSON is one analogy section in the eval JSON.
type vecSectionJSON struct {
	Section   string    `json:"section"`
	Correct   int       `json:"correct"`
	Incorrect int       `json:"incorrect"`
	OOV       int       `json:"oov"`
	Accuracy  jsonFloat `json:"accuracy"`
}

func sectionJSON(s vectors.SectionScore) vecSectionJSON {
	return vecSectionJSON{s.Name, s.Correct, s.Incorrect, s.OOV, jsonFloat(s.Accuracy())}
}

// vecAnalogyJSON is the analogy part of the eval and debias JSON.
type vecAnalogyJSON struct {
	File       string           `json:"file"`
	Method     string           `json:"method"`
	Restrict   int              `json:"restrict"`
	Total      jsonFloat        `json:"total"`
	Semantic   jsonFloat        `json:"semantic"`
	Syntactic  jsonFloat        `json:"syntactic"`
	Questions  int              `json:"questions"`
	OOV        int              `json:"oov"`
	OOVPercent jsonFloat        `json:"oov_percent"`
	Counts     []vecSectionJSON `json:"counts"` // total, semantic, syntactic
	Sections   []vecSectionJSON `json:"sections"`
}

func analogyJSON(file string, opt vectors.AnalogyOptions, r *vectors.AnalogyReport) *vecAnalogyJSON {
	out := &vecAnalogyJSON{
		File: file, Method: opt.Method.String(), Restrict: opt.Restrict,
		Total: jsonFloat(r.Total.Accuracy()), Semantic: jsonFloat(r.Semantic.Accuracy()), Syntactic: jsonFloat(r.Syntactic.Accuracy()),
		Questions: r.Questions, OOV: r.OOV, OOVPercent: jsonFloat(r.OOVPercent()),
		Counts: []vecSectionJSON{sectionJSON(r.Total), sectionJSON(r.Semantic), sectionJSON(r.Syntactic)},
	}
	for _, s := range r.Sections {
		out.Sections = append(out.Sections, sectionJSON(s))
	}
	return out
}

func printAnalogyReport(w io.Writer, file string, r *vectors.AnalogyReport) {
	fmt.Fprintf(w, "analogies %s\n", file)
	for _, s := range r.Sections {
		fmt.Fprintf(w, "  %-30s %6.2f%%  (%d/%d, %d OOV)\n", s.Name, 100*s.Accuracy(), s.Correct, s.Correct+s.Incorrect, s.OOV)
	}
	for _, s := range []vectors.SectionScore{r.Semantic, r.Syntactic, r.Total} {
		fmt.Fprintf(w, "  %-30s %6.2f%%  (%d/%d)\n", s.Name, 100*s.Accuracy(), s.Correct, s.Correct+s.Incorrect)
	}
	fmt.Fprintf(w, "  questions with OOV words: %d of %d (%.1f%%), skipped\n", r.OOV, r.Questions, r.OOVPercent())
}

// loadAnalogySet reads path ("-": standard input), or the built-in Google
// set for "" / "google".
func loadAnalogySet(cmd *cobra.Command, path string) (*vectors.AnalogySet, string, error) {
	if path == "" || path == "google" {
		s, err := vectors.GoogleAnalogies()
		return s, "google (built-in questions-words.txt)", err
	}
	set, err := readInput(cmd, path, named(vectors.ReadAnalogies))
	return set, text.DisplayName(path), err
}

type vecEvalFlags struct {
	src           vecSource
	analogy       string
	noAnalogy     bool
	restrict      int
	similarity    []string
	simRestrict   int
	method        string
	caseSensitive bool
	dummy4unknown bool
	asJSON        bool
	quiet         bool
}

func newVecEvalCmd() *cobra.Command {
	var f vecEvalFlags
	cmd := &cobra.Command{
		Use:   "eval --vectors FILE [--analogy FILE] [--restrict N] [--similarity FILE]... [--json]",
		Short: "Analogy accuracy and word-similarity correlations, counted like gensim 4",
		Long: `Evaluate word vectors like gensim 4's KeyedVectors.evaluate_word_analogies and
evaluate_word_pairs: words are matched upper-cased (the first case variant wins),
questions or pairs with a word outside the first --restrict words are skipped and
reported as OOV. Without --analogy the built-in Google analogy set is used.

--restrict defaults to 30,000, the convention of word2vec's compute-accuracy
and of the published Google-analogy figures; gensim's evaluate_word_analogies
defaults to restrict_vocab=300,000, so pass --restrict 300000 to compare with
gensim's defaults (and 0 for the whole vocabulary). --similarity-restrict
defaults to gensim's 300,000.
Similarity files hold "word1 word2 score" lines (tab or space separated, '#' comments).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVecEval(cmd, &f) },
	}
	f.src.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.analogy, "analogy", "", `analogy file ("-" standard input; default: built-in Google set)`)
	fl.BoolVar(&f.noAnalogy, "no-analogy", false, "skip the analogy evaluation")
	fl.IntVar(&f.restrict, "restrict", 30000, "analogies: only the first N (most frequent) words (word2vec's 30,000; gensim's default is 300,000); 0 = all")
	fl.StringArrayVar(&f.similarity, "similarity", nil, "word-similarity file (repeatable)")
	fl.IntVar(&f.simRestrict, "similarity-restrict", 300000, "similarity: only the first N words (gensim's default); 0 = all")
	fl.StringVar(&f.method, "method", "3cosadd", "analogy method: 3cosadd (gensim) or 3cosmul")
	fl.BoolVar(&f.caseSensitive, "case-sensitive", false, "match words exactly instead of upper-cased")
	fl.BoolVar(&f.dummy4unknown, "dummy4unknown", false, "count OOV analogies as wrong and OOV pairs as similarity 0")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress on standard error")
	return cmd
}

// vecSimJSON is one word-similarity result in the eval JSON.
type vecSimJSON struct {
	File       string    `json:"file"`
	Spearman   jsonFloat `json:"spearman"`
	Pearson    jsonFloat `json:"pearson"`
	OOVPercent jsonFloat `json:"oov_percent"`
	Pairs      int       `json:"pairs"`
	OOV        int       `json:"oov"`
	Skipped    int       `json:"skipped_lines"`
}

// vecEvalJSON is the output of vectors eval --json.
type vecEvalJSON struct {
	Vectors    string                 `json:"vectors"`
	Words      int                    `json:"words"`
	Dim        int                    `json:"dim"`
	Analogy    *vecAnalogyJSON        `json:"analogy,omitempty"`
	Similarity map[string]*vecSimJSON `json:"similarity,omitempty"`
}

// evalAnalogies runs the analogy test on x with a progress display.
func evalAnalogies(cmd *cobra.Command, x *vectors.Index, file, stage string, opt vectors.AnalogyOptions, quiet bool) (*vecAnalogyJSON, *vectors.AnalogyReport, error) {
	set, name, err := loadAnalogySet(cmd, file)
	if err != nil {
		return nil, nil, err
	}
	bar := newProgress(cmd.ErrOrStderr(), quiet)
	defer bar.finish()
	opt.Progress = func(done, total int) { bar.update(stage, int64(done), int64(total), stage) }
	rep, err := vectors.EvaluateAnalogies(cmd.Context(), x, set, opt)
	if err != nil {
		return nil, nil, err
	}
	return analogyJSON(name, opt, rep), rep, nil
}

func runVecEval(cmd *cobra.Command, f *vecEvalFlags) error {
	method, err := vectors.ParseMethod(f.method)
	if err != nil {
		return err
	}
	v, err := f.src.load(cmd)
	if err != nil {
		return err
	}
	x := vectors.NewIndex(v)
	out := cmd.OutOrStdout()
	res := vecEvalJSON{Vectors: f.src.path, Words: v.Len(), Dim: v.Dim}
	if !f.asJSON {
		fmt.Fprintf(out, "%s: %d words, dimension %d\n", text.DisplayName(f.src.path), v.Len(), v.Dim)
	}
	if !f.noAnalogy {
		opt := vectors.AnalogyOptions{Restrict: f.restrict, CaseSensitive: f.caseSensitive, Dummy4Unknown: f.dummy4unknown, Method: method}
		var rep *vectors.AnalogyReport
		if res.Analogy, rep, err = evalAnalogies(cmd, x, f.analogy, "analogies", opt, f.quiet); err != nil {
			return err
		}
		if !f.asJSON {
			printAnalogyReport(out, res.Analogy.File, rep)
		}
	}
	for _, path := range f.similarity {
		var skipped []int
		pairs, err := readInput(cmd, path, named(func(r io.Reader) (p []vectors.WordPair, err error) {
			p, skipped, err = vectors.ReadWordPairs(r)
			return p, err
		}))
		if err != nil {
			return err
		}
		rep, err := vectors.EvaluateWordPairs(x, pairs, vectors.PairsOptions{Restrict: f.simRestrict, CaseSensitive: f.caseSensitive, Dummy4Unknown: f.dummy4unknown})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if res.Similarity == nil {
			res.Similarity = map[string]*vecSimJSON{}
		}
		res.Similarity[filepath.Base(path)] = &vecSimJSON{path, jsonFloat(rep.Spearman), jsonFloat(rep.Pearson), jsonFloat(rep.OOVPercent), rep.Pairs, rep.OOV, len(skipped)}
		if !f.asJSON {
			fmt.Fprintf(out, "similarity %s: spearman %.4f  pearson %.4f  (%d pairs, %d OOV = %.1f%%, %d lines skipped)\n",
				filepath.Base(path), rep.Spearman, rep.Pearson, rep.Pairs, rep.OOV, rep.OOVPercent, len(skipped))
		}
	}
	if f.asJSON {
		return printJSON(out, res)
	}
	return nil
}

type vecDebiasFlags struct {
	src          vecSource
	out          vecOutput
	lists        string
	seed         bool
	restrict     int
	analogy      string
	noAnalogy    bool
	evalRestrict int
	asJSON       bool
	quiet        bool
}

func newVecDebiasCmd() *cobra.Command {
	var f vecDebiasFlags
	cmd := &cobra.Command{
		Use:   "debias --vectors FILE --out FILE [--lists DIR] [--json]",
		Short: "Hard-debias word vectors (Bolukbasi et al. 2016) and report direct bias and analogy accuracy",
		Long: `Remove the gender direction (first principal component of the definitional pairs'
differences) from every word not in the gender-specific list, equalize the
equalize pairs, and write unit-length vectors. Reports direct bias (mean |cos(w, g)|
over professions) and analogy accuracy before and after. Without --lists the
built-in lists of the debiaswe repository are used. With --out - the vectors
go to standard output and the report to standard error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVecDebias(cmd, &f) },
	}
	f.src.register(cmd)
	f.out.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.lists, "lists", "", "directory with definitional_pairs.json, equalize_pairs.json, gender_specific_full.json, professions.json (default: built-in)")
	fl.BoolVar(&f.seed, "seed-list", false, "use gender_specific_seed.json instead of gender_specific_full.json")
	fl.IntVar(&f.restrict, "restrict", 0, "neutralize only the first N (most frequent) words; 0 = all")
	fl.StringVar(&f.analogy, "analogy", "", "analogy file for the before/after accuracy (default: built-in Google set)")
	fl.BoolVar(&f.noAnalogy, "no-analogy", false, "skip the analogy evaluation")
	fl.IntVar(&f.evalRestrict, "eval-restrict", 30000, "analogy evaluation on the first N words")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress on standard error")
	return cmd
}

// vecDebiasJSON is the output of vectors debias --json.
type vecDebiasJSON struct {
	Vectors          string      `json:"vectors"`
	Out              string      `json:"out"`
	DirectBiasBefore jsonFloat   `json:"direct_bias_before"`
	DirectBiasAfter  jsonFloat   `json:"direct_bias_after"`
	Professions      int         `json:"professions_found"`
	Definitional     int         `json:"definitional_pairs_used"`
	Neutralized      int         `json:"neutralized"`
	Equalized        int         `json:"equalized"`
	Explained        []jsonFloat `json:"explained_variance"`
	Analogy          *struct {
		Before *vecAnalogyJSON `json:"before"`
		After  *vecAnalogyJSON `json:"after"`
	} `json:"analogy,omitempty"`
}

func runVecDebias(cmd *cobra.Command, f *vecDebiasFlags) error {
	format, err := f.out.resolve()
	if err != nil {
		return err
	}
	lists, err := vectors.BuiltinDebiasLists(f.seed)
	if f.lists != "" {
		lists, err = vectors.LoadDebiasLists(f.lists, f.seed)
	}
	if err != nil {
		return err
	}
	if dir := filepath.Dir(f.out.path); f.out.path != "-" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("--out %s: directory %s does not exist", f.out.path, dir)
		}
	}
	v, err := f.src.load(cmd)
	if err != nil {
		return err
	}
	deb, rep, err := vectors.Debias(v, lists, vectors.DebiasOptions{Restrict: f.restrict})
	if err != nil {
		return err
	}
	res := vecDebiasJSON{Vectors: f.src.path, Out: f.out.path, DirectBiasBefore: jsonFloat(rep.DirectBiasBefore), DirectBiasAfter: jsonFloat(rep.DirectBiasAfter),
		Professions: rep.ProfessionsFound, Definitional: rep.DefinitionalUsed, Neutralized: rep.Neutralized, Equalized: rep.Equalized}
	for _, e := range rep.Explained {
		res.Explained = append(res.Explained, jsonFloat(e))
	}
	if !f.noAnalogy {
		res.Analogy = &struct {
			Before *vecAnalogyJSON `json:"before"`
			After  *vecAnalogyJSON `json:"after"`
		}{}
		opt := vectors.AnalogyOptions{Restrict: f.evalRestrict}
		if res.Analogy.Before, _, err = evalAnalogies(cmd, vectors.NewIndex(v), f.analogy, "analogies before", opt, f.quiet); err != nil {
			return err
		}
		if res.Analogy.After, _, err = evalAnalogies(cmd, vectors.NewIndex(deb), f.analogy, "analogies after", opt, f.quiet); err != nil {
			return err
		}
	}
	if err := f.out.save(cmd, deb, format); err != nil {
		return err
	}
	if f.asJSON {
		return printJSON(reportTo(cmd, f.out.path), res)
	}
	printDebiasReport(reportTo(cmd, f.out.path), &res, f.evalRestrict, format)
	return nil
}

func printDebiasReport(out io.Writer, r *vecDebiasJSON, evalRestrict int, format vectors.Format) {
	fmt.Fprintf(out, "bias direction from %d definitional pairs (first component explains %.1f%% of their variance)\n",
		r.Definitional, 100*r.Explained[0])
	fmt.Fprintf(out, "neutralized %d words, equalized %d pairs\n", r.Neutralized, r.Equalized)
	fmt.Fprintf(out, "direct bias over %d professions: %.4f -> %.4f\n", r.Professions, r.DirectBiasBefore, r.DirectBiasAfter)
	if a := r.Analogy; a != nil {
		fmt.Fprintf(out, "analogy accuracy (%s, first %d words): total %.2f%% -> %.2f%%, semantic %.2f%% -> %.2f%%, syntactic %.2f%% -> %.2f%%\n",
			a.Before.File, evalRestrict, 100*a.Before.Total, 100*a.After.Total, 100*a.Before.Semantic, 100*a.After.Semantic,
			100*a.Before.Syntactic, 100*a.After.Syntactic)
	}
	fmt.Fprintf(out, "wrote %s (%v)\n", r.Out, format)
}

func newVecConvertCmd() *cobra.Command {
	var src vecSource
	var out vecOutput
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "convert --vectors FILE --out FILE [--out-format FORMAT] [--limit N]",
		Short: "Convert between word2vec text, word2vec binary and GloVe text",
		Long: `Convert reads --vectors (in --format) and writes --out (in --out-format).
"-" reads standard input or writes standard output (the report then goes to
standard error). --in, --from and --to are the old names of --vectors,
--format and --out-format.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tf, err := out.resolve()
			if err != nil {
				return err
			}
			v, err := src.load(cmd)
			if err != nil {
				return err
			}
			if limit > 0 && limit < v.Len() {
				v = &vectors.Vectors{Words: v.Words[:limit], Dim: v.Dim, Data: v.Data[:limit*v.Dim]}
			}
			if err := out.save(cmd, v, tf); err != nil {
				return err
			}
			w := reportTo(cmd, out.path)
			if asJSON {
				return printJSON(w, map[string]any{"out": out.path, "format": tf.String(), "words": v.Len(), "dim": v.Dim})
			}
			fmt.Fprintf(w, "wrote %d vectors of dimension %d to %s (%v)\n", v.Len(), v.Dim, out.path, tf)
			return nil
		},
	}
	src.register(cmd)
	out.register(cmd)
	cmd.Flags().IntVar(&limit, "limit", 0, "keep only the first N words")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"out", "format", "words", "dim"} as JSON`)
	deprecatedAliases(cmd, map[string]string{"in": "vectors", "from": "format", "to": "out-format"})
	return cmd
}

func newVecPlotCmd() *cobra.Command {
	var src vecSource
	var words []string
	var out, title string
	var width, height float64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plot --vectors FILE --out x.png WORD...",
		Short: "Plot chosen words on the first two principal components of their vectors",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("words") {
				fmt.Fprintln(cmd.ErrOrStderr(), "recurrent: --words is deprecated, give the words as arguments")
			}
			if args = append(args, words...); len(args) < 2 {
				return errors.New("vectors plot: give at least two words to plot")
			}
			x, err := src.index(cmd)
			if err != nil {
				return err
			}
			known, xy, missing, err := x.Project2D(args)
			if err != nil {
				return err
			}
			noteIgnored(cmd, missing)
			if title == "" {
				title = "PCA of " + filepath.Base(src.path)
			}
			err = stdio(cmd).WriteFile(out, func(w io.Writer) error {
				return vectors.WritePlot(w, vectors.PlotFormat(out), title, known, xy, width, height)
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(reportTo(cmd, out), map[string]any{"out": out, "words": known, "ignored": append([]string{}, missing...)})
			}
			fmt.Fprintf(reportTo(cmd, out), "wrote %s (%d words)\n", out, len(known))
			return nil
		},
	}
	src.register(cmd)
	cmd.Flags().StringSliceVar(&words, "words", nil, "deprecated: give the words as arguments")
	_ = cmd.Flags().MarkHidden("words")
	cmd.Flags().StringVar(&out, "out", "words.png", `output image (.png, .svg, .pdf; "-": PNG on standard output)`)
	cmd.Flags().StringVar(&title, "title", "", "plot title")
	cmd.Flags().Float64Var(&width, "width", 16, "width in cm")
	cmd.Flags().Float64Var(&height, "height", 12, "height in cm")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"out", "words", "ignored"} as JSON`)
	return cmd
}
